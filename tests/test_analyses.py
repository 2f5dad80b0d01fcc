"""Paragraph analyses and their cache (tasks/analyses.py): a cached paragraph gives exactly what
a fresh parse gives, a different pipeline never reads another's entries, the cache stays within
its bound."""

from __future__ import annotations

import dataclasses

import pytest

from newsmill.config import EnrichOptions
from newsmill.tasks import analyses
from newsmill.tasks.enrich import enrich_texts, load_model

STORY = (
    "MERIDIAN CITY — Maria Delgado, a spokeswoman for Harbourline Freight, said on Tuesday "
    "that the port would reopen.\n\n"
    "\"We expect ships back by Friday,\" she said.\n"
    "The company's chief executive, Bram Vellacott, declined to comment. He said last week "
    "that talks with the dockworkers' union were \"close to a deal.\"\n"
    "Share this article\n"
)
OTHER = (
    "Council member Ines Abernathy said the vote was delayed.\n"
    "\"It is not over,\" Abernathy told reporters in Westhaven.\n"
    "Share this article\n"
)


def attrs(doc):
    return [(t.text, t.whitespace_, t.tag_, t.dep_, t.head.i, t.ent_iob_, t.ent_type_, t.ent_id_,
             t.norm_, t.is_sent_start) for t in doc]


def test_pieces_cover_the_text_exactly():
    for text in (STORY, "\n\nlead\nnext\n\n\nlast", "one line", "\n", ""):
        assert "".join(analyses.pieces(text)) == text
    assert analyses.pieces("\n\nA\nB\n\nC") == ["\n\nA\n", "B\n\n", "C"]


def test_a_cached_paragraph_gives_what_a_fresh_parse_gives():
    nlp = load_model(EnrichOptions().model)
    cold = analyses.AnalysisCache()
    fresh = analyses.analyse(nlp, [STORY, OTHER], cache=cold)
    assert cold.hits == 0 and len(cold) == len(set(analyses.pieces(STORY) + analyses.pieces(OTHER)))
    # the same texts again, every paragraph from the cache: the same documents
    again = analyses.analyse(nlp, [STORY, OTHER], cache=cold)
    assert cold.hits == len(cold)
    for a, b, text in zip(fresh, again, [STORY, OTHER]):
        assert a.text == b.text == text
        assert attrs(a) == attrs(b)
        assert [(e.start, e.end, e.label_) for e in a.ents] == [(e.start, e.end, e.label_) for e in b.ents]
    # the joined document is what spaCy's own Doc.from_docs builds from the paragraphs' docs
    from spacy.tokens import Doc

    docs = list(nlp.pipe(analyses.pieces(STORY)))
    assert attrs(Doc.from_docs(docs, ensure_whitespace=False)) == attrs(fresh[0])
    assert fresh[0].has_annotation("DEP") and any(e.label_ == "PERSON" for e in fresh[0].ents)


def test_enrichment_from_the_cache_equals_a_fresh_one():
    """The whole enrichment (entities, quotes, speakers across paragraphs) of a text whose
    paragraphs all come from the cache is the one a fresh process computes."""
    cache = analyses.process_cache()
    cache.clear()
    (fresh,) = enrich_texts([STORY])
    hits = cache.hits
    (cached,) = enrich_texts([STORY])
    assert cache.hits - hits == len(analyses.pieces(STORY))
    assert cached == fresh
    assert any(q.speaker_name == "Maria Delgado" for q in fresh.quotes)
    # a wire copy with one paragraph changed: the rest comes from the cache, same result as cold
    copy = STORY.replace("on Tuesday", "on Wednesday")
    (warm,) = enrich_texts([copy])
    cache.clear()
    (cold,) = enrich_texts([copy])
    assert warm == cold


def test_another_model_version_never_reads_the_entries():
    import spacy

    a, b = spacy.blank("en"), spacy.blank("en")
    b.meta["version"] = "9.9.9"
    va, vb = analyses.analysis_version(a), analyses.analysis_version(b)
    assert va != vb and "9.9.9" in vb and va.split("/")[0].endswith(a.meta["version"])
    cache = analyses.AnalysisCache()
    analyses.analyse(a, ["Some paragraph.\n"], cache=cache)
    assert (cache.hits, cache.misses) == (0, 1)
    analyses.analyse(b, ["Some paragraph.\n"], cache=cache)
    assert (cache.hits, cache.misses) == (0, 2)
    analyses.analyse(a, ["Some paragraph.\n"], cache=cache)
    assert cache.hits == 1
    # the components that run are part of the version: a pipeline with a component more misses
    c = spacy.blank("en")
    c.add_pipe("sentencizer")
    assert analyses.analysis_version(c) != va


def test_the_cache_drops_the_least_recently_used_past_its_bound():
    import spacy

    nlp = spacy.blank("en")
    cache = analyses.AnalysisCache(max_tokens=10)
    texts = ["one two three", "four five six", "seven eight nine", "ten eleven twelve"]
    analyses.analyse(nlp, texts[:3], cache=cache)
    assert cache.tokens == 9 and len(cache) == 3
    assert cache.get(analyses.analysis_version(nlp), texts[0]) is not None  # now the most recent
    analyses.analyse(nlp, texts[3:], cache=cache)
    assert cache.tokens <= 10 and len(cache) == 3
    version = analyses.analysis_version(nlp)
    assert cache.get(version, texts[1]) is None  # the least recently used went first
    assert cache.get(version, texts[0]) is not None and cache.get(version, texts[3]) is not None
    # a paragraph longer than the whole bound is analysed but not kept
    (doc,) = analyses.analyse(nlp, [" ".join(["w"] * 20)], cache=cache)
    assert len(doc) == 20 and cache.tokens <= 10
    cache.clear()
    assert (len(cache), cache.tokens) == (0, 0)


