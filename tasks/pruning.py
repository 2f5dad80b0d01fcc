"""trafilatura's pruning XPaths, as tree walks that find the same elements faster.

Before and during its extraction trafilatura deletes boilerplate with the XPaths of its
``xpaths.py`` (``OVERALL_DISCARD_XPATH``, ``REMOVE_COMMENTS_XPATH`` ...), and its main extractor
looks for the article's container with ``BODY_XPATH``. They test ``@id``,
``@class`` and ``@style`` with EXSLT ``re:test``, which lxml runs as a Python callback for every
test of every element, whether the element has the attribute or not, and they were about a
third of the CPU of an extraction. Each walk here visits the elements its XPath visits, applies
the same regular expressions (read out of the XPath's own text) and the same substring tests with
XPath's string semantics, and returns the same elements in document order:

* an absent attribute is ``''``;
* ``@id|@class`` (a node-set of two attributes) is the one written first in the tag;
* ``re:test`` is Python's ``re.search`` (which is what lxml calls).

:func:`install` puts the walks in place of the XPaths inside trafilatura's own lists, so every
stage that prunes with them (its raw-tree prune, its main extractor, its readability comparison)
uses them. A walk replaces its XPath only while the XPath's text is the one it was written for
(``sha1`` of ``XPath.path``); after an upgrade of trafilatura that changes an expression, that
expression stays as it is, and ``tests/test_pruning.py`` says which walk to rewrite. Output does
not change: the walks are checked against the XPaths on every test and benchmark page.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
from collections.abc import Callable, Iterator

import trafilatura.xpaths as traf_xpaths
from lxml import etree

log = logging.getLogger(__name__)

_RE_TEST = re.compile(r"re:test\((@[\w|@-]+), '([^']*)'(?:, '(\w*)')?\)")
# The element types trafilatura's discard XPaths select with self::div or self::item or ...
_BLOCKS = ("div", "item", "list", "p", "section", "span")


def _patterns(xpath: etree.XPath) -> list[re.Pattern]:
    """The regular expressions of the ``re:test`` calls of ``xpath``, in the order written."""
    # lxml compiles with re.IGNORECASE when the flags argument holds an 'i'
    return [re.compile(p, re.I if "i" in flags else 0) for _, p, flags in _RE_TEST.findall(xpath.path)]


def _first(el, a: str, b: str, va: str | None, vb: str | None) -> str:
    """The XPath string value of the node-set ``@a|@b`` of ``el``, whose attributes ``a`` and ``b``
    are ``va`` and ``vb`` (None when absent): the one written first in the tag, or ''."""
    if va is None:
        return vb or ""
    if vb is None:
        return va
    keys = el.keys()
    return va if keys.index(a) < keys.index(b) else vb


class Walk:
    """A callable that stands in for one of trafilatura's XPaths (``xpath``): called on an
    element, it returns the same list of descendant elements, in document order."""

    def __init__(self, name: str, xpath: etree.XPath, sha1: str, tags: tuple[str, ...] | None,
                 test: Callable[[etree._Element, list[re.Pattern]], bool], select: str = "all"):
        self.name, self.xpath, self.sha1, self.tags, self._test = name, xpath, sha1, tags, test
        # "all": .//*[test]; "first": (.//*[test])[1]; "first-child": .//*[test][1], the first
        # matching child of each element
        self.select = select
        self.patterns = _patterns(xpath)

    @property
    def matches_its_xpath(self) -> bool:
        """Whether the XPath's text is still the one this walk was written for."""
        return hashlib.sha1(self.xpath.path.encode()).hexdigest() == self.sha1

    def __call__(self, tree) -> list:
        test, pats = self._test, self.patterns
        # tag=Element: elements only, like XPath's `*` (no comments or processing instructions)
        nodes = tree.iterdescendants(self.tags) if self.tags else tree.iterdescendants(etree.Element)
        if self.select == "first":
            return next(([el] for el in nodes if test(el, pats)), [])
        if self.select == "first-child":
            out, parents = [], set()
            for el in nodes:
                if test(el, pats):
                    parent = el.getparent()
                    if parent not in parents:  # proxies kept alive in the set compare by identity
                        parents.add(parent)
                        out.append(el)
            return out
        return [el for el in nodes if test(el, pats)]

    def __repr__(self) -> str:
        return f"<Walk {self.name}>"


