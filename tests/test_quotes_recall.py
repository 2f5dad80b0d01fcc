"""Reported speech that the recall rules of tasks/quotes.py find (issue 12), with invented names
and wordings: each rule has at least two wordings, so that it is the kind that is handled, not
one sentence."""

from __future__ import annotations

import pytest

from tests.test_quotes import enrich  # checks every span and confidence it returns


def indirect(text: str, content: str):
    return [q for q in enrich(text).quotes if q.kind == "indirect" and content in q.text]


def no_quote_holding(text: str, wrong: str) -> None:
    """No quote of ``text``, of any kind, holds ``wrong``."""
    quotes = enrich(text).quotes
    assert not any(wrong in q.text for q in quotes), quotes


def reported(text: str, content: str, speaker: str, strategy: str | None = None):
    """The indirect quotes of ``text`` holding ``content``, the first said by ``speaker`` (as
    resolved or as written) and, when given, found by ``strategy`` (the evidence's second field)."""
    q = indirect(text, content)
    assert q and speaker in (q[0].speaker_name or q[0].speaker or ""), enrich(text).quotes
    if strategy is not None:
        assert q[0].evidence.split("|")[1] == strategy, q
    return q


@pytest.mark.parametrize("text, content, speaker", [
    ("Mayor Ilse Brandvold talked about the harbour tunnel at the town meeting.", "the harbour tunnel", "Ilse Brandvold"),
    ("At the congress, the union leader Tariq Osei spoke about the wages of shipyard welders.", "the wages of shipyard welders", "Tariq Osei"),
    ("She has often talked about how the drought changed her family's farm.",
     "how the drought changed her family's farm", "She"),
])
def test_a_talk_verb_reports_its_topic(text, content, speaker):
    """Talk verbs (Levin 37.5/37.6) give what was said by its topic, a PP headed by "about"."""
    reported(text, content, speaker)


@pytest.mark.parametrize("text, wrong", [
    # a talk verb with another preposition, or with its addressee only, says nothing
    ("Mayor Ilse Brandvold talked to reporters in the lobby.", "reporters"),
    ("The union leader Tariq Osei spoke at the shipyard on Monday.", "the shipyard"),
])
def test_a_talk_verb_without_a_topic_is_no_quote(text, wrong):
    no_quote_holding(text, wrong)


@pytest.mark.parametrize("text, content", [
    ("Senator Rui Almeida defended the fishing quota against charges of favouritism.",
     "the fishing quota against charges of favouritism"),
    ("The coach praised her goalkeeper for a calm second half.", "her goalkeeper for a calm second half"),
])
def test_an_object_content_keeps_the_phrase_that_completes_it(text, content):
    """An object content runs on through the verb's phrase right after it."""
    assert indirect(text, content), enrich(text).quotes


@pytest.mark.parametrize("text, content", [
    # PolNeAR's Content runs to the end of the verb phrase, a date or a setting included (this
    # test said the opposite until the contents ran on: train F1 0.7305 -> 0.7317 and dev 0.7676
    # -> 0.7703 with the setting kept at the end)
    ("Senator Rui Almeida defended the fishing quota on Tuesday.", "the fishing quota on Tuesday"),
    ("The guild criticised the harbour board during the winter for its silence on the dredging.",
     "the harbour board during the winter for its silence on the dredging"),
])
def test_an_object_content_runs_to_the_end_of_the_verb_phrase(text, content):
    assert indirect(text, content), enrich(text).quotes


@pytest.mark.parametrize("text, content, setting", [
    ("The ferry captain told the harbour board before the vote that the pier was unsafe.",
     "the pier was unsafe", "before the vote"),
    ("Senator Rui Almeida defended the fishing quota at the hearing, saying the stocks had recovered.",
     "the fishing quota", "saying"),
])
def test_a_content_stops_before_a_setting_that_a_clause_follows(text, content, setting):
    """A setting that a content clause follows is the telling's ("told X before the vote that
    ..."); a participle after a comma is a report of its own."""
    q = indirect(text, content)
    assert q and all(setting not in x.text for x in q), enrich(text).quotes


