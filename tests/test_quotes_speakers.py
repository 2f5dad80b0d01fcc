"""Who said a quotation, where the attribution is not a speech verb next to the marks (issue 12),
with invented names and wordings: each rule has at least two wordings, and a case where it must
not name anyone."""

from __future__ import annotations

import pytest

from tests.test_quotes import enrich  # checks every span and confidence it returns


def direct(text: str, content: str):
    return [q for q in enrich(text).quotes if q.kind == "direct" and content in q.text]


@pytest.mark.parametrize("text, content, speaker", [
    ("Councillor Maren Ekdahl credited the win to \"a team that never stopped running when it mattered.\"",
     "a team that never stopped running", "Maren Ekdahl"),
    ("Coach Dario Velasquez ranked his rookie striker among “the hardest workers I have coached in twenty years.”",
     "the hardest workers I have coached", "Dario Velasquez"),
    ("The harbour master, Idun Sætre, likened the ferry timetable to “a lottery that the islanders always lose.”",
     "a lottery that the islanders always lose", "Idun Sætre"),
    ("Trustee Halvard Moen branded the budget “a fantasy written in pencil and hope.”",
     "a fantasy written in pencil", "Halvard Moen"),
])
def test_a_quotation_a_clause_takes_is_its_subjects(text, content, speaker):
    """The quotation hangs on a verb that is no speech verb (credited ... to, ranked ... among,
    likened ... to, branded): its words are the clause subject's."""
    q = direct(text, content)
    assert q and speaker in (q[0].speaker_name or ""), enrich(text).quotes
    assert q[0].confidence < 0.97  # a weaker attribution than a speech verb's: not citable


@pytest.mark.parametrize("text, content, speaker", [
    # inside reported speech the reporter speaks, not the reported clause's subject
    ("Sigrun Lie said in a letter that the council had likened the tenants to “guests who have overstayed a very "
     "generous welcome.”", "guests who have overstayed", "Sigrun Lie"),
    ("Halvard Moen told the board before the vote that he credited the recovery to “a summer of tourists who spent "
     "more than anyone expected.”", "a summer of tourists", "Halvard Moen"),
])
def test_a_quotation_in_reported_speech_is_the_reporters(text, content, speaker):
    q = direct(text, content)
    assert q and speaker in (q[0].speaker_name or ""), enrich(text).quotes


@pytest.mark.parametrize("text, content", [
    # a copula's or a thing's subject is no one to cite
    ("The biggest worry for the growers is “a second frost before the cherries have set.”", "a second frost"),
    ("The banner over the gate read “no more closures in this valley, not one more.”", "no more closures"),
])
def test_a_quotation_a_thing_takes_has_no_speaker(text, content):
    for q in direct(text, content):
        assert q.speaker_name is None, q


@pytest.mark.parametrize("text, content, speaker", [
    ("Mayor Tove Lindqvist told reporters that the contractor had missed every deadline, adding, “We will not pay "
     "for work that was never done.”", "We will not pay", "Tove Lindqvist"),
    ("Inspector Bjarne Aas wrote that the owners had ignored three warnings, adding, “The next fire will not be so "
     "kind to this street.”", "The next fire", "Bjarne Aas"),
])
def test_a_participle_after_a_report_is_the_reporters(text, content, speaker):
    """'X told them that Y had ..., adding, “…”': the parser hangs "adding" on the reported clause,
    whose subject Y did not add anything; the reporter X did."""
    q = [q for q in enrich(text).quotes if content in q.text]
    assert q and speaker in (q[0].speaker_name or ""), enrich(text).quotes


def test_a_name_after_the_mark_with_a_long_apposition_speaks():
    """'“…,” Name, a long description with a participle in it, said ...': the parser took a word
    of the quotation for the cue's subject; the name after the closing mark is the speaker."""
    text = ("“Very good coach, very good coach this woman,” Erik Holt, the league's longest-serving manager and "
            "current leader of the table by a wide margin after winning in Oslo, said when the reporter asked him "
            "a question.")
    q = direct(text, "Very good coach")
    assert q and q[0].speaker_name == "Erik Holt", enrich(text).quotes


@pytest.mark.parametrize("text, content, wrong", [
    ("“We will cut the ferry fares,” Mayor Tove Lindqvist said at the debate. Her rival Ragnhild Berg shot back, "
     "“Nobody in this room believes that for a second.”", "Nobody in this room", "Tove Lindqvist"),
    ("“The school will stay open,” Governor Arne Viken said on Monday. Teacher Solveig Nygaard branded the promise "
     "“a line he has used in every election since 2010.”", "a line he has used", "Arne Viken"),
])
def test_a_sentence_of_its_own_between_two_quotations_is_no_split_quotation(text, content, wrong):
    """'“A,” X said. Y shot back, “B.”': B is not the second half of X's quotation; it is never
    citable as X's, and a clause that takes it names its speaker."""
    q = direct(text, content)
    assert q, enrich(text).quotes
    assert q[0].speaker_name != wrong or q[0].confidence < 0.97, q


def test_a_split_quotation_still_carries_its_speaker():
    text = "“We will cut the ferry fares,” Mayor Tove Lindqvist said at the debate. “And we will do it this year.”"
    q = direct(text, "And we will do it")
    assert q and q[0].speaker_name == "Tove Lindqvist" and q[0].evidence.split("|")[1] == "split_quotation", q


_BARE_RELATIVE = {"that", "which", "who", "whom", "this"}


def reported(text: str, content: str):
    return [q for q in enrich(text).quotes if content in q.text]


