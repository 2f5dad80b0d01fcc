"""Enrichment with the real spaCy model: entity repairs, canonical names, quotes and speakers,
bad input. Every offset is checked against the text it indexes."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsmill.config import EnrichOptions
from newsmill.tasks.enrich import ModelUnavailable, enrich_texts, load_model, segments

FIX = Path(__file__).parent / "fixtures" / "enrich"


def enrich(text: str, lang: str | None = "en", opts: EnrichOptions = EnrichOptions()):
    (e,) = enrich_texts([text], opts, [lang])
    check_offsets(text, e)
    return e


def check_offsets(text, e):
    for m in e.entities:
        assert m.text == text[m.start:m.end], m
    for q in e.quotes:
        assert q.text == text[q.start:q.end], q
        if q.speaker is not None:
            assert q.speaker == text[q.speaker_start:q.speaker_end], q


def names(e, label=None):
    return {(m.text, m.name) for m in e.entities if label is None or m.label == label}


def quote_with(e, fragment):
    found = [q for q in e.quotes if fragment in q.text]
    assert found, f"no quote containing {fragment!r}: {[q.text for q in e.quotes]}"
    return found[0]


@pytest.fixture(scope="module")
def kirby():
    text = (FIX / "kirby.txt").read_text(encoding="utf-8")
    return text, enrich(text)


def test_canonical_names_in_document(kirby):
    _text, e = kirby
    persons = names(e, "PERSON")
    assert ("Putin", "Vladimir Putin") in persons
    assert ("Assad", "Bashar al Assad") in persons
    assert ("Kirby", "John Kirby") in persons
    # titles are not part of names
    assert all(not m.name.startswith(("President", "Pentagon", "Defense")) for m in e.entities if m.label == "PERSON")
    assert ("White House", "White House") in names(e, "ORG")
    assert ("Syria", "Syria") in names(e, "PLACE")


def test_direct_quote_speaker_after_and_split_quote(kirby):
    _text, e = kirby
    q = quote_with(e, "We are looking at every option")
    assert q.kind == "direct" and q.cue == "told"
    assert q.speaker == "Pentagon spokesman John Kirby" and q.speaker_name == "John Kirby"
    assert q.text.startswith("We are") and q.text.endswith("safe,")
    q2 = quote_with(e, "Nothing is off the table")
    assert q2.speaker_name == "John Kirby"


def test_indirect_quotes(kirby):
    _text, e = kirby
    q = quote_with(e, "the review would be finished")
    assert (q.kind, q.cue, q.speaker, q.speaker_name) == ("indirect", "said", "Kirby", "John Kirby")
    q = quote_with(e, "Moscow will keep supporting")
    assert q.speaker_name == "Vladimir Putin" and q.cue == "insisted"
    q = quote_with(e, "Assad's forces have advanced")
    assert q.speaker == "aid groups" and q.speaker_name is None
    q = quote_with(e, "reviewing a new set of military options")
    assert q.cue == "according to" and q.speaker == "two defense officials"


def test_headline_case_possessive_leading_the_and_boilerplate():
    text = ("The Pentagon is Fighting Obama's New Plan\n\nPublished\n\n"
            "Fighters loyal to al Qaeda's leaders met an envoy at the White House on Monday.")
    e = enrich(text)
    texts = {m.text for m in e.entities}
    assert not any("Fighting" in t for t in texts)
    assert "Obama" in texts
    assert "al Qaeda" in texts and "al Qaeda's" not in texts
    assert ("White House", "ORG") in {(m.text, m.label) for m in e.entities}
    assert not any(t.lower().startswith("the ") for t in texts)
    assert "Published" not in texts


@pytest.mark.parametrize("opening,closing", [("“", "”"), ('"', '"'), ("«", "»"), ("„", "“"), ("‘", "’")])
def test_direct_quotes_in_mark_styles(opening, closing):
    text = (f"Senator Jane Miller spoke in Boston on Friday. {opening}We will not give up on this bill. "
            f"It matters to every family in the state,{closing} Miller said.")
    e = enrich(text)
    q = quote_with(e, "We will not give up")
    assert q.kind == "direct"
    assert "every family in the state" in q.text  # spans both sentences
    assert q.speaker == "Miller" and q.speaker_name == "Jane Miller"


def test_split_quote_and_speaker_before():
    text = ('Mayor Tom Baker addressed the council. He said: "The budget is balanced." '
            '"We cut nothing," he added, "that families rely on."')
    e = enrich(text)
    q = quote_with(e, "The budget is balanced")
    assert q.speaker == "He" and q.speaker_name == "Tom Baker"
    q2 = quote_with(e, "that families rely on")
    assert q2.speaker_name == "Tom Baker"


def test_pronoun_and_title_resolve_to_named_person():
    text = ("Pentagon spokesman John Kirby met reporters on Tuesday. "
            "\"The strikes will continue until the group is defeated,\" the spokesman said. "
            "Later he said that more troops were not needed.")
    e = enrich(text)
    assert quote_with(e, "The strikes will continue").speaker_name == "John Kirby"
    q = quote_with(e, "more troops were not needed")
    assert q.kind == "indirect" and q.speaker == "he" and q.speaker_name == "John Kirby"


def test_according_to_and_said_that():
    text = ("According to Angela Merkel, the talks will resume in March. "
            "The minister said that the deal was close.")
    e = enrich(text)
    q = quote_with(e, "the talks will resume in March")
    assert q.cue == "according to" and q.speaker_name == "Angela Merkel"
    q = quote_with(e, "the deal was close")
    assert q.kind == "indirect" and q.cue == "said" and q.speaker == "The minister"


@pytest.mark.parametrize("text", ["", "   \n\t  ", "...", "\n\n\n", "12 34 56"])
def test_empty_and_sentence_free_input(text):
    e = enrich(text)
    assert e.quotes == ()


def test_unbalanced_quotation_marks():
    text = ('The senator said: "We will fight this bill in every committee\n\n'
            'Another paragraph without any quotes at all, written by Anna Smith.\n\n'
            '" stray mark and “another one')
    e = enrich(text)
    q = quote_with(e, "We will fight this bill")
    assert "\n" not in q.text  # closed at the paragraph end, not run on through the article


def test_non_english_text_is_skipped_without_a_model():
    text = ("Die Bundesregierung hat am Montag neue Maßnahmen beschlossen. „Wir handeln jetzt“, "
            "sagte Bundeskanzler Olaf Scholz in Berlin. Die Opposition kritisierte den Plan scharf.")
    e = enrich(text, lang=None)  # detected, not declared
    assert e.skipped and e.skipped.startswith("language de (")  # with the detector's confidence
    assert e.entities == () and e.quotes == ()
    e2 = enrich(text, lang="de-DE")
    assert e2.skipped and e2.skipped.startswith("language de (")


def test_long_article_is_segmented_with_correct_offsets():
    para = ("Defense Secretary Ashton Carter visited Brussels on Monday. "
            "\"We stand with our allies,\" Carter said. Officials said that the visit went well.\n\n")
    text = para * (2_000_000 // len(para) + 1)
    assert len(text) > 2_000_000
    opts = EnrichOptions(max_chars=60_000)  # keep the test fast; segmentation is the same code
    import newsmill.tasks.enrich as enr

    old = enr.SEGMENT_CHARS
    enr.SEGMENT_CHARS = 20_000  # several segments
    try:
        e = enrich(text, opts=opts)
    finally:
        enr.SEGMENT_CHARS = old
    starts = [m.start for m in e.entities if m.name == "Ashton Carter"]
    assert max(starts) > 40_000  # mentions from later segments, with offsets into the whole text
    assert sum(1 for q in e.quotes if q.text == "We stand with our allies,") > 20
    assert all(q.speaker_name == "Ashton Carter" for q in e.quotes if q.text == "We stand with our allies,")


def test_segments_cover_text_at_paragraph_breaks():
    text = ("word " * 50 + "\n\n") * 100
    segs = segments(text, 1000)
    assert segs[0][0] == 0 and segs[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in zip(segs, segs[1:]))
    assert all(e - s <= 1000 for s, e in segs)
    assert all(text[e - 1] == "\n" for s, e in segs[:-1])


def test_model_loaded_once_and_missing_model_names_the_setting():
    assert load_model(EnrichOptions().model) is load_model(EnrichOptions().model)
    with pytest.raises(ModelUnavailable, match="NEWSMILL_SPACY_MODEL"):
        load_model("xx_no_such_model_sm")


def test_acronyms_and_ambiguous_short_names():
    text = ("The National Security Agency collected the data. The NSA said it followed the law. "
            "Hillary Clinton spoke first. Later Clinton left. Bill Clinton arrived and Clinton smiled.")
    e = enrich(text)
    by_text = [(m.text, m.name) for m in e.entities]
    assert ("NSA", "National Security Agency") in by_text
    clintons = [m.name for m in e.entities if m.text == "Clinton"]
    assert clintons == ["Hillary Clinton", "Bill Clinton"]  # the nearest full name before each


def test_worker_processes_give_the_same_result():
    texts = [(FIX / "kirby.txt").read_text(encoding="utf-8"), "Angela Merkel said that the talks would resume."] * 2
    one = enrich_texts(texts, EnrichOptions(processes=1), ["en"] * 4)
    two = enrich_texts(texts, EnrichOptions(processes=2, batch_size=1), ["en"] * 4)
    assert one == two and one[0].quotes


def labels_of(e, surface):
    return {m.label for m in e.entities if m.text == surface}


def test_a_country_is_a_place_whatever_it_does():
    """Issue 13: news corpora annotate a country as a place whatever role it plays; the rule
    "a place that acts is an organisation" was removed."""
    e = enrich("South Korea said on Friday that it would keep broadcasting propaganda.")
    assert labels_of(e, "South Korea") == {"PLACE"}
    e = enrich("Russia vetoed the resolution. Russia's decision angered diplomats in Paris.")
    assert labels_of(e, "Russia") == {"PLACE"} and labels_of(e, "Paris") == {"PLACE"}
    e = enrich("Group G: Belgium 3 – 0 Panama. Belgium defeated Panama in Sochi on Monday.")
    assert labels_of(e, "Belgium") == {"PLACE"} and labels_of(e, "Panama") == {"PLACE"}
    # a country the model tags ORG next to an organisation named after it stays a place
    e = enrich("The National Bank of Moldova cut rates. Moldova is a small country between two neighbours.")
    assert labels_of(e, "Moldova") == {"PLACE"}
    assert labels_of(e, "National Bank of Moldova") == {"ORG"}


def test_a_place_that_is_only_located_or_described_stays_a_place():
    e = enrich("He moved to Texas in 2003. Texas has 30 million people and borders Mexico.")
    assert labels_of(e, "Texas") == {"PLACE"}
    # a dateline is where the story was filed, even when the parser makes it a subject
    e = enrich("WASHINGTON — President Obama said on Monday that the talks would resume.")
    assert labels_of(e, "WASHINGTON") == {"PLACE"}
    # a place's office holder: the place stays a place
    e = enrich("Jim Justice is running to become West Virginia's next governor.")
    assert labels_of(e, "West Virginia") == {"PLACE"}


def test_one_type_per_name_within_an_article():
    # one mention acts, one locates: a tie keeps the country a place, never two entities
    e = enrich("South Korea said on Friday that it would respond. Shells landed in South Korea overnight.")
    assert len(labels_of(e, "South Korea")) == 1
    e = enrich("Sweden beat Korea 1 – 0. Sweden led at half time. Sweden scored late. Fans in Sweden cheered.")
    assert labels_of(e, "Sweden") == {"PLACE"}


def test_products_with_versions_are_not_places_or_people():
    e = enrich("IE6 shipped with Windows XP, nearly a decade ago. Microsoft urged IE6 users to move to Windows 7.")
    for name in ("IE6", "Windows XP", "Windows 7"):
        assert labels_of(e, name) and not labels_of(e, name) & {"PLACE", "PERSON"}, (name, e.entities)
    assert labels_of(e, "Microsoft") == {"ORG"}


INFLECTED = ("She says the plan works. They said it would. He is saying so. It was denied that he left. "
             "The mayor admitted the error and added that he regretted it. Officials warned, insisted, "
             "claimed and argued. The report concluded that costs rose. She told reporters he tweeted. "
             "He has written that they wrote. We acknowledge it. They had planned to call for a ban.")


def test_verb_forms_agree_with_spacys_lemmatizer():
    """The pipeline runs without attribute_ruler and lemmatizer; the inflection table must find
    the same cue verbs as spaCy's own POS + lemma on real text."""
    import spacy

    from newsmill.tasks.entities import verb_in, word_list

    full = spacy.load(EnrichOptions().model)  # all components, lemmatizer included
    assert "lemmatizer" in full.pipe_names
    cues = word_list("cue_verbs.txt")
    text = (FIX / "kirby.txt").read_text(encoding="utf-8") + "\n" + INFLECTED
    doc = full(text)
    by_lemma = [t.i for t in doc if t.pos_ in {"VERB", "AUX"} and t.lemma_.lower() in cues]
    by_form = [t.i for t in doc if verb_in(t, cues)]
    assert len(by_lemma) > 25
    assert by_form == by_lemma, [(doc[i].text, doc[i].lemma_) for i in set(by_form) ^ set(by_lemma)]