@pytest.mark.parametrize("text, content", [
    ("The harbour master insisted the delay was brief, reflecting a shortage of pilots in the spring.",
     "the delay was brief, reflecting a shortage of pilots in the spring"),
    ("Councillor Mette Aune said the tunnel was late and that its cost had doubled since the tender.",
     "the tunnel was late and that its cost had doubled since the tender"),
    ("The mayor believes there are no cheap options, but that a toll may have to do.",
     "there are no cheap options, but that a toll may have to do"),
])
def test_a_content_clause_runs_to_the_end_of_the_verb_phrase(text, content):
    """The parser hangs a second conjunct or a participle on the cue, not on its clause."""
    assert indirect(text, content), enrich(text).quotes


@pytest.mark.parametrize("text, first, second", [
    ("Councillor Mette Aune said the tunnel was late, adding that its cost had doubled.",
     "the tunnel was late", "its cost had doubled"),
    ("The port director said the cranes were old, noting that two had failed in March.",
     "the cranes were old", "two had failed in March"),
])
def test_a_participle_that_reports_is_a_report_of_its_own(text, first, second):
    q = [x for x in enrich(text).quotes if x.text.startswith(first)]
    assert q and second not in q[0].text, enrich(text).quotes


@pytest.mark.parametrize("text, content, speaker", [
    ("Councillor Petra Lunde expressed concern about the closing of the ferry office.",
     "concern about the closing of the ferry office", "Petra Lunde"),
    ("The fishermen's union has expressed its support for the new quota rules.",
     "its support for the new quota rules", "The fishermen's union"),
])
def test_what_someone_expressed_is_the_content(text, content, speaker):
    """FrameNet's Expressing_publicly: the object of "express" is what was said."""
    reported(text, content, speaker)


@pytest.mark.parametrize("text, clause, quotation", [
    ("Mayor Ines Kowal said the levy has been “a fair price for clean water in every town,” and "
     "residents would need to “trust the board” for years.", "the levy has been “a fair price", "a fair price for clean water"),
    ("The harbour master told reporters the old pier was “beyond any reasonable repair by now,” and "
     "divers had found cracks.", "the old pier was “beyond", "beyond any reasonable repair"),
])
def test_a_clause_partly_quoted_is_reported_speech_with_its_quotation(text, clause, quotation):
    """A reported clause whose cue also attributes the quotation inside it is kept as indirect
    speech beside the quotation: the quotation alone drops what the speaker was reported to say."""
    quotes = enrich(text).quotes
    assert any(q.kind == "indirect" and q.text.startswith(clause) for q in quotes), quotes
    assert any(q.kind == "direct" and q.text.startswith(quotation) for q in quotes), quotes


@pytest.mark.parametrize("text", [
    "Today we are going to talk about how small shops can sell online.",
    "Let's talk about the deep end of the pool for a moment.",
    "I don't see anyone else talking about this problem in the trade.",
    "It is still hard to talk about the storm that took the harbour's boats.",
])
def test_a_talk_verb_without_a_third_person_speaker_reports_nothing(text):
    """The writer's own "we'll talk about", "let's talk about", nobody in particular, or no
    subject at all: no one is reported."""
    quotes = enrich(text).quotes
    assert not [q for q in quotes if q.cue and q.cue.lower().startswith(("talk", "speak", "spoke"))], quotes


@pytest.mark.parametrize("text, wish", [
    ("Governor Amara Lindqvist wants a new bridge before the election.", "a new bridge"),
    ("The cooperative wants to buy the old mill on the river, its chair Pavel Oduya said on Monday.",
     "to buy the old mill"),
])
def test_what_someone_wants_is_no_quote(text, wish):
    """A wish is not a statement: "wants a deal" names no words anyone said (the hand check of
    issue 12 counts such objects as not quotes); a cue elsewhere in the sentence still reports."""
    quotes = enrich(text).quotes
    assert not any(q.cue == "wants" for q in quotes), quotes
    assert not any(q.text.startswith(wish) for q in quotes), quotes


@pytest.mark.parametrize("text, content, speaker", [
    ("The leaked memos show that the ferry contract was signed before the tender closed.",
     "the ferry contract was signed before the tender closed", "memos"),
    ("A video from the stadium suggests the referee never saw the second foul.",
     "the referee never saw the second foul", "video"),
    ("Emails released by the council indicate that two inspectors had warned about the bridge.",
     "two inspectors had warned about the bridge", "Emails"),
])
def test_a_record_can_show_that_something_is_so(text, content, speaker):
    """An evidence verb with a thing that carries information as its subject (a noun whose first
    WordNet sense is a communication or an artifact) reports what that record says."""
    q = indirect(text, content)
    assert q and speaker in (q[0].speaker or ""), enrich(text).quotes


