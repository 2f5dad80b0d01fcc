"""Direct quotations and headline labels that issue 12's recall work on PolNeAR train found
missed, each kind with invented names and wordings: a split quotation whose attribution holds a
scare quote, headline labels longer than a name, and a few quoted words that a speech verb takes
as what was said."""

from __future__ import annotations

import pytest

from tests.test_quotes import enrich


def _by_text(e):
    return {q.text: q for q in e.quotes}


@pytest.mark.parametrize("text, first, second, speaker", [
    # a scare quote inside the attribution
    ("“Orders are climbing again, and so are prices,” said Ines Okafor, who noted that during the "
     "slump some mills had ‘‘collapsed’’ to a third of their worth. “Things are looking up, slowly.”",
     "Orders are climbing again, and so are prices,", "Things are looking up, slowly.", "Ines Okafor"),
    ("“It is a hard job,” Wanda Pilcher said, describing how she winds “copper coils,” the small "
     "parts used in heaters. “And after fifty hours a week, the crew is like family.”",
     "It is a hard job,", "And after fifty hours a week, the crew is like family.", "Wanda Pilcher"),
    # a programme's name closes the attribution
    ("“The border will stay open,” Marta Kovac said on “Sunday Desk.” “Nobody here wants it closed.”",
     "The border will stay open,", "Nobody here wants it closed.", "Marta Kovac"),
    # the elided article of a name is no quotation mark
    ("“The union is falling apart,” said Pieter van 't Hoff, a Flemish member of the regional "
     "council. “It is a danger for all of us.”",
     "The union is falling apart,", "It is a danger for all of us.", "Pieter van 't Hoff"),
])
def test_a_short_quote_inside_the_attribution_keeps_the_quotation_linked(text, first, second, speaker):
    qs = _by_text(enrich(text))
    a, b = qs[first], qs[second]
    assert (a.part, a.parts, b.part, b.parts) == (1, 2, 2, 2), (a, b)
    assert a.speaker == b.speaker and speaker in a.speaker, (a, b)


@pytest.mark.parametrize("text", [
    # a longer quotation between the two: three quotations, not one split around its cue
    "“The dam is safe,” said Petra Lindahl, who called the report “a list of guesses written by "
    "people who never came here.” “Nobody needs to leave.”",
    # a sentence of its own with a scare quote between the parts
    "“The dam is safe,” said Petra Lindahl. Oskar Brandt called that “wishful.” “Nobody needs to leave.”",
])
def test_a_longer_quotation_or_sentence_between_breaks_the_link(text):
    q = _by_text(enrich(text)).get("Nobody needs to leave.")
    assert q is not None and (q.part, q.parts) == (1, 1), enrich(text).quotes


@pytest.mark.parametrize("text, content, speaker", [
    ("Varga camp: Okafor's tariff plan threatens dairy jobs.\n\nThe campaign of Senator Anneli Varga "
     "said on Tuesday that dairy farmers would suffer.", "Okafor's tariff plan threatens dairy jobs", "Varga camp"),
    ("Varga to teachers: Okafor will cut school funding.\n\nSenator Anneli Varga told a teachers' union "
     "on Tuesday that Tunde Okafor would cut school funding.", "Okafor will cut school funding", "Varga"),
    ("EXCLUSIVE – Marek Holub: Don't Trust the Early Count.\n\nThere are doubts about the count in "
     "several districts, Marek Holub said.", "Don't Trust the Early Count", "Marek Holub"),
    ("Rosa Delgado: ‘No Idea’ Whether the Ferry Contract Was Signed.\n\nFormer harbour chief Rosa "
     "Delgado said on Sunday she had no idea.", "‘No Idea’ Whether the Ferry Contract Was Signed", "Rosa Delgado"),
])
def test_a_headline_label_with_more_than_a_name(text, content, speaker):
    """'Name camp:', 'Name to addressees:', furniture and a dash before the name, and a headline
    whose words open with a short quotation: the label is the speaker, the rest what was said."""
    q = [q for q in enrich(text).quotes if q.text == content]
    assert q and q[0].speaker == speaker, enrich(text).quotes


@pytest.mark.parametrize("text, label", [
    ("News Guide: Donors flocked to the Okafor fund, to no avail.\n\nWealthy donors gave $25 million "
     "last month to a group backing Tunde Okafor.", "News Guide"),
    ("UPDATE: Ferry service resumes after the storm.\n\nThe ferries to Vinstra sailed again on Monday.", "UPDATE"),
    ("Giant screens over the hall showed one word: Winners.\n\nThe delegates cheered.", "Giant screens"),
    ("Tuesday's Morning Email: Varga's Last Speech To The Council.\n\nAnneli Varga spoke for an hour.",
     "Morning Email"),
])
def test_a_label_that_names_no_one_is_no_speaker(text, label):
    for q in enrich(text).quotes:
        assert label not in (q.speaker or ""), q


@pytest.mark.parametrize("text, content, speaker", [
    ("When the mayor thanked the crowd, a woman shouted “Go home!” from the back of the hall.", "Go home!",
     "a woman"),
    ("At the rally Senator Ilse Brandvold mouthed “thank you” to the front rows.", "thank you", "Ilse Brandvold"),
    ("Senator Tunde Okafor yelled “Shame!” as the vote was read.", "Shame!", "Tunde Okafor"),
])
def test_a_few_quoted_words_a_speech_verb_takes_are_a_quotation(text, content, speaker):
    q = [q for q in enrich(text).quotes if q.text == content and q.kind == "direct"]
    assert q and speaker in (q[0].speaker_name or q[0].speaker or ""), enrich(text).quotes


@pytest.mark.parametrize("text, words", [
    ("Tunde Okafor wants “a deal” before the summer recess.", "a deal"),
    ("Tunde Okafor spoke of the “temporary” levy at the council meeting.", "temporary"),
    ("The harbour chief praised the “heroic” crews on the night shift.", "heroic"),
    # a programme after a possessive or a preposition, a passive cue
    ("“We will win,” the senator told Channel 4's “Morning Desk” on Monday.", "Morning Desk"),
    ("Only when a woman can run without being told to “smile” will it change.", "smile"),
])
def test_a_few_quoted_words_no_speech_verb_takes_stay_scare_quotes(text, words):
    assert not any(q.kind == "direct" and q.text == words for q in enrich(text).quotes), enrich(text).quotes


def test_a_transcript_speaker_may_come_back_by_surname_alone():
    text = ("The campaign says it will not debate again.\n\nMARA LINDQVIST: Why not debate?\n\n"
            "JONAS HOLT: This is a man who said he would never run a negative ad.\n\n"
            "LINDQVIST: You were open to more debates in January.\n\n"
            "HOLT: The senator does not get to decide when we debate.")
    by_text = {q.text: q for q in enrich(text).quotes}
    assert by_text["The senator does not get to decide when we debate."].speaker == "HOLT", by_text
    assert by_text["Why not debate?"].speaker == "MARA LINDQVIST", by_text
    assert all(q.kind == "direct" for t, q in by_text.items() if t.startswith(("Why", "The senator"))), by_text


def test_labels_that_never_come_back_are_no_transcript():
    text = ("BRUSSELS: Ministers met on Monday.\n\nOSLO: The fjord ferries were cancelled.\n\n"
            "HELSINKI: Snow closed the airport for a day.")
    assert not any(q.kind == "direct" for q in enrich(text).quotes), enrich(text).quotes
