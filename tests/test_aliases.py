"""Identity across articles: alias evidence, re-linking in the load transaction, idempotency.

Hand-made enrichments go through the real loader into a real DuckDB file, so these tests do not
depend on the model; the names are invented."""

from datetime import UTC, datetime

from newsmill.records import Document, EntityMention, Enrichment, FetchedPage, PageResult, Quote
from newsmill.tasks.entities import alias_evidence, mention_aliases
from newsmill.warehouse import db, loader
from tests.dbutil import query as rows


def page(url):
    return FetchedPage(url=url, final_url=url, status_code=200, content_type="text/html", body=url.encode(),
                       encoding="utf-8", fetched_at=datetime.now(UTC), elapsed_ms=5)


def article(n: int, mentions, quotes=(), day="2025-03-04"):
    """Article n with the given (text, label, name[, title]) mentions; the text is long enough
    for every offset."""
    url = f"https://news.example/{n}"
    text = " ".join(m[0] for m in mentions) + " filler." * 20
    ents, pos = [], 0
    for m in mentions:
        start = text.index(m[0], pos)
        ents.append(EntityMention(m[0], m[1], start, start + len(m[0]), m[2], m[3] if len(m) > 3 else ""))
        pos = start + len(m[0])
    doc = Document(url=url, canonical_url=url, title=f"Story {n}", authors=(), published=day, modified=None,
                   site_name="Example", language="en", text=text)
    return PageResult(page(url), doc, Enrichment(entities=tuple(ents), quotes=tuple(quotes), model="test"))


def load(path, results, run="r"):
    with db.writer(path) as con:
        return loader.load_batch(con, results, run)


def people(path):
    """Entity names of every PERSON mention, by how it is written."""
    return rows(path, "SELECT m.text, e.name, m.link FROM mentions m JOIN entities e USING (entity_id) "
                      "JOIN articles a USING (article_id) WHERE m.label = 'PERSON' "
                      "ORDER BY length(a.title), a.title, m.start_char")


def test_mention_aliases_and_evidence():
    assert mention_aliases("Lindqvist", "PERSON", "Lindqvist", "") == ("lindqvist", None)
    assert mention_aliases("Lindqvist", "PERSON", "Mona Lindqvist", "") == (None, None)  # resolved in the article
    assert mention_aliases("Haddad", "PERSON", "Haddad", "vice president") == ("haddad", "vice president haddad")
    assert mention_aliases("Norway", "ORG", "Norway", "") == (None, None)  # a country is never a surname here
    ev = alias_evidence([EntityMention("Vice President Omar Haddad", "PERSON", 0, 26, "Omar Haddad", "vice president"),
                         EntityMention("Haddad", "PERSON", 40, 46, "Omar Haddad"),
                         EntityMention("Ahmed al-Rashidi", "PERSON", 50, 66, "Ahmed al-Rashidi")])
    assert ev == {("haddad", "Omar Haddad", "PERSON"), ("vice president haddad", "Omar Haddad", "PERSON"),
                  ("al rashidi", "Ahmed al-Rashidi", "PERSON")}


def test_products_and_badly_cut_spans_teach_no_alias():
    # the model typed a product as a person ("Magic Keyboard" ... "Keyboard"): the article also
    # writes the word in lower case, so it is a thing, not a surname
    text = "The Glide Trackpad is new. Trackpad sales rose, and the trackpad is larger."
    ms = [EntityMention("Glide Trackpad", "PERSON", 4, 18, "Glide Trackpad"),
          EntityMention("Trackpad", "PERSON", 27, 35, "Glide Trackpad")]
    assert alias_evidence(ms, text) == set()
    assert mention_aliases("Trackpad", "PERSON", "Trackpad", "", text) == (None, None)
    # a surname the article never writes in lower case still teaches
    text = "Ilse Brandt spoke. Brandt said no."
    ms = [EntityMention("Ilse Brandt", "PERSON", 0, 11, "Ilse Brandt"), EntityMention("Brandt", "PERSON", 19, 25, "Ilse Brandt")]
    assert alias_evidence(ms, text) == {("brandt", "Ilse Brandt", "PERSON")}
    # a span that does not look like a name ("rang Taylor", "® Honey") teaches nothing
    text = "The phone rang Taylor said. Taylor left."
    ms = [EntityMention("rang Taylor", "PERSON", 10, 21, "rang Taylor"), EntityMention("Taylor", "PERSON", 28, 34, "rang Taylor")]
    assert alias_evidence(ms, text) == set()


