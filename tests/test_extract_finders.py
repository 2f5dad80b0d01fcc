"""The tree walks and the parser that replaced XPath and trafilatura's loader for speed find exactly
what the XPath expressions they replaced find, and parse exactly the tree trafilatura's loader
parses (element for element, in the same order), on real pages and on markup made to hit their
edge cases (nested matches, a cue in a tail text, comments, ancestors, a document without one)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from lxml import etree, html as lxml_html
from trafilatura.utils import load_html

from newsmill.tasks import bylines, dates, extract
from newsmill.tasks.metadata import parse_page

HERE = Path(__file__).parent
REAL_PAGES = sorted([*HERE.glob("golden/*/page.html.gz"), *HERE.glob("fixtures/pages/*.html"),
                     *HERE.glob("fixtures/cases/extract/*.html")])

# The expressions the walks replaced, as they were (the specification of what each walk finds).
OLD_BYLINE = [etree.XPath(x) for x in (
    './/*[@itemprop="author"]//*[@itemprop="name"]',
    './/*[@itemprop="author" and not(.//*[@itemprop="name"])]',
    './/a[contains(concat(" ", normalize-space(@rel), " "), " author ")]',
    './/*[contains(@class, "yline") or contains(@id, "yline") or contains(@data-testid, "yline") '
    'or contains(@class, "uthor") or contains(@class, "autor") or contains(@class, "auteur") '
    'or contains(@class, "ontributor") or contains(@class, "firma") or contains(@class, "writer")]'
    '[not(self::body or self::article or self::main or self::html)]',
    './/a[contains(@href, "/author/") or contains(@href, "/authors/") or contains(@href, "/autor/") '
    'or contains(@href, "/auteur/") or contains(@href, "/staff/") or contains(@href, "/profile/")]')]
OLD_DATE_CONTAINERS = etree.XPath(
    './/*[self::time or contains(@class, "date") or contains(@class, "Date") or contains(@class, "time") '
    'or contains(@class, "byline") or contains(@class, "meta") or contains(@class, "info") '
    'or contains(@class, "posted") or contains(@class, "published") or contains(@id, "date") '
    'or contains(@class, "fecha") or contains(@class, "datum") or contains(@class, "data")]'
    '[not(self::html or self::body or self::meta or self::script or self::article or self::main)]')
OLD_DATE_CUES = etree.XPath(
    './/text()[contains(., "ublish") or contains(., "ublié") or contains(., "ubliziert") '
    'or contains(., "eröffentlicht") or contains(., "ublicado") or contains(., "ubblicato") '
    'or contains(., "osted") or contains(., "发布") or contains(., "نشر")]/..')
OLD_NOT_BODY = etree.XPath(
    "//*[self::nav or self::footer or self::aside]"
    "[not(.//h1 or .//article or .//main or .//*[@itemprop='articleBody'])]"
    "[not(ancestor::nav or ancestor::footer or ancestor::aside)]")
OLD_FOLLOWING = etree.XPath("following::*[position() <= 80]")
OLD_PRECEDING = etree.XPath("preceding::*[position() <= 15]")
_MOD = ('@itemprop="dateModified" or contains(@class, "updated") or contains(@class, "modified") '
        'or contains(@class, "Updated")')


def old_time_tag_date(tree, prop="datePublished"):
    if prop != "datePublished":
        marked = tree.xpath(f'//time[@datetime][{_MOD}]/@datetime')
        return marked[0] if marked else None
    marked = tree.xpath('//time[@datetime][@itemprop="datePublished" or @pubdate or contains(@class, "published")]'
                        '/@datetime')
    if marked:
        return marked[0]
    inside = tree.xpath(f'(//article//time[@datetime][not({_MOD})] | //header//time[@datetime][not({_MOD})])[1]'
                        '/@datetime')
    if inside:
        return inside[0]
    any_ = tree.xpath(f'(//time[@datetime][not({_MOD})])[1]/@datetime')
    return any_[0] if any_ else None


EDGE = """<!DOCTYPE html><html><head><title>t</title></head><body class="author-page">
<!-- a comment with Published in it --><div id="top-byline">Posted <!-- c --> by
  <span itemprop="author"><span itemprop="author"><b itemprop="name">Ann Lee</b></span>
  <i itemprop="name">Bo Ma</i></span> published <time datetime="2020-01-02">2 Jan</time></div>
