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
from urllib.parse import urljoin

import trafilatura
from lxml import etree, html as lxml_html
from trafilatura.utils import load_html

from newsmill.config import ExtractOptions
from newsmill.records import Document, FetchedPage, PageResult
from newsmill.tasks.boilerplate import strip_boilerplate_lines, strip_repeated_lines
from newsmill.tasks.metadata import (
    _names,
    _org_name,
    byline_candidates,
    clean_authors,
    clean_title,
    collect_meta,
    date_from_url,
    detect_language,
    htmldate_fallback,
    meta_first,
    normalize_date,
    read_jsonld,
    site_from_title,
    time_tag_date,
)
from newsmill.tasks.urls import normalize_url

log = logging.getLogger(__name__)

EXTRACTOR_VERSION = f"trafilatura-{trafilatura.__version__}+newsmill-2"

__all__ = [
    "EXTRACTOR_VERSION", "ExtractionFailed", "extract_document", "extract_page", "extract_pages",
    "clean_authors", "normalize_date", "clean_title", "detect_language", "read_jsonld",
    "strip_boilerplate_lines", "strip_repeated_lines",
]


class ExtractionFailed(Exception):
    def __init__(self, error: str, detail: str):
        super().__init__(f"{error}: {detail}")
        self.error = error
        self.detail = detail


def _decode(html: bytes | str) -> str:
    if isinstance(html, str):
        return html
    from newsmill.tasks.fetch import detect_encoding

    return html.decode(detect_encoding(html, None), errors="replace")


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
        raise ExtractionFailed("parse_error", f"trafilatura: {type(e).__name__}: {e}") from None
    return ((doc.text if doc is not None else "") or "").strip()


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
            if len(wider) > 3 * max(len(text), 1):
                text = wider
    if opts.use_jsonld_body:
        ld_body = _jsonld_body(ld)
        # A JSON-LD body is often a truncated teaser or a copy with markup; use it only when it
        # is clearly longer, not cut off, and contains most of what the page itself shows.
        if len(ld_body) > 1.5 * len(text) and len(ld_body) >= opts.min_text_chars \
                and not ld_body.rstrip().endswith(("...", "…", "[…]")):
            ours = _shingles(text)
            if not ours or len(ours & _shingles(ld_body)) >= 0.8 * len(ours):
                text = ld_body
    if opts.strip_boilerplate:
        text = strip_boilerplate_lines(text)
    return text


def _parse(text_html: str):
    try:
        tree = load_html(text_html)
    except (etree.ParserError, ValueError) as e:
        raise ExtractionFailed("parse_error", f"{type(e).__name__}: {e}") from None
    if tree is None:
        if "<" not in text_html:
            raise ExtractionFailed("extract_empty", "not HTML: no markup in the page")
        raise ExtractionFailed("parse_error", "the markup could not be parsed into a document")
    return tree


def _first_str(*values) -> str | None:
    for v in values:
        if isinstance(v, str) and v.strip():
            return " ".join(v.split())
    return None


def _h1(tree) -> str | None:
    for el in tree.iter("h1"):
        t = " ".join(el.text_content().split())
        if 5 < len(t) < 300:
            return t
    return None


def _norm_words(s: str | None) -> str:
    return " ".join(_TOKEN.findall((s or "").lower()))


def _drop_leading_title(body: str, titles) -> str:
    """The body without a first line that repeats the headline (the title has its own field)."""
    first, _, rest = body.partition("\n")
    key = _norm_words(first)
    if rest.strip() and key and any(key == _norm_words(t) for t in titles if t):
        return rest.strip()
    return body


