"""Extract stage: cleaned body text and metadata from an article page.

The page is parsed once (lxml, via trafilatura's loader) and that tree serves both halves:

* body: trafilatura in precision mode; when its text is suspiciously short next to what the
  balanced mode finds (a paywall notice, a teaser), the balanced result is taken instead; a
  JSON-LD ``articleBody`` replaces the text only when it is longer and contains what was
  extracted; finally promotional and teaser lines are dropped (:mod:`.boilerplate`).
* metadata (:mod:`.metadata`): JSON-LD, meta tags, byline markup, ``<time>``, URL patterns and,
  for the date only when nothing else states it, htmldate; language by py3langid.

The result is a :class:`Document`, or :class:`ExtractionFailed` with an error class the loader
records (``parse_error``, ``extract_empty``).
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterable

import trafilatura
import trafilatura.utils as trafilatura_utils
from lxml import etree, html as lxml_html
from trafilatura.utils import DOCTYPE_TAG, FAULTY_HTML, is_dubious_html, load_html, repair_faulty_html

from newsmill.config import ExtractOptions
from newsmill.records import Document, FetchedPage, PageResult
from newsmill.tasks.boilerplate import strip_boilerplate_lines, strip_leading_bylines, strip_repeated_lines
from newsmill.outcomes import ErrorClass
from newsmill.tasks import pruning
from newsmill.tasks.encoding import decode_html
from newsmill.tasks.bylines import choose_authors, clean_authors
from newsmill.tasks.dates import choose_modified, choose_published, normalize_date
from newsmill.tasks.metadata import (
    choose_canonical_ignored,
    choose_canonical_url,
    choose_description,
    choose_image,
    choose_language,
    choose_section,
    choose_site_name,
    choose_title,
    clean_title,
    detect_language,
    parse_page,
    read_jsonld,
)

log = logging.getLogger(__name__)

# trafilatura's pruning XPaths run as tree walks that find the same elements (about a fifth less
# CPU per page; see :mod:`.pruning`)
pruning.install()


class AllStopWords:
    """The stop words of every language justext ships, as trafilatura's ``jt_stoplist_init``
    gathers them (its fallback reads a page whose language is not given against all of them),
    held as one string instead of a tuple of ~154,000 strings: about 19 MB less in each process
    that meets such a page (every pool worker, in practice). Iterating yields the same words;
    justext makes its frozenset of them on each call either way. Built on first use."""

    def __init__(self) -> None:
        self._packed: str | None = None
        self._count = 0

    def _load(self) -> str:
        from trafilatura import external

        words = external.jt_stoplist_init()  # the library's own gathering; it sets its global
        external.JT_STOPLIST = self  # which this object replaces again
        self._count = len(words)
        # no word holds a line break: justext reads its lists with splitlines()
        return "\n".join(words)

    def __bool__(self) -> bool:
        return True

    def __iter__(self):
        if self._packed is None:
            self._packed = self._load()
        text, start = self._packed, 0
        for _ in range(self._count):
            end = text.find("\n", start)
            if end < 0:
                end = len(text)
            yield text[start:end]
            start = end + 1


try:
    from justext.core import define_stoplist as _define_stoplist
except ImportError:  # trafilatura without justext: no stop-word sets to forget
    _define_stoplist = None


def _hold_stop_words_compactly() -> None:
    try:
        from trafilatura import external
    except ImportError:  # trafilatura without its justext fallback: nothing to hold
        return
    if getattr(external, "JT_STOPLIST", ()) is None and hasattr(external, "jt_stoplist_init"):
        external.JT_STOPLIST = AllStopWords()


_hold_stop_words_compactly()

from newsmill.tasks.extract_version import EXTRACTOR_VERSION  # noqa: E402 - re-exported; bumped there

__all__ = [
    "EXTRACTOR_VERSION", "ExtractionFailed", "extract_document", "extract_page", "extract_pages",
    "clean_authors", "normalize_date", "clean_title", "detect_language", "read_jsonld",
    "strip_boilerplate_lines", "strip_repeated_lines",
]


class ExtractionFailed(Exception):
    def __init__(self, error: ErrorClass, detail: str):
        super().__init__(f"{error}: {detail}")
        self.error = error
        self.detail = detail


_NOT_TEXT = re.compile("[\ufffd\x00-\x08\x0b\x0e-\x1f]")
# characters libxml2 refuses, which trafilatura's loader removes first (its INVALID_XML_CHARS)
_XML_INVALID = tuple(map(chr, (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF)))
# both kinds: control characters, U+FFFD (undecodable bytes) and the two XML non-characters
_SUSPECT_CHARS = tuple(sorted({*_XML_INVALID, "\ufffd"}))


def _decode(html: bytes | str) -> tuple[str, bool]:
    """The page as text, decoded as browsers decode it (:mod:`.encoding`), and whether it holds no
    control, undecodable or XML-invalid character at all (the common case, which spares the
    parse a second look)."""
    text = html if isinstance(html, str) else decode_html(html)
    # looking for each character with `in` is several times faster than a regex scan, which only
    # runs to count them when there are any
    if not any(c in text for c in _SUSPECT_CHARS):
        return text, True
    sample = text[:100_000]
    bad = len(_NOT_TEXT.findall(sample))
    if sample and bad > 0.05 * len(sample):
        raise ExtractionFailed(ErrorClass.PARSE_ERROR, f"not text: {100 * bad // len(sample)}% undecodable or control characters")
    return text, False


_TOKEN = re.compile(r"\w+")


def _shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    toks = _TOKEN.findall(text.lower())
    return {tuple(toks[i:i + n]) for i in range(len(toks) - n + 1)}


def _jsonld_body(ld: dict) -> str:
    body = ld.get("articleBody")
    if not isinstance(body, str) or not body.strip():
        return ""
    if "<" in body and re.search(r"<(p|br|div|body)\b", body, re.I):
        try:
            frag = lxml_html.fromstring(body)
        except (etree.ParserError, ValueError):
            return ""
        for br in frag.iter("br"):
            br.tail = "\n" + (br.tail or "")
        parts = [" ".join(el.text_content().split()) for el in frag.iter("p")] or [frag.text_content()]
        body = "\n".join(p for p in parts if p)
    return "\n".join(" ".join(line.split()) for line in body.splitlines() if line.strip())


def _trafilatura_text(tree, url: str | None, opts: ExtractOptions, **mode) -> str:
    try:
        doc = trafilatura.bare_extraction(
            tree, url=url, with_metadata=False, include_comments=False,
            include_tables=opts.include_tables, **mode,
        )
    except (ValueError, TypeError, AttributeError) as e:
        raise ExtractionFailed(ErrorClass.PARSE_ERROR, f"trafilatura: {type(e).__name__}: {e}") from None
    finally:
        _forget_stop_word_sets()
    return ((doc.text if doc is not None else "") or "").strip()


def _forget_stop_word_sets() -> None:
    """justext keeps the frozenset it makes of each stop list it was given (``define_stoplist``,
    an lru_cache; trafilatura's ``reset_caches`` clears it): for the all-language list, 154,484
    words, about 15 MB held for the rest of the process after one page in ~181 needed it. Made
    again when another such page comes (~50 ms); the set's words are the same either way."""
    cache_info = getattr(_define_stoplist, "cache_info", None)
    if cache_info is not None and cache_info().currsize:
        _define_stoplist.cache_clear()


def _anchor_texts(tree) -> set[str]:
    return {" ".join(a.text_content().split()).lower() for a in tree.iter("a")}


def looks_like_article(text: str, anchors: set[str]) -> bool:
    """Whether extracted text reads like an article rather than a menu or a list of links.

    Two signals: link density (the share of the text that is the text of some link on the page)
    and the presence of at least one sentence-length line. A navigation block fails both.
    """
    lines = [" ".join(ln.split()) for ln in text.split("\n") if ln.strip()]
    if not lines:
        return False
    if not any(len(ln) >= 40 for ln in lines):
        return False
    total = sum(len(ln) for ln in lines)
    linked = sum(len(ln) for ln in lines if ln.lower().lstrip("-•* ") in anchors)
    return linked < 0.8 * total


# parents of paragraphs long enough to be prose: far fewer nodes to test than every <div>
# (the parent test first: it is cheap and rules out most paragraphs before their text is copied)
_SECTION_XPATH = '//p[parent::div[@class] or parent::section[@class]][string-length(normalize-space()) > 80]'


def _norm_line(s: str) -> str:
    return " ".join(s.split()).lower()


def recover_split_sections(text: str, tree) -> str:
    """Paragraphs of an article body that the page splits into several sibling containers.

    Some CMSs cut the body into repeated blocks of the same class (between ads or embeds) and
    trafilatura keeps one of them. When the text holds the paragraphs of some blocks of such a
    group and not of others, the missing blocks' paragraphs are put back in document order. A
    group counts only if the extracted text already covers one of its members, so comment lists
    or teaser grids the extractor rejected are never pulled in.
    """
    groups: dict[tuple, list] = {}
    counts: dict = {}
    for p in tree.xpath(_SECTION_XPATH):  # long paragraphs in document order
        el = p.getparent()
        counts[el] = counts.get(el, 0) + 1
    for el, n in counts.items():
        if n >= 2:
            groups.setdefault((el.tag, el.get("class")), []).append(el)
    lines = text.split("\n")
    keys = [_norm_line(ln) for ln in lines]

    def pos(par: str) -> int | None:
        k = _norm_line(par)[:60]
        for i, line in enumerate(keys):
            if k and k in line:
                return i
        return None

    for members in groups.values():
        if len(members) < 2:
            continue
        paras = [[" ".join(p.text_content().split()) for p in m if p.tag == "p" and p.text_content().strip()]
                 for m in members]
        covered = [any(pos(p) is not None for p in ps if len(p) > 80) for ps in paras]
        if not any(covered) or all(covered):
            continue
        for i, ps in enumerate(paras):
            if covered[i]:
                continue
            prev = [j for j in range(i) if covered[j]]
            if prev:
                at = max((q for p in paras[prev[-1]] if (q := pos(p)) is not None), default=len(lines) - 1) + 1
            else:
                nxt = next(j for j in range(i + 1, len(paras)) if covered[j])
                at = min(q for p in paras[nxt] if (q := pos(p)) is not None)
            new = [p for p in ps if pos(p) is None]
            lines[at:at] = new
            keys[at:at] = [_norm_line(p) for p in new]
            covered[i] = True
    return "\n".join(lines)


def restore_lists(text: str, tree) -> str:
    """Lists that sit between two kept paragraphs, put back where the extractor dropped them.

    Precision mode drops a ``<ul>``/``<ol>`` that is a direct child of a bare container (a page
    without article markup), although the paragraph before it announces it ("Here is what the
    reply states:") and the one after it discusses it. A list whose neighbouring ``<p>`` elements
    are both adjacent lines of the text belongs to the story; a list that is mostly links (a menu)
    never counts.
    """
    lines = text.split("\n")
    keys = [_norm_line(ln) for ln in lines]
    for lst in tree.xpath("//ul[li][preceding-sibling::*[1][self::p]][following-sibling::*[1][self::p]] | "
                          "//ol[li][preceding-sibling::*[1][self::p]][following-sibling::*[1][self::p]]")[:50]:
        items = [" ".join(li.text_content().split()) for li in lst.iterchildren("li")]
        items = [i for i in items if i]
        if not items or any(_norm_line(i)[:60] in keys for i in items[:1]):
            continue
        linked = sum(len(" ".join(a.text_content().split())) for a in lst.iter("a"))
        if linked > 0.5 * sum(len(i) for i in items):
            continue
        before = _norm_line(lst.getprevious().text_content())[:80]
        after = _norm_line(lst.getnext().text_content())[:80]
        if not before or not after:
            continue
        for i in range(len(keys) - 1):
            if keys[i].startswith(before) and keys[i + 1].startswith(after):
                lines[i + 1:i + 1] = [f"- {it}" for it in items]
                keys[i + 1:i + 1] = [_norm_line(f"- {it}") for it in items]
                break
    return "\n".join(lines)


_INLINE_WIDGETS = etree.XPath("//p//*[self::span or self::div or self::aside][.//a[2]]")


def strip_inline_widgets(tree) -> None:
    """Remove widgets nested inside a paragraph: a hover card on a name (photo, the name again,
    links to other stories), a "related" box inside the running text.

    Such an element sits inside a ``<p>``, holds an image or three or more links, and its text is
    (nearly) all link text. Innermost first, so a name link that carries the card stays (its
    text is the name the sentence needs); the text after the widget is kept.
    """
    for el in reversed(_INLINE_WIDGETS(tree)):
        links = el.xpath(".//a")
        if len(links) < 2 or not (len(links) >= 3 or el.find(".//img") is not None):
            continue
        text = " ".join(el.text_content().split())
        linked = sum(len(" ".join(a.text_content().split())) for a in links)
        if text and linked >= 0.8 * len(text):
            el.drop_tree()  # keeps the tail text


def extract_body(tree, url: str | None, ld: dict, opts: ExtractOptions = ExtractOptions()) -> str:
    """The article body of a parsed page ('' when there is none)."""
    if opts.favor_recall:
        text = _trafilatura_text(tree, url, opts, favor_recall=True)
    else:
        text = _trafilatura_text(tree, url, opts, favor_precision=opts.favor_precision)
        if opts.favor_precision and len(text) < opts.recall_fallback_chars:
            # Precision mode sometimes keeps only a notice or a teaser; the recall mode then finds
            # the story. Only a much longer text wins: on most short pages the extra text is
            # related-links furniture. Its fast variant (no readability/justext comparison) is
            # as good for this and costs a third.
            wider = _trafilatura_text(tree, url, opts, favor_recall=True, fast=True)
            if len(wider) > 3 * max(len(text), 1) and looks_like_article(wider, _anchor_texts(tree)):
                text = wider
    if opts.recover_sections and text:
        text = restore_lists(recover_split_sections(text, tree), tree)
    if opts.strip_boilerplate:
        text = strip_boilerplate_lines(text)
    if opts.use_jsonld_body:
        ld_body = _jsonld_body(ld)
        # A JSON-LD body is often a truncated teaser or a copy with markup; use it only when it
        # is clearly longer, not cut off, and contains most of what the page itself shows.
        if len(ld_body) > 1.5 * len(text) and len(ld_body) >= opts.min_text_chars \
                and not ld_body.rstrip().endswith(("...", "…", "[…]")):
            # compare the story's paragraphs, not the headline or a one-line paywall notice
            ours = _shingles("\n".join(ln for ln in text.split("\n") if len(ln) >= 40))
            if not ours or len(ours & _shingles(ld_body)) >= 0.7 * len(ours):
                text = strip_boilerplate_lines(ld_body) if opts.strip_boilerplate else ld_body
    if text and not looks_like_article(text, _anchor_texts(tree)):
        return ""  # a menu, a tag cloud or a list of teasers: no article here
    return text


# trafilatura's parser (its settings, copied from the parser it uses) with one difference: the
# element class lookup. lxml.html's is a Python callback run for every element object lxml hands
# out, and trafilatura's XPath passes hand out hundreds of thousands per page (each attribute
# string they test carries its element); lxml's C-level default lookup gives every element the
# same HtmlElement class. The only other difference is that form controls are not lxml.html's
# FormElement/InputElement/... subclasses, whose form API nothing here uses.
_HTML_PARSER = trafilatura_utils.HTML_PARSER.copy()
_HTML_PARSER.set_element_class_lookup(etree.ElementDefaultClassLookup(
    element=lxml_html.HtmlElement, comment=lxml_html.HtmlComment, pi=lxml_html.HtmlProcessingInstruction,
    entity=lxml_html.HtmlEntity))


def _repair(text_html: str, beginning: str, clean: bool = False) -> str:
    """trafilatura's ``repair_faulty_html``; for a text that holds none of ``_XML_INVALID`` (``clean``:
    known from :func:`_decode`) its two markup repairs without its regex scan of the whole page
    for those characters."""
    if not clean and any(c in text_html for c in _XML_INVALID):
        return repair_faulty_html(text_html, beginning)
    if "doctype" in beginning:
        firstline, _, rest = text_html.partition("\n")
        text_html = DOCTYPE_TAG.sub("", firstline, count=1) + "\n" + rest
    for line in text_html[:4096].splitlines()[:4]:
        if "<html" in line and line.endswith("/>"):
            return FAULTY_HTML.sub(r"\1>", text_html, count=1)
    return text_html


def _load_html(text_html: str, clean: bool = False):
    """The page's lxml tree as trafilatura's ``load_html`` builds it, with ``_HTML_PARSER``; the odd
    page that parse does not give a document for goes through ``load_html`` itself (its
    fallbacks: bytes instead of text, refusing what is no HTML)."""
    beginning = text_html[:50].lower()
    try:
        tree = lxml_html.fromstring(_repair(text_html, beginning, clean), parser=_HTML_PARSER)
    except (etree.LxmlError, ValueError):  # load_html tries again, as bytes
        tree = None
    if tree is None or len(tree) < 1 or (is_dubious_html(beginning) and len(tree) < 2):
        return load_html(text_html)
    return tree


def _parse(text_html: str, clean: bool = False):
    try:
        tree = _load_html(text_html, clean)
    except (etree.ParserError, ValueError) as e:
        raise ExtractionFailed(ErrorClass.PARSE_ERROR, f"{type(e).__name__}: {e}") from None
    if tree is None:
        if "<" not in text_html:
            raise ExtractionFailed(ErrorClass.EXTRACT_EMPTY, "not HTML: no markup in the page")
        raise ExtractionFailed(ErrorClass.PARSE_ERROR, "the markup could not be parsed into a document")
    return tree


def _norm_words(s: str | None) -> str:
    return " ".join(_TOKEN.findall((s or "").lower()))


def _drop_leading_title(body: str, titles) -> str:
    """The body without a first line that repeats the headline (the title has its own field)."""
    first, _, rest = body.partition("\n")
    key = _norm_words(first)
    if rest.strip() and key and any(key == _norm_words(t) for t in titles if t):
        return rest.strip()
    return body


# Elements trafilatura deletes before its own extraction (its MANUALLY_CLEANED list) that never hold
# a story's text: head links and meta, form controls, and the page's navigation, footers and side
# boxes. Removed once, after the metadata choosers read the page, they no longer cost a walk in
# each of trafilatura's passes (its pruning XPaths, its copies, readability's scoring): the body
# comes out a quarter faster and the same (identical text on the 295 pages of the extraction and
# metadata benchmarks). A nav/footer/aside that holds the headline or the article itself (markup
# that uses them as layout) stays; so do <form> (ASP.NET wraps whole pages in one), <noscript>
# and <figure>, which can hold story text.
_NOT_BODY_TAGS = ("link", "meta", "input", "option", "select", "button", "textarea", "source")
# //*[self::nav or self::footer or self::aside][not(.//h1 or .//article or .//main or
#     .//*[@itemprop='articleBody'])][not(ancestor::nav or ancestor::footer or ancestor::aside)],
# found by tag (lxml's C iteration) instead of testing every element's name in XPath
_NOT_BODY_BLOCK_TAGS = ("nav", "footer", "aside")
_HOLDS_STORY = etree.XPath("boolean(.//h1 or .//article or .//main or .//*[@itemprop='articleBody'])")


def _not_body_blocks(tree) -> list:
    return [el for el in tree.iter(*_NOT_BODY_BLOCK_TAGS)
            if next(el.iterancestors(*_NOT_BODY_BLOCK_TAGS), None) is None and not _HOLDS_STORY(el)]


def strip_non_body(tree) -> None:
    """Remove what can never be article text before the body is extracted (see ``_NOT_BODY_TAGS``)."""
    etree.strip_elements(tree, *_NOT_BODY_TAGS, with_tail=False)
    for el in _not_body_blocks(tree):
        el.drop_tree()  # keeps the tail text, as trafilatura's own deletion does


def extract_document(html: bytes | str, url: str | None, opts: ExtractOptions = ExtractOptions()) -> Document:
    """Clean one page. Raises :class:`ExtractionFailed` (``parse_error``, ``extract_empty``).

    Each field has its chooser (see :mod:`.metadata`); this function only calls them in order.
    """
    text_html, clean = _decode(html)
    if not text_html.strip():
        raise ExtractionFailed(ErrorClass.EXTRACT_EMPTY, "empty page")
    page = parse_page(_parse(text_html, clean), url)
    # Scripts, styles and inline SVG are never article text; dropping them once here (after the
    # JSON-LD was read) makes each of trafilatura's many tree walks cheaper.
    etree.strip_elements(page.tree, "script", "style", "svg", "template", with_tail=False)
    strip_inline_widgets(page.tree)
    # the metadata choosers read the whole page (a byline in a side box is refused by looking at it)
    site_name = choose_site_name(page).value
    title = choose_title(page, site_name).value
    published = choose_published(page, htmldate=opts.htmldate_fallback).value
    fields = dict(
        canonical_url=choose_canonical_url(page).value, title=title,
        authors=choose_authors(page, site_name).value, published=published,
        modified=choose_modified(page, published).value, site_name=site_name,
        description=choose_description(page).value, section=choose_section(page).value,
        image=choose_image(page).value, canonical_ignored=choose_canonical_ignored(page).value,
    )
    strip_non_body(page.tree)
    body = extract_body(page.tree, url, page.ld, opts)
    if len(body) < opts.min_text_chars:
        raise ExtractionFailed(ErrorClass.EXTRACT_EMPTY, f"no article body found ({len(body)} chars)")
    body = _drop_leading_title(body, (title, *page.metadata_titles.values()))
    if opts.strip_boilerplate:
        body = strip_leading_bylines(body)
    return Document(url=url or "", language=choose_language(page, body).value, text=body, **fields)


def extract_page(page: FetchedPage, opts: ExtractOptions = ExtractOptions()) -> PageResult:
    """Extract one fetched page into a :class:`PageResult` (a document, or the reason for none)."""
    if not page.ok:
        return PageResult(page=page, error=page.error, detail=page.error_detail)
    try:
        doc = extract_document(page.html(), page.final_url or page.url, opts)
    except ExtractionFailed as e:
        return PageResult(page=page, error=e.error, detail=e.detail)
    if doc.url != page.url:
        # keep the URL the user asked for; the canonical URL says where the article lives
        doc = dataclasses.replace(doc, url=page.url)
    return PageResult(page=page, document=doc)


def extract_pages(pages: Iterable[FetchedPage], opts: ExtractOptions = ExtractOptions()) -> list[PageResult]:
    return [extract_page(p, opts) for p in pages]
