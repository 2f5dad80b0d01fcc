"""Discovery: article URLs from a source's feeds, sitemaps and URL list.

- Feeds (RSS, Atom, RDF) are parsed by **feedparser**.
- Sitemaps (``urlset``), sitemap indexes (``sitemapindex``, newest child first) and Google News
  sitemaps (``news:publication_date``, ``news:language``) are read with **defusedxml**, which
  refuses entity declarations, so an XML bomb in a feed or a sitemap becomes ``parse_error``.
  Every feed is put through the same check before feedparser sees it. Gzipped sitemaps
  (``.xml.gz``) are inflated with a size cap.
- URLs are normalized by **courlan** (tracking parameters dropped, see :mod:`newsmill.tasks.urls`)
  and links to files that are not pages (``.pdf``, ``.jpg``, ...) are dropped with courlan's
  extension filter; a source's ``language`` drops URLs whose path says another language
  (courlan's ``lang_filter``), and its ``include``/``exclude`` patterns apply last.

Feeds and sitemaps are fetched through the same polite fetcher as articles (robots.txt, per-host
interval, limits) with conditional GET. Every URL found is *discovered*, not given by the user:
the fetch stage refuses it when it points at an internal address of another host.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as DET
import feedparser
from courlan.filters import extension_filter, lang_filter

from newsmill.config import FetchOptions
from newsmill.outcomes import ErrorClass
from newsmill.records import Failure, FetchedPage
from newsmill.sources import Source
from newsmill.tasks.fetch import PoliteFetcher
from newsmill.tasks.urls import normalize_url

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Found:
    """An article URL as a feed or sitemap lists it."""

    url: str  # normalized
    source: str
    via: str  # the feed or sitemap URL, or "urls" for the source's own list
    lastmod: datetime | None = None
    title: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class DocRead:
    """One feed or sitemap fetch and what came of it."""

    url: str
    source: str
    kind: str  # feed | sitemap | sitemapindex | unknown
    page: FetchedPage
    error: ErrorClass | None = None  # why the document could not be read, after a good fetch
    detail: str | None = None
    urls_found: int = 0
    content_hash: str | None = None

    @property
    def failure(self) -> Failure | None:
        """Why nothing was read (parsing's reason first, then the fetch's); None when the
        document was read or not modified."""
        if self.page.not_modified or not (self.error or self.page.error):
            return None
        return Failure(self.url, ErrorClass(self.error or self.page.error), self.detail or self.page.error_detail)


@dataclass
class Discovery:
    source: str
    found: list[Found] = field(default_factory=list)
    docs: list[DocRead] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # why URLs were dropped: count

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


class XMLRefused(Exception):
    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


# ---- parsing (pure functions, no network) --------------------------------------------------------

def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _check_xml(body: bytes) -> Element | None:
    """Parse with defusedxml; raise :class:`XMLRefused` for a bomb, None if not well-formed."""
    try:
        return DET.fromstring(body, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as e:
        raise XMLRefused(f"XML refused ({type(e).__name__}): entity declarations and external "
                         "references are not accepted in feeds or sitemaps") from None
    except ParseError:
        # Not well-formed. feedparser copes with broken feeds, but never let it see a DTD that
        # declares entities, which defusedxml could not vet.
        if re.search(rb"<!ENTITY", body[:100_000], re.I):
            raise XMLRefused("XML refused: malformed document with entity declarations") from None
        return None


def parse_datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    v = value.strip()
    try:
        dt = datetime.fromisoformat(v.replace("Z", "+00:00") if v.endswith("Z") else v)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _text(el: Element | None) -> str | None:
    return el.text.strip() if el is not None and el.text and el.text.strip() else None


def _child(el: Element, name: str) -> Element | None:
    for c in el:
        if _local(c.tag) == name:
            return c
    return None


def _descendant(el: Element, name: str) -> Element | None:
    for c in el.iter():
        if _local(c.tag) == name:
            return c
    return None


def root_kind(root: Element | None, body: bytes) -> str:
    if root is not None:
        tag = _local(root.tag)
        if tag in ("urlset", "sitemapindex"):
            return "sitemapindex" if tag == "sitemapindex" else "sitemap"
        if tag in ("rss", "feed", "rdf"):
            return "feed"
        return "unknown"
    head = body[:2000].lower()
    if b"<urlset" in head:
        return "sitemap"
    if b"<sitemapindex" in head:
        return "sitemapindex"
    return "feed"


def parse_sitemap(root: Element | None, body: bytes) -> list[tuple[str, datetime | None, str | None, str | None]]:
    """(loc, lastmod, news title, news language) for each ``<url>`` or ``<sitemap>`` entry."""
    out = []
    if root is None:  # not well-formed: the <loc> elements are still worth reading
        for m in re.finditer(rb"<loc>\s*(.*?)\s*</loc>", body, re.S | re.I):
            loc = m.group(1).decode("utf-8", "replace").replace("&amp;", "&")
            out.append((loc, None, None, None))
        return out
    for entry in root:
        if _local(entry.tag) not in ("url", "sitemap"):
            continue
        loc = _text(_child(entry, "loc"))
        if not loc:
            continue
        lastmod = parse_datetime(_text(_child(entry, "lastmod")))
        title = language = None
        news = _child(entry, "news")
        if news is not None:
            lastmod = lastmod or parse_datetime(_text(_descendant(news, "publication_date")))
            title = _text(_descendant(news, "title"))
            language = _text(_descendant(news, "language"))
        out.append((loc, lastmod, title, language))
    return out


def parse_feed(body: bytes, url: str, content_type: str | None = None) -> tuple[list[tuple[str, datetime | None, str | None]], str | None, str | None]:
    """((link, date, title) per entry, feed language, problem) from an RSS/Atom/RDF body."""
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=False, resolve_relative_uris=True)
    entries = []
    for e in parsed.entries:
        link = e.get("link")
        if not link:
            for candidate in e.get("links", []):
                if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
                    link = candidate["href"]
                    break
        if not link and e.get("guidislink") and e.get("id"):
            link = e["id"]
        if not link:
            continue
        # the entry's update time says when to fetch it again; asking feedparser for
        # updated_parsed when there is none triggers its deprecated fallback, so look first
        when = (e.get("updated_parsed") if "updated" in e.keys() else None) or e.get("published_parsed")
        dt = datetime(*when[:6], tzinfo=UTC) if when else None
        entries.append((link, dt, e.get("title")))
    problem = None
    if not entries and parsed.get("bozo"):
        problem = f"not a feed: {parsed.get('bozo_exception')}"
    lang = (parsed.feed.get("language") or "").split("-")[0].lower() or None
    return entries, lang, problem


# ---- discovery (network through the polite fetcher) ------------------------------------------

class _Filter:
    def __init__(self, src: Source):
        self.src = src
        self.include = [re.compile(p) for p in src.include]
        self.exclude = [re.compile(p) for p in src.exclude]

    def __call__(self, raw: str, disc: Discovery, declared_language: str | None = None) -> str | None:
        url = normalize_url(raw)
        if not url:
            disc.skip("bad_url")
            return None
        if not extension_filter(url.split("?")[0]):
            disc.skip("not_a_page")
            return None
        lang = self.src.language
        if lang:
            if declared_language and declared_language.split("-")[0].lower() != lang:
                disc.skip("language")
                return None
            if not lang_filter(url, lang, strict=False):
                disc.skip("language")
                return None
        if self.include and not any(p.search(url) for p in self.include):
            disc.skip("include")
            return None
        if any(p.search(url) for p in self.exclude):
            disc.skip("exclude")
            return None
        return url


def discover_source(src: Source, opts: FetchOptions, fetcher: PoliteFetcher,
                    validators: dict[str, tuple[str | None, str | None]] | None = None) -> Discovery:
    """Read a source's feeds and sitemaps (conditional GET with ``validators``) and list its URLs."""
    validators = validators or {}
    disc = Discovery(src.name)
    keep = _Filter(src)
    seen: set[str] = set()

    def add(raw: str, via: str, lastmod=None, title=None, language=None) -> None:
        url = keep(raw, disc, language)
        if url and url not in seen:
            seen.add(url)
            disc.found.append(Found(url, src.name, via, lastmod, title, language))

    for u in src.urls:
        add(u, "urls")

    budget = [opts.max_sitemaps]
    read: set[str] = set()  # a feed or sitemap is read once per run, however often it is named
    for u in src.feeds:
        _read_doc(u, "feed", src, opts, fetcher, validators, None, disc, add, budget, depth=0, read=read)
    for u in src.sitemaps:
        _read_doc(u, "sitemap", src, opts, fetcher, validators, None, disc, add, budget, depth=0, read=read)
    # The source's own URL list first, then the newest dated entries, so a per-source cap keeps
    # what matters; undated entries keep their feed order.
    disc.found.sort(key=lambda f: (f.via != "urls", -(f.lastmod.timestamp() if f.lastmod else 0)))
    return disc