def test_fast_pipeline_gives_the_same_analysis_as_spacys_default():
    """Numpy/OpenBLAS ops and the dropped components change speed, not entities or parses."""
    import spacy

    fast = load_model(EnrichOptions().model)
    assert "lemmatizer" not in fast.pipe_names and "attribute_ruler" not in fast.pipe_names
    ops = {type(n.ops).__name__ + str(getattr(n.ops, "use_blis", "")) for _, p in fast.pipeline
           if hasattr(p, "model") for n in p.model.walk()}
    assert "NumpyOpsFalse" in ops
    default = spacy.load(EnrichOptions().model)
    from newsmill.tasks.entities import add_entity_ruler

    from newsmill.tasks.quotes import add_segmenter

    add_entity_ruler(default)
    add_segmenter(default)  # paragraph and dateline boundaries are part of newsmill's analysis
    text = (FIX / "kirby.txt").read_text(encoding="utf-8") + "\n" + INFLECTED
    a, b = fast(text), default(text)
    assert [(x.start, x.end, x.label_) for x in a.ents] == [(x.start, x.end, x.label_) for x in b.ents]
    assert [(t.dep_, t.head.i, t.tag_) for t in a] == [(t.dep_, t.head.i, t.tag_) for t in b]


@pytest.mark.parametrize("version,slow", [("3.8.7", False), ("3.8.2", False), ("3.8.8", True), ("3.8.18", True),
                                          ("3.8.10.dev0", True), ("3.8.8rc1", True), ("3.9.0", False)])
