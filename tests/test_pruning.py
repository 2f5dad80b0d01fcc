"""The tree walks that stand in for trafilatura's pruning XPaths (:mod:`newsmill.tasks.pruning`)
find exactly the elements those XPaths find, in the same order: on real pages, on the trees
trafilatura itself prunes during an extraction, and on markup made to hit each clause (attribute
order for ``@id|@class``, absent and empty attributes, case, nesting, comments, list types)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
import trafilatura
import trafilatura.xpaths as traf_xpaths
from lxml import etree, html as lxml_html

from newsmill.config import ExtractOptions
from newsmill.tasks import extract, pruning

HERE = Path(__file__).parent
REAL_PAGES = sorted([*HERE.glob("golden/*/page.html.gz"), *HERE.glob("fixtures/pages/*.html"),
                     *HERE.glob("fixtures/cases/extract/*.html")])

# Each line hits one clause of one XPath, or just misses it.
EDGE = """<!DOCTYPE html><html><head><title>t</title></head><body>
<div class="cookie-note" id="x">first attribute class: cookie counts</div>
<div id="x" class="cookie-note">first attribute id: cookie does not count</div>
<section id="cookie-bar">id alone</section><p class="">empty class</p><span>bare</span>
<div data-lp-replacement-content="">lp</div><div role="mainNavigation">role with N</div>
<div role="main">role</div><div data-component="MostPopularStoriesList">popular</div>
<div id="share-box">share</div><div class="share-tools">share</div><p class="news-meta">meta</p>
<div class="x sidebar y"><p>nested <span class="byline">in</span> a match</p></div>
<item class="related-items">converted</item><list class="menu">converted list</list>
<div class="comments-title">c</div><div class="comments-title x">c2</div>
<div id="reply-3" class="x">reply id first</div><div class="x" id="reply-4">reply id second</div>
<div class="reply-x" id="y">reply class first</div>
<div style="color:red" id="hidden-1">hidden style first</div><div id="hidden-2" style="color:red">hidden id first</div>
<b style="display: none">hidden b</b><i style="display:none">hidden i</i><u style="DISPLAY:NONE">case</u>
<div id="reader-comments">rc</div><div class="akismet-x">ak</div><div class="a hide">hide</div>
<em aria-hidden="true">aria</em><em aria-hidden="false">aria false</em><div class="Hidden">case</div>
<div id="comments">comments</div><div id="Comment-9">Comment</div><div id="commentary">commentary</div>
<section class="post-comments">pc</section><details id="disqus_thread">dq</details>
<ol id="comments-list"><li>a</li></ol><ul class="comment-list"><li>b</li></ul>
<ul id="disqus_thread"><li>disqus list</li></ul><ol id="dsq-comments"><li>dsq list</li></ol>
<div class="infinite-scroll"><h1>the headline inside</h1></div><div id="infiniteScroll">no</div>
<aside class="infinitescroll"><p>no headline</p></aside><section class="mvp-post-add-box"><h1>h</h1></section>
<div class="elementor-share-buttons--view">el</div><p class="elementor-share-buttons">p is not one</p>
<div id="Teaser-1">T</div><span class="big-TEASER">upper</span><p class="teasers">teasers</p>
<div class="page-bottom x">bottom</div><div class="x bottom">bottom end</div>
<div class="padding-bottom-lg">mid-token bottom</div><div id="bottom" class="link">id first</div>
<div class="link">link</div><div class="links">links</div><p style="border:1px">border</p>
<div class="wp-caption">caption</div><figure class="caption">a figure is no block</figure><p id="Caption">case</p>
<!-- a comment --><?pi nothing?><o:p class="sidebar">prefixed tag</o:p>
<div class="sidebar"><div class="sidebar"><span class="comments">deep</span></div></div>
</body></html>"""


# Where the main extractor looks for the article: .//*[test][1] is the first match among each
# element's children; (.//*[test])[1] the first match in the document.
EDGE_BODY = """<html><body><div><p class="post">a p is no block</p>
<div class="entry"><section class="article-body">first child</section><section class="articleBody">second</section>
<div><main itemprop="articleBody">a child of another parent</main></div></div>
<article class="cell">cell</article><div id="Story">case</div><main class="FULLTEXT">any case</main>
<div class="Main-Content x">translated</div><section class="page-Content">page</section><div id="content">c</div>
</div></body></html>"""


def _pages():
    for path in REAL_PAGES:
        raw = path.read_bytes()
        yield path.name, (gzip.decompress(raw) if path.suffix == ".gz" else raw).decode("utf-8", "replace")
    yield "edge", EDGE
    yield "edge-body", EDGE_BODY


def _trees():
    for name, text in _pages():
        yield name, extract._parse(text)
        yield name + " (lxml.html, comments kept)", lxml_html.fromstring(text)


def test_every_walk_is_in_place_for_the_pinned_trafilatura():
    assert trafilatura.__version__ == "2.3.1"  # the version the walks were written against
    assert [w.name for w in pruning.WALKS if w.matches_its_xpath] == [w.name for w in pruning.WALKS]
    for walk in pruning.WALKS:  # importing newsmill.tasks.extract installed them
        assert any(x is walk for lst in (traf_xpaths.OVERALL_DISCARD_XPATH, traf_xpaths.REMOVE_COMMENTS_XPATH,
                                          traf_xpaths.REMOVE_COMMENTS_AND_LISTS_XPATH,
                                          traf_xpaths.RAW_TREE_PRUNE_XPATH, traf_xpaths.TEASER_DISCARD_XPATH,
                                          traf_xpaths.PRECISION_DISCARD_XPATH, traf_xpaths.BODY_XPATH,
                                          traf_xpaths.DISCARD_IMAGE_ELEMENTS)
                   for x in lst), walk.name


@pytest.mark.parametrize("name,tree", list(_trees()), ids=lambda x: x if isinstance(x, str) else "")
def test_walks_find_what_the_xpaths_find(name, tree):
    roots = [tree, *list(tree.iter("body", "article", "div", "section"))[:15]]
    for walk in pruning.WALKS:
        for root in roots:
            assert walk(root) == walk.xpath(root), (walk.name, root.tag)


def test_edge_page_hits_every_clause():
    tree = extract._parse(EDGE)
    found = {w.name: [(el.text or "").strip() for el in w(tree)] for w in pruning.WALKS}
    od0 = found["overall-discard-0"]
    assert "first attribute class: cookie counts" in od0 and "first attribute id: cookie does not count" not in od0
    assert {"id alone", "lp", "role with N", "popular", "share", "converted", "converted list"} <= set(od0)
    assert "role" not in od0 and "bare" not in od0 and "empty class" not in od0
    assert "prefixed tag" not in od0  # o:p is no <p>
    od1 = found["overall-discard-1"]
    assert {"c", "c2", "reply id first", "reply class first", "hidden id first", "hidden b", "hidden i", "rc", "ak",
            "hide", "aria"} <= set(od1)
    assert not {"reply id second", "hidden style first", "case", "aria false"} & set(od1)
    assert {"comments", "Comment", "pc", "dq"} <= set(found["remove-comments"])  # no ol/ul here
    assert "commentary" not in found["remove-comments"]
    lists = found["remove-comments-and-lists"]
    assert [el.tag for el in pruning.WALKS[3](tree) if el.tag in ("ol", "ul")] == ["ol", "ul"]  # comment lists only
    assert found["raw-tree-prune-0"] == ["", ""]  # the aside without an <h1>, the mvp box with one
    assert found["raw-tree-prune-1"] == ["el"]
    assert found["teaser-discard"] == ["T", "teasers"]  # translate() lowers the T only: not TEASER
    assert {"bottom", "bottom end", "link", "border"} <= set(found["precision-discard-1"])
    assert not {"mid-token bottom", "links"} & set(found["precision-discard-1"])
    assert found["discard-image-elements"] == ["caption"]
    for walk in pruning.WALKS:
        assert walk(tree) == walk.xpath(tree), walk.name


def test_edge_body_page_hits_every_clause():
    tree = extract._parse(EDGE_BODY)
    found = {w.name: [(el.text or "").strip() for el in w(tree)] for w in pruning.WALKS}
    assert found["body-0"] == ["", "first child", "a child of another parent"]  # div.entry, then its children
    assert found["body-2"] == ["cell"]
    assert found["body-3"] == ["translated"]
    div = tree.find(".//article").getparent()
    for el in list(div)[:4]:  # what each finds past the earlier hits
        div.remove(el)
    assert [(el.text or "").strip() for el in pruning.WALKS[-2](tree)] == ["any case"]
    assert [(el.text or "").strip() for el in pruning.WALKS[-1](tree)] == ["translated"]
    for walk in pruning.WALKS:
        assert walk(tree) == walk.xpath(tree), walk.name


def test_trafilatura_prunes_the_same_during_an_extraction():
    """Every call trafilatura makes to a walk, on the trees it prunes (copies, converted trees with
    its own <item>/<list> tags), gives what the XPath gives on that tree."""
    calls: list[str] = []

    class Checked:
        def __init__(self, walk):
            self.walk = walk

        def __call__(self, tree):
            got, want = self.walk(tree), self.walk.xpath(tree)
            assert got == want, self.walk.name
            calls.append(self.walk.name)
            return want

    for (lst, i, _), walk in zip(pruning._ORIGINALS, pruning.WALKS):
        lst[i] = Checked(walk)
    try:
        for name, text in _pages():
            for opts in (ExtractOptions(), ExtractOptions(favor_recall=True)):
                try:
                    extract.extract_document(text, None, opts)
                except extract.ExtractionFailed:
                    pass
    finally:
        pruning.install()
    assert {w.name for w in pruning.WALKS} <= set(calls)


def test_a_changed_xpath_keeps_running_as_an_xpath(monkeypatch):
    walk = pruning.WALKS[0]
    lst, i, xpath = pruning._ORIGINALS[0]
    monkeypatch.setattr(walk, "sha1", "0" * 40)  # as if trafilatura had changed the expression
    try:
        assert walk.name not in pruning.install()
        assert lst[i] is xpath
    finally:
        monkeypatch.undo()
        pruning.install()
    assert lst[i] is walk


def test_plain_trafilatura_can_run_with_its_own_xpaths():
    with pruning.trafilatura_xpaths():
        assert not any(isinstance(lst[i], pruning.Walk) for lst, i, _ in pruning._ORIGINALS)
    assert all(lst[i] is w for (lst, i, _), w in zip(pruning._ORIGINALS, pruning.WALKS))


def test_first_attribute_follows_the_markup_order():
    el = etree.fromstring('<div class="c" id="i"/>')
    assert pruning._first(el, "id", "class", "i", "c") == "c"
    el = etree.fromstring('<div id="i" class="c"/>')
    assert pruning._first(el, "id", "class", "i", "c") == "i"
    assert pruning._first(el, "id", "style", "i", None) == "i"
    assert pruning._first(el, "style", "x", None, None) == ""


def test_a_walk_whose_expression_matches_nothing_at_all_is_not_installed(monkeypatch):
    """The walks skip the regexes on absent attributes, which XPath tests as ''."""
    import re

    walk = pruning.WALKS[1]
    lst, i, xpath = pruning._ORIGINALS[1]
    monkeypatch.setattr(walk, "patterns", [*walk.patterns, re.compile("x?")])
    try:
        assert walk.name not in pruning.install()
        assert lst[i] is xpath
    finally:
        monkeypatch.undo()
        pruning.install()
    assert lst[i] is walk