def _read_doc(url: str, expected: str, src: Source, opts: FetchOptions, fetcher: PoliteFetcher,
              validators: dict, trusted: frozenset[str] | None, disc: Discovery, add, budget: list[int],
              depth: int, read: set[str] | None = None) -> None:
    if read is not None:
        key = normalize_url(url) or url
        if key in read:
            disc.skip("listed_twice")
            return
        read.add(key)
    if budget[0] <= 0:
        disc.skip("sitemap_budget")
        return
    budget[0] -= 1
    page = fetcher.fetch(url, validators.get(url, (None, None)), kind="xml", trusted=trusted, source=src.name)
    if page.not_modified:
        disc.docs.append(DocRead(url, src.name, expected, page))
        return
    if not page.ok:
        disc.docs.append(DocRead(url, src.name, expected, page, page.error, page.error_detail))
        return
    body = page.body or b""
    digest = hashlib.sha256(body).hexdigest()
    try:
        root = _check_xml(body)
    except XMLRefused as e:
        disc.docs.append(DocRead(url, src.name, expected, page, ErrorClass.PARSE_ERROR, e.detail, 0, digest))
        return
    kind = root_kind(root, body)
    n_before = len(disc.found)
    if kind in ("sitemap", "sitemapindex"):
        entries = parse_sitemap(root, body)
        if kind == "sitemapindex":
            if depth >= 3:
                disc.docs.append(DocRead(url, src.name, kind, page, ErrorClass.PARSE_ERROR, "sitemap indexes nested too deep", 0, digest))
                return
            # newest child sitemaps first: date-partitioned archives put today's news in the newest
            entries.sort(key=lambda e: -(e[1].timestamp() if e[1] else 0))
            disc.docs.append(DocRead(url, src.name, kind, page, None, None, len(entries), digest))
            child_trust = src.hosts
            for loc, _lastmod, _t, _l in entries:
                child = normalize_url(loc)
                if child:
                    _read_doc(child, "sitemap", src, opts, fetcher, validators, child_trust, disc, add, budget,
                              depth + 1, read)
            return
        for loc, lastmod, title, language in entries:
            add(loc, url, lastmod, title, language)
    elif kind == "feed":
        entries, lang, problem = parse_feed(body, page.final_url or url, page.content_type)
        if problem:
            disc.docs.append(DocRead(url, src.name, kind, page, ErrorClass.PARSE_ERROR, problem, 0, digest))
            return
        for link, when, title in entries:
            add(link, url, when, title, lang)
    else:
        disc.docs.append(DocRead(url, src.name, kind, page, ErrorClass.PARSE_ERROR,
                                 f"root element <{_local(root.tag) if root is not None else '?'}> is neither a feed nor a sitemap", 0, digest))
        return
    disc.docs.append(DocRead(url, src.name, kind, page, None, None, len(disc.found) - n_before, digest))
