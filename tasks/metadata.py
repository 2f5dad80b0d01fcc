"""Article metadata from a parsed page: JSON-LD, meta tags, bylines, <time>, the URL.

Everything here reads an lxml tree (the one the extract stage parses once and hands to
trafilatura), so metadata costs a few xpath calls instead of a second parse. The public helpers
(:func:`clean_authors`, :func:`normalize_date`, :func:`clean_title`, :func:`detect_language`,
:func:`read_jsonld`) are re-exported by :mod:`newsmill.tasks.extract`.
"""

from __future__ import annotations

import html as html_lib
import json
import logging
import re
import warnings
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------------
# JSON-LD

_ARTICLE_TYPES = {
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "blogposting",
    "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "liveblogposting",
    "webpage", "scholarlyarticle", "report", "techarticle", "socialmediaposting", "posting",
    "askpublicnewsarticle", "satiricalarticle", "medicalscholarlyarticle", "videoobject", "medicalwebpage",
    "itempage", "collectionpage", "profilepage", "aboutpage", "qapage", "faqpage",
}


def _types(node: dict) -> list[str]:
    t = node.get("@type")
    return [x.lower().rsplit("/", 1)[-1] for x in (t if isinstance(t, list) else [t]) if isinstance(x, str)]


def _walk_jsonld(node, out: list[dict]) -> None:
    if isinstance(node, list):
        for n in node:
            _walk_jsonld(n, out)
    elif isinstance(node, dict):
        if "@graph" in node:
            _walk_jsonld(node["@graph"], out)
        if any(t in _ARTICLE_TYPES for t in _types(node)):
            out.append(node)
        for key in ("mainEntity", "mainEntityOfPage", "itemListElement"):
            if isinstance(node.get(key), (dict, list)):
                _walk_jsonld(node[key], out)


def _jsonld_scripts(doc) -> list[str]:
    if hasattr(doc, "find_all"):  # a BeautifulSoup document
        tags = doc.find_all("script", attrs={"type": re.compile(r"ld\+json", re.I)})
        return [t.string or t.get_text() or "" for t in tags]
    return [s.text or "" for s in doc.iter("script")
            if "ld+json" in (s.get("type") or "").lower()]


def _index_ids(node, index: dict) -> None:
    if isinstance(node, list):
        for n in node:
            _index_ids(n, index)
    elif isinstance(node, dict):
        if isinstance(node.get("@id"), str) and len(node) > 1:
            index.setdefault(node["@id"], node)
        for v in node.values():
            if isinstance(v, (dict, list)):
                _index_ids(v, index)


def _resolve(value, index: dict, depth: int = 0):
    """Replace {"@id": x} references (Yoast-style @graph) by the node they point to."""
    if depth > 3:
        return value
    if isinstance(value, list):
        return [_resolve(v, index, depth + 1) for v in value]
    if isinstance(value, dict) and set(value) <= {"@id", "@type"} and value.get("@id") in index:
        return index[value["@id"]]
    return value


def _unescape(value):
    # JSON-LD written by templates often carries HTML entities ("&#8217;", "&nbsp;")
    if isinstance(value, str):
        return " ".join(html_lib.unescape(value).split()) if "&" in value else value
    if isinstance(value, list):
        return [_unescape(v) for v in value]
    if isinstance(value, dict):
        return {k: _unescape(v) for k, v in value.items()}
    return value


def read_jsonld(doc) -> dict:
    """The most article-like JSON-LD object on the page (NewsArticle over WebPage), or {}.

    ``doc`` is an lxml tree or a BeautifulSoup document. Broken JSON-LD (common: trailing
    semicolons, raw newlines in strings) is tolerated or skipped, never fatal. Author and
    publisher references by ``@id`` are resolved; HTML entities in strings are decoded.
    """
    found: list[dict] = []
    index: dict = {}
    for raw in _jsonld_scripts(doc):
        raw = raw.strip().rstrip(";").strip()
        if raw.startswith("<!--"):
            raw = raw[4:].rstrip("->").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            continue
        _walk_jsonld(data, found)
        _index_ids(data, index)
    if not found:
        return {}

    def rank(node: dict) -> int:
        types = _types(node)
        score = 0 if any(t.endswith("page") or t == "videoobject" for t in types) else 3
        score += 1 if node.get("headline") else 0
        score += 1 if node.get("datePublished") else 0
        score += 1 if node.get("author") else 0
        return score

    best = dict(max(found, key=rank))
    for key in ("author", "creator", "publisher"):
        if key in best:
            best[key] = _resolve(best[key], index)
    return _unescape(best)