def test_a_paragraph_repeated_in_one_batch_is_parsed_once():
    import spacy

    nlp = spacy.blank("en")
    cache = analyses.AnalysisCache()
    docs = analyses.analyse(nlp, ["Same line.\nA\n", "Same line.\nB\n"], cache=cache)
    assert [d.text for d in docs] == ["Same line.\nA\n", "Same line.\nB\n"]
    assert cache.misses == 3 and len(cache) == 3


@pytest.mark.parametrize("batch_texts", [1, 2, 32])
def test_batching_does_not_change_the_documents(batch_texts):
    nlp = load_model(EnrichOptions().model)
    docs = analyses.analyse(nlp, [STORY, OTHER, STORY], cache=analyses.AnalysisCache(), batch_texts=batch_texts)
    ref = analyses.analyse(nlp, [STORY, OTHER, STORY], cache=analyses.AnalysisCache(), batch_texts=32)
    assert [attrs(d) for d in docs] == [attrs(d) for d in ref]


def test_enrich_options_batch_size_still_accepted():
    opts = dataclasses.replace(EnrichOptions(), batch_size=1)
    (e,) = enrich_texts([OTHER], opts)
    assert any(m.name == "Ines Abernathy" for m in e.entities)


def test_batches_keep_order_and_stay_within_their_characters():
    texts = ["a" * 30, "b" * 50, "c" * 20, "d" * 200, "e" * 10, "f" * 90]
    out = analyses.batches(texts, 100)
    assert [t for b in out for t in b] == texts
    assert all(sum(map(len, b)) <= 100 or len(b) == 1 for b in out)
    assert out == [["a" * 30, "b" * 50, "c" * 20], ["d" * 200], ["e" * 10, "f" * 90]]
    assert analyses.batches([], 100) == []


@pytest.mark.parametrize("pipe_chars", [1, 150, 10_000_000])
def test_the_parser_batch_bound_does_not_change_the_documents(monkeypatch, pipe_chars):
    # spaCy's parser holds arrays for every token of a batch: batches are bounded by characters
    # (PIPE_CHARS) to bound a worker's peak memory, with the same analyses as one batch
    nlp = load_model(EnrichOptions().model)
    ref = analyses.analyse(nlp, [STORY, OTHER], cache=analyses.AnalysisCache())
    monkeypatch.setattr(analyses, "PIPE_CHARS", pipe_chars)
    calls = []
    real = nlp.pipe
    monkeypatch.setattr(nlp, "pipe", lambda texts, **kw: calls.append(len(texts)) or real(texts, **kw))
    docs = analyses.analyse(nlp, [STORY, OTHER], cache=analyses.AnalysisCache())
    assert [attrs(d) for d in docs] == [attrs(d) for d in ref]
    paragraphs = len(set(analyses.pieces(STORY) + analyses.pieces(OTHER)))
    assert sum(calls) == paragraphs
    assert len(calls) == {1: paragraphs, 10_000_000: 1}.get(pipe_chars, len(calls))
    if pipe_chars == 150:
        assert 1 < len(calls) < paragraphs


def test_cached_words_are_one_object_per_distinct_word():
    # a worker's cache holds ~150,000 tokens of a few thousand distinct words
    import spacy

    nlp = spacy.blank("en")
    cache = analyses.AnalysisCache()
    analyses.analyse(nlp, ["the port said the ships\n", "the union said no\n"], cache=cache)
    words = [w for a in cache._docs.values() for w in a.words]
    the = [w for w in words if w == "the"]
    said = [w for w in words if w == "said"]
    assert len(the) == 3 and len({id(w) for w in the}) == 1 and len({id(w) for w in said}) == 1
    blob = analyses.encode(next(iter(cache._docs.values())), nlp.vocab.strings)
    decoded = analyses.decode(blob, "the port said the ships\n", nlp.vocab)
    assert decoded.words[0] is decoded.words[3] is the[0]


def test_analyses_cut_from_the_kept_text_equal_those_read_from_the_tokens():
    # _pipe keeps each paragraph's text on its doc and Analysis.of / the segmenter cut the words
    # from it (Token objects per word cost more than the rules); the words, spaces, sentence
    # starts and attributes must be those spaCy's own tokens give
    import numpy

    nlp = load_model(EnrichOptions().model)
    texts = analyses.pieces(STORY) + [
        "OSLO (Reuters) -  Two  spaces, a tab\tand émojis 👍🏽 before “quotes”  \n\n",
        "\n\n  leading breaks and a trailing space \n",
        "A line\nrunning on\u00a0with a no-break space and 𝐌𝐚𝐭𝐡 letters.",
        " ",
    ]
    kept = list(analyses._pipe(nlp, texts))
    plain = list(nlp.pipe(texts))  # made by spaCy: the segmenter reads doc.text from the tokens
    for t, a, b in zip(texts, kept, plain):
        assert a.user_data[analyses.TEXT_KEY] == t == b.text
        x = analyses.Analysis.of(a)
        assert x.words == tuple(tok.text for tok in b)
        assert x.spaces == tuple(bool(tok.whitespace_) for tok in b)
        assert numpy.array_equal(x.array, b.to_array(list(analyses.ATTRS)))
        assert [tok.is_sent_start for tok in a] == [tok.is_sent_start for tok in b]