def test_short_form_linked_by_later_evidence_in_the_same_load(db_path):
    full = [("Mona Lindqvist", "PERSON", "Mona Lindqvist"), ("Lindqvist", "PERSON", "Mona Lindqvist")]
    short = [("Lindqvist", "PERSON", "Lindqvist")]
    load(db_path, [article(1, short, quotes=[Quote("We will see", 0, 5, "direct", "said", "Lindqvist", 0, 9,
                                                   "Lindqvist", "PERSON")])])
    # no evidence yet: the short form is its own entity
    assert people(db_path) == [("Lindqvist", "Lindqvist", "article")]
    load(db_path, [article(2, full)])
    # one article is not enough evidence, even when no other Lindqvist is known (issue 13: at
    # least two articles)
    assert people(db_path)[0] == ("Lindqvist", "Lindqvist", "article")
    load(db_path, [article(3, [("Mona Lindqvist", "PERSON", "Mona Lindqvist")])])
    # the second article: the earlier short form is re-linked in the load that brought the
    # evidence, and so is the quote it speaks
    assert people(db_path)[0] == ("Lindqvist", "Mona Lindqvist", "alias")
    assert rows(db_path, "SELECT speaker_name FROM quotes") == [("Mona Lindqvist",)]
    assert rows(db_path, "SELECT entity, mentions, rank FROM top_people WHERE period = 'month'") == \
        [("Mona Lindqvist", 4, 1)]
    assert rows(db_path, "SELECT alias, entity, articles, share, resolves FROM entity_aliases") == \
        [("lindqvist", "Mona Lindqvist", 2, 1.0, True)]
    # loading the same articles again changes nothing
    before = rows(db_path, "SELECT * FROM mentions ORDER BY ALL")
    load(db_path, [article(1, short), article(2, full), article(3, full[:1])], run="again")
    assert rows(db_path, "SELECT * FROM mentions ORDER BY ALL") == before


def test_ambiguous_short_form_stays_its_own_entity_and_a_title_decides(db_path):
    jo = [("Omar Haddad", "PERSON", "Omar Haddad", "vice president"), ("Haddad", "PERSON", "Omar Haddad")]
    son = [("Karim Haddad", "PERSON", "Karim Haddad"), ("Haddad", "PERSON", "Karim Haddad")]
    load(db_path, [article(1, jo), article(2, jo), article(3, son), article(4, jo)])
    # 3 of 4 articles (75%) are not enough: "Haddad" alone is ambiguous
    load(db_path, [article(5, [("Haddad", "PERSON", "Haddad")])])
    assert people(db_path)[-1] == ("Haddad", "Haddad", "ambiguous")
    # "Vice President Haddad": the title evidence (2 articles, 100%) points to Omar Haddad
    load(db_path, [article(6, [("Haddad", "PERSON", "Haddad", "vice president")])])
    assert people(db_path)[-1] == ("Haddad", "Omar Haddad", "alias")
    # new evidence for Omar makes the bare short form unambiguous: article 5 is re-linked too
    load(db_path, [article(7, jo), article(8, jo), article(9, jo), article(10, jo), article(11, jo), article(12, jo)])
    got = {r[0]: r[1:] for r in rows(db_path, "SELECT a.title, e.name, m.link FROM mentions m JOIN articles a "
                                              "USING (article_id) JOIN entities e USING (entity_id) "
                                              "WHERE a.title IN ('Story 5', 'Story 6')")}
    assert got == {"Story 5": ("Omar Haddad", "alias"), "Story 6": ("Omar Haddad", "alias")}


