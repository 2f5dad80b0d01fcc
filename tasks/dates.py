"""Publication and modification dates: :func:`choose_published` and :func:`choose_modified`.

The publication date is the first of, in order: JSON-LD ``datePublished``, the publication meta
tags, a ``<time>`` marked as the publication time, JSON-LD ``dateCreated``, a date in the URL,
a date printed near the headline, and htmldate's heuristics. Then two corrections, both only
with evidence from the page itself:

* the day and time **as the page prints them** win over a machine timestamp of the same instant
  in another zone ("Nov 19, 2019, 10:31 pm CST" next to ``2019-11-20T04:31Z``): the printed
  local time is kept with the offset that makes it the same instant, a printed day alone is
  kept as the day;
* a date-only value takes the time of another statement of the same day ("the time is kept
  when the page gives it").

An element marked as the *modification* time (``itemprop=dateModified``, class ``updated``)
never gives the publication date by its machine-readable value, but its printed text often
starts with the publication date ("26/11/2017 23:40 | Actualizado a 27/11/2017 19:20").

Numeric dates are read day-first where the separator or the page's language says so (dotted
dates always; slashed dates except on English pages). Dates written out in words in any
language (`dateparser <https://dateparser.readthedocs.io>`_) are read in the page's language.
"""

from __future__ import annotations

import functools
import logging
import re
import warnings
from datetime import UTC, date, datetime, timedelta, timezone
from urllib.parse import urlsplit

from lxml import etree

from newsmill.tasks.metadata import Chosen, ParsedPage, meta_first

log = logging.getLogger(__name__)

__all__ = ["choose_published", "choose_modified", "normalize_date", "date_from_url", "time_tag_date",
           "visible_date", "printed_dates", "htmldate_fallback"]