@pytest.mark.parametrize("text", [
    "Long experience shows that ferry subsidies rarely last beyond one election.",
    "Simple logic suggests that the referee never saw the second foul.",
    "Her popularity indicates that voters in the valley have forgiven the old scandal.",
])
def test_an_abstract_subject_shows_no_quote(text):
    """Abstract nouns (first WordNet sense not a communication or artifact) are no source."""
    assert not [q for q in enrich(text).quotes if q.kind == "indirect"], enrich(text).quotes


@pytest.mark.parametrize("text, content, speaker", [
    ("The harbour master complained about the new mooring fees at Tuesday's hearing.", "the new mooring fees", "harbour master"),
    ("Councillor Mina Oduya boasted of her record on school meals.", "her record on school meals", "Mina Oduya"),
    ("The fishermen grumbled about how slowly the permits were issued.", "how slowly the permits were issued", "fishermen"),
])
def test_a_complain_verb_reports_its_topic(text, content, speaker):
    """Complain verbs (Levin 37.8) give what was said by its topic with "about" or "of"."""
    reported(text, content, speaker)


@pytest.mark.parametrize("text, content, speaker", [
    ("The strike followed a demand by the bus drivers' union that night routes be restored.",
     "night routes be restored", "union"),
    ("The dispute began with an admission from Minister Hal Ostergaard that the dam inspections were skipped.",
     "the dam inspections were skipped", "Hal Ostergaard"),
])
def test_a_cue_noun_names_its_author_with_by_or_from(text, content, speaker):
    """A cue noun's author can stand in a "by" or "from" phrase before its content clause."""
    reported(text, content, speaker)


@pytest.mark.parametrize("text, content, speaker", [
    ("The harbour authority's director, Ottilie Varga, declined to close the dredging contract.",
     "to close the dredging contract", "Ottilie Varga"),
    ("Councillor Mirela Botev refused to release the minutes of the closed session.",
     "to release the minutes of the closed session", "Mirela Botev"),
    ("After a long night of talks, Jonas Adeyemi agreed to share the Tuesday sailings with his rival.",
     "to share the Tuesday sailings", "Jonas Adeyemi"),
])
def test_agreeing_or_refusing_to_act_is_reported(text, content, speaker):
    """FrameNet's Agree_or_refuse_to_act (agree, consent, refuse, decline): what someone agreed
    or refused to do is the content, its subject the speaker."""
    reported(text, content, speaker)


@pytest.mark.parametrize("text", [
    "Ticket sales at the Varga theatre declined sharply in March.",
    "The permit for the new pier was refused by the council on Monday.",
    "Both ferry companies agree on one thing: the old pier is unsafe.",
])
def test_agree_or_refuse_without_an_infinitive_reports_nothing(text):
    """Without an infinitive there is nothing agreed or refused to report (a decline in sales, a
    permit refused in the passive, agreeing on something)."""
    assert not [q for q in enrich(text).quotes if q.cue and q.cue.lower().startswith(("declin", "refus", "agree"))], \
        enrich(text).quotes


@pytest.mark.parametrize("text", [
    "The harbour authority's director, Ottilie Varga, declined to comment on the dredging contract.",
    "Asked about the ferry timetable, Jonas Adeyemi refused to say when the Tuesday sailings would resume.",
    "A spokeswoman for the port, Lidia Nakamura, declined to elaborate on the reasons for the closure.",
])
def test_a_refusal_to_speak_reports_nothing(text):
    """What a source declined or refused to say is the one thing it did not say: no quote."""
    assert not [q for q in enrich(text).quotes if q.cue and q.cue.lower().startswith(("declin", "refus"))], \
        enrich(text).quotes


@pytest.mark.parametrize("text, content, speaker", [
    ("Senator Halvard Oyelaran attacked the harbour budget in a speech on Thursday.",
     "the harbour budget", "Halvard Oyelaran"),
    ("The mayor, Greta Lindqvist, decried the closing of the night ferry.", "the closing of the night ferry",
     "Greta Lindqvist"),
    ("Councillor Anwar Mbeki lauded the volunteers who rebuilt the pier.", "the volunteers who rebuilt the pier",
     "Anwar Mbeki"),
])
def test_a_verb_of_judging_reports_what_was_judged(text, content, speaker):
    """WordNet's criticize and praise verbs (tasks/data/judgment_verbs.txt): their object is what
    the speaker judged aloud."""
    reported(text, content, speaker)