<header><time class="Updated" datetime="2020-02-01">x</time><time datetime="2020-01-03">y</time></header>
<nav><aside><a rel=" me
author " href="/authors/ann">Ann</a></aside><h1>not a headline</h1></nav>
<aside class="sidebar"><p class="writer-bio">Wrote <a href="/profile/x">X</a></p></aside>
<article><h1>The headline</h1><p class="byline firma" data-testid="byline">Por <a href="/autor/y">Y</a></p>
<footer><div itemprop="author">Staff</div><span class="meta-date">Publicado el 3 de enero de 2020</span></footer>
<p>text<em>more</em> Veröffentlicht am 4.1.2020 <span id="dateline">5.1.2020</span></p>
<main><span class="post-info">info</span></main></article>
<footer><div class="time">old</div></footer><div class="Date">x</div></body></html>"""


def trees():
    for path in REAL_PAGES:
        raw = path.read_bytes()
        text = (gzip.decompress(raw) if path.suffix == ".gz" else raw).decode("utf-8", "replace")
        yield path.name, extract._parse(text)
        yield path.name + " (lxml.html, comments kept)", lxml_html.fromstring(text)
    yield "edge", extract._parse(EDGE)
    yield "edge (lxml.html, comments kept)", lxml_html.fromstring(EDGE)


def roots(tree):
    """The whole page, its article block, and each element that opens a section of it."""
    out = [tree]
    page = parse_page(tree, None)
    if page.scope is not None:
        out.append(page.scope)
    out += list(tree.iter("article", "header", "footer", "div"))[:10]
    return out


def test_real_pages_are_there():
    assert len(REAL_PAGES) >= 20


@pytest.mark.parametrize("name,tree", list(trees()), ids=lambda x: x if isinstance(x, str) else "")
def test_walks_find_what_the_xpaths_found(name, tree):
    for root in roots(tree):
        found = bylines._byline_elements(root)
        assert [list(xp(root)) for xp in OLD_BYLINE] == [list(f) for f in found]
        assert list(OLD_DATE_CONTAINERS(root)) == dates._date_containers(root)
        assert list(OLD_DATE_CUES(root)) == dates._date_cue_parents(root)
    assert list(OLD_NOT_BODY(tree)) == extract._not_body_blocks(tree)
    for prop in ("datePublished", "dateModified"):
        assert old_time_tag_date(tree, prop) == dates.time_tag_date(tree, prop)
    for el in list(tree.iter("h1", "h2", "time", "p", "span"))[:60]:
        assert list(OLD_FOLLOWING(el)) == dates._following(el)
        assert list(OLD_PRECEDING(el)) == dates._preceding(el)


def test_edge_page_exercises_every_kind():
    tree = extract._parse(EDGE)
    names, without_name, rel, marked, hrefs = bylines._byline_elements(tree)
    assert [n.text for n in names] == ["Ann Lee", "Bo Ma"]  # nested author elements: each name once
    assert [a.text for a in without_name] == ["Staff"]
    assert [a.get("href") for a in rel] == ["/authors/ann"]  # rel tokens split on any XML space
    assert {el.get("class") for el in marked} >= {"writer-bio", "byline firma"}
    assert "author-page" not in {el.get("class") for el in marked}  # never <body>
    assert [a.get("href") for a in hrefs] == ["/authors/ann", "/profile/x", "/autor/y"]
    cues = dates._date_cue_parents(tree)
    assert [el.tag for el in cues] == ["div", "span", "p"]  # the div through a tail text
    assert dates.time_tag_date(tree) == "2020-01-03"  # the first unmarked one inside a <header>/<article>
    assert dates.time_tag_date(tree, "dateModified") == "2020-02-01"
    # the sidebar and both footers (the article's too); not the <nav> holding an <h1>
    assert [el.tag for el in extract._not_body_blocks(tree)] == ["aside", "footer", "footer"]


def _signature(tree):
    return [(el.tag, sorted(el.attrib.items()), el.text, el.tail) for el in tree.iter()]


@pytest.mark.parametrize("text", [
    EDGE,
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
    "<html><body><p>doctype with a slash</p><p>second</p></body></html>",
    '<html lang="en"/>\n<head><title>x</title></head><body><p>self-closing html</p></body></html>',
    "<html><body><p>control\x01chars\x0b and \ufffe in\x0c text</p><p>more</p></body></html>",
    '<?xml version="1.0" encoding="utf-8"?><html><body><p>an XML declaration</p></body></html>',
    "<p>a fragment only</p><p>two</p>",
])
def test_parse_builds_trafilaturas_tree(text):
    """Same elements, attributes, texts and tails as trafilatura's own loader, every element an
    lxml.html HtmlElement (what trafilatura and htmldate check for)."""
    ours, theirs = extract._parse(text, clean=extract._decode(text)[1]), load_html(text)
    assert _signature(ours) == _signature(theirs)
    assert all(isinstance(el, lxml_html.HtmlElement) for el in ours.iter() if isinstance(el.tag, str))


def test_parse_real_pages_like_trafilatura():
    for path in REAL_PAGES:
        raw = path.read_bytes()
        text, clean = extract._decode(gzip.decompress(raw) if path.suffix == ".gz" else raw)
        assert _signature(extract._parse(text, clean)) == _signature(load_html(text)), path.name