# Each test is the predicate of the XPath named, clause by clause in the XPath's order; `p` are
# its re:test expressions in the order written. `el.get` is libxml2's attribute lookup, the value
# XPath's @name gives (the first, if the markup repeats an attribute). An absent attribute is ''
# to XPath, and none of the expressions matches '' (a walk whose XPath has one that does is not
# installed), so a regex runs only on attributes that are there.

def _overall_discard_0(el, p) -> bool:
    get = el.get
    i, c = get("id"), get("class")
    return (get("data-lp-replacement-content") is not None
            or "nav" in (get("role") or "").replace("N", "n")
            or "MostPopularStories" in (get("data-component") or "")
            or ((i is not None or c is not None) and (
                p[0].search(_first(el, "id", "class", i, c)) is not None
                or (i is not None and p[1].search(i) is not None)
                or (c is not None and p[2].search(c) is not None))))


def _overall_discard_1(el, p) -> bool:
    get = el.get
    i, c, s = get("id"), get("class"), get("style")
    return (c == "comments-title"
            or ((i is not None or c is not None) and _first(el, "id", "class", i, c).startswith("reply-"))
            or ((i is not None or s is not None) and p[0].search(_first(el, "id", "style", i, s)) is not None)
            or (s is not None and ("display:none" in s or "display: none" in s))
            or (i is not None and p[1].search(i) is not None)
            or (c is not None and p[2].search(c) is not None)
            or get("aria-hidden") == "true")


def _comments(el, p) -> bool:
    get = el.get
    i, c = get("id"), get("class")
    return (i is not None and p[0].search(i) is not None) or (c is not None and p[1].search(c) is not None)


def _comments_and_lists(el, p) -> bool:
    if not _comments(el, p):
        return False
    get = el.get
    i, c = get("id"), get("class")
    return (el.tag not in ("ol", "ul") or (i is not None and p[2].search(i) is not None)
            or (c is not None and p[3].search(c) is not None))


def _raw_tree_prune_0(el, p) -> bool:
    i, c = el.get("id") or "", el.get("class") or ""
    return ((p[0].search(i) is not None or p[1].search(c) is not None)
            and (next(el.iterdescendants("h1"), None) is None
                 or p[2].search(i) is not None or p[3].search(c) is not None))


def _raw_tree_prune_1(el, p) -> bool:
    return "elementor-share-buttons" in (el.get("class") or "")


def _teaser(el, p) -> bool:
    return ("teaser" in (el.get("id") or "").replace("T", "t")
            or "teaser" in (el.get("class") or "").replace("T", "t"))


def _caption(el, p) -> bool:
    return "caption" in (el.get("id") or "") or "caption" in (el.get("class") or "")


def _precision_1(el, p) -> bool:
    get = el.get
    i, c = get("id"), get("class")
    if i is not None or c is not None:
        first = _first(el, "id", "class", i, c)
        if p[0].search(first) is not None or p[1].search(first) is not None:
            return True
    return "border" in (get("style") or "")


_CONTENT_BLOCKS = ("article", "div", "main", "section")


def _body_0(el, p) -> bool:
    get = el.get
    i, c = get("id"), get("class")
    return (c == "post" or c == "entry" or get("itemprop") == "articleBody" or i == "articleContent"
            or (i is not None and p[0].search(i) is not None)
            or (c is not None and p[1].search(c) is not None))


_STORY_CLASSES = frozenset(("postarea", "art-postcontent", "text", "cell", "story"))


def _body_2(el, p) -> bool:
    get = el.get
    i, c = get("id"), get("class")
    return (get("role") == "article" or i == "article" or i == "story" or c in _STORY_CLASSES
            or (i is not None and p[0].search(i) is not None)
            or (c is not None and (p[1].search(c) is not None or p[2].search(c) is not None)))


def _body_3(el, p) -> bool:
    get = el.get
    i, c = get("id"), get("class")
    return (i == "content" or c == "content"
            or (i is not None and (p[0].search(i) is not None
                                   or "main-content" in i.replace("C", "c").replace("M", "m")))
            or (c is not None and (p[1].search(c) is not None
                                   or "main-content" in c.replace("C", "c").replace("M", "m")
                                   or "page-content" in c.replace("C", "c").replace("P", "p"))))