@pytest.mark.parametrize("text", [
    "Ruth Ostrander is a columnist who attacks the harbour board every week.",
    "Would the union condemn the strike at the shipyard?",
    "Senator Halvard Oyelaran could attack the harbour budget next week.",
])
def test_a_verb_of_judging_that_reports_no_act_is_no_quote(text):
    """A habit, a question or a possibility is no report of anything said."""
    assert not [q for q in enrich(text).quotes if q.cue and q.cue.lower().startswith(("attack", "condemn"))], \
        enrich(text).quotes


@pytest.mark.parametrize("text, content, speaker", [
    ("According to the ferry operator Ostlinje, the new timetable reeks of haste and confusion.",
     "the new timetable reeks of haste and confusion", "Ostlinje"),
    ("According to the rail union's spokesman Arvid Moen, the proposal reeks of desperation.",
     "the proposal reeks of desperation", "Arvid Moen"),
    ("According to longtime critic Hanne Lystad, the deal reeks of “backroom” politics.",
     "the deal reeks of", "Hanne Lystad"),
])
def test_according_to_when_the_parser_hangs_the_content_on_the_source(text, content, speaker):
    """The parser can read the clause after "According to X," as part of X's phrase (a verb in
    -s taken for a plural noun in apposition): the source then ends at its comma."""
    q = [q for q in indirect(text, content) if q.cue == "according to"]
    assert q and speaker in (q[0].speaker or "") and q[0].text.startswith(content), enrich(text).quotes


def test_according_to_keeps_an_apposition_in_the_source():
    text = "According to the harbour master, Ines Kovac, the ferry will run again in May."
    q = [q for q in enrich(text).quotes if q.cue == "according to"]
    assert q and q[0].text == "the ferry will run again in May" and "Ines Kovac" in q[0].speaker, q


@pytest.mark.parametrize("text, content, speaker", [
    ("The library will close in June, the council said on Monday. The mayor, Ilse Brandvold, added:\n\n"
     "We will not let the building stand empty while I hold this office.\n\nThe vote is on Friday.",
     "We will not let the building stand empty while I hold this office.", "Ilse Brandvold"),
    ("In his weekly newsletter, Tomas Ekberg wrote:\n\n"
     "The council has lost the trust of the harbour district, and it knows it.\n",
     "The council has lost the trust of the harbour district, and it knows it.", "Tomas Ekberg"),
])
def test_a_cue_with_a_colon_reports_the_next_paragraph(text, content, speaker):
    """A block quotation set off by layout: 'X added:' ends its paragraph and the next one is
    what X said, without quotation marks."""
    q = [q for q in enrich(text).quotes if q.text == content]
    assert q and speaker in (q[0].speaker_name or q[0].speaker or ""), enrich(text).quotes


def test_a_colon_after_a_cue_in_a_relative_clause_reports_nothing():
    text = ("Ekberg dwelt on the point the minister had tried to explain:\n\n"
            "The harbour district has been forgotten by everyone in power.\n")
    assert not [q for q in enrich(text).quotes if q.speaker and "minister" in q.speaker], enrich(text).quotes


# --- stop 17: intentions, views and objects of speech verbs (issue 12) ---------------------------

@pytest.mark.parametrize("text, content, speaker", [
    ("Mayor Talvi Rensberg wants to close the old ferry terminal by spring.",
     "to close the old ferry terminal by spring", "Talvi Rensberg"),
    ("The dockworkers' union plans to strike at the container port next week.",
     "to strike at the container port next week", "union"),
    ("Senator Obi Kallstrom is seeking to block the pipeline permit in committee.",
     "to block the pipeline permit in committee", "Obi Kallstrom"),
])
def test_an_intention_with_an_infinitive_is_reported(text, content, speaker):
    """FrameNet's Desiring, Purpose and Seeking_to_achieve verbs with an infinitive
    (tasks/data/intention_verbs.txt): what a source intends, in a class of its own."""
    reported(text, content, speaker, "indirect_intention")


@pytest.mark.parametrize("text", [
    # an abstract or empty subject intends nothing; a report's inner verb is the reporter's
    "It wants to rain all afternoon over the harbour.",
    "Nobody plans to stay in the flooded village this winter.",
    "The ferry seems to want to sink.",
])
def test_an_intention_without_a_holder_is_no_quote(text):
    assert not [q for q in enrich(text).quotes if "intention" in (q.evidence or "")], enrich(text).quotes