EARLIEST = datetime(1994, 1, 1, tzinfo=UTC)  # no news page on the web is older
_TZINFOS = {name: off * 3600 for name, off in {
    "UTC": 0, "GMT": 0, "Z": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6,
    "PST": -8, "PDT": -7, "BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "IST": 5.5, "JST": 9,
    "AEST": 10, "AEDT": 11, "MEZ": 1, "MESZ": 2,
}.items()}
_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{1,2})(?:[.,]\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?")
# the words dateutil reads in a date (English month and weekday names, am/pm, zones, fillers)
_ENGLISH_DATE_WORDS = {
    *(m.lower() for m in ("January February March April May June July August September October November "
                          "December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec").split()),
    *(d.lower() for d in ("Monday Tuesday Wednesday Thursday Friday Saturday Sunday Mon Tue Tues Wed Thu "
                          "Thur Thurs Fri Sat Sun").split()),
    "am", "pm", "a", "p", "m", "at", "of", "on", "the", "t", "z", "st", "nd", "rd", "th", "utc", "gmt",
    *(k.lower() for k in _TZINFOS),
}
_NUMERIC_DMY = re.compile(r"^(\d{1,2})([./-])(\d{1,2})\2(\d{4})\b")


def dayfirst_for(lang: str | None) -> bool:
    """Whether slashed numeric dates on a page in ``lang`` are day-first (all but US English)."""
    lang = (lang or "").lower().replace("_", "-")
    return not (lang in ("", "en", "en-us") or lang.startswith("en-us"))


def normalize_date(value: str | None, now: datetime | None = None, dayfirst: bool | None = None,
                   lang: str | None = None) -> str | None:
    """ISO 8601 (a date, or a datetime with its UTC offset when the source gave one), or None.

    None when the value cannot be read, lies in the future (more than a day ahead, for time
    zones) or before 1994, when there were no news sites. ``dayfirst`` says how to read a slashed
    numeric date ("05/03/2019"); a dotted one ("05.03.2019") is always day-first. Words in other
    languages than English are read by dateparser (in ``lang`` first, when given).
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
    elif re.fullmatch(r"\d{9,10}", value):  # epoch seconds
        try:
            dt = datetime.fromtimestamp(int(value), UTC)
        except (OverflowError, OSError, ValueError):
            return None
        out = dt.isoformat()
    else:
        if not re.search(r"\d", value) or len(value) > 60:
            return None
        if any(w.lower() not in _ENGLISH_DATE_WORDS for w in re.findall(r"[^\W\d_]+", value)):
            # month or weekday names in another language or script ("07 أكتوبر 2020", "vendredi 3
            # septembre"): dateutil would skip the words it does not know and misread the numbers
            return _words_date(value, lang, now)
        from dateutil import parser as dateutil_parser

        numeric = _NUMERIC_DMY.match(value)
        if numeric:
            dayfirst = True if numeric.group(2) == "." else bool(dayfirst)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                parsed = dateutil_parser.parse(value, fuzzy=True, tzinfos=_TZINFOS, dayfirst=bool(dayfirst),
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
    try:
        m = _URL_DATE.search(urlsplit(url).path)
    except ValueError:  # an unparsable URL ("http://[::1") has no date in it
        return None
    if not m:
        return None
    return normalize_date("-".join(m.groups()))


def _marked_modified(time_el) -> bool:
    """@itemprop="dateModified" or a class with "updated", "modified" or "Updated" (case as written)."""
    cls = time_el.get("class") or ""
    return time_el.get("itemprop") == "dateModified" or "updated" in cls or "modified" in cls or "Updated" in cls


def time_tag_date(tree, prop: str = "datePublished") -> str | None:
    """<time datetime> marked as the publication (or modification) time, else the first one of the
    article that is not marked as the modification time."""
    # the <time datetime> elements of the whole document (found by tag: far cheaper than XPath's
    # //time[...] predicates, which copy each attribute to a string)
    times = [t for t in tree.getroottree().iter("time") if t.get("datetime") is not None]
    if prop != "datePublished":
        return next((t.get("datetime") for t in times if _marked_modified(t)), None)
    for t in times:
        if t.get("itemprop") == "datePublished" or t.get("pubdate") is not None \
                or "published" in (t.get("class") or ""):
            return t.get("datetime")
    unmarked = [t for t in times if not _marked_modified(t)]
    # the first <time> of the article (not of a sidebar): inside <article>/<header> if there is one
    for t in unmarked:
        if next(t.iterancestors("article", "header"), None) is not None:
            return t.get("datetime")
    return unmarked[0].get("datetime") if unmarked else None


# ---------------------------------------------------------------------------------------------
# dates printed in the page

# Numeric: 2023-06-28, 2023/06/28, 2023年6月28日 / 28.06.2023, 28/06/2023, 06/28/2023
_YMD = re.compile(r"((?:19|20)\d{2})\s*[年/.-]\s*(\d{1,2})\s*[月/.-]\s*(\d{1,2})(?!\d)\s*日?")
_NUM = re.compile(r"(?<![\d.])(\d{1,2})\s*([./-])\s*(\d{1,2})\s*\2\s*((?:19|20)\d{2})(?!\d)")
# Written out: a day, a word (the month) and a year in either order, with short linking words
# ("20 de agosto del 2018", "12. März 2024", "November 18th, 2019", "28 января 2020").
_WRITTEN = re.compile(
    r"(?<!\d)(?:\d{1,2}(?:\.|º|°|er|st|nd|rd|th)?\s+(?:[^\W\d_]{1,3}\s+)?[^\W\d_]{3,12}\.?,?\s+(?:[^\W\d_]{1,3}\s+)?"
    r"|[^\W\d_]{3,12}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+)(?:19|20)\d{2}(?!\d)")
_CLOCK = re.compile(r"(?<![\d:])(\d{1,2})[:.h](\d{2})(?![\d:])\s*(a\.?\s?m\.?|p\.?\s?m\.?)?", re.I)
# Words that announce the *update* date ("Actualizado a 27/11/2017", "Updated Nov 20").
_UPDATE_CUE = re.compile(
    r"(?:updated|update|modified|last modified|aktualisiert|geändert|stand|actualizado|actualización|"
    r"mis à jour|modifié|aggiornato|atualizado|atualização|bijgewerkt|uppdaterad|opdateret|päivitetty|"
    r"обновлено|更新)\W{0,3}(?:\w+\W+){0,3}$", re.I)

# Where a date is printed (as XPath, for reference; the two functions below find the same
# elements in one walk of the tree each: libxml2 copies the attribute or text to a new string for
# every contains(), a dozen times per element, which cost ~5 ms a page):
#   date-like elements: .//*[self::time or contains(@class, "date") or contains(@class, "Date")
#       or contains(@class, "time") or contains(@class, "byline") or contains(@class, "meta")
#       or contains(@class, "info") or contains(@class, "posted") or contains(@class, "published")
#       or contains(@id, "date") or contains(@class, "fecha") or contains(@class, "datum")
#       or contains(@class, "data")][not(self::html or self::body or self::meta or self::script
#       or self::article or self::main)]
#   elements whose text announces publication: .//text()[contains(., "ublish") or contains(., "ublié")
#       or contains(., "ubliziert") or contains(., "eröffentlicht") or contains(., "ublicado")
#       or contains(., "ubblicato") or contains(., "osted") or contains(., "发布") or contains(., "نشر")]/..
_DATE_CLASS = re.compile("date|Date|time|byline|meta|info|posted|published|fecha|datum|data")
_NOT_DATE_CONTAINERS = frozenset(("html", "body", "meta", "script", "article", "main"))
_DATE_CUE = re.compile("ublish|ublié|ubliziert|eröffentlicht|ublicado|ubblicato|osted|发布|نشر")


def _date_containers(root) -> list:
    """Date-like elements under ``root`` (not ``root`` itself), in document order."""
    out = []
    for el in root.iterdescendants():
        tag = el.tag
        if not isinstance(tag, str) or tag in _NOT_DATE_CONTAINERS:
            continue
        if tag == "time":
            out.append(el)
            continue
        c, i = el.get("class"), el.get("id")
        if (c and _DATE_CLASS.search(c)) or (i and "date" in i):
            out.append(el)
    return out


def _date_cue_parents(root) -> list:
    """Elements in ``root`` (``root`` too) holding a text node with a publication cue, in document order."""
    position = {root: -1}
    found = set()
    if root.text and _DATE_CUE.search(root.text):
        found.add(root)
    for i, node in enumerate(root.iterdescendants()):
        position[node] = i
        if isinstance(node.tag, str) and node.text and _DATE_CUE.search(node.text):
            found.add(node)
        if node.tail and _DATE_CUE.search(node.tail):  # a text node of the parent, after this child
            found.add(node.getparent())
    return sorted(found, key=position.__getitem__)


_DATE_CUE_FINDER = _date_cue_parents
_DATE_CONTAINER_FINDER = _date_containers
_dateparser_cache: dict = {}
_LETTERS = re.compile(r"[^\W\d_]+")
# dateparser reads Arabic and Persian text with either language's yeh and kaf (its letter variants)
_LETTER_VARIANTS = str.maketrans("یک", "يك")


def _vocab_key(text: str) -> str:
    from dateparser.utils import normalize_unicode

    return normalize_unicode(text.lower()).lower().translate(_LETTER_VARIANTS)


class _DateVocabulary:
    """Every word each of dateparser's languages reads in a date, from dateparser's own data
    (month and day names, relative words, fillers, even the words inside its regex patterns:
    a looser net is still a superset). Built once per process in ~0.2 s from the language data
    alone, none of dateparser's regexes."""

    def __init__(self) -> None:
        from dateparser.languages.loader import default_loader
        from dateparser.timezones import timezone_info_list

        def strings(value):
            if isinstance(value, str):
                yield value
            elif isinstance(value, dict):
                for k, v in value.items():
                    yield from strings(k)
                    yield from strings(v)
            elif isinstance(value, (list, tuple)):
                for v in value:
                    yield from strings(v)

        self.order: list[str] = []  # dateparser's own order of languages (most used first)
        self.words: dict[str, frozenset[str]] = {}
        index: dict[str, set[str]] = {}
        for locale in default_loader.get_locales(languages=None):  # the locales `languages=None` tries
            words = {w for key, value in locale.info.items() if key != "name"
                     for s in strings(value) for w in _LETTERS.findall(_vocab_key(s))}
            self.order.append(locale.shortname)
            self.words[locale.shortname] = frozenset(words)
            for w in words:
                index.setdefault(w, set()).add(locale.shortname)
        self.index = {w: frozenset(langs) for w, langs in index.items()}
        self.longest = max(map(len, self.index))
        self.zones = frozenset(w for info in timezone_info_list for name, _ in info["timezones"]
                               for w in _LETTERS.findall(_vocab_key(name)))

    def languages_of(self, run: str) -> set[str]:
        """Languages in which a letter run is one word, or several written together (CJK and
        Thai dates have no spaces: "2019年十一月")."""
        found = set(self.index.get(run, ()))
        starts = set().union(*(self.index.get(run[:k], ()) for k in range(1, min(len(run), self.longest) + 1)))
        for lang in starts - found:
            words = self.words[lang]
            ok = [True] + [False] * len(run)
            for end in range(1, len(run) + 1):
                ok[end] = any(ok[start] and run[start:end] in words
                              for start in range(max(0, end - self.longest), end))
            if ok[-1]:
                found.add(lang)
        return found


@functools.cache
def _date_vocabulary() -> _DateVocabulary:
    return _DateVocabulary()


@functools.lru_cache(maxsize=4096)
def _date_languages(text: str) -> tuple[str, ...]:
    vocab = _date_vocabulary()
    langs: set[str] | None = None
    for run in dict.fromkeys(_LETTERS.findall(_vocab_key(text))):
        if run in vocab.zones:
            continue
        langs = vocab.languages_of(run) if langs is None else langs & vocab.languages_of(run)
        if not langs:
            return ()
    return tuple(vocab.order if langs is None else (lang for lang in vocab.order if lang in langs))


def date_languages(text: str) -> list[str]:
    """The dateparser languages that know every word of ``text`` (in dateparser's order).

    dateparser without ``languages`` tries each of its ~200 languages and builds every one's
    regexes on first use (seconds per process); a language can read a date only if its
    dictionary holds each word the date contains (dateparser's own applicability test splits
    the text into its dictionary's words), so this is a superset of the languages dateparser
    would find applicable, computed from dateparser's data without its regexes. Time-zone
    names, which dateparser strips first, count as known to every language. ``[]`` when no
    language knows all the words (a URL, a sentence): dateparser would read nothing either.
    """
    return list(_date_languages(text))


def _dateparser(text: str, lang: str | None, settings: dict, key: str):
    """dateparser's reading of ``text`` (a naive datetime) or None: in the page's language
    first, then in the languages whose words the text is written in (:func:`date_languages`).
    Memoised per process by (text, lang, settings)."""
    ck = (text, lang, key)
    if ck in _dateparser_cache:
        return _dateparser_cache[ck]
    import dateparser

    candidates = date_languages(text)
    page_lang = lang.split("-")[0].lower() if lang else None
    attempts = ([[page_lang]] if page_lang in candidates else []) + \
        ([[c for c in candidates if c != page_lang]] if len(candidates) > (page_lang in candidates) else [])
    got = None
    for languages in attempts:
        try:
            got = dateparser.parse(text, languages=languages, settings=settings)
        except (ValueError, TypeError, OverflowError, KeyError):  # odd text dateparser chokes on
            got = None
        if got:
            break
    if len(_dateparser_cache) > 10_000:
        _dateparser_cache.clear()
    _dateparser_cache[ck] = got
    return got


_WRITTEN_SETTINGS = {"REQUIRE_PARTS": ["day", "month", "year"], "PREFER_DAY_OF_MONTH": "first",
                     "RETURN_AS_TIMEZONE_AWARE": False}
_WORDS_SETTINGS = {"REQUIRE_PARTS": ["day", "month", "year"], "RETURN_AS_TIMEZONE_AWARE": False}


def _written_date(text: str, lang: str | None) -> date | None:
    """A date written out in words, read by dateparser in the page's language (then any)."""
    got = _dateparser(text, lang, _WRITTEN_SETTINGS, "written")
    return got.date() if got else None


def _words_date(value: str, lang: str | None, now: datetime) -> str | None:
    got = _dateparser(value, lang, _WORDS_SETTINGS, "words")
    if not got:
        return None
    has_time = bool(re.search(r"\d[:h.]\d\d", value))
    dt = got.replace(tzinfo=UTC)
    if dt < EARLIEST or dt > now.astimezone(UTC) + timedelta(days=1):
        return None
    return got.replace(microsecond=0).isoformat() if has_time else got.date().isoformat()


def printed_dates(text: str, lang: str | None = None) -> list[tuple[date, tuple[int, int] | None, int]]:
    """Dates printed in a short text: (day, (hour, minute) or None, position), in text order.

    Dates announced as updates ("Actualizado a 27/11/2017") are left out.
    """
    found: list[tuple[int, int, date]] = []
    dayfirst = dayfirst_for(lang)
    for m in _YMD.finditer(text):
        try:
            found.append((m.start(), m.end(), date(int(m.group(1)), int(m.group(2)), int(m.group(3)))))
        except ValueError:
            pass
    for m in _NUM.finditer(text):
        a, sep, b, y = int(m.group(1)), m.group(2), int(m.group(3)), int(m.group(4))
        d, mo = (a, b) if (sep == "." or dayfirst or b > 12) and a <= 31 else (b, a)
        try:
            found.append((m.start(), m.end(), date(y, mo, d)))
        except ValueError:
            pass
    if not found or len(text) > 40:
        for m in _WRITTEN.finditer(text):
            if any(s <= m.start() < e for s, e, _ in found):
                continue
            got = _written_date(m.group(0), lang)
            if got:
                found.append((m.start(), m.end(), got))
    out = []
    for start, end, day in sorted(found, key=lambda f: f[0]):
        if _UPDATE_CUE.search(text[max(0, start - 40):start]):
            continue
        if not (EARLIEST.date() <= day <= (datetime.now(UTC) + timedelta(days=1)).date()):
            continue
        clock = None
        c = _CLOCK.search(text[end:end + 25]) or _CLOCK.search(text[max(0, start - 25):start])
        if c:
            h, mi = int(c.group(1)), int(c.group(2))
            ampm = (c.group(3) or "").lower().replace(".", "").replace(" ", "")
            h = h % 12 + (12 if ampm == "pm" else 0) if ampm else h
            if h < 24 and mi < 60:
                clock = (h, mi)
        out.append((day, clock, start))
    return out


def _printed_in(root, lang: str | None, limit: int = 40, finders=None):
    """(day, clock, element text) for the first dates printed in short date-like elements of ``root``."""
    seen = set()
    for finder in finders or (_DATE_CUE_FINDER, _DATE_CONTAINER_FINDER):
        for el in finder(root)[:limit]:
            if not isinstance(el.tag, str) or el in seen:
                continue
            seen.add(el)
            text = " ".join(" ".join(el.itertext()).split())
            if text and len(text) <= 200:
                for day, clock, _ in printed_dates(text, lang)[:1]:
                    yield day, clock, text


def visible_date(tree, lang: str | None = None) -> str | None:
    """The first date printed in a date/byline/meta element (ISO date), or None.

    Only short elements are read, so a date inside the story's text ("on 12 March 2003 ...") is
    not taken for the publication date.
    """
    for day, _clock, _text in _printed_in(tree, lang):
        return day.isoformat()
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
# choosers

_PUBLISHED_META = ("article:published_time", "article:published", "og:published_time", "datepublished", "pubdate", "publishdate",
                   "publish-date", "parsely-pub-date", "sailthru.date", "dc.date.issued", "dcterms.created",
                   "dc.date", "date", "article.published", "cxenseparse:recs:publishtime", "citation_publication_date")
_MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "last-modified", "dcterms.modified")
_PUB_KEY = re.compile(r"publish(?!er)|pub_?date|original|created|issued|sailthru\.date|^date$|^dc\.date$")