def test_re_enriched_article_withdraws_its_evidence(db_path):
    full = [("Mona Lindqvist", "PERSON", "Mona Lindqvist"), ("Lindqvist", "PERSON", "Mona Lindqvist")]
    load(db_path, [article(1, [("Lindqvist", "PERSON", "Lindqvist")]), article(2, full), article(3, full)])
    assert people(db_path)[0][1] == "Mona Lindqvist"
    # article 3 changes and names another Lindqvist instead: the evidence is split 1:1, the link goes
    changed = article(3, [("Erik Lindqvist", "PERSON", "Erik Lindqvist")])
    changed = PageResult(changed.page, Document(**{**changed.document.__dict__, "text": changed.document.text + " v2"}),
                         changed.enrichment)
    load(db_path, [changed])
    assert rows(db_path, "SELECT count(*) FROM alias_evidence") == [(2,)]
    assert people(db_path)[0] == ("Lindqvist", "Lindqvist", "ambiguous")


def test_one_name_is_one_type_across_the_warehouse(db_path):
    load(db_path, [article(1, [("Weibo", "ORG", "Weibo")]), article(2, [("Weibo", "ORG", "Weibo")]),
                   article(3, [("Weibo", "PLACE", "Weibo")])])
    assert rows(db_path, "SELECT DISTINCT e.name, e.type FROM mentions m JOIN entities e USING (entity_id)") == \
        [("Weibo", "ORG")]
    assert rows(db_path, "SELECT link, count(*) FROM mentions GROUP BY link ORDER BY link") == \
        [("article", 2), ("type", 1)]


def test_an_enrichment_brings_its_alias_evidence_and_loading_it_needs_no_name_list(db_path, monkeypatch):
    """The alias evidence is made where the entities are (a worker, with the model and
    gender-guesser's names loaded anyway), so that the loading process never loads the 22 MB
    name list (issue 16: the command's memory); loaded, it gives the rows it gave before."""
    from newsmill.config import EnrichOptions
    from newsmill.tasks import entities
    from newsmill.tasks.enrich import enrich_texts

    text = ("Marit Solvang, the harbour master, spoke to reporters on Monday. "
            "Solvang said the northern quay would reopen next week after repairs.")
    (e,) = enrich_texts([text], EnrichOptions(), ["en"])
    assert e.aliases is not None
    assert e.aliases == tuple(sorted(alias_evidence(e.entities, text)))
    assert ("solvang", "Marit Solvang", "PERSON") in e.aliases

    # named in full only: the evidence rests on "Tove" being a first name (gender-guesser's list)
    made = article(1, [("Tove Aarnes", "PERSON", "Tove Aarnes")])
    computed = sorted(alias_evidence(made.enrichment.entities, made.document.text))
    carried = PageResult(made.page, made.document,
                         Enrichment(entities=made.enrichment.entities, model="test", aliases=tuple(computed)))
    def name_list():
        raise AssertionError("the loader asked gender-guesser's name list")

    monkeypatch.setattr(entities, "_first_names", name_list)
    load(db_path, [carried])
    assert rows(db_path, "SELECT alias, e.name FROM alias_evidence JOIN entities e USING (entity_id)") == \
        [(a, name) for a, name, _ in computed] == [("aarnes", "Tove Aarnes")]


def test_an_enrichment_made_by_hand_still_gets_its_alias_evidence(db_path):
    # aliases=None (not made): the loader makes the evidence itself, as it always did
    made = article(1, [("Tove Aarnes", "PERSON", "Tove Aarnes"), ("Aarnes", "PERSON", "Tove Aarnes")])
    assert made.enrichment.aliases is None
    load(db_path, [made])
    assert rows(db_path, "SELECT alias FROM alias_evidence") == [("aarnes",)]