def test_spacy_releases_that_take_the_gil_per_parser_move_are_known(version, slow):
    from newsmill.tasks.enrich import spacy_is_slow

    assert spacy_is_slow(version) is slow


def test_installed_spacy_is_not_a_slow_release(caplog):
    """pyproject pins spacy<3.8.8: 3.8.8 and later give the same analysis at 2-3x the parser's and
    the entity recogniser's CPU. A resolver that installs one anyway is caught here, and users who
    install one get a warning when the model loads."""
    import logging

    import spacy

    from newsmill.tasks import enrich
    from newsmill.tasks.enrich import spacy_is_slow

    assert not spacy_is_slow(spacy.__version__), spacy.__version__
    with caplog.at_level(logging.WARNING, logger="newsmill.tasks.enrich"):
        enrich._load(spacy, EnrichOptions().model)
    assert not [r for r in caplog.records if "slower" in r.getMessage()]

    class Slow:
        __version__ = "3.8.18"

        @staticmethod
        def load(name, exclude):
            return (name, exclude)

    with caplog.at_level(logging.WARNING, logger="newsmill.tasks.enrich"):
        enrich._load(Slow, "some_model")
    assert any("spaCy 3.8.18" in r.getMessage() and "spacy<3.8.8" in r.getMessage() for r in caplog.records)