def _names(value) -> list[str]:
    """Person names in a JSON-LD author value (organisations are not authors)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [n for v in value for n in _names(v)]
    if isinstance(value, dict):
        if any(t in ("organization", "newsmediaorganization", "corporation") for t in _types(value)):
            return []
        return _names(value.get("name"))
    return []


def _org_name(value) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        return value["name"].strip() or None
    if isinstance(value, str):
        return value.strip() or None
    return None


# ---------------------------------------------------------------------------------------------
# meta tags


def collect_meta(tree) -> dict[str, list[str]]:
    """All <meta> contents by lower-cased name / property / itemprop, in document order."""
    out: dict[str, list[str]] = {}
    for m in tree.iter("meta"):
        content = m.get("content")
        if content is None or not content.strip():
            continue
        for attr in ("property", "name", "itemprop"):
            key = m.get(attr)
            if key:
                out.setdefault(key.strip().lower(), []).append(content.strip())
    return out


def meta_first(meta: dict[str, list[str]], *keys: str) -> str | None:
    for key in keys:
        vals = meta.get(key)
        if vals:
            return " ".join(vals[0].split())
    return None


# ---------------------------------------------------------------------------------------------
# Authors

_ROLE_WORDS = {
    "writer", "reporter", "editor", "correspondent", "columnist", "contributor", "staff", "producer",
    "analyst", "journalist", "photographer", "bureau", "desk", "intern", "freelance", "freelancer",
    "author", "critic", "chief", "senior", "associate", "contributing", "special", "deputy",
    "managing", "news", "sports", "business", "politics", "political", "opinion", "guest",
    "anchor", "host", "photojournalist", "videographer", "reporters", "writers", "editors",
}
_NOT_NAMES = {
    "published", "updated", "by", "staff", "admin", "administrator", "editor", "editors", "posted",
    "advertisement", "sponsored", "news", "reporter", "staff writer", "staff reporter",
    "associated press", "the associated press", "ap", "reuters", "afp", "getty images", "upi",
    "wire", "news desk", "newsdesk", "web desk", "guest", "anonymous", "unknown", "team",
    "editorial", "editorial staff", "editorial board", "contributor", "correspondent", "more",
    "follow", "share", "email", "twitter", "facebook", "comments", "view comments", "read more",
    "see all", "about", "home", "menu", "bio", "profile", "author", "authors", "photo", "video",
    "opinion", "contact", "subscribe", "sign in", "login", "and", "with", "cnn", "bbc", "nbc",
    "abc", "cbs", "fox news", "npr", "bloomberg", "dpa", "ansa", "efe", "pti", "ians", "agencies",
}
_PREFIX = re.compile(
    r"^\s*(?:(?:written|reported|posted|words|text|story|interview|photos?|compiled|analysis|commentary)"
    r"\s+(?:by|from)\b|by|from|von|par|por|di|da|door|av|af|de|por:|by:|autor(?:in)?:?|author:?|auteur:?|"
    r"redaktion:?|text:?|texto:?|بقلم|كتب|作者[:：]?|记者|撰文)\s*[:：]?\s*",
    re.I,
)
_DATE_LIKE = re.compile(
    r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\b(?:19|20)\d{2}\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)"
    r"[a-z]*\.?\s+\d{1,2}\b|\b\d{1,2}:\d{2}\b|\b(?:am|pm|gmt|utc|est|edt|pst|pdt|cet|cest)\b|\b(?:updated|published|"
    r"posted|last modified)\b|\b(?:hours?|minutes?|days?) ago\b",
    re.I,
)
_SPLIT_AUTHORS = re.compile(
    r"\s*(?:;|\||\n|•|·|,?\s+and\s+|\s+&\s+|\s+und\s+|\s+et\s+|\s+y\s+|\s+e\s+|\s+و\s*|、|，|,)\s*")
# Words that make a byline part an organisation ("NJ Advance Media", "Tribune News Service").
_ORG_WORDS = re.compile(
    r"\b(?:media|news|press|magazine|times|herald|tribune|journal|network|group|inc|ltd|llc|gmbh|daily|"
    r"radio|tv|television|service|services|agency|wire|online|digital|newspaper|publishing|staff|team|"
    r"insider|gazette|chronicle|courier|observer|telegraph|dispatch|bulletin|weekly|monthly|"
    r"desk|editorial|redaktion|rédaction|redacción|\w+\.(?:com|net|org|de|fr|es|co\.uk))\b", re.I)
_NAME_OK = re.compile(r"^[^\W\d_][\w'’.\- ]*[\w.]$", re.U)


_CREDENTIALS = {"phd", "md", "ms", "msc", "ma", "ba", "bsc", "rd", "rdn", "mph", "cpt", "cscs", "dr", "jr", "sr",
                "mba", "llm", "cfa", "cpa", "esq", "rn", "np", "pharmd", "dds", "dvm", "facp", "ld", "cdn", "cde"}
_ROLE_HEADS = {
    "writer", "reporter", "editor", "correspondent", "columnist", "contributor", "producer", "analyst",
    "journalist", "photographer", "bureau", "desk", "intern", "freelancer", "critic", "anchor",
    "photojournalist", "videographer", "reporters", "writers", "editors", "contributors", "staffer",
}
# Words that qualify a role ("AP National Security Writer", "Senior White House Correspondent").
_ROLE_QUALIFIERS = {
    "auto", "national", "security", "political", "senior", "chief", "white", "house", "foreign", "science",
    "medical", "health", "tech", "technology", "economics", "economy", "business", "sports", "entertainment",
    "legal", "global", "international", "investigative", "data", "education", "environment", "environmental",
    "energy", "markets", "market", "travel", "food", "music", "film", "arts", "culture", "religion", "courts",
    "crime", "weather", "digital", "special", "associate", "assistant", "managing", "executive", "contributing",
    "staff", "deputy", "general", "assignment", "metro", "city", "state", "local", "world", "us", "u.s.",
    "capitol", "hill", "congressional", "diplomatic", "defense", "military", "justice", "breaking", "news",
    "video", "photo", "social", "media", "audience", "content", "features", "feature", "opinion", "and", "&",
    "the", "a", "an", "of", "for", "at", "on", "pro", "life", "style", "lifestyle", "fashion", "beauty",
}


def _strip_role(part: str) -> str:
    """'Tom Krisher AP Auto Writer' -> 'Tom Krisher'; 'AP National Security Writer' -> ''."""
    words = part.split()
    low = [w.lower().strip(".,:") for w in words]
    if any(w in {"staff", "reports", "wires", "agencies", "agency"} for w in low):
        return ""  # "Staff Reports", "Science X staff", "From wire reports": nobody in particular
    for i, wl in enumerate(low):
        if wl in _ROLE_HEADS and (i > 0 or len(words) == 1):
            j = i
            while j > 0 and (low[j - 1] in _ROLE_QUALIFIERS or low[j - 1] in _ROLE_WORDS
                             or (words[j - 1].isupper() and len(words[j - 1]) <= 5)):
                j -= 1
            return " ".join(words[:j])
        if wl in _ROLE_HEADS and i == 0:
            return ""  # "Editor Jane Doe" is rare; "Editor's note" and "Writer at large" are common
    return part


def _is_site(name: str, sites: list[str]) -> bool:
    key = re.sub(r"[\W_]+", "", name.lower())
    for site in sites:
        s = re.sub(r"[\W_]+", "", site.lower())
        if key and s and (key == s or (len(key) >= 4 and key in s) or (len(s) >= 4 and s in key)):
            return True
    return False


def clean_authors(raw: Iterable[str], site_name: str | None = None, hosts: Iterable[str] = ()) -> tuple[str, ...]:
    """Person names from byline strings: 'By' and roles removed, several authors split, junk dropped.

    ``site_name`` and ``hosts`` (the page's host names) name the outlet, which is never an author.
    The order of the input is kept; duplicates are dropped (case-insensitively).
    """
    sites = [x for x in [site_name or ""] + [h.lower().removeprefix("www.").rsplit(".", 1)[0] for h in hosts if h]
             if x.strip()]
    out: list[str] = []
    seen = set()
    for item in raw:
        if not isinstance(item, str) or not item.strip():
            continue
        item = re.sub(r"[ \t\r\f\v]+", " ", item).strip()
        if re.match(r"^https?://", item):
            # profile URLs (article:author): the last path segment is a name only if it looks like one
            slug = urlsplit(item).path.rstrip("/").rsplit("/", 1)[-1]
            item = slug.replace("-", " ").title() if re.fullmatch(r"[a-z]+(-[a-z]+){1,3}", slug or "") else ""
        item = _PREFIX.sub("", item)
        # "Name, Site Name" / "Name | Site" / "Name - Role" tails, and "(Reuters)" style credits
        item = re.sub(r"\s*\((?:[^)]{0,40})\)", "", item)
        for part in _SPLIT_AUTHORS.split(item):
            part = _PREFIX.sub("", part.strip())
            part = re.split(r"\s+[-–—]\s+|\s+(?:for|at|in)\s+(?:the\s+)?[A-Z]", part)[0]
            name = _strip_role(part).strip(" .,:;-–—·|@*\"'")
            cjk = bool(re.search(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]", name))
            if not name or len(name) < (2 if cjk else 3) or len(name) > 60:
                continue
            low = name.lower()
            if low in _NOT_NAMES or _is_site(name, sites):
                continue
            if _DATE_LIKE.search(name) or any(ch.isdigit() for ch in name) or "@" in name or "/" in name:
                continue
            if _ORG_WORDS.search(name):
                continue
            if not _NAME_OK.match(name):
                continue
            words = name.split()
            latin = all(ord(c) < 0x250 for c in name)
            if len(words) > 5 or (latin and not all(w[:1].isupper() or w.lower() in
                                                    {"de", "da", "van", "von", "der", "la", "le", "del", "al", "bin", "di", "du", "dos", "ten"}
                                                    for w in words)):
                continue
            if len(words) == 1 and (low in _ROLE_WORDS or low.replace(".", "") in _CREDENTIALS
                                    or (name.isupper() and len(name) <= 5)):
                continue  # a role, or a credential split off "Jane Doe, RDN"
            if name.isupper() and len(words) >= 2:
                name = name.title()
            if low not in seen:
                seen.add(low)
                out.append(name)
    return tuple(out)


_BYLINE_XPATHS = (
    '//*[@itemprop="author"]//*[@itemprop="name"]',
    '//*[@itemprop="author" and not(.//*[@itemprop="name"])]',
    '//a[contains(concat(" ", normalize-space(@rel), " "), " author ")]',
    '//*[contains(@class, "byline") or contains(@id, "byline") or contains(@class, "author-name") '
    'or contains(@class, "authorName") or contains(@class, "article-author") or contains(@class, "author__name") '
    'or contains(@class, "contributor-name") or @data-testid="byline" or contains(@class, "story-author")]',
    # links to an author page (used only when the page has few of them: not an author index)
    '//a[contains(@class, "author") or contains(@href, "/author/") or contains(@href, "/authors/") '
    'or contains(@href, "/autor/") or contains(@href, "/auteur/") or contains(@href, "/staff/")]',
)


def byline_candidates(tree) -> list[str]:
    """Byline strings from markup, from the most specific kind of element to the least."""
    for xp in _BYLINE_XPATHS:
        found = []
        for el in tree.xpath(xp)[:6]:
            if not isinstance(el.tag, str):
                continue
            text = el.get("content") or " ".join(el.text_content().split())
            if text and len(text) <= 150 and text not in found:
                found.append(text)
        if found and (xp is not _BYLINE_XPATHS[-1] or len(found) <= 3):
            return found
    return []


# ---------------------------------------------------------------------------------------------
# Dates

EARLIEST = datetime(1994, 1, 1, tzinfo=UTC)  # no news page on the web is older
_TZINFOS = {name: off * 3600 for name, off in {
    "UTC": 0, "GMT": 0, "Z": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6,
    "PST": -8, "PDT": -7, "BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "IST": 5.5, "JST": 9,
    "AEST": 10, "AEDT": 11, "MEZ": 1, "MESZ": 2,
}.items()}
_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?")


def normalize_date(value: str | None, now: datetime | None = None) -> str | None:
    """ISO 8601 (a date, or a datetime with its UTC offset when the source gave one), or None.

    None when the value cannot be read, lies in the future (more than a day ahead, for time
    zones) or before 1994, when there were no news sites.
    """
    if not value or not isinstance(value, str):
        return None
    value = " ".join(value.split())
    now = now or datetime.now(UTC)
    m = _ISO.match(value)
    if m:
        y, mo, d, hh, mi, ss, tz = m.groups()
        try:
            if hh is None:
                dt = datetime(int(y), int(mo), int(d), tzinfo=UTC)
                out = dt.date().isoformat()
            else:
                base = datetime(int(y), int(mo), int(d), int(hh), int(mi), int(ss or 0))
                if tz:
                    if tz == "Z":
                        tzs = "+00:00"
                    elif len(tz) == 3:
                        tzs = tz + ":00"
                    else:
                        tzs = tz if ":" in tz else f"{tz[:3]}:{tz[3:]}"
                    dt = datetime.fromisoformat(base.isoformat() + tzs)
                    out = dt.isoformat()
                else:
                    dt = base.replace(tzinfo=UTC)
                    out = base.isoformat()
        except ValueError:
            return None
    else:
        if re.fullmatch(r"\d{9,10}", value):  # epoch seconds
            try:
                dt = datetime.fromtimestamp(int(value), UTC)
            except (OverflowError, OSError, ValueError):
                return None
            out = dt.isoformat()
        else:
            if not re.search(r"\d", value) or len(value) > 60:
                return None
            from dateutil import parser as dateparser

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    parsed = dateparser.parse(value, fuzzy=True, tzinfos=_TZINFOS,
                                              default=datetime(1, 1, 1))
                except (ValueError, OverflowError, TypeError):
                    return None
            if parsed.year == 1:  # no year in the text: a day without a year is not a date we can trust
                return None
            has_time = bool(re.search(r"\d:\d", value))
            if parsed.tzinfo is not None and has_time:
                dt, out = parsed, parsed.isoformat()
            elif has_time:
                dt, out = parsed.replace(tzinfo=UTC), parsed.isoformat()
            else:
                dt = parsed.replace(tzinfo=UTC, hour=0, minute=0, second=0)
                out = parsed.date().isoformat()
    if dt < EARLIEST or dt.astimezone(UTC) > now.astimezone(UTC) + timedelta(days=1):
        return None
    return out


_URL_DATE = re.compile(r"/((?:199[4-9]|20\d{2}))[/-]?(0[1-9]|1[0-2])[/-]?(0[1-9]|[12]\d|3[01])(?:/|[-_]|\.html?|$)")


def date_from_url(url: str | None) -> str | None:
    """'/2019/11/19/' or '/20191119' in a URL path, as a date."""
    if not url:
        return None
    m = _URL_DATE.search(urlsplit(url).path)
    if not m:
        return None
    return normalize_date("-".join(m.groups()))


def time_tag_date(tree, prop: str = "datePublished") -> str | None:
    """<time datetime> marked as the publication (or modification) time, else the first one."""
    marked = tree.xpath(f'//time[@datetime][@itemprop="{prop}" or @pubdate or contains(@class, '
                        f'"{"published" if prop == "datePublished" else "updated"}")]/@datetime')
    if marked:
        return marked[0]
    if prop != "datePublished":
        return None
    # the first <time> of the article (not of a sidebar): inside <article>/<header> if there is one
    inside = tree.xpath('(//article//time[@datetime] | //header//time[@datetime])[1]/@datetime')
    if inside:
        return inside[0]
    any_ = tree.xpath('(//time[@datetime])[1]/@datetime')
    return any_[0] if any_ else None


_MONTHS = {}
for _i, _names_ in enumerate([
    "january jan januar janvier enero gennaio janeiro janv ene gen", "february feb februar février fevrier febrero febbraio fevereiro févr fevr",
    "march mar märz maerz mars marzo março mär", "april apr avril abril aprile avr abr",
    "may mai mayo maggio maio", "june jun juni juin junio giugno junho",
    "july jul juli juillet julio luglio julho juil lug", "august aug août aout agosto ago",
    "september sep sept septembre septiembre settembre setembro set", "october oct oktober octobre octubre ottobre outubro okt ott out",
    "november nov novembre noviembre novembro", "december dec dezember décembre decembre diciembre dicembre dezembro dez déc dic",
], start=1):
    for _n in _names_.split():
        _MONTHS[_n] = _i
_MONTH_RE = "|".join(sorted(map(re.escape, _MONTHS), key=len, reverse=True))
_VISIBLE_DATES = [
    # 2023年6月28日 / 2023-06-28 / 2023/06/28
    (re.compile(r"((?:19|20)\d{2})\s*[年/.-]\s*(\d{1,2})\s*[月/.-]\s*(\d{1,2})\s*日?"), "ymd"),
    # 12. März 2024 / 21 août 2023 / 6 de septiembre de 2022
    (re.compile(rf"\b(\d{{1,2}})(?:\.|er|st|nd|rd|th)?\s+(?:de\s+)?({_MONTH_RE})\.?,?\s+(?:de\s+)?((?:19|20)\d{{2}})\b", re.I), "dmy"),
    # November 18, 2019 / Nov. 18th 2019
    (re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+((?:19|20)\d{{2}})\b", re.I), "mdy"),
]
_DATE_CONTAINERS = (
    '//*[self::time or contains(@class, "date") or contains(@class, "time") or contains(@class, "byline") '
    'or contains(@class, "meta") or contains(@class, "info") or contains(@class, "posted") '
    'or contains(@class, "published") or contains(@id, "date")][not(self::html or self::body or self::meta)]'
)


_DATE_CUES = ('//text()[contains(., "ublish") or contains(., "ublié") or contains(., "ubliziert") '
              'or contains(., "eröffentlicht") or contains(., "ublicado") or contains(., "ubblicato") '
              'or contains(., "osted") or contains(., "发布") or contains(., "نشر")]/..')


def _date_in(text: str) -> str | None:
    for rx, order in _VISIBLE_DATES:
        m = rx.search(text)
        if not m:
            continue
        a, b, c = m.groups()
        if order == "ymd":
            y, mo, d = int(a), int(b), int(c)
        elif order == "dmy":
            y, mo, d = int(c), _MONTHS.get(b.lower().rstrip(".")), int(a)
        else:
            y, mo, d = int(c), _MONTHS.get(a.lower().rstrip(".")), int(b)
        if mo:
            iso = normalize_date(f"{y:04d}-{mo:02d}-{d:02d}")
            if iso:
                return iso
    return None


def visible_date(tree) -> str | None:
    """The first date printed in a date/byline/meta element near the top of the page.

    Understands numeric (2023-06-28, 2023年6月28日) and written dates in English, German,
    French, Spanish, Italian and Portuguese. Only short elements are read, so a date inside the
    story's text ("on 12 March 2003 ...") is not taken for the publication date.
    """
    # first: short texts that announce a publication ("publiziert am 30. Juli 2018")
    for xp in (_DATE_CUES, _DATE_CONTAINERS):
        for el in tree.xpath(xp)[:40]:
            if not isinstance(el.tag, str):
                continue
            text = " ".join(el.text_content().split())
            if text and len(text) <= 200:
                found = _date_in(text)
                if found:
                    return found
    return None


def htmldate_fallback(tree, url: str | None) -> str | None:
    """htmldate's markup heuristics, for pages that state their date nowhere standard."""
    from htmldate import find_date

    try:
        found = find_date(tree, extensive_search=False, original_date=True, url=url,
                          outputformat="%Y-%m-%d", min_date="1994-01-01")
    except (ValueError, TypeError) as e:  # htmldate raises these on odd markup; a missing date is fine
        log.debug("htmldate failed: %s", e)
        return None
    # htmldate turns a bare year (a copyright line) into YYYY-01-01: that is no publication date
    return None if found and found.endswith("-01-01") else found


# ---------------------------------------------------------------------------------------------
# Title, language

_TITLE_SEP = re.compile(r"\s+[-–—|:·•»/]\s+|\s*[|_]\s*")
_SECTION_PREFIXES = {
    "opinion", "analysis", "review", "exclusive", "breaking", "live", "watch", "video", "commentary",
    "editorial", "podcast", "letters", "perspective", "explainer", "interview", "update", "breaking news",
    "meinung", "kommentar", "tribune", "opinión", "análisis", "rezension", "chronique", "editorial",
}


def _same_site(part: str, site: str) -> bool:
    a = re.sub(r"[\W_]+", "", part.lower())
    b = re.sub(r"[\W_]+", "", site.lower())
    if not a or not b:
        return False
    return a == b or (len(a) >= 3 and (a in b or b in a)) or a.removeprefix("the") == b.removeprefix("the")


def clean_title(title: str | None, site_name: str | None, headline: str | None = None) -> str | None:
    """The headline without a ' - Site Name' suffix or 'Site | ' / 'Opinion | ' prefix."""
    if headline and len(headline.strip()) > 5 and not headline.rstrip().endswith(("...", "…")):
        title = headline
    if not title:
        return None
    title = " ".join(title.split())
    parts = _TITLE_SEP.split(title)
    if len(parts) > 1:
        seps = _TITLE_SEP.findall(title)
        # drop site-name parts at either end (possibly "Section | Site" at the end)
        while len(parts) > 1 and site_name and _same_site(parts[-1], site_name):
            parts.pop()
            seps.pop()
        while len(parts) > 1 and site_name and _same_site(parts[0], site_name):
            parts.pop(0)
            seps.pop(0)
        if len(parts) > 1 and parts[0].strip().lower() in _SECTION_PREFIXES:
            parts.pop(0)
            seps.pop(0)
        if len(parts) > 1 and not site_name and "|" in seps[-1] and len(parts[-1].split()) <= 4 \
                and len(" ".join(parts[:-1]).split()) >= 4:
            # "Headline of the story | Outlet" with an unknown outlet name
            parts.pop()
            seps.pop()
        title = parts[0] + "".join(s + p for s, p in zip(seps, parts[1:]))
    return title.strip() or None


def site_from_title(title: str | None) -> str | None:
    """'Story headline - Outlet' -> 'Outlet', when the tail is short enough to be a name."""
    if not title:
        return None
    parts = re.split(r"\s+[-–—|·»]\s+|\s*\|\s*", " ".join(title.split()))
    if len(parts) > 1 and 1 <= len(parts[-1].split()) <= 4 and len(parts[0].split()) >= 3:
        return parts[-1].strip() or None
    return None


def detect_language(text: str, declared: str | None = None) -> str | None:
    """ISO 639-1 code from the text (py3langid); the page's declared lang for very short texts."""
    sample = (text or "")[:700]
    if len(sample.strip()) >= 40:
        import py3langid

        lang, _score = py3langid.classify(sample)
        return lang
    if declared:
        return declared.split("-")[0].split("_")[0].lower()[:3] or None
    return None