_DATEISH = re.compile(r"date|time|byline|meta|info|posted|publish|fecha|datum|data|stamp", re.I)


# XPath's following::*[position() <= n] and preceding::*[position() <= n] (the n nearest elements
# before, in document order), walked from the element outwards: libxml2 builds the whole axis,
# most of the page, before it keeps the first n.
def _following(el, n: int = 80) -> list:
    out: list = []
    node = el
    while node is not None:
        for sib in node.itersiblings():
            for d in sib.iter():
                if isinstance(d.tag, str):
                    out.append(d)
                    if len(out) >= n:
                        return out
        node = node.getparent()
    return out


def _preceding(el, n: int = 15) -> list:
    out: list = []  # nearest first
    node = el
    while node is not None:
        for sib in node.itersiblings(preceding=True):
            for d in reversed(list(sib.iter())):
                if isinstance(d.tag, str):
                    out.append(d)
                    if len(out) >= n:
                        return out[::-1]
        node = node.getparent()
    return out[::-1]
_MODIFIED_CLASS = re.compile(r"updated|modified", re.I)


_ZONE = re.compile(r"\b(" + "|".join(sorted(_TZINFOS, key=len, reverse=True)) + r")\b")


def _printed_iso(day: date, clock: tuple[int, int] | None, text: str) -> str:
    """A printed date as ISO 8601: the day, with the time when printed, with its zone when named."""
    if clock is None:
        return day.isoformat()
    dt = datetime.combine(day, datetime.min.time()).replace(hour=clock[0], minute=clock[1])
    zone = _ZONE.search(text)
    if zone:
        dt = dt.replace(tzinfo=timezone(timedelta(seconds=_TZINFOS[zone.group(1)])))
    return dt.isoformat()