_X = traf_xpaths
# (list name, index, walk name, sha1 of the XPath text the walk was written for, tags, test)
_SPECS = (
    ("OVERALL_DISCARD_XPATH", 0, "overall-discard-0", "d00545c1e3acd7dd0585191cc70e0104d49e5586",
     _BLOCKS, _overall_discard_0),
    ("OVERALL_DISCARD_XPATH", 1, "overall-discard-1", "8c88600b03181df7a8d96c7c92ca3b0351f47e78",
     None, _overall_discard_1),
    ("REMOVE_COMMENTS_XPATH", 0, "remove-comments", "97b3a45900e751deb0c5446b7456a1274778d954",
     ("div", "list", "section", "details"), _comments),
    ("REMOVE_COMMENTS_AND_LISTS_XPATH", 0, "remove-comments-and-lists", "7e7d885e629a511978658d1420f16b1a4ac09d85",
     ("div", "list", "section", "details", "ol", "ul"), _comments_and_lists),
    ("RAW_TREE_PRUNE_XPATH", 0, "raw-tree-prune-0", "c15751070b078a647446175f714fc52b5d51ca8c",
     ("div", "section", "aside"), _raw_tree_prune_0),
    ("RAW_TREE_PRUNE_XPATH", 1, "raw-tree-prune-1", "12b073ccb20e96330059aff8a9782a769ecf22e6",
     ("div", "section", "aside"), _raw_tree_prune_1),
    ("TEASER_DISCARD_XPATH", 0, "teaser-discard", "db87f1790b6b744970979d0892598c4445ee10e1",
     _BLOCKS, _teaser),
    ("PRECISION_DISCARD_XPATH", 1, "precision-discard-1", "1333a88a43255a90e57fad382aa978fb9b88f8bd",
     _BLOCKS, _precision_1),
    ("DISCARD_IMAGE_ELEMENTS", 0, "discard-image-elements", "1c87660c9ae9af66a3b616601505d9d8b4c5624b", _BLOCKS, _caption),
    # where the main extractor looks for the article (the first hit is taken)
    ("BODY_XPATH", 0, "body-0", "2465b9ddf0fc1b9b11762bba0368942a191f062d", _CONTENT_BLOCKS, _body_0, "first-child"),
    ("BODY_XPATH", 2, "body-2", "b9c180cd18240e44ef70d3bb606708425bec038f", _CONTENT_BLOCKS, _body_2, "first"),
    ("BODY_XPATH", 3, "body-3", "1e7b8c5b36e9e0e8045815f7c79ba22f4d557cca", _CONTENT_BLOCKS, _body_3, "first"),
)


def _available() -> list[tuple[tuple, list, etree.XPath]]:
    """(spec, trafilatura's list, its XPath) for each spec whose XPath this trafilatura has."""
    out = []
    for spec in _SPECS:
        lst = getattr(_X, spec[0], None)
        if not isinstance(lst, list) or spec[1] >= len(lst):
            log.debug("trafilatura has no %s[%d]", spec[0], spec[1])
            continue
        xp = lst[spec[1]]
        out.append((spec, lst, xp.xpath if isinstance(xp, Walk) else xp))
    return out


_ORIGINALS = [(lst, spec[1], xp) for spec, lst, xp in _available()]
WALKS: tuple[Walk, ...] = tuple(Walk(name, xp, sha1, tags, *rest)
                                for (_, _, name, sha1, tags, *rest), _, xp in _available())

def install() -> list[str]:
    """Put each walk in place of its XPath in trafilatura's lists; the names of those installed.

    Idempotent. A walk whose XPath's text changed (another trafilatura), or has an expression that
    matches '' (which the walks skip on absent attributes), is not installed."""
    done = []
    for walk, (lst, i, xp) in zip(WALKS, _ORIGINALS):
        if walk.matches_its_xpath and not any(p.search("") for p in walk.patterns):
            lst[i] = walk
            done.append(walk.name)
        else:
            lst[i] = xp
            log.debug("trafilatura's %s changed; it runs as an XPath", walk.name)
    return done


def uninstall() -> None:
    """trafilatura's own XPaths back in its lists."""
    for lst, i, xp in _ORIGINALS:
        lst[i] = xp


@contextlib.contextmanager
def trafilatura_xpaths() -> Iterator[None]:
    """Run the block with trafilatura's own XPaths (a baseline that measures plain trafilatura).
    It swaps process-wide state: not for use while other threads extract."""
    installed = [isinstance(lst[i], Walk) for lst, i, _ in _ORIGINALS]
    uninstall()
    try:
        yield
    finally:
        if any(installed):
            install()