def test_an_intention_inside_a_report_is_the_reporters():
    text = "Councillor Hana Moretti said the port authority wants to sell the dry dock."
    quotes = enrich(text).quotes
    assert not [q for q in quotes if "intention" in (q.evidence or "")], quotes
    assert any(q.text.startswith("the port authority wants") and "Hana Moretti" in (q.speaker or "")
               for q in quotes), quotes


@pytest.mark.parametrize("text, content, speaker", [
    ("Governor Elin Vasquez sees the tunnel toll as a tax on commuters.",
     "the tunnel toll as a tax on commuters", "Elin Vasquez"),
    ("The farmers' federation regards the new quota as a betrayal of small growers.",
     "the new quota as a betrayal of small growers", "federation"),
])
def test_a_view_of_something_as_something(text, content, speaker):
    """FrameNet's Categorization frame (see, view, regard, consider, perceive ... as): a source's
    view, read like "described X as Y"."""
    reported(text, content, speaker)


def test_a_passive_view_has_no_source():
    text = "The tunnel toll is widely seen as a tax on commuters."
    assert not [q for q in enrich(text).quotes if q.kind == "indirect"], enrich(text).quotes


@pytest.mark.parametrize("text, content, speaker", [
    ("Minister Aiko Brennan denied the allegations of bribery in the harbour tender.",
     "the allegations of bribery", "Aiko Brennan"),
    ("The fire chief relayed the evacuation order to the hill farms.",
     "the evacuation order", "fire chief"),
])
def test_what_a_speech_verb_takes_as_object_is_the_content(text, content, speaker):
    """A cue verb whose first WordNet sense is communication, with a message as its object."""
    reported(text, content, speaker, "indirect_cue_object")


@pytest.mark.parametrize("text, wrong", [
    # an addressee is no content; a cue verb whose first sense is not communication takes other
    # objects; a question reports no act of judging
    ("Minister Aiko Brennan told Pavel Oduya about the tender.", "Pavel Oduya"),
    ("The challenger found a job at the shipyard after the race.", "a job"),
    ("The incumbent maintains a narrow lead in the valley districts.", "a narrow lead"),
    ("Would the fire chief condemn the burning of the old barn?", "the burning"),
])
def test_objects_that_are_not_messages_are_no_quote(text, wrong):
    assert not any(q.text.startswith(wrong) for q in enrich(text).quotes), enrich(text).quotes


@pytest.mark.parametrize("text", [
    "Experience shows that ferry subsidies rarely last beyond one election.",
    "The harbour master declined to comment on the tender.",
    "Minister Aiko Brennan refused to say when the tender would reopen.",
    "The fire chief declined to explain why the barn had burned.",
])
def test_abstract_subjects_and_refusals_stay_no_quote(text):
    """The negative kinds of issue 12 hold with the stop-17 rules on; a refusal to say is no
    quote through the refused verb's own clause either ("say when ...")."""
    assert not [q for q in enrich(text).quotes if q.kind == "indirect"], enrich(text).quotes


def test_a_passive_stance_names_no_one_and_is_never_citable():
    """"It is believed that ..." has no source: whatever is kept of it has no speaker and the
    lowest confidence, so it never reaches quotes_citable."""
    from newsmill.tasks.quotes import citable_threshold

    for q in enrich("It is believed that the harbour tender was rigged.").quotes:
        assert q.speaker is None and q.speaker_name is None and q.confidence < citable_threshold(), q


@pytest.mark.parametrize("text, content, speaker", [
    ("The harbour board decided to sell the old lighthouse to the town.",
     "to sell the old lighthouse to the town", "harbour board"),
    ("Councillor Ruth Amadi opted to abstain in the vote on the ferry fares.",
     "to abstain in the vote on the ferry fares", "Ruth Amadi"),
])
def test_a_decision_with_an_infinitive_is_an_intention(text, content, speaker):
    """FrameNet's Deciding verbs (decide, choose, opt, resolve) with an infinitive."""
    reported(text, content, speaker, "indirect_intention")


@pytest.mark.parametrize("text, content, speaker", [
    ("Mayor Jonas Ekwueme is confident that the new levy will pass in March.",
     "the new levy will pass in March", "Jonas Ekwueme"),
    ("The fishermen were sure that no quota had ever been promised to them.",
     "no quota had ever been promised to them", "fishermen"),
])
def test_a_stance_adjective_reports_its_clause(text, content, speaker):
    reported(text, content, speaker, "indirect_stance_adjective")