def _inside(el, ancestor) -> bool:
    node = el
    while node is not None:
        if node is ancestor:
            return True
        node = node.getparent()
    return False


def _printed_near_headline(page: ParsedPage, loose: bool = False):
    """(day, clock, text) of the first dates printed in date-like elements right after the headline
    (``loose``: also in the first short elements after it, whatever their class)."""
    h1 = page.headline_element
    if h1 is None:
        if page.scope is not None:
            yield from _printed_in(page.scope, page.lang, limit=12)
        return
    following = _following(h1)
    first = set(following[:4]) if loose else set()
    # before the headline only inside the article (not the site header's "today" date)
    scope = page.scope
    preceding = [el for el in _preceding(h1) if scope is not None and _inside(el, scope)]
    for el in [*following, *preceding]:
        if not isinstance(el.tag, str):
            continue
        marks = f'{el.get("class") or ""} {el.get("id") or ""}'
        if el.tag != "time" and not _DATEISH.search(marks) and el not in first:
            continue
        if _MODIFIED_CLASS.search(marks) or el.get("itemprop") == "dateModified":
            continue  # the update's date, printed next to the publication's
        text = " ".join(" ".join(el.itertext()).split())
        if text and len(text) <= 200:
            for day, clock, _ in printed_dates(text, page.lang)[:1]:
                yield day, clock, text


