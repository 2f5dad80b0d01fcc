"""One quotation split around its attribution ('“A,” she said, “B.”') is stored as its parts,
linked as one quotation (issue 12): part/parts and the quotation's extent on every quote, in the
enrich JSON and in the warehouse (migration 015, the quotations view). Invented wordings."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pytest

from newsmill.records import Document, FetchedPage, PageResult
from newsmill.warehouse import db, loader
from tests.dbutil import query
from tests.test_quotes import enrich

LONG = ("“The ferry will sail again by May,” said Ingrid Halvorsen, who has run the harbour office in "
        "Bodø since the storm of 2019 closed it for a winter. “We have the money for the new pier now.”")


def _by_text(e):
    return {q.text: q for q in e.quotes}


@pytest.mark.parametrize("text, first, second, speaker", [
    # a long attribution between the parts: neither part is short, the link is what joins them
    (LONG, "The ferry will sail again by May,", "We have the money for the new pier now.", "Ingrid Halvorsen"),
    # a comma, not a full stop, before the second part
    ("“Nobody in this valley voted for the quarry,” Tomas Eriksen, the mayor of Vinstra, said on "
     "Tuesday, “and nobody here will work in it.”",
     "Nobody in this valley voted for the quarry,", "and nobody here will work in it.", "Tomas Eriksen"),
    # initials and abbreviations in the attribution are no sentence end
    ("“The rail line pays for itself within ten years,” said Leonard E. Okafor, director of "
     "Brightline Transit Inc. in Washington, D.C. “Every study we ran says so.”",
     "The rail line pays for itself within ten years,", "Every study we ran says so.", "Leonard E. Okafor"),
    # a period inside the attribution that ends no sentence: "(D-Ore.) in an interview"
    ("“We will not close the mill,” said Rep. Dana Whitlock (D-Ore.) in an interview. “Not this "
     "year, not next year.”",
     "We will not close the mill,", "Not this year, not next year.", "Dana Whitlock"),
    # a no-break space before the second part's straight quotation mark
    ('"The ferries fight the ice all winter," Karl Lindqvist said.\xa0"Every single winter, right?"',
     "The ferries fight the ice all winter,", "Every single winter, right?", "Karl Lindqvist"),
])
def test_split_quotation_is_one_quotation_in_two_parts(text, first, second, speaker):
    qs = _by_text(enrich(text))
    a, b = qs[first], qs[second]
    assert (a.part, a.parts, b.part, b.parts) == (1, 2, 2, 2)
    assert a.quotation_start == b.quotation_start == a.start
    assert a.quotation_end == b.quotation_end == b.end
    assert a.speaker_name == b.speaker_name == speaker


def test_short_second_part_is_kept_as_the_quotation_continues():
    """One to three quoted words are dropped as scare quotes unless a cue takes them; the second
    part of a split quotation is taken by the first part's cue."""
    text = "“We asked the council for a crossing three times,” Marta Kovac said. “Three times.”"
    qs = _by_text(enrich(text))
    assert "Three times." in qs, list(qs)
    assert (qs["Three times."].part, qs["Three times."].parts) == (2, 2)
    assert qs["Three times."].speaker_name == "Marta Kovac"


@pytest.mark.parametrize("text", [
    # a sentence of its own between the parts: another speaker may answer
    "“The dam is safe,” the engineer Petra Lindahl said at the hearing. Oskar Brandt shot back: "
    "“Nobody has inspected it since the flood.”",
    # the cue comes before both quotations: two quotations in a row, not one split around its cue
    "Petra Lindahl told the hearing: “The dam is safe.” “Nobody has inspected it since the flood.”",
])
def test_no_link_without_an_attribution_between_the_parts(text):
    for q in enrich(text).quotes:
        assert (q.part, q.parts) == (1, 1), q
        assert (q.quotation_start, q.quotation_end) == (q.start, q.end), q


def test_a_quoted_word_inside_the_attribution_is_no_second_part():
    text = ("“The levy keeps the library open on Sundays,” Anneli Varga said of the “temporary” charge "
            "the council voted for in March.")
    qs = _by_text(enrich(text))
    assert "temporary" not in qs
    (q,) = [q for q in qs.values() if q.kind == "direct"]
    assert (q.part, q.parts) == (1, 1)


MULTI = [
    # forwards: the attribution in the first paragraph, which runs on without a closing mark
    ("“The pier was built for boats half this size,” said Runa Dahlberg, who chairs the harbour board. "
     "“Every winter the swell lifts another plank.\n\n“We asked for money in 2019 and again in 2022.\n\n"
     "“This spring we stop asking.”\n\nThe council meets on Thursday.",
     ["The pier was built for boats half this size,", "Every winter the swell lifts another plank.",
      "We asked for money in 2019 and again in 2022.", "This spring we stop asking."], "Runa Dahlberg"),
    # backwards: the attribution comes with the last paragraph, one line break apart
    ("“Three of the five kilns are cold since the gas price doubled.\n“Nobody in Vestby has fired one "
     "for a month,” said Kasper Holm, a potter.\nThe guild meets in June.",
     ["Three of the five kilns are cold since the gas price doubled.",
      "Nobody in Vestby has fired one for a month,"], "Kasper Holm"),
]


