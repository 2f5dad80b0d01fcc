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
from datetime import datetime, timedelta, timezone
from urllib.parse import urljoin, urlsplit

import trafilatura
from lxml import etree, html as lxml_html
from trafilatura.utils import load_html

from newsmill.config import ExtractOptions
from newsmill.records import Document, FetchedPage, PageResult
from newsmill.tasks.boilerplate import strip_boilerplate_lines, strip_leading_bylines, strip_repeated_lines
from newsmill.tasks.metadata import (
    _SECTION_PREFIXES,
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
    visible_date,
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


_CHARSET_DECL = re.compile(rb"""charset\s*=\s*["']?\s*([\w:.-]+)""", re.I)
_NOT_TEXT = re.compile("[\ufffd\x00-\x08\x0b\x0e-\x1f]")


def _decode(html: bytes | str) -> str:
    if isinstance(html, str):
        text = html
    else:
        declared = _CHARSET_DECL.search(html[:4096])
        text = None
        if declared is None or declared.group(1).lower() in (b"utf-8", b"utf8"):
            # the common case, without detect_encoding's trial decodes: UTF-8 declared or
            # undeclared, and the bytes really are UTF-8
            try:
                text = html.decode("utf-8")
            except UnicodeDecodeError:
                text = None
        if text is None:
            from newsmill.tasks.fetch import detect_encoding

            text = html.decode(detect_encoding(html, None), errors="replace")
    sample = text[:100_000]
    bad = len(_NOT_TEXT.findall(sample))
    if sample and bad > 0.05 * len(sample):
        raise ExtractionFailed("parse_error", f"not text: {100 * bad // len(sample)}% undecodable or control characters")
    return text


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
_SECTION_XPATH = '//p[string-length(normalize-space()) > 80][parent::div[@class] or parent::section[@class]]'


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
        text = recover_split_sections(text, tree)
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


_AGENCIES = re.compile(r"^(?:by\s+)?(?:the\s+)?(?:associated press|ap|reuters|afp|agence france-presse|dpa|pti|ians|"
                       r"ani|upi|efe|ansa|kyodo|xinhua|bloomberg|cnn wire|bbc|staff|.*\bstaff\b.*)$", re.I)


def _is_agency(name: str) -> bool:
    return bool(_AGENCIES.match(name.strip()))


_PUB_KEY = re.compile(r"publish|pub_?date|original|created|issued|sailthru\.date|^date$|^dc\.date$")


def _local_time(utc_iso: str, others: list[str]) -> str:
    """The publisher's local time for a UTC timestamp, when the page also states it locally.

    Many pages give the same instant twice: in UTC in JSON-LD and as local wall time elsewhere
    ("2019-11-18 20:58:46" next to "2019-11-19T04:58:46Z"). The local form keeps the day the
    publisher printed and its offset; the instant stays the same.
    """
    utc = datetime.fromisoformat(utc_iso)
    for raw in others:
        iso = normalize_date(raw)
        if not iso or "T" not in iso:
            continue
        dt = datetime.fromisoformat(iso)
        if dt.tzinfo is not None:
            if dt.utcoffset() and abs((dt - utc).total_seconds()) < 60:
                return iso  # the same instant with a real offset
            continue
        diff = (dt - utc.replace(tzinfo=None)).total_seconds()
        hours = round(diff / 3600 * 4) / 4  # offsets come in quarter hours
        if hours and -12 <= hours <= 14 and abs(diff - hours * 3600) < 60 \
                and (dt.second == utc.second or dt.second == 0):
            return dt.replace(tzinfo=timezone(timedelta(hours=hours))).isoformat()
    return utc_iso


def _before(a: str, b: str) -> bool:
    """Whether ISO date/datetime ``a`` lies before ``b`` (by instant when both carry an offset)."""
    da, db = datetime.fromisoformat(a), datetime.fromisoformat(b)
    if (da.tzinfo is None) != (db.tzinfo is None) or "T" not in a or "T" not in b:
        return a[:10] < b[:10]
    return da < db


def _first_str(*values) -> str | None:
    for v in values:
        if isinstance(v, str) and v.strip():
            return " ".join(v.split())
    return None


def _h1(tree, site_name: str | None, candidates: list[str]) -> str | None:
    """The page's visible headline: the first <h1> that reads like the title the metadata gives.

    Metadata titles are often SEO variants ("15 Tips to ..." for "15 Helpful Tips to ...") or an
    older headline; the <h1> is what readers see. An <h1> counts only when at least half of its
    words appear in a metadata title, so a logo, a section name or a sidebar heading never does.
    """
    cand_words = [set(_TOKEN.findall(c.lower())) for c in candidates]
    for el in tree.iter("h1"):
        t = " ".join(el.text_content().split())
        if not (5 < len(t) < 300) or (site_name and t.lower() == site_name.lower()):
            continue
        words = set(_TOKEN.findall(t.lower()))
        if not cand_words:
            return t if len(words) >= 3 else None
        if words and any(len(words & cw) >= 0.5 * len(words) for cw in cand_words):
            return clean_title(t, site_name)
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
    site_name = _first_str(*(v for v in (
        _org_name(ld.get("publisher")),
        meta_first(meta, "og:site_name", "application-name"),
        site_from_title(title_text),
    ) if v and not v.startswith("@")))  # "@outlet" is a social-media handle, not the site's name
    headline = ld.get("headline") if isinstance(ld.get("headline"), str) else None
    candidates = [clean_title(t, site_name) for t in (headline, meta_first(meta, "og:title", "twitter:title"),
                                                      title_text) if t]
    candidates = [c for c in candidates if c]
    h1 = _h1(tree, site_name, candidates)
    title = h1 or clean_title(_first_str(meta_first(meta, "og:title", "twitter:title"), title_text),
                              site_name, headline=headline)
    body = _drop_leading_title(body, (title, h1, headline))
    if opts.strip_boilerplate:
        body = strip_leading_bylines(body)

    authors = ()
    hosts = [urlsplit(u).hostname or "" for u in (url, meta_first(meta, "og:url")) if u]
    ld_authors = _names(ld.get("author")) or _names(ld.get("creator"))
    for source in (
        lambda: ld_authors,
        lambda: [m for k in ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator",
                             "byl", "dcterms.creator", "cxenseparse:author") for m in meta.get(k, [])],
        lambda: byline_candidates(tree),
    ):
        raw = source()
        authors = clean_authors(raw, site_name, hosts)
        if authors:
            break
        if raw and raw is ld_authors and all(clean_authors([r], None) == () or _is_agency(r) for r in raw):
            break  # the page names an agency or the outlet as author: a dateline is no byline

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
        lambda: visible_date(tree),
        lambda: htmldate_fallback(tree, url) if opts.htmldate_fallback else None,
    ):
        published = normalize_date(v if isinstance(v := cand(), str) else None)
        if published:
            break
    if published and published.endswith("+00:00"):
        published = _local_time(published, [v for k, vals in meta.items() if _PUB_KEY.search(k) for v in vals]
                                + tree.xpath("//time/@datetime")[:5])
    modified = None
    for v in (ld.get("dateModified"), meta_first(meta, "article:modified_time", "og:updated_time",
                                                 "datemodified", "last-modified", "dcterms.modified"),
              time_tag_date(tree, "dateModified")):
        modified = normalize_date(v if isinstance(v, str) else None)
        if modified:
            break
    if modified and published and _before(modified, published):
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
    if isinstance(section, str) and "," in section:
        section = section.split(",")[0].strip()  # "game,news,slider": the first is the section
    image = ld.get("image")
    if isinstance(image, list):
        image = image[0] if image else None
    if isinstance(image, dict):
        image = image.get("url")
    section = _first_str(section, meta_first(meta, "article:section", "section"))
    if not section:
        # "Opinion | Headline": the prefix clean_title drops from the title is the section
        for raw in (title_text, meta_first(meta, "og:title", "twitter:title")):
            m = re.match(r"^\s*([^|:]{3,20}?)\s*[|:]\s+\S", raw or "")
            if m and m.group(1).strip().lower() in _SECTION_PREFIXES:
                section = m.group(1).strip()
                break
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
        section=section,
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