@pytest.mark.parametrize("text, content, written, name", [
    # the relative pronoun's antecedent is the speaker: a name, so the canonical name is found ...
    ("Residents packed the hall to hear Mayor Tove Lindqvist, who said the repair costs had doubled since March.",
     "the repair costs had doubled", "Tove Lindqvist", "Tove Lindqvist"),
    ("The Fjordland Ferry Company, which said the winter route lost money every year, cut two sailings.",
     "the winter route lost money", "Fjordland Ferry Company", "Fjordland Ferry Company"),
    # ... or a description, which is shown as written, never as "that"
    ("Farmers in the valley received a letter that warned them the dam would be drained in August.",
     "the dam would be drained", "a letter", None),
    ("Critics in the village handed out leaflets that claimed the new tunnel would cut every journey by an hour.",
     "the new tunnel would cut", "leaflets", None),
])
def test_a_relative_pronoun_speaks_as_its_antecedent(text, content, written, name):
    """'X, who said ...', 'a letter that warned ...': "who" and "that" tell a reader nothing; the
    speaker as written runs from the antecedent's phrase to the pronoun, and its name is the
    antecedent's."""
    q = reported(text, content)
    assert q and q[0].speaker and written in q[0].speaker, enrich(text).quotes
    assert q[0].speaker.lower() not in _BARE_RELATIVE
    assert q[0].speaker_name == name, q


@pytest.mark.parametrize("text, content, author", [
    ("The Harbour Authority published a report that said the quay would close before the spring storms.",
     "the quay would close", "Harbour Authority"),
    ("Senator Ingrid Falk released a video that accuses the minister of hiding the true cost of the bridge.",
     "the minister of hiding", "Ingrid Falk"),
])
def test_a_record_someone_put_out_speaks_for_its_author(text, content, author):
    """'X released a video that accuses ...': the video's author speaks through it (as 'X released
    a statement saying ...')."""
    q = reported(text, content)
    assert q and author in (q[0].speaker_name or ""), enrich(text).quotes


@pytest.mark.parametrize("text", [
    "That tells you the plan is failing, and everyone in the valley knows it.",
    "That tells us the harbour budget was never going to balance this year.",
])
def test_a_pronoun_without_an_antecedent_names_no_one(text):
    """A demonstrative or relative pronoun whose antecedent the parse does not give is no
    speaker: no speaker is better than "That"."""
    for q in enrich(text).quotes:
        assert q.speaker is None or q.speaker.lower() not in _BARE_RELATIVE, q


@pytest.mark.parametrize("text, content, not_speaker", [
    # a place modifying the title is no person: "the former Alberta premier" is the premier
    ("Coach Ingrid Solberg met the squad on Friday. The former Alberta premier is a keen skier. “I ski every "
     "morning,” she said.", "I ski every morning", "Alberta"),
    # a first name does not make a person of a place ("Virginia Beach")
    ("Coach Ingrid Solberg flew home on Sunday. Her squad had trained for a month at Virginia Beach. “We were "
     "tired but happy,” she said.", "We were tired", "Virginia Beach"),
])
def test_a_place_never_takes_a_personal_pronoun(text, content, not_speaker):
    q = direct(text, content)
    assert q and q[0].speaker in {"he", "she"}, enrich(text).quotes
    assert not_speaker not in (q[0].speaker_name or ""), q[0]


@pytest.mark.parametrize("text, content, speaker", [
    ("“I would rather live in what he calls “a swamp” than anywhere else on this coast.” ― Marisol Ortega",
     "than anywhere else on this coast", "Marisol Ortega"),
    ("“Nobody here wants another “temporary” toll that lasts thirty years,” said Aksel Vinter, a ferry pilot.",
     "that lasts thirty years", "Aksel Vinter"),
])
def test_a_quotation_inside_a_quotation_stays_inside(text, content, speaker):
    """Curly marks of one style nest: the inner quotation's closing mark does not close the
    outer one, so the attribution after the outer closing mark is found."""
    q = direct(text, content)
    assert q and q[0].speaker_name == speaker, enrich(text).quotes
    assert q[0].text.startswith(("I would", "Nobody")), q[0]


@pytest.mark.parametrize("text, content, speaker", [
    ("When the treasurer noted that the fund had paid no dividend for three years ― as the annual reports "
     "showed ― Councillor Brit Aune boasted, “That makes us careful.” The vote was close.",
     "That makes us careful.", "Brit Aune"),
])
def test_a_cue_of_its_own_inside_what_was_read_as_reported_speech_takes_the_quotation(text, content, speaker):
    """The reported clause of "noted that ..." ran over the next clause's own speech verb: the
    quotation that verb introduces is a direct quote of that verb's subject."""
    q = direct(text, content)
    assert q and q[0].speaker_name == speaker, enrich(text).quotes


def reported_by(text: str, content: str):
    return [q for q in enrich(text).quotes if q.kind == "indirect" and q.text.startswith(content)]


@pytest.mark.parametrize("text, content, speaker", [
    ("Mayor Ingrid Falk said she was tired of the delays and urged the contractor to finish the bridge by May.",
     "the contractor to finish the bridge", "Mayor Ingrid Falk"),
    ("The port authority of Kalmar said it was deeply concerned about the spill and warned the shipping firm to "
     "pay for the clean-up.", "the shipping firm to pay", "The port authority of Kalmar"),
])
def test_a_second_speech_verb_hung_on_the_reported_clause_is_the_reporters(text, content, speaker):
    """'X said it was ... and warned Y to ...': the parser hangs "warned" on the reported clause,
    whose subject is a pronoun; the one who warned is the reporter, as written."""
    q = reported_by(text, content)
    assert q and q[0].speaker == speaker, enrich(text).quotes


def test_a_clause_verb_of_a_named_subject_keeps_its_subject():
    text = "Ingrid Falk said the contractor was tired and complained about the food."
    for q in enrich(text).quotes:
        if q.text == "the food":
            assert q.speaker == "the contractor", q