@pytest.mark.slow
def test_model_version_without_loading_matches_the_loaded_model():
    """The flow's parent names the model from its package metadata; enrichment records the same."""
    import subprocess
    import sys

    code = ("import sys\nfrom newsmill.tasks.enrich import model_version\n"
            "print(model_version())\nprint('spacy' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    version, spacy_loaded = out.stdout.split()
    assert spacy_loaded == "False"
    from newsmill.tasks.enrich import enrich_texts

    [enr] = enrich_texts(["Vladimir Putin spoke in Moscow on Monday."])
    assert enr.model == version


def test_a_nationality_modifying_the_speaker_is_not_the_speaker():
    from newsmill.tasks.enrich import enrich_texts

    text = ('Volkswagen showed a new electric wagon on Tuesday. "It will go 300 miles on one charge," '
            'the German automaker said. "Germany will not wait," Germany said in a statement.')
    [enr] = enrich_texts([text])
    by_text = {q.text.strip(' ,'): q for q in enr.quotes}
    first = by_text["It will go 300 miles on one charge"]
    assert first.speaker == "the German automaker" and first.speaker_name != "German"
    second = by_text["Germany will not wait"]
    assert second.speaker == "Germany" and second.speaker_name == "Germany"


class _UnsureDetector:
    """A language detector that names a language with low confidence, as py3langid does on
    Indonesian it half-takes for Malay, or on a results table."""

    def __init__(self, lang: str, prob: float):
        self.answer = (lang, prob)

    def classify(self, _text):
        return self.answer


def test_unsure_detector_is_believed_when_the_function_words_agree(monkeypatch):
    import newsmill.tasks.enrich as enr

    indonesian = ("Menurut warga, jembatan yang lama sudah tidak aman dan sering ditutup ketika hujan. "
                  "Kepala dinas mengatakan bahwa dana untuk proyek ini sudah disetujui oleh dewan, tetapi "
                  "pekerjaan baru bisa dimulai setelah musim hujan berakhir. Mereka juga akan memperbaiki "
                  "jalan menuju pasar karena banyak lubang yang membahayakan pengendara, kata Budi Santoso.")
    monkeypatch.setattr(enr, "_identifier", lambda: _UnsureDetector("ms", 0.55))
    e = enrich(indonesian, lang=None)
    assert e.skipped and e.skipped.startswith("language ms (0.55)") and e.entities == ()
    # the page's own word wins: declared English is analysed as English
    assert enrich(indonesian, lang="en").skipped is None


def test_unsure_detector_on_a_table_or_an_english_text_keeps_english(monkeypatch):
    import newsmill.tasks.enrich as enr

    table = ("Results of the 1,500 metres: 1. Jana Kowal (Poland) 4:01.22 2. Mira Holm (Norway) 4:02.10 "
             "3. Ana Ruiz (Spain) 4:02.87 4. Lea Marek (Croatia) 4:03.40 5. Ida Berg (Sweden) 4:04.02")
    monkeypatch.setattr(enr, "_identifier", lambda: _UnsureDetector("hr", 0.33))
    e = enrich(table, lang=None)
    assert e.skipped is None and any(m.label == "PERSON" for m in e.entities)
    english = ("The mayor said the old bridge was no longer safe and would be closed for the winter. "
               "Work on the new one will begin after the rains, and the council has approved the money.")
    monkeypatch.setattr(enr, "_identifier", lambda: _UnsureDetector("de", 0.6))
    assert enrich(english, lang=None).skipped is None


def test_the_language_identifier_shares_py3langids_model():
    """enrich's identifier (normalised probabilities) reads the model py3langid's own ``classify``
    holds (one copy per worker, not two, ~90 MB) and scores exactly as one loaded from the file."""
    from py3langid import langid

    from newsmill.tasks import enrich

    ours = enrich._identifier()
    theirs = langid._get_identifier()
    assert ours.tk_output is theirs.tk_output and ours.nb_ptc is theirs._full_model[0]
    fresh = langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE, norm_probs=True)
    texts = ["Le conseil municipal a voté mardi soir la rénovation de la piscine du quartier nord.",
             "Der Stadtrat hat am Dienstagabend die Sanierung des Hallenbads im Norden beschlossen.",
             "The town council voted on Tuesday night to renovate the pool in the north district.",
             "El ayuntamiento aprobó el martes la reforma de la piscina del barrio norte.", "12 34 56", ""]
    for text in texts:
        assert ours.classify(text) == fresh.classify(text) and ours.rank(text) == fresh.rank(text)
    assert ours.classify(texts[0])[0] == "fr" and 0 < ours.classify(texts[0])[1] <= 1