@pytest.mark.parametrize("text", [
    "It is clear that the new levy will pass in March.",
    "It was obvious that no quota had ever been promised to the fishermen.",
])
def test_an_impersonal_adjective_clause_names_no_one(text):
    assert not [q for q in enrich(text).quotes if "stance_adjective" in (q.evidence or "")], enrich(text).quotes


@pytest.mark.parametrize("text, content, speaker", [
    ("Governor Lina Sørby's belief that the tunnel will pay for itself has not changed.",
     "the tunnel will pay for itself", "Lina Sørby"),
    ("The dockers' union made no secret of its view that the shipyard should stay in public hands.",
     "the shipyard should stay in public hands", "its"),
])
def test_a_view_with_its_author_and_a_that_clause(text, content, speaker):
    """Nouns whose first WordNet sense is cognition (tasks/data/cognition_nouns.txt), with an
    author (possessor or support verb) and a that-clause."""
    reported(text, content, speaker, "noun_view")


def test_a_view_without_an_author_is_no_quote():
    text = "The belief that the tunnel will pay for itself is widespread in the valley."
    assert not [q for q in enrich(text).quotes if q.kind == "indirect"], enrich(text).quotes


@pytest.mark.parametrize("text, content, speaker", [
    ("The harbour levy is backed by the dockworkers' union and the ferry company.", "The harbour levy",
     "the dockworkers' union"),
    ("The closure of the ferry line was first reported by the Westfjord Courier.", "The closure of the ferry line",
     "Westfjord Courier"),
    ("Councillor Amara Nwosu, who was endorsed by the nurses' union, lost her seat.", "Amara Nwosu",
     "the nurses' union"),
])
def test_a_passive_stance_verb_reports_its_subject_for_its_agent(text, content, speaker):
    reported(text, content, speaker, "indirect_passive_agent")


@pytest.mark.parametrize("text", [
    # the addressee of a speech verb is not what was said; an agent that cannot speak is no source
    "Councillor Amara Nwosu was asked by the host about the ferry line.",
    "The harbour levy was backed by a narrow margin in the second vote.",
])
def test_a_passive_addressee_or_a_mute_agent_is_no_quote(text):
    assert not [q for q in enrich(text).quotes if "passive_agent" in (q.evidence or "")], enrich(text).quotes


@pytest.mark.parametrize("text, content, speaker", [
    ("A survey by the shipping council found Mayor Edda Holm with a lead of nine points.",
     "Mayor Edda Holm with a lead of nine points", "A survey by the shipping council"),
    ("The audit revealed gaps in the port authority's accounts.", "gaps in the port authority's accounts",
     "The audit"),
])
def test_what_an_inquiry_finds_is_its_report(text, content, speaker):
    """A noun of inquiry (tasks/data/inquiry_nouns.txt: WordNet's investigation and inquiry) as
    the subject of an evidence verb reports its object."""
    reported(text, content, speaker, "indirect_object")


def test_what_a_person_finds_is_no_report():
    text = "Mayor Edda Holm found a new office near the harbour."
    assert not [q for q in enrich(text).quotes if q.kind == "indirect"], enrich(text).quotes


@pytest.mark.parametrize("text, content, speaker", [
    ("The dockworkers' council backed the merger of the two ports.", "the merger of the two ports", "council"),
    ("Councillor Ines Varga disputed the count in the third ward.", "the count", "Ines Varga"),
    ("On Friday, Mayor Teodor Balan supported the proposal for a night bus.", "the proposal for a night bus",
     "Teodor Balan"),
])
def test_a_side_taken_reports_its_object(text, content, speaker):
    reported(text, content, speaker, "indirect_stance_object")


@pytest.mark.parametrize("text, cue", [
    ("Voters who support the levy turned out early in the valley.", "support"),
    ("The board could back the plan for the harbour next year.", "back"),
    ("Kemal Arslan backed Ilse Novak in the primary.", "backed"),
    ("Many farmers support the new water tariff.", "support"),
    ("Did the minister support the fishing quota?", "support"),
])
def test_a_side_taken_that_reports_no_act_is_no_quote(text, cue):
    """A habit or a group's standing view ("voters who support", "farmers support"), a
    possibility, a question, or a person backed (as often a vote as a statement) report nothing
    anyone said."""
    quotes = enrich(text).quotes
    assert not [q for q in quotes if q.cue == cue], quotes