def _as_local(published: str, page: ParsedPage) -> str:
    """``published`` as the page states it locally, when the page prints the same instant in its zone."""
    if "T" not in published:
        return published
    inst = datetime.fromisoformat(published)
    if inst.tzinfo is None:
        return published
    wall = inst.replace(tzinfo=None)  # the wall clock the timestamp claims
    # other machine-readable statements of the same instant with a real offset, or without one
    for raw in [v for k, vals in page.meta.items() if _PUB_KEY.search(k) for v in vals] \
            + page.tree.xpath("//time/@datetime")[:5]:
        iso = normalize_date(raw)
        if not iso or "T" not in iso:
            continue
        dt = datetime.fromisoformat(iso)
        if dt.tzinfo is not None:
            if inst.utcoffset() == timedelta(0) and dt.utcoffset() and abs((dt - inst).total_seconds()) < 60:
                return iso  # the same instant with a real offset
            continue
        if inst.utcoffset() == timedelta(0):
            diff = (dt - wall).total_seconds()
            hours = round(diff / 3600 * 4) / 4  # offsets come in quarter hours
            if hours and -12 <= hours <= 14 and abs(diff - hours * 3600) < 60 \
                    and (dt.second == inst.second or dt.second == 0):
                return dt.replace(tzinfo=timezone(timedelta(hours=hours))).isoformat()
    # the date printed next to the headline
    for day, clock, _text in _printed_near_headline(page):
        if day == inst.date():
            return published
        utc = inst.astimezone(UTC)
        if clock is not None:
            printed = datetime.combine(day, datetime.min.time()).replace(hour=clock[0], minute=clock[1])
            # the printed clock is the instant in some zone; or the timestamp's wall clock is UTC
            # mislabelled with a local offset: take the smaller shift
            diffs = [(printed - base.replace(second=0, microsecond=0)).total_seconds()
                     for base in (utc.replace(tzinfo=None), wall)]
            diffs = [d for d in diffs if -12 * 3600 <= d <= 14 * 3600 and d % 900 == 0]
            if diffs:
                off = timezone(timedelta(seconds=min(diffs, key=abs)))
                return printed.replace(second=inst.second, tzinfo=off).isoformat()
            return published
        # a printed day alone overrides only a UTC timestamp: one with a real offset is local already
        local_days = {(utc + timedelta(hours=h)).date() for h in (-12, 14)}
        if inst.utcoffset() == timedelta(0) and min(local_days) <= day <= max(local_days):
            return day.isoformat()
        return published
    return published