@pytest.mark.parametrize("text, parts, speaker", MULTI)
def test_a_multi_paragraph_quotation_is_one_quotation_in_parts(text, parts, speaker):
    """The opening mark repeated at each paragraph and the closing mark only at the end: every
    paragraph is the speaker's, and the paragraphs are the parts of one quotation."""
    qs = _by_text(enrich(text))
    got = [qs[p] for p in parts]
    assert [(q.part, q.parts) for q in got] == [(k, len(parts)) for k in range(1, len(parts) + 1)]
    assert {(q.quotation_start, q.quotation_end) for q in got} == {(got[0].start, got[-1].end)}
    assert {q.speaker_name for q in got} == {speaker}


def test_a_paragraph_with_its_own_attribution_starts_another_quotation():
    """A closing mark left out ('“A,” X said. “B.' then '“C,” added Y.'): the next paragraph's own
    attribution starts another quotation."""
    text = ("“The bus line is our only link to the clinic,” Councillor Edda Brun said. “Cutting it cuts us "
            "off.\n“We will find the money for the drivers,” added Mayor Olav Strand, who spoke after her. "
            "“The route stays.”")
    qs = _by_text(enrich(text))
    first, second = qs["The bus line is our only link to the clinic,"], qs["We will find the money for the drivers,"]
    assert second.speaker_name == "Olav Strand"
    assert second.part == 1 and first.quotation_end < second.start


def test_enrich_json_keeps_its_keys_and_adds_the_parts():
    e = enrich(LONG)
    rows = e.to_json()["quotes"]
    for key in ("text", "start", "end", "kind", "cue", "speaker", "speaker_start", "speaker_end",
                "speaker_name", "confidence", "part", "parts", "quotation_start", "quotation_end"):
        assert all(key in r for r in rows), key
    assert sorted((r["part"], r["parts"]) for r in rows if r["kind"] == "direct") == [(1, 2), (2, 2)]


def _result(url: str, text: str) -> PageResult:
    page = FetchedPage(url=url, final_url=url, status_code=200, content_type="text/html", body=b"<html>x</html>",
                       encoding="utf-8", fetched_at=datetime.now(UTC), elapsed_ms=5)
    doc = Document(url=url, canonical_url=url, title="Harbour", authors=(), published="2025-03-04", modified=None,
                   site_name="Example News", language="en", text=text)
    return PageResult(page, doc, enrich(text))


def test_parts_land_in_the_warehouse_and_the_quotations_view_joins_them(db_path):
    with db.writer(db_path) as con:
        loader.load_batch(con, [_result("https://example.com/harbour", LONG)], "r1")
    got = query(db_path, "SELECT text, part, parts, quotation_id, quote_id FROM quotes ORDER BY start_char")
    assert [(t, p, n) for t, p, n, _, _ in got] == [
        ("The ferry will sail again by May,", 1, 2), ("We have the money for the new pier now.", 2, 2)]
    assert got[0][3] == got[1][3] == got[0][4]  # the quotation is named by its first part
    (row,) = query(db_path, "SELECT quote, parts, speaker_name, start_char, end_char FROM quotations")
    assert row[0] == "The ferry will sail again by May, … We have the money for the new pier now."
    assert row[1:3] == (2, "Ingrid Halvorsen")
    assert LONG[row[3]:row[4]].startswith("The ferry") and LONG[row[3]:row[4]].endswith("pier now.")
    cols = [r[0] for r in query(db_path, "SELECT column_name FROM (DESCRIBE quotes_citable)")]
    assert {"quotation_id", "part", "parts"} <= set(cols)


def test_migration_015_makes_earlier_quotes_single_parts(tmp_path):
    """A warehouse at schema 014 with quotes loaded: after migration each quote is part 1 of 1 of
    a quotation named by its own quote_id."""
    path = str(tmp_path / "old.duckdb")
    con = duckdb.connect(path)
    for version, name, sql in db.migrations():
        if version > 14:
            break
        con.execute(sql)
    con.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, "
                "applied_at TIMESTAMPTZ DEFAULT now())")
    for version, name, _ in db.migrations():
        if version <= 14:
            con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name])
    con.execute("INSERT INTO quotes (quote_id, article_id, text, kind, start_char, end_char) "
                "VALUES ('q1', 'a1', 'We will see.', 'direct', 3, 15)")
    con.close()
    with db.writer(path):
        pass
    assert query(path, "SELECT quote_id, quotation_id, part, parts FROM quotes") == [("q1", "q1", 1, 1)]
    assert query(path, "SELECT max(version) FROM schema_migrations") == [(db.SCHEMA_VERSION,)]
