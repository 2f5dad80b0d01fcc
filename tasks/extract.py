"""Extract stage: cleaned body text and metadata from an article page.

trafilatura does the body cleaning; BeautifulSoup (lxml parser) reads what trafilatura does not:
JSON-LD (``NewsArticle`` and friends), byline markup and ``<link rel=canonical>``. The result is
a :class:`Document`, or :class:`ExtractionFailed` with an error class the loader records.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import trafilatura
from bs4 import BeautifulSoup

from newsmill.config import ExtractOptions
from newsmill.records import Document, FetchedPage, PageResult
from newsmill.tasks.urls import normalize_url

log = logging.getLogger(__name__)

EXTRACTOR_VERSION = f"trafilatura-{trafilatura.__version__}+newsmill-1"


class ExtractionFailed(Exception):
    def __init__(self, error: str, detail: str):
        super().__init__(f"{error}: {detail}")
        self.error = error
        self.detail = detail


# ---------------------------------------------------------------------------------------------
# JSON-LD and meta tags

_ARTICLE_TYPES = {
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "blogposting",
    "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "liveblogposting",
    "webpage", "scholarlyarticle", "report", "techarticle", "socialmediaposting",
}


def _walk_jsonld(node, out: list[dict]) -> None:
    if isinstance(node, list):
        for n in node:
            _walk_jsonld(n, out)
    elif isinstance(node, dict):
        if "@graph" in node:
            _walk_jsonld(node["@graph"], out)
        t = node.get("@type")
        types = t if isinstance(t, list) else [t]
        if any(isinstance(x, str) and x.lower() in _ARTICLE_TYPES for x in types):
            out.append(node)
        for key in ("mainEntity", "mainEntityOfPage", "itemListElement"):
            if isinstance(node.get(key), (dict, list)):
                _walk_jsonld(node[key], out)


def read_jsonld(soup: BeautifulSoup) -> dict:
    """The most article-like JSON-LD object on the page (NewsArticle over WebPage), or {}."""
    found: list[dict] = []
    for tag in soup.find_all("script", attrs={"type": re.compile(r"ld\+json", re.I)}):
        raw = tag.string or tag.get_text() or ""
        raw = raw.strip().rstrip(";")
        if not raw:
            continue
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            continue
        _walk_jsonld(data, found)
    if not found:
        return {}

    def rank(node: dict) -> int:
        t = node.get("@type")
        types = [x.lower() for x in (t if isinstance(t, list) else [t]) if isinstance(x, str)]
        score = 0 if "webpage" in types else 2
        score += 1 if node.get("headline") else 0
        score += 1 if node.get("datePublished") else 0
        return score

    return max(found, key=rank)


def _names(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [n for v in value for n in _names(v)]
    if isinstance(value, dict):
        if str(value.get("@type", "")).lower() == "organization":
            return []
        return _names(value.get("name"))
    return []


def _meta(soup: BeautifulSoup, *keys: str) -> str | None:
    for key in keys:
        tag = soup.find("meta", attrs={"property": key}) or soup.find("meta", attrs={"name": key}) \
            or soup.find("meta", attrs={"itemprop": key})
        if tag and tag.get("content") and tag["content"].strip():
            return tag["content"].strip()
    return None


# ---------------------------------------------------------------------------------------------
# Authors

_BYLINE_NOISE = re.compile(
    r"^\s*(by|von|par|por|di|door|av|por:|by:)\s+|\s*\|.*$|\s*[,/]\s*(staff|reporter|writer|editor|"
    r"correspondent|contributor|columnist)\b.*$",
    re.I,
)
_NOT_NAMES = {
    "published", "updated", "by", "staff", "admin", "administrator", "editor", "editors",
    "advertisement", "sponsored", "news", "reporter", "staff writer", "staff reporter",
    "associated press", "the associated press", "ap", "reuters", "afp", "getty images",
    "wire", "news desk", "newsdesk", "web desk", "guest", "anonymous", "unknown", "team",
    "editorial", "editorial staff", "editorial board", "contributor", "correspondent",
}
_DATE_LIKE = re.compile(
    r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\b(19|20)\d{2}\b|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b"
    r"|\b\d{1,2}:\d{2}\b|\b(am|pm|gmt|utc|est|edt|pst|pdt)\b",
    re.I,
)
_SPLIT_AUTHORS = re.compile(r"\s*(?:;|\||,\s*and\s+|\s+and\s+|\s+&\s+|\s+und\s+|\s+et\s+|\s+y\s+|,)\s*")


def clean_authors(raw: Iterable[str], site_name: str | None = None) -> tuple[str, ...]:
    """Person names from byline strings: 'By' and roles removed, several authors split, junk dropped."""
    site = (site_name or "").strip().lower()
    out: list[str] = []
    seen = set()
    for item in raw:
        if not item:
            continue
        item = re.sub(r"\s+", " ", item).strip()
        if item.startswith("http://") or item.startswith("https://"):
            # profile URLs: take the last path segment as a name only if it looks like one
            slug = urlsplit(item).path.rstrip("/").rsplit("/", 1)[-1]
            item = slug.replace("-", " ").replace("_", " ").title() if re.fullmatch(r"[a-z]+(-[a-z]+){1,3}", slug or "") else ""
        for part in _SPLIT_AUTHORS.split(item):
            name = _BYLINE_NOISE.sub("", part).strip(" .,:;-–—·|@")
            name = re.sub(r"^(written|reported|posted|words|text|story)\s+by\s+", "", name, flags=re.I).strip()
            if not name or len(name) < 3 or len(name) > 60:
                continue
            low = name.lower()
            if low in _NOT_NAMES or (site and (low == site or low in site or site in low)):
                continue
            if _DATE_LIKE.search(name) or any(ch.isdigit() for ch in name) or "@" in name:
                continue
            words = name.split()
            if len(words) > 5 or not any(w[:1].isupper() for w in words):
                continue
            if name.isupper() and len(words) >= 2:
                name = name.title()
            if low not in seen:
                seen.add(low)
                out.append(name)
    return tuple(out)


def _byline_markup(soup: BeautifulSoup) -> list[str]:
    found = []
    for sel in ('[rel~="author"]', '[itemprop="author"] [itemprop="name"]', '[itemprop="author"]',
                '.byline__name', '.author-name', '.byline a', '.byline'):
        for tag in soup.select(sel)[:4]:
            text = tag.get("content") or tag.get_text(" ", strip=True)
            if text:
                found.append(text)
        if found:
            break
    return found


# ---------------------------------------------------------------------------------------------
# Dates

_EARLIEST = datetime(1994, 1, 1, tzinfo=UTC)


def normalize_date(value: str | None, now: datetime | None = None) -> str | None:
    """ISO 8601 (date, or datetime with its offset when given), or None when implausible."""
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    now = now or datetime.now(UTC)
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?", value)
    if not m:
        try:
            from htmldate.validators import convert_date  # noqa: F401  (only to keep htmldate's parser)
        except ImportError:
            pass
        from dateutil import parser as dateparser

        try:
            dt = dateparser.parse(value, fuzzy=False)
        except (ValueError, OverflowError, TypeError):
            return None
        if dt.hour == dt.minute == dt.second == 0 and not re.search(r"\d:\d", value):
            iso = dt.date().isoformat()
        else:
            iso = dt.isoformat()
        return normalize_date(iso, now)
    y, mo, d, hh, mi, ss, tz = m.groups()
    try:
        if hh is None:
            dt = datetime(int(y), int(mo), int(d), tzinfo=UTC)
            out = dt.date().isoformat()
        else:
            base = datetime(int(y), int(mo), int(d), int(hh), int(mi), int(ss or 0))
            if tz:
                tzs = "+00:00" if tz == "Z" else (tz if ":" in tz else f"{tz[:3]}:{tz[3:]}")
                dt = datetime.fromisoformat(base.isoformat() + tzs)
                out = dt.isoformat()
            else:
                dt = base.replace(tzinfo=UTC)
                out = base.isoformat()
    except ValueError:
        return None
    if dt < _EARLIEST or dt.astimezone(UTC) > now.astimezone(UTC).replace(microsecond=0) + _one_day():
        return None
    return out


def _one_day():
    from datetime import timedelta

    return timedelta(days=1)


# ---------------------------------------------------------------------------------------------
# Title, site name, language

_TITLE_SEP = re.compile(r"\s+[-–—|:·•»]\s+")


def clean_title(title: str | None, site_name: str | None, headline: str | None = None) -> str | None:
    if headline and len(headline.strip()) > 5:
        title = headline
    if not title:
        return None
    title = re.sub(r"\s+", " ", title).strip()
    parts = _TITLE_SEP.split(title)
    if len(parts) > 1:
        site = (site_name or "").lower()
        first, last = parts[0], parts[-1]
        if site and (last.lower() in site or site in last.lower()):
            title = _TITLE_SEP.split(title)[0] if len(parts) == 2 else title[: title.rfind(last)].rstrip(" -–—|:·•»")
        elif site and (first.lower() in site or site in first.lower()):
            title = title[len(first):].lstrip(" -–—|:·•»")
        elif len(last.split()) <= 3 and len(first.split()) >= 4:
            # "Headline of the story | Site" with an unknown site name
            title = title[: title.rfind(last)].rstrip(" -–—|:·•»")
    return title.strip() or None


def detect_language(text: str, declared: str | None = None) -> str | None:
    sample = text[:5000]
    if len(sample.strip()) >= 40:
        import py3langid

        lang, _score = py3langid.classify(sample)
        return lang
    if declared:
        return declared.split("-")[0].split("_")[0].lower()[:3] or None
    return None


# ---------------------------------------------------------------------------------------------


def _decode(html: bytes | str) -> str:
    if isinstance(html, str):
        return html
    from newsmill.tasks.fetch import detect_encoding

    return html.decode(detect_encoding(html, None), errors="replace")


def extract_document(html: bytes | str, url: str | None, opts: ExtractOptions = ExtractOptions()) -> Document:
    """Clean one page. Raises :class:`ExtractionFailed` (``parse_error``, ``extract_empty``)."""
    text_html = _decode(html)
    if not text_html.strip():
        raise ExtractionFailed("extract_empty", "empty page")
    try:
        soup = BeautifulSoup(text_html, "lxml")
    except Exception as e:  # lxml raises a handful of unrelated types on hostile markup
        raise ExtractionFailed("parse_error", f"{type(e).__name__}: {e}") from None
    ld = read_jsonld(soup)
    try:
        doc = trafilatura.bare_extraction(
            text_html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=opts.include_tables,
            favor_precision=opts.favor_precision,
            favor_recall=opts.favor_recall,
        )
    except (ValueError, TypeError, AttributeError) as e:
        raise ExtractionFailed("parse_error", f"trafilatura: {type(e).__name__}: {e}") from None
    body = (doc.text if doc is not None else "") or ""
    if len(body.strip()) < opts.min_text_chars:
        ld_body = ld.get("articleBody") if isinstance(ld.get("articleBody"), str) else ""
        if len(ld_body.strip()) >= opts.min_text_chars:
            body = ld_body.strip()
        else:
            raise ExtractionFailed("extract_empty", f"no article body found ({len(body.strip())} chars)")

    site_name = _first_str(
        _names(ld.get("publisher")) and _names(ld.get("publisher"))[0],
        _meta(soup, "og:site_name", "application-name"),
        doc.sitename if doc is not None else None,
    )
    if site_name and _names(ld.get("publisher")) == [] and isinstance(ld.get("publisher"), dict):
        pass
    pub = ld.get("publisher")
    if isinstance(pub, dict) and isinstance(pub.get("name"), str):
        site_name = pub["name"].strip() or site_name
    title = clean_title(
        _first_str(_meta(soup, "og:title", "twitter:title"), doc.title if doc is not None else None,
                   soup.title.get_text() if soup.title else None),
        site_name,
        headline=ld.get("headline") if isinstance(ld.get("headline"), str) else None,
    )
    raw_authors = _names(ld.get("author")) or _byline_markup(soup)
    if not raw_authors:
        m = _meta(soup, "author", "article:author", "parsely-author", "sailthru.author", "dc.creator")
        if m:
            raw_authors = [m]
    if not raw_authors and doc is not None and doc.author:
        raw_authors = [doc.author]
    authors = clean_authors(raw_authors, site_name)

    published = None
    for cand in (ld.get("datePublished"), _meta(soup, "article:published_time", "datePublished",
                 "pubdate", "publishdate", "date", "dc.date", "DC.date.issued", "sailthru.date"),
                 _time_tag(soup), doc.date if doc is not None else None):
        published = normalize_date(cand if isinstance(cand, str) else None)
        if published:
            break
    modified = normalize_date(ld.get("dateModified") if isinstance(ld.get("dateModified"), str)
                              else _meta(soup, "article:modified_time", "dateModified"))

    canonical = None
    link = soup.find("link", rel=lambda v: v and "canonical" in (v if isinstance(v, list) else [v]))
    if link and link.get("href"):
        canonical = urljoin(url or "", link["href"].strip())
    canonical = canonical or _meta(soup, "og:url") or url or ""
    canonical = normalize_url(canonical) or (normalize_url(url) if url else "") or (url or "")

    html_lang = soup.html.get("lang") if soup.html else None
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
        text=body.strip(),
        description=_first_str(_meta(soup, "description", "og:description"), doc.description if doc is not None else None),
        section=section if isinstance(section, str) else _meta(soup, "article:section"),
        image=image if isinstance(image, str) else _meta(soup, "og:image"),
    )


def _time_tag(soup: BeautifulSoup) -> str | None:
    tag = soup.find("time", attrs={"datetime": True})
    return tag["datetime"] if tag else None


def _first_str(*values) -> str | None:
    for v in values:
        if isinstance(v, str) and v.strip():
            return re.sub(r"\s+", " ", v).strip()
    return None


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