def _with_time(published: str, candidates: list[str]) -> str:
    """A date-only value with the time another statement of the same day gives."""
    if "T" in published:
        return published
    for c in candidates:
        if c and "T" in c and c[:10] == published and datetime.fromisoformat(c).tzinfo is not None:
            return c
    for c in candidates:  # a printed local time without a named zone is still the time given
        if c and "T" in c and c[:10] == published:
            return c
    return published


def choose_published(page: ParsedPage, htmldate: bool = True) -> Chosen:
    """The publication date (ISO 8601) and where it was found."""
    ld, meta, tree = page.ld, page.meta, page.tree
    dayfirst = dayfirst_for(page.lang)

    memo: dict = {}

    def time_tag():
        if "time" not in memo:
            memo["time"] = time_tag_date(tree)
        return memo["time"]

    def printed():
        for finder in (_DATE_CUE_FINDER, None, _DATE_CONTAINER_FINDER):
            found = _printed_near_headline(page, loose=True) if finder is None else \
                _printed_in(tree, page.lang, finders=(finder,))
            for day, clock, text in found:
                return _printed_iso(day, clock, text)
        return None

    sources = (
        ("json-ld datePublished", lambda: ld.get("datePublished")),
        ("meta", lambda: meta_first(meta, *_PUBLISHED_META)),
        ("<time>", time_tag),
        ("json-ld dateCreated", lambda: ld.get("dateCreated")),
        ("url", lambda: date_from_url(page.url)),
        ("printed date", printed),
        ("htmldate", lambda: htmldate_fallback(tree, page.url) if htmldate else None),
    )
    seen: list[str] = []
    for evidence, source in sources:
        raw = source()
        value = normalize_date(raw if isinstance(raw, str) else None, dayfirst=dayfirst, lang=page.lang)
        if not value:
            continue
        if "T" not in value:
            # the same day with its time, from the other machine-readable statements
            others = [normalize_date(v, dayfirst=dayfirst) for v in
                      [ld.get("datePublished"), meta_first(meta, *_PUBLISHED_META), time_tag()]
                      if isinstance(v, str)]
            if evidence != "printed date":
                others.append(printed())  # the date line under the headline ("Published 11:34 PM EST Nov 19")
            value = _with_time(value, [o for o in others if o])
        local = _as_local(value, page)
        if local != value:
            return Chosen(local, f"{evidence}, as printed on the page")
        return Chosen(value, evidence)
    return Chosen(None, "none")


def _before(a: str, b: str) -> bool:
    """Whether ISO date/datetime ``a`` lies before ``b`` (by instant when both carry an offset)."""
    da, db = datetime.fromisoformat(a), datetime.fromisoformat(b)
    if (da.tzinfo is None) != (db.tzinfo is None) or "T" not in a or "T" not in b:
        return a[:10] < b[:10]
    return da < db


def choose_modified(page: ParsedPage, published: str | None) -> Chosen:
    """The last modification date (ISO 8601), or None; never before ``published``."""
    dayfirst = dayfirst_for(page.lang)
    for evidence, raw in (("json-ld dateModified", page.ld.get("dateModified")),
                          ("meta", meta_first(page.meta, *_MODIFIED_META)),
                          ("<time> marked modified", time_tag_date(page.tree, "dateModified"))):
        value = normalize_date(raw if isinstance(raw, str) else None, dayfirst=dayfirst)
        if value:
            if published and _before(value, published):
                return Chosen(None, f"{evidence} lies before publication: a template default")
            return Chosen(value, evidence)
    return Chosen(None, "none")
