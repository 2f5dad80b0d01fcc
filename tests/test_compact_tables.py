"""Read-only tables a pool worker holds in compact forms (bench/worker_memory.py measures them):
each answers exactly as the library it comes from does."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "benchmarks" / "article-extraction" / "html"


def test_first_names_answer_as_gender_guesser_does():
    import gender_guesser.detector as gd

    from newsmill.tasks.entities import FirstNames, _first_names

    detector = gd.Detector(case_sensitive=False)
    table = FirstNames.from_library()
    assert len(table) == len(detector.names) > 50_000
    names = list(detector.names)
    asked = names + [n.upper() for n in names[::7]] + [n.title() for n in names[::5]] + [
        "", "x", "Qzxv", "Jean-Pierre", "jean pierre", "Jörg", "JÖRG", "Ørjan", "Mary Ann", "O'Neil"]
    assert [table.get_gender(n) for n in asked] == [detector.get_gender(n) for n in asked]
    answers = {table.get_gender(n) for n in names}
    assert answers == {"male", "female", "mostly_male", "mostly_female", "andy"}
    # one table a process: the quote rules' pronoun genders ask the entity rules' table
    from newsmill.tasks import quotes

    assert quotes._gender_detector() is _first_names()
    assert quotes.first_name_gender("Maria Delgado") == "f" and quotes.first_name_gender("Bram") is None


def test_first_names_read_back_from_the_cache_answer_as_the_library_does(tmp_path, monkeypatch):
    """A worker reads the table an earlier process wrote (issue 16: ~0.4 s of CPU less per
    worker start); the file answers exactly as the library, and a damaged one is replaced."""
    from newsmill.tasks import cache
    from newsmill.tasks.entities import FirstNames

    library = FirstNames.from_library()
    written = FirstNames.cached(tmp_path)
    (path,) = tmp_path.glob("first-names-*.json")
    assert written._answers == library._answers

    def not_asked():
        raise AssertionError("the library was asked although the cache had the table")

    monkeypatch.setattr(FirstNames, "from_library", classmethod(lambda cls: not_asked()))
    read = FirstNames.cached(tmp_path)
    assert read._answers == library._answers
    for name in ("Maria", "maria", "MARIA", "Jörg", "Qzxv", "", "Jean-Pierre"):
        assert read.get_gender(name) == library.get_gender(name)
    monkeypatch.undo()
    path.write_text('{"male": ["truncat')  # a damaged file (a full disk, a killed writer)
    assert FirstNames.cached(tmp_path)._answers == library._answers
    assert FirstNames.cached(tmp_path)._answers == library._answers  # rewritten whole
    assert FirstNames.cached(None)._answers == library._answers  # no cache directory
    monkeypatch.setenv("NEWSMILL_CACHE_DIR", "0")
    assert cache.directory() is None
    monkeypatch.setenv("NEWSMILL_CACHE_DIR", str(tmp_path / "c"))
    assert cache.directory() == tmp_path / "c"


def test_the_language_identifier_read_back_from_the_cache_is_py3langids(tmp_path):
    """py3langid's model tables stored uncompressed by one process (issue 16: ~0.5 s of CPU less
    per worker start) build the identifier py3langid builds from its shipped file: the same
    tables, the same answers; a damaged file is replaced, no directory means no file."""
    import numpy as np
    from py3langid import langid

    from newsmill.tasks.metadata import _cached_identifier

    shipped = langid._load_identifier()
    first = _cached_identifier(langid, tmp_path)  # decompresses the shipped file and stores it
    (path,) = tmp_path.glob("py3langid-model-*.npz")
    again = _cached_identifier(langid, tmp_path)  # from the stored tables
    for ident in (first, again):
        for name in ("tk_nextmove", "tk_row", "tk_output", "_rowbase", "nb_classes"):
            assert list(getattr(ident, name)) == list(getattr(shipped, name)), name
        assert ident.tk_nextmove.typecode == shipped.tk_nextmove.typecode
        assert ident.nb_ptc.dtype == shipped.nb_ptc.dtype and np.array_equal(ident.nb_ptc, shipped.nb_ptc)
        assert np.array_equal(ident.nb_pc, shipped.nb_pc)
        for text in ("The minister said the talks would resume on Monday.", "Le ministre a déclaré mardi.",
                     "Der Minister sagte am Montag", "El ministro dijo el lunes", "東京で会見した"):
            assert ident.classify(text) == shipped.classify(text)
    path.write_bytes(path.read_bytes()[:1000])  # a damaged file (a full disk, a killed writer)
    assert _cached_identifier(langid, tmp_path).classify("Le ministre a déclaré") == shipped.classify("Le ministre a déclaré")
    assert path.stat().st_size > 1000  # replaced whole
    assert _cached_identifier(langid, None) is None


def test_justext_stop_words_are_trafilaturas_and_its_fallback_reads_the_same():
    from justext.utils import get_stoplist, get_stoplists
    from trafilatura import external

    from newsmill.tasks import extract

    assert isinstance(external.JT_STOPLIST, extract.AllStopWords)
    words = list(extract.AllStopWords())
    assert len(words) == len(set(words)) > 100_000
    assert set(words) == {w for lang in get_stoplists() for w in get_stoplist(lang)}
    assert list(extract.AllStopWords()) == words  # iterable again, in the same order

    from lxml import etree, html

    page = ("<html><body><div><p>" + "The council said on Monday that the new bridge would open in the spring, "
            "and residents who live near the river were asked to plan their routes. " * 3 + "</p>"
            "<p>Home | News | Sport | Weather</p><p>Der Rat sagte am Montag, dass die neue Brücke im "
            "Frühjahr eröffnet werde und die Anwohner ihre Wege planen sollten.</p></div></body></html>")
    compact = etree.tostring(external.try_justext(html.fromstring(page), None, None))
    saved = external.JT_STOPLIST
    try:
        external.JT_STOPLIST = tuple(words)  # what trafilatura itself would hold
        assert etree.tostring(external.try_justext(html.fromstring(page), None, None)) == compact
        external.JT_STOPLIST = ("zzz",)  # the check can fail: without stop words all is boilerplate
        assert etree.tostring(external.try_justext(html.fromstring(page), None, None)) != compact
    finally:
        external.JT_STOPLIST = saved
    assert b"bridge" in compact and b"Br&#252;cke" in compact  # English and German stop words both read


def _samples() -> list:
    out = ["", "a", "   ", b"caf\xc3\xa9 ouvert le dimanche", b"\xff\xfe broken bytes", "ДОБРЫЙ ДЕНЬ, ДРУЗЬЯ",
           "Ceci est une phrase en français, écrite pour le test.", "日本語のテキストです。",
           "Dies ist ein kurzer deutscher Satz über das Wetter in Berlin."]
    for p in sorted(CORPUS.glob("*.html.gz"))[:40]:
        text = re.sub(r"<[^>]+>", " ", gzip.decompress(p.read_bytes()).decode("utf-8", "replace"))
        out.extend(text[k:k + 700] for k in range(0, min(len(text), 10_000), 2500))
    return out


def test_language_identifiers_with_compact_tables_answer_as_py3langids_own():
    from array import array

    from py3langid import langid

    from newsmill.tasks import enrich, metadata

    own = metadata.language_identifier()
    normed = enrich._identifier()
    assert own is langid._get_identifier()  # the one py3langid.classify uses
    assert isinstance(own.tk_output, array) and isinstance(own._rowbase, array)
    assert normed._rowbase is own._rowbase and normed.tk_output is own.tk_output
    fresh = langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE)
    fresh_normed = langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE, norm_probs=True)
    assert isinstance(fresh.tk_output, list)  # the layout the compact form replaces
    samples = _samples()
    assert len(samples) > 50
    for text in samples:
        assert own.classify(text) == fresh.classify(text)
        assert normed.classify(text) == fresh_normed.classify(text)
        assert normed.rank(text) == fresh_normed.rank(text)


def test_compact_tables_leave_another_layout_alone():
    from newsmill.tasks.metadata import compact_tables

    class Other:
        tk_output = (1, 2, 3)
        _rowbase = None

    o = Other()
    compact_tables(o)
    assert o.tk_output == (1, 2, 3) and o._rowbase is None
    pytest.importorskip("py3langid")


def test_justexts_set_of_all_stop_words_is_not_kept_after_a_page():
    from justext.core import define_stoplist
    from trafilatura import external

    from newsmill.config import ExtractOptions
    from newsmill.tasks import extract

    define_stoplist.cache_clear()
    made = define_stoplist(external.JT_STOPLIST)  # as trafilatura's fallback makes it
    assert len(made) > 100_000 and define_stoplist.cache_info().currsize == 1
    doc = extract.extract_document("<html><body><article><p>" + "The council met on Monday to vote. " * 20
                                   + "</p></article></body></html>", "http://example.test/a", ExtractOptions())
    assert "council met" in doc.text
    assert define_stoplist.cache_info().currsize == 0
