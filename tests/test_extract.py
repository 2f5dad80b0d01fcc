"""Extraction: body, metadata cleaning, dates, non-English pages, charsets, failures, the CLI."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsmill.config import ExtractOptions
from newsmill.tasks.boilerplate import strip_boilerplate_lines, strip_repeated_lines
from newsmill.tasks.extract import (
    ExtractionFailed,
    clean_authors,
    clean_title,
    detect_language,
    extract_document,
    read_jsonld,
)
from newsmill.tasks.fetch import detect_encoding
from newsmill.tasks.dates import date_from_url, visible_date

PAGES = Path(__file__).parent / "fixtures" / "pages"
OPTS = ExtractOptions()


def page(body: str, head: str = "", lang: str = "en") -> str:
    return f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{head}</head><body>{body}</body></html>'


STORY = "".join(
    f"<p>{s}</p>" for s in (
        "The city council voted on Tuesday to expand the network of protected bike lanes across the downtown area.",
        "Supporters said the plan would make streets safer for everyone, while some shop owners worried about parking.",
        "The first new lanes are expected to open next spring, the transport department said in a statement.",
        "Council members will review the project again after its first year, when traffic data becomes available.",
    ))


# --------------------------------------------------------------------------------------------
# authors

@pytest.mark.parametrize("raw, want", [
    (["By Jane Doe"], ("Jane Doe",)),
    (["BY JANE DOE"], ("Jane Doe",)),
    (["By Tom Krisher, AP Auto Writer"], ("Tom Krisher",)),
    (["Tom Krisher AP Auto Writer"], ("Tom Krisher",)),
    (["By ROBERT BURNS, AP National Security Writer"], ("Robert Burns",)),
    (["Jane Doe, Staff Writer"], ("Jane Doe",)),
    (["Jane Doe and John Smith"], ("Jane Doe", "John Smith")),
    (["Jane Doe, John Smith & Ann Lee"], ("Jane Doe", "John Smith", "Ann Lee")),
    (["Ann Lee", "Jane Doe", "ann lee"], ("Ann Lee", "Jane Doe")),
    (["Amy Kuperinsky | NJ Advance Media for NJ.com"], ("Amy Kuperinsky",)),
    (["Rachael Link, MS, RD"], ("Rachael Link",)),
    (["Ilana Muhlstein, RDN", "Jane Roe, PhD"], ("Ilana Muhlstein", "Jane Roe")),
    (["Tanza Loudenback, Business Insider"], ("Tanza Loudenback",)),
    (["https://example.com/authors/jane-doe"], ("Jane Doe",)),
    (["Von Katrin Müller"], ("Katrin Müller",)),
    (["Par Marie Dubois et Julien Lefèvre"], ("Marie Dubois", "Julien Lefèvre")),
    (["Por Carlos Pérez y Ana Gómez"], ("Carlos Pérez", "Ana Gómez")),
    (["记者 王伟"], ("王伟",)),
    (["بقلم أحمد خالد"], ("أحمد خالد",)),
])
def test_clean_authors_keeps_names(raw, want):
    assert clean_authors(raw) == want


@pytest.mark.parametrize("raw", [
    ["Published"], ["Staff"], [""], ["  "], ["By"], ["Staff Writer"], ["Staff Reports"], ["Science X staff"],
    ["Associated Press"], ["The Associated Press"], ["Reuters"], ["AP"], ["admin"], ["jdadmin"], ["kei_eno"],
    ["Updated Nov. 19, 2019 9:41 AM"], ["Published 18 November 2019"], ["2 hours ago"],
    ["https://www.facebook.com/CNBC"], ["news@example.com"], ["Read more"], ["Share"],
    ["AP National Security Writer"], ["NJ Advance Media"], ["Editorial Board"],
])
def test_clean_authors_drops_junk(raw):
    assert clean_authors(raw) == ()


def test_clean_authors_drops_the_site_itself():
    assert clean_authors(["The Daily Ledger"], "The Daily Ledger") == ()
    assert clean_authors(["LinkNaija"], None, hosts=["www.linknaija.com"]) == ()
    assert clean_authors(["Jane Doe", "The Daily Ledger"], "The Daily Ledger") == ("Jane Doe",)


def test_fixture_byline_junk_is_not_an_author():
    doc = extract_document((PAGES / "article.html").read_bytes(), "http://127.0.0.1/world/x")
    # JSON-LD says ["By Jane Doe", "Staff"]
    assert doc.authors == ("Jane Doe",)


def test_jsonld_author_reference_is_resolved():
    ld = ('<script type="application/ld+json">{"@context":"https://schema.org","@graph":['
          '{"@type":"Article","headline":"Bike lanes","author":{"@id":"#p1"},"datePublished":"2021-05-04"},'
          '{"@type":"Person","@id":"#p1","name":"Jane Doe"}]}</script>')
    doc = extract_document(page(STORY, ld), "https://example.com/bikes")
    assert doc.authors == ("Jane Doe",)


def test_agency_author_does_not_fall_back_to_a_dateline():
    ld = '<script type="application/ld+json">{"@type":"NewsArticle","headline":"X","author":"PTI"}</script>'
    body = '<article><h1>Bike lanes</h1><div class="byline">PTI, Washington, Nov 20 2019</div>' + STORY + "</article>"
    doc = extract_document(page(body, ld), "https://example.com/bikes")
    assert doc.authors == ()


def test_byline_markup_is_used_when_metadata_has_no_author():
    body = ('<article><h1>Council expands bike lanes downtown</h1>'
            '<p class="byline">By <a rel="author" href="/a/jane">Jane Doe</a> and <a rel="author" href="/a/john">John Smith</a></p>'
            + STORY + "</article>")
    doc = extract_document(page(body), "https://example.com/bikes")
    assert doc.authors == ("Jane Doe", "John Smith")


# --------------------------------------------------------------------------------------------
# dates

NOW = datetime(2024, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize("raw, want", [
    ("2019-11-19T13:03:00.000Z", "2019-11-19T13:03:00+00:00"),
    ("2025-03-04T09:30:00-05:00".replace("2025", "2023"), "2023-03-04T09:30:00-05:00"),
    ("2019-11-20T09:29:08+0000", "2019-11-20T09:29:08+00:00"),
    ("2019-11-20T10:18:01+05:30", "2019-11-20T10:18:01+05:30"),
    ("2019-11-19 19:31:39", "2019-11-19T19:31:39"),
    ("2019-11-18", "2019-11-18"),
    ("November 19, 2019 10:31 pm CST", "2019-11-19T22:31:00-06:00"),
    ("20 Nov 2019 08:02 GMT", "2019-11-20T08:02:00+00:00"),
    ("1574168580", "2019-11-19T13:03:00+00:00"),
    ("2024-06-01T20:00:00+00:00", "2024-06-01T20:00:00+00:00"),  # later today: time zones, not the future
])
def test_normalize_date_keeps_time_zone(raw, want):
    from newsmill.tasks.extract import normalize_date

    assert normalize_date(raw, now=NOW) == want


@pytest.mark.parametrize("raw", [
    "2030-01-01", "2024-06-03T00:00:00Z",  # the future
    "1970-01-01T00:00:00Z", "1993-12-31", "0001-01-01",  # before the web
    "2019-13-45", "not a date", "", "   ", None, "Nov 19", "Monday 2:30PM", "2 days ago",
])
def test_normalize_date_rejects_implausible(raw):
    from newsmill.tasks.extract import normalize_date

    assert normalize_date(raw, now=NOW) is None


def test_date_from_url():
    assert date_from_url("https://www.nytimes.com/2019/11/19/opinion/x.html") == "2019-11-19"
    assert date_from_url("https://example.com/news/20191119-story") == "2019-11-19"
    assert date_from_url("https://example.com/2019/99/99/x") is None
    assert date_from_url("https://example.com/products/2019") is None


def test_future_and_ancient_dates_on_a_page_become_null():
    ld = ('<script type="application/ld+json">{"@type":"NewsArticle","headline":"Bike lanes",'
          '"datePublished":"2999-01-01T00:00:00Z","dateModified":"1990-01-01"}</script>')
    doc = extract_document(page("<article><h1>Bike lanes</h1>" + STORY + "</article>", ld), "https://example.com/bikes")
    assert doc.published is None
    assert doc.modified is None


def test_page_date_sources_in_order():
    # <time> when no metadata states the date
    body = '<article><h1>Bike lanes</h1><time datetime="2021-05-04T10:00:00+02:00">4 May</time>' + STORY + "</article>"
    assert extract_document(page(body), "https://example.com/x").published == "2021-05-04T10:00:00+02:00"
    # the URL when nothing in the markup does
    body = "<article><h1>Bike lanes</h1>" + STORY + "</article>"
    assert extract_document(page(body), "https://example.com/2021/05/04/bikes").published == "2021-05-04"
    # and null when nothing states it: a copyright year is not a publication date
    body = "<article><h1>Bike lanes</h1>" + STORY + "</article><footer>© 2021 Example News</footer>"
    assert extract_document(page(body), "https://example.com/bikes").published is None


def test_utc_timestamp_takes_the_local_time_the_page_also_states():
    head = ('<meta property="article:published_time" content="2019-11-19T04:58:46Z">'
            '<meta name="sailthru.date" content="2019-11-18 20:58:46">')
    doc = extract_document(page("<article><h1>Bike lanes</h1>" + STORY + "</article>", head), "https://e.com/x")
    assert doc.published == "2019-11-18T20:58:46-08:00"


def test_modified_before_published_is_dropped():
    head = ('<meta property="article:published_time" content="2020-02-02T10:00:00Z">'
            '<meta property="article:modified_time" content="2020-02-02T09:00:00Z">')
    doc = extract_document(page("<article><h1>Bike lanes</h1>" + STORY + "</article>", head), "https://e.com/x")
    assert doc.published == "2020-02-02T10:00:00+00:00"
    assert doc.modified is None


@pytest.mark.parametrize("text, want", [
    ("publiziert am 30. Juli 2018", "2018-07-30"),
    ("Publié le 21 août 2023 à 17h40", "2023-08-21"),
    ("6 de septiembre de 2022", "2022-09-06"),
    ("Posted November 18th, 2019 at 11:08 a.m.", "2019-11-18"),
    ("来源：晨报网 2023年6月28日 09:30", "2023-06-28"),
])
def test_visible_date(text, want):
    from lxml import html

    tree = html.fromstring(page(f'<div class="post-date">{text}</div>' + STORY))
    assert visible_date(tree) == want


# --------------------------------------------------------------------------------------------
# title, language, JSON-LD

@pytest.mark.parametrize("raw, site, want", [
    ("Pentagon Weighs New Syria Options - The Daily Ledger", "The Daily Ledger", "Pentagon Weighs New Syria Options"),
    ("The Daily Ledger | Pentagon Weighs New Syria Options", "The Daily Ledger", "Pentagon Weighs New Syria Options"),
    ("Opinion | Republicans Are Losing the Suburbs - The New York Times", "The New York Times",
     "Republicans Are Losing the Suburbs"),
    ("Three Cases of Plague Diagnosed in China | Smart News | Smithsonian", "Smithsonian",
     "Three Cases of Plague Diagnosed in China | Smart News"),
    ("Anthony Lynn: “We needed to win this game” – ProFootballTalk", "ProFootballTalk",
     "Anthony Lynn: “We needed to win this game”"),
    ("Story about the budget vote today | Outlet", None, "Story about the budget vote today"),
    ("城市地铁新线路今日开通运营_晨报网", "晨报网", "城市地铁新线路今日开通运营"),
    ("Take C.A.R.E. - comwrap auf der DMEXCO 2018", None, "Take C.A.R.E. - comwrap auf der DMEXCO 2018"),
])
def test_clean_title(raw, site, want):
    assert clean_title(raw, site) == want


def test_opinion_prefix_moves_from_title_to_section():
    head = '<title>Opinion | Republicans Are Losing the Suburbs - The Daily Ledger</title><meta property="og:site_name" content="The Daily Ledger">'
    doc = extract_document(page("<article><h1>Republicans Are Losing the Suburbs</h1>" + STORY + "</article>", head), "https://e.com/x")
    assert doc.title == "Republicans Are Losing the Suburbs"
    assert doc.section == "Opinion"


def test_visible_h1_wins_over_an_seo_title():
    head = '<meta property="og:title" content="15 Tips to Overcome Binge Eating">'
    body = "<nav><h1>Healthline</h1></nav><article><h1>15 Helpful Tips to Overcome Binge Eating</h1>" + STORY + "</article>"
    doc = extract_document(page(body, head + '<meta property="og:site_name" content="Healthline">'), "https://e.com/x")
    assert doc.title == "15 Helpful Tips to Overcome Binge Eating"


def test_detect_language():
    assert detect_language("Der Stadtrat hat am Montag den Ausbau der Radwege in der Innenstadt beschlossen.") == "de"
    assert detect_language("short", declared="fr-FR") == "fr"
    assert detect_language("", None) is None


def test_read_jsonld_tolerates_broken_blocks():
    from lxml import html

    tree = html.fromstring(page(STORY, '<script type="application/ld+json">{broken</script>'
                                       '<script type="application/ld+json">{"@type":"NewsArticle","headline":'
                                       '"Caf&eacute; &#8220;opens&#8221;"};</script>'))
    assert read_jsonld(tree)["headline"] == "Café “opens”"


def test_jsonld_article_body_replaces_a_teaser_it_contains():
    full = ("The city council voted on Tuesday to expand the network of protected bike lanes across downtown. "
            + " ".join(f"Paragraph {i} explains one more part of the plan and what it means for riders." for i in range(12)))
    teaser = "<article><h1>Council expands bike lanes downtown</h1><p>The city council voted on Tuesday to expand the network of protected bike lanes across downtown.</p><p>Subscribers can read the full story.</p></article>"
    ld = f'<script type="application/ld+json">{json.dumps({"@type": "NewsArticle", "articleBody": full})}</script>'
    doc = extract_document(page(teaser, ld), "https://e.com/x")
    assert "Paragraph 11 explains" in doc.text
    # an unrelated (or truncated) articleBody is never taken over the page's own text
    other = json.dumps({"@type": "NewsArticle", "articleBody": "Something else entirely. " * 60})
    doc = extract_document(page("<article><h1>Bike lanes</h1>" + STORY + "</article>",
                                f'<script type="application/ld+json">{other}</script>'), "https://e.com/x")
    assert "Something else" not in doc.text and "protected bike lanes" in doc.text


# --------------------------------------------------------------------------------------------
# body boilerplate

def test_strip_boilerplate_lines():
    text = "\n".join([
        "Published 21 August 2023",
        "The council voted to expand bike lanes downtown on Tuesday evening after a long debate.",
        "READ MORE: Five things to know about the budget",
        "Plane passengers quarantined after outbreak [NEWS]",
        "Readers who subscribe to the city's transport newsletter were told about the vote a week before it took place, officials said.",
        "Sign up for our daily newsletter",
        "Like this story? Share it with a friend!",
        "The first lanes open next spring.",
        "Email Jane Doe at jdoe@example.com or follow her on Twitter @janedoe.",
    ])
    assert strip_boilerplate_lines(text).split("\n") == [
        "The council voted to expand bike lanes downtown on Tuesday evening after a long debate.",
        "Readers who subscribe to the city's transport newsletter were told about the vote a week before it took place, officials said.",
        "The first lanes open next spring.",
    ]


@pytest.mark.parametrize("line", [
    "Video shows the suspect fleeing the scene.", "Watch the full interview below, the mayor said.",
    "Subscribers were told about the change in an email.", "More than 100 people were evacuated.",
    "Related research found the same effect in mice.", "Read the full report on the council's website.",
])
def test_story_lines_that_start_like_labels_are_kept(line):
    text = "The council voted to expand bike lanes downtown on Tuesday evening.\n" + line
    assert strip_boilerplate_lines(text).endswith(line)


def test_strip_repeated_lines_uses_the_sites_other_articles():
    footer = "Copyright Example Media Group, all rights reserved, do not redistribute."
    story = "A story that is only in this article and nowhere else.\n" + footer
    others = [f"Other story number {i} about something different.\n{footer}" for i in range(3)]
    assert strip_repeated_lines(story, others) == "A story that is only in this article and nowhere else."
    assert strip_repeated_lines(story, others[:1]) == story  # seen once elsewhere: not enough evidence
    assert strip_repeated_lines(footer, others) == footer  # never empties a story


def test_split_article_sections_are_put_back_in_order():
    from lxml import html

    from newsmill.tasks.extract import recover_split_sections

    part = lambda n: "".join(f"<p>Part {n} paragraph {i}: the council debated the bike lane plan for hours before voting.</p>" for i in range(3))
    comments = "".join(f'<div class="comment"><p>Comment {i}: I think this plan is a terrible idea and a waste of money.</p>'
                       f"<p>Comment {i} continued: my street will lose all of its parking spaces for nothing.</p></div>" for i in range(3))
    tree = html.fromstring(page(f'<div class="article-body">{part(1)}</div><div class="ad">Ad</div>'
                                f'<div class="article-body">{part(2)}</div>{comments}'))
    first = "\n".join(f"Part 1 paragraph {i}: the council debated the bike lane plan for hours before voting." for i in range(3))
    out = recover_split_sections(first + "\nThe end.", tree).split("\n")
    assert out[:3] == first.split("\n")
    assert out[3].startswith("Part 2 paragraph 0") and out[5].startswith("Part 2 paragraph 2")
    assert out[6] == "The end."
    assert not any("Comment" in line for line in out)  # a group the extractor did not take stays out


def test_headline_is_not_repeated_at_the_top_of_the_body():
    doc = extract_document((PAGES / "article.html").read_bytes(), "http://127.0.0.1/world/x")
    assert not doc.text.startswith(doc.title)
    assert doc.text.startswith("WASHINGTON")
    assert "Related stories" not in doc.text and "All rights reserved" not in doc.text
    assert "Buy the new SuperPhone" not in doc.text


def test_navigation_footer_side_boxes_and_form_controls_are_not_body():
    from lxml import html as lxml_html

    from newsmill.tasks.extract import strip_non_body

    tree = lxml_html.document_fromstring(page(
        '<nav><ul><li><a href="/a">Politics</a></li><li><a href="/b">Sport</a></li></ul></nav>'
        f'<main><h1>Council expands bike lanes</h1>{STORY}<select><option>Share on</option></select>'
        '<aside><p>Most read: a long teaser line about another story entirely, with more words.</p></aside> after</main>'
        '<footer><p>Copyright 2024 Example Media Group. All rights reserved worldwide.</p></footer>',
        '<link rel="canonical" href="https://news.example.org/bikes"><meta name="description" content="d">'))
    strip_non_body(tree)
    assert not tree.xpath("//nav | //aside | //footer | //select | //option | //link | //meta")
    assert len(tree.xpath("//main/p")) == 4 and tree.xpath("//main")[0].text_content().rstrip().endswith("after")


@pytest.mark.parametrize("wrapper", ["aside", "footer", "nav"])
def test_a_side_box_that_holds_the_article_is_kept(wrapper):
    """Markup that uses <aside>/<footer>/<nav> as layout around the story keeps the story."""
    doc = extract_document(page(f'<{wrapper}><article><h1>Council expands bike lanes</h1>{STORY}</article></{wrapper}>'),
                           "https://news.example.org/bikes", OPTS)
    assert "protected bike lanes" in doc.text and doc.title == "Council expands bike lanes"


def test_metadata_is_read_before_the_non_body_elements_go():
    head = ('<link rel="canonical" href="https://news.example.org/2024/05/bikes">'
            '<meta property="og:image" content="https://news.example.org/bikes.jpg">')
    doc = extract_document(page(f'<article><h1>Council expands bike lanes</h1>{STORY}</article>'
                                '<footer><span class="byline">By Marta Quispe</span></footer>', head),
                           "https://news.example.org/bikes?utm_source=x", OPTS)
    assert doc.canonical_url == "https://news.example.org/2024/05/bikes"
    assert doc.image == "https://news.example.org/bikes.jpg"


# --------------------------------------------------------------------------------------------
# non-English pages and charsets

I18N = {
    # lang: (title, authors, published, site_name, a sentence of the body, a boilerplate phrase)
    "de": ("Stadtrat beschließt neues Radwegenetz für die Innenstadt", ("Katrin Müller",),
           "2024-03-12T08:15:00+01:00", "Tagesbote", "rund vierzig Kilometer neue und sicherere Wege", "Jetzt abonnieren"),
    "fr": ("La Loire atteint son plus bas niveau depuis trente ans", ("Marie Dubois", "Julien Lefèvre"),
           "2023-08-21T17:40:00+02:00", "Le Quotidien de l'Ouest", "des bancs de sable couvrent", "Les plus lus"),
    "es": ("El Gobierno aprueba un plan para abaratar el transporte público", ("Carlos Pérez", "Ana Gómez"),
           "2022-09-06T13:20:00+02:00", "Diario del Sur", "reducirá a la mitad el precio", "Te puede interesar"),
    "ar": ("افتتاح أكبر محطة لتحلية المياه في المنطقة", ("أحمد خالد",), "2024-01-15T10:00:00+03:00",
           "صحيفة الأفق", "بطاقة إنتاجية تصل إلى نصف مليون متر مكعب", "اقرأ أيضا"),
    "zh": ("城市地铁新线路今日开通运营", ("王伟",), "2023-06-28T09:30:00", "晨报网", "新线路全长三十二公里", "相关阅读"),
}


@pytest.mark.parametrize("lang", sorted(I18N))
def test_non_english_page(lang):
    title, authors, published, site, sentence, junk = I18N[lang]
    doc = extract_document((PAGES / f"i18n-{lang}.html").read_bytes(), f"https://news.example/{lang}/story")
    assert doc.language == lang
    assert doc.title == title
    assert doc.authors == authors
    assert doc.published == published
    assert doc.site_name == site
    assert sentence in doc.text
    assert junk not in doc.text
    assert not doc.text.startswith(title)
    # the body's last paragraph survives (nothing lost at the end)
    assert len(doc.text.split("\n")) >= 4


def test_latin1_page_without_charset_is_decoded():
    raw = (PAGES / "latin1.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the fixture really is not UTF-8
    enc = detect_encoding(raw, None)
    assert "é" in raw.decode(enc)
    doc = extract_document(raw, "https://example.fr/retraites")
    assert doc.title == "Café débat: la réforme des retraites"
    assert "réforme" in doc.text and "\ufffd" not in doc.text
    assert doc.language == "fr"


def test_http_charset_wins_over_guessing():
    raw = page("<p>Grüße aus München</p>", lang="de").encode("cp1252")
    assert detect_encoding(raw, "text/html; charset=windows-1252") == "windows-1252"


# --------------------------------------------------------------------------------------------
# failures

@pytest.mark.parametrize("html", ["", "   \n ", b"", "<html><body></body></html>"])
def test_empty_page(html):
    with pytest.raises(ExtractionFailed) as e:
        extract_document(html, "https://e.com/x")
    assert e.value.error == "extract_empty"


def test_navigation_only_page_is_empty():
    nav = "<header><nav><ul>" + "".join(f'<li><a href="/s{i}">Section {i}</a></li>' for i in range(30)) + "</ul></nav></header>"
    foot = '<footer><a href="/privacy">Privacy</a> <a href="/terms">Terms</a> © 2024 Example</footer>'
    with pytest.raises(ExtractionFailed) as e:
        extract_document(page(nav + foot), "https://e.com/")
    assert e.value.error == "extract_empty"


def test_plain_text_is_not_a_page():
    with pytest.raises(ExtractionFailed) as e:
        extract_document("just some words, no markup at all", "https://e.com/x")
    assert e.value.error == "extract_empty"


def test_broken_html_still_extracts():
    html = (PAGES / "article.html").read_text(encoding="utf-8")
    broken = html[: html.index("Russian President")]  # cut mid-document: no closing tags
    broken = broken.replace("</p>", "", 3).replace("<article>", "<article><div><span>")
    doc = extract_document(broken, "https://e.com/x")
    assert "Pentagon is reviewing a new set of military options" in doc.text
    assert doc.title == "Pentagon Weighs New Syria Options as Talks Stall"


@pytest.mark.parametrize("data", [b"<html><body>" + bytes(range(256)) * 50 + b"</body></html>", b"\x00\x00\x00",
                                  gzip.compress(b"<html><body>" + b"<p>compressed twice</p>" * 100 + b"</body></html>")])
def test_binary_content_is_a_parse_error(data):
    with pytest.raises(ExtractionFailed) as e:
        extract_document(data, "https://e.com/x")
    assert e.value.error == "parse_error"
    assert "not text" in e.value.detail


# --------------------------------------------------------------------------------------------
# CLI

KEYS = {"path", "url", "title", "authors", "published", "site_name", "language", "text"}


def run_cli(*args: str) -> list[dict]:
    out = subprocess.run([sys.executable, "-m", "newsmill.cli", "extract", *args],
                         capture_output=True, text=True, timeout=120, check=True)
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


@pytest.mark.slow
def test_cli_extract_html_and_gz(tmp_path):
    src = PAGES / "i18n-de.html"
    gz = tmp_path / "page.html.gz"
    gz.write_bytes(gzip.compress(src.read_bytes()))
    url = "https://tagesbote.example/stadt/radwege"
    for path in (str(src), str(gz)):
        [out] = run_cli("--url", url, path)
        assert set(out) == KEYS
        assert out["path"] == path and out["url"] == url
        assert out["title"] == "Stadtrat beschließt neues Radwegenetz für die Innenstadt"
        assert out["authors"] == ["Katrin Müller"]
        assert out["published"] == "2024-03-12T08:15:00+01:00"
        assert out["site_name"] == "Tagesbote" and out["language"] == "de"
        assert "Radwegenetzes in der Innenstadt beschlossen" in out["text"]


@pytest.mark.slow
def test_cli_extract_reports_empty_pages_and_keeps_going(tmp_path):
    empty = tmp_path / "empty.html"
    empty.write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>")
    outs = run_cli(str(empty), str(PAGES / "i18n-fr.html"))
    assert outs[0]["error"].startswith("extract_empty") and outs[0]["text"] == ""
    assert outs[1]["language"] == "fr" and "error" not in outs[1]