def extract_document(html: bytes | str, url: str | None, opts: ExtractOptions = ExtractOptions()) -> Document:
    """Clean one page. Raises :class:`ExtractionFailed` (``parse_error``, ``extract_empty``)."""
    text_html = _decode(html)
    if not text_html.strip():
        raise ExtractionFailed("extract_empty", "empty page")
    tree = _parse(text_html)
    ld = read_jsonld(tree)
    meta = collect_meta(tree)

    # Scripts, styles and inline SVG are never article text; dropping them once here (after the
    # JSON-LD was read) makes each of trafilatura's many tree walks cheaper.
    etree.strip_elements(tree, "script", "style", "svg", "template", with_tail=False)
    body = extract_body(tree, url, ld, opts)
    if len(body) < opts.min_text_chars:
        raise ExtractionFailed("extract_empty", f"no article body found ({len(body)} chars)")

    title_tag = tree.find(".//title")
    title_text = " ".join(title_tag.text_content().split()) if title_tag is not None else None
    site_name = _first_str(
        _org_name(ld.get("publisher")),
        meta_first(meta, "og:site_name", "application-name", "twitter:app:name:iphone"),
        site_from_title(title_text),
    )
    headline = ld.get("headline") if isinstance(ld.get("headline"), str) else None
    h1 = _h1(tree)
    title = clean_title(_first_str(meta_first(meta, "og:title", "twitter:title"), title_text, h1),
                        site_name, headline=headline)
    if h1 and title and h1 != title and " ".join(h1.lower().split()) == " ".join(title.lower().split()):
        title = h1  # same words, the page's own capitalisation
    body = _drop_leading_title(body, (title, h1, headline))

    authors = ()
    for source in (
        lambda: _names(ld.get("author")) or _names(ld.get("creator")),
        lambda: [m for k in ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator",
                             "byl", "dcterms.creator", "cxenseparse:author") for m in meta.get(k, [])],
        lambda: byline_candidates(tree),
    ):
        authors = clean_authors(source(), site_name)
        if authors:
            break

    published = None
    for cand in (
        lambda: ld.get("datePublished"),
        lambda: meta_first(meta, "article:published_time", "og:published_time", "datepublished", "pubdate",
                           "publishdate", "publish-date", "parsely-pub-date", "sailthru.date",
                           "dc.date.issued", "dcterms.created", "dc.date", "date", "article.published",
                           "cxenseparse:recs:publishtime"),
        lambda: time_tag_date(tree),
        lambda: ld.get("dateCreated"),
        lambda: date_from_url(url),
        lambda: htmldate_fallback(tree, url) if opts.htmldate_fallback else None,
    ):
        published = normalize_date(v if isinstance(v := cand(), str) else None)
        if published:
            break
    modified = None
    for v in (ld.get("dateModified"), meta_first(meta, "article:modified_time", "og:updated_time",
                                                 "datemodified", "last-modified", "dcterms.modified"),
              time_tag_date(tree, "dateModified")):
        modified = normalize_date(v if isinstance(v, str) else None)
        if modified:
            break
    if modified and published and modified[:10] < published[:10]:
        modified = None  # a "modified" before publication is a template default, not a fact

    canonical = None
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            canonical = urljoin(url or "", link.get("href").strip())
            break
    canonical = canonical or meta_first(meta, "og:url") or url or ""
    canonical = normalize_url(canonical) or (normalize_url(url) if url else "") or (url or "")

    html_lang = tree.get("lang") or meta_first(meta, "og:locale", "content-language", "language")
    section = ld.get("articleSection")
    if isinstance(section, list):
        section = section[0] if section else None
    image = ld.get("image")
    if isinstance(image, list):
        image = image[0] if image else None
    if isinstance(image, dict):
        image = image.get("url")
    return Document(
        url=url or "",
        canonical_url=canonical,
        title=title,
        authors=authors,
        published=published,
        modified=modified,
        site_name=site_name,
        language=detect_language(body, html_lang),
        text=body,
        description=_first_str(meta_first(meta, "description", "og:description", "twitter:description"),
                               ld.get("description")),
        section=_first_str(section, meta_first(meta, "article:section", "section")),
        image=_first_str(image, meta_first(meta, "og:image", "twitter:image")),
    )


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
