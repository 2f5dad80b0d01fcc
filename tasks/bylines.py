"""Authors: who wrote the article, from structured data, author meta tags or the visible byline.

:func:`choose_authors` is the one place that decides the ``authors`` field. It tries, in order,

1. the JSON-LD ``author`` (persons; an ``Organization`` is never an author),
2. the author meta tags (``author``, ``article:author``, ``byl``, ``parsely-author``, ...),
3. the visible byline: first inside the article (the block around the headline), then in the
   rest of the page outside sidebars, rivers, teasers and footers,

and takes the first source that yields at least one person name after :func:`clean_authors`.

:func:`clean_authors` turns byline strings into person names: a leading "By"/"Von"/"Par"/...
(a whole word only: "David", "Byron" and "Dana" keep their first letters), a date, a social
handle, a role ("AP National Security Writer") or a wire-agency credit after the name are cut
off; several names are split; organisations, roles, section names and the outlet itself are
refused; a byline printed in capitals is put in name case. Particles, credentials and job
titles come from `nameparser <https://github.com/derek73/python-nameparser>`_'s lists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

from nameparser import HumanName
from nameparser.config import CONSTANTS as _NAME_CONSTANTS

from newsmill.tasks.metadata import Chosen, ParsedPage, jsonld_types, meta_values

__all__ = ["choose_authors", "clean_authors", "byline_candidates", "person_names"]

# Particles that stay lower-case inside a name ("Ursula von der Leyen", "Maria de la Cruz").
_PARTICLES = frozenset(p.rstrip("-'’") for p in _NAME_CONSTANTS.prefixes) | {"bin", "ibn", "ten", "y"}
# Job titles and honorifics ("Editor", "Correspondent", "Senior"): a byline made of these is a role.
_TITLES = frozenset(_NAME_CONSTANTS.titles)
# Degrees and generational suffixes split off "Jane Doe, RDN" / "John Roe, Jr."
_CREDENTIALS = frozenset(_NAME_CONSTANTS.suffix_acronyms) | frozenset(_NAME_CONSTANTS.suffix_not_acronyms)

_NOT_NAMES = {
    "published", "updated", "by", "staff", "admin", "administrator", "editor", "editors", "posted",
    "advertisement", "sponsored", "news", "reporter", "staff writer", "staff reporter",
    "associated press", "the associated press", "ap", "reuters", "afp", "getty images", "upi",
    "wire", "news desk", "newsdesk", "web desk", "guest", "anonymous", "unknown", "team",
    "editorial", "editorial staff", "editorial board", "contributor", "correspondent", "more",
    "follow", "share", "email", "twitter", "facebook", "comments", "view comments", "read more",
    "see all", "about", "home", "menu", "bio", "profile", "author", "authors", "photo", "video",
    "opinion", "contact", "subscribe", "sign in", "login", "and", "with", "agencies", "redacción",
    "redaktion", "rédaction", "redazione", "redação", "agencias", "agenturen",
}
# Wire agencies: credited after a name ("Tom Davies Associated Press") or alone. A short,
# documented list (the members of the news-agency world): no person is named like these.
_AGENCIES = re.compile(
    r"(?:the\s+)?(?:associated press|ap|reuters|afp|agence france-presse|dpa|pti|ians|ani|upi|efe|ansa|"
    r"kyodo|xinhua|bloomberg|tass|ria novosti|anadolu|yonhap|apa|sda|epa|kna|aap|cp|canadian press)",
    re.I)
# Words naming an organisation rather than a person ("NJ Advance Media", "Southern Cross
# Broadcasting Corporation", "Tribune News Service").
_ORG_WORDS = re.compile(
    r"\b(?:media|news|press|magazine|times|herald|tribune|journal|network|group|inc|ltd|llc|gmbh|daily|"
    r"radio|tv|television|broadcasting|broadcaster|corporation|corp|company|co|service|services|agency|wire|"
    r"online|digital|newspaper|publishing|publications?|staff|team|insider|gazette|chronicle|courier|observer|"
    r"telegraph|dispatch|bulletin|weekly|monthly|desk|editorial|redaktion|rédaction|redacción|redazione|"
    r"association|foundation|institute|university|ministry|department|council|committee|agencia|agentur|"
    r"\w+\.(?:com|net|org|de|fr|es|co\.uk))\b", re.I)
# Words that head a role ("... Writer", "Editor-at-large") and the words that qualify one.
_ROLE_HEADS = {
    "writer", "reporter", "editor", "correspondent", "columnist", "contributor", "producer", "analyst",
    "journalist", "photographer", "bureau", "desk", "intern", "freelancer", "critic", "anchor",
    "photojournalist", "videographer", "reporters", "writers", "editors", "contributors", "staffer",
    "redakteur", "redakteurin", "korrespondent", "korrespondentin", "periodista", "corresponsal",
    "journaliste", "rédacteur", "giornalista", "jornalista",
}
# Words that qualify a role ("AP National Security Writer", "Senior White House Correspondent").
_ROLE_QUALIFIERS = {
    "auto", "national", "security", "foreign", "medical", "legal", "global", "international", "investigative",
    "data", "education", "environment", "environmental", "energy", "market", "food", "music", "film", "arts",
    "religion", "courts", "crime", "assignment", "state", "city", "us", "u.s.", "capitol", "hill", "congressional",
    "diplomatic", "defense", "military", "justice", "social", "audience", "content", "feature", "the", "a", "an",
    "of", "for", "at", "on", "pro", "style", "fashion", "beauty", "white", "house", "economics", "staff",
}
_SECTION_WORDS = {
    "news", "sports", "sport", "business", "politics", "political", "opinion", "world", "local", "metro",
    "entertainment", "lifestyle", "culture", "science", "tech", "technology", "health", "travel", "weather",
    "economy", "markets", "video", "photos", "live", "breaking", "latest", "home", "features",
}
_PREFIX_WORDS = (r"by|from|von|par|por|di|da|door|av|af|de|do|od|ot|от|автор|text|texto|autor(?:in)?|author|"
                 r"auteur|redaktion|reportage|bron|fuente|fonte|quelle|بقلم|كتب|作者|记者|撰文|文")
# "By", "Von", "Par", ... as whole words (never the "Da" of "Dana"), optionally after one verb
# ("Written by", "erstellt von", "publié par", "escrito por").
_PREFIX = re.compile(
    rf"^\s*(?:(?:[^\W\d_]+\s+)?(?:{_PREFIX_WORDS})(?:\s*[:：]\s*|\s+|$)|(?:{_PREFIX_WORDS})\s*[:：]?\s*(?=[^\w\s]|$))",
    re.I)
_BYLINE_VERBS = re.compile(
    r"^(?:written|reported|posted|words|text|story|interview|photos?|compiled|analysis|commentary|erstellt|"
    r"geschrieben|verfasst|publié|écrit|escrito|publicado|scritto|pubblicato|redigido|escrita|texte|"
    r"reportaje|report|von|by)$", re.I)
_DATE_CUT = re.compile(
    r"\d|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d|\b(?:am|pm|gmt|utc)\b|"
    r"\b(?:updated|published|posted|last modified|modified|aktualisiert|veröffentlicht|publiziert|stand|"
    r"publicado|actualizado|publié|mis à jour|pubblicato|aggiornato|atualizado|hace|il y a|vor)\b|"
    r"\b(?:hours?|minutes?|days?|weeks?) ago\b|\b(?:today|yesterday|heute|gestern|hoy|ayer|aujourd'hui|hier)\b|"
    r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|\b(?:montag|dienstag|mittwoch|donnerstag|freitag|samstag|"
    r"sonntag|lunes|martes|miércoles|jueves|viernes|sábado|domingo|lundi|mardi|mercredi|jeudi|vendredi|samedi|"
    r"dimanche)\b",
    re.I)
_SPLIT_AUTHORS = re.compile(
    r"\s*(?:;|\||\n|•|·|,?\s+and\s+|\s+&\s+|\s+und\s+|\s+et\s+|\s+y\s+|\s+e\s+|\s+i\s+|\s+и\s+|\s+و\s*|、|，|,)\s*")
_HANDLE = re.compile(r"(?:^|\s)@[\w.]+|\S+@\S+\.\w+|https?://\S+")
_NAME_OK = re.compile(r"^[^\W\d_][\w'’.\-\"“”‘ ]*[\w.\"”’]$", re.U)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def _is_site(name: str, sites: list[str]) -> bool:
    key = re.sub(r"[\W_]+", "", name.lower())
    for site in sites:
        s = re.sub(r"[\W_]+", "", site.lower())
        if key and s and (key == s or (len(key) >= 4 and key in s) or (len(s) >= 4 and s in key)):
            return True
    return False


def _strip_prefix(part: str) -> str:
    m = _PREFIX.match(part)
    if not m:
        return part
    words = m.group(0).split()
    # "Maria de la Cruz": a particle in the middle of a name is not a prefix; only a first word that
    # is itself a prefix or a byline verb ("Written by", "erstellt von") starts one
    if len(words) >= 2 and not _BYLINE_VERBS.match(words[0].rstrip(":：")):
        return part
    return part[m.end():]


def _cut_role(words: list[str]) -> list[str]:
    """'Tom Krisher AP Auto Writer' -> Tom Krisher; 'AP National Security Writer' -> []."""
    low = [re.split(r"[-–]", w.lower().strip(".,:"))[0] for w in words]
    for i, wl in enumerate(low):
        if wl in _ROLE_HEADS:
            if i == 0:
                return []  # "Editor's note", "Writer at large", "Correspondent in Kyiv"
            j = i
            while j > 0 and (low[j - 1] in _TITLES or low[j - 1] in _SECTION_WORDS or low[j - 1] in _ROLE_QUALIFIERS
                             or low[j - 1] in {"and", "&"}
                             or (words[j - 1].isupper() and 1 < len(words[j - 1]) <= 5)):
                j -= 1
            return words[:j]
    return words


def _name_case(name: str) -> str:
    """'JACOBO BETANCUR PELÁEZ' -> 'Jacobo Betancur Peláez' (particles lower-case, Mc/Mac kept)."""
    hn = HumanName(name.title())
    hn.capitalize(force=True)
    out = str(hn)
    return out if len(out.split()) == len(name.split()) else name.title()


def _person(part: str, sites: list[str]) -> str | None:
    """One byline part as a person's name, or None when it is no person."""
    part = _HANDLE.sub(" ", part)
    part = re.sub(r"\s*\([^)]{0,40}\)", "", part)
    part = _strip_prefix(" ".join(part.split()))
    for site in sites:  # the outlet credited after the name ("Elliot Brown Florida Today Published ...")
        at = f" {part.lower()} ".find(f" {site.lower()} ") if len(site) >= 4 else -1
        if at > 0 and len(part[:at - 1].split()) >= 2:
            part = part[:at - 1]
            break
    m = _DATE_CUT.search(part)
    if m:
        part = part[:m.start()]
    part = re.split(r"\s+[-–—]\s+|\s+(?:for|at|in|für|para|pour|per)\s+(?:the\s+)?[A-Z]", part)[0]
    part = part.strip(" .,:;-–—·|@*/")
    if part.lower() in _NOT_NAMES or _AGENCIES.fullmatch(part) or re.search(r"\b(?:staff|reports|wires)\b", part, re.I):
        return None  # an agency alone; "Staff Reports", "Science X staff": nobody in particular
    words = part.split()
    # a wire agency credited after the name ("Tom Davies Associated Press", "Jane Roe, AFP")
    for k in range(1, min(3, len(words)) + 1):
        if len(words) > k and _AGENCIES.fullmatch(" ".join(words[-k:])):
            words = words[:-k]
            break
    # the outlet credited after the name ("Elliot Brown Florida Today")
    for site in sites:
        sw = site.split()
        if sw and len(words) - len(sw) >= 2 and [w.lower() for w in words[-len(sw):]] == [w.lower() for w in sw]:
            words = words[:-len(sw)]
            break
    # a short lower-case word after the name starts the date ("Max Muster am", "Jane Doe on")
    while len(words) > 1 and words[-1].islower() and len(words[-1]) <= 3 and words[-1] not in _PARTICLES:
        words.pop()
    if words and words[0].lower() in ("the", "a", "an"):
        return None  # "The Russian and Syrian defense ministries": a credit, not a person
    words = _cut_role(words)
    while len(words) > 1 and words[-1].lower().strip(".,") in _CREDENTIALS \
            and re.fullmatch(r"(?:[A-Z][a-z]?\.?){2,}|[A-Z]{2,}", words[-1].strip(",")):
        words.pop()  # a degree written as one ("Jane Doe RDN", "John Roe PhD"), not "Minh Do", not "Jr"
    name = " ".join(words).strip(" .,:;-–—·|@*\"'")
    cjk = bool(_CJK.search(name))
    if not name or len(name) < (2 if cjk else 3) or len(name) > 60:
        return None
    low = name.lower()
    if low in _NOT_NAMES or _AGENCIES.fullmatch(name) or _is_site(name, sites):
        return None
    if any(ch.isdigit() for ch in name) or "@" in name or "/" in name or _ORG_WORDS.search(name):
        return None
    if not _NAME_OK.match(name):
        return None
    words = name.split()
    if len(words) > 5:
        return None
    latin = all(ord(c) < 0x250 or c in "’“”‘" for c in name)
    if latin and not all(w[:1].isupper() or w[:1] in "\"“‘'" or w.lower() in _PARTICLES for w in words):
        return None
    lows = [w.lower().strip(".,") for w in words]
    if all(w in _TITLES or w in _SECTION_WORDS or w in _ROLE_HEADS or w in _CREDENTIALS for w in lows):
        return None  # a role or a section name ("Senior Editor", "World News", "Politics")
    if len(words) >= 2 and not name.isupper() and re.fullmatch(r"[A-Z]{3,}\d*", words[0]):
        return None  # an outlet's acronym and a desk ("CNN Business", "BBC Sport")
    if len(words) == 1 and (name.isupper() and len(name) <= 5):
        return None  # initials ("mh", "AFP")
    if name.isupper() and len(words) >= 2:
        name = _name_case(name)
    return name


def clean_authors(raw: Iterable[str], site_name: str | None = None, hosts: Iterable[str] = ()) -> tuple[str, ...]:
    """Person names from byline strings: 'By' and roles removed, several authors split, junk dropped.

    ``site_name`` and ``hosts`` (the page's host names) name the outlet, which is never an author.
    The order of the input is kept; duplicates are dropped (case-insensitively).
    """
    sites = [x for x in [site_name or ""] + [h.lower().removeprefix("www.").rsplit(".", 1)[0] for h in hosts if h]
             if x.strip()]
    out: list[str] = []
    seen = set()
    credit = False  # once a byline credits an agency or the outlet, lone words are its dateline
    for item in raw:
        if not isinstance(item, str) or not item.strip():
            continue
        item = "\n".join(" ".join(line.split()) for line in item.splitlines())  # no-break spaces too
        if re.match(r"^https?://", item):
            # profile URLs (article:author): the last path segment is a name only if it looks like one
            try:
                slug = urlsplit(item).path.rstrip("/").rsplit("/", 1)[-1]
            except ValueError:  # a page can write "http://[::1" as its author: no name in it
                slug = ""
            item = slug.replace("-", " ").title() if re.fullmatch(r"[a-z]+(-[a-z]+){1,3}", slug or "") else ""
        item = _strip_prefix(item.strip())
        for part in _SPLIT_AUTHORS.split(item):
            name = _person(part, sites)
            if name is None:
                # after an agency or an outlet, single words are the dateline ("PTI, Washington, ...")
                p = part.strip(" .,:")
                credit = credit or bool(p and (_AGENCIES.fullmatch(p) or _ORG_WORDS.search(p) or _is_site(p, sites)))
                continue
            if credit and len(name.split()) == 1:
                continue
            if name.lower() not in seen:
                seen.add(name.lower())
                out.append(name)
    return tuple(out)


def person_names(value) -> list[str]:
    """Person names in a JSON-LD author value (organisations are not authors)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [n for v in value[:20] for n in person_names(v)]
    if isinstance(value, dict):
        if any(t in ("organization", "newsmediaorganization", "corporation", "organisation", "newsagency")
               for t in jsonld_types(value)):
            return []
        return person_names(value.get("name"))
    return []


_AUTHOR_META = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "byl",
                "dcterms.creator", "cxenseparse:author", "citation_author")

# Byline markup, from the most specific kind of element to the least (as XPath, for reference;
# :func:`_byline_elements` finds the same elements in one walk of the tree):
#   .//*[@itemprop="author"]//*[@itemprop="name"]
#   .//*[@itemprop="author" and not(.//*[@itemprop="name"])]
#   .//a[contains(concat(" ", normalize-space(@rel), " "), " author ")]
#   .//*[contains(@class, "yline") or contains(@id, "yline") or contains(@data-testid, "yline")
#        or contains(@class, "uthor") or contains(@class, "autor") or contains(@class, "auteur")
#        or contains(@class, "ontributor") or contains(@class, "firma") or contains(@class, "writer")]
#       [not(self::body or self::article or self::main or self::html)]
#   .//a[contains(@href, "/author/") or contains(@href, "/authors/") or contains(@href, "/autor/")
#        or contains(@href, "/auteur/") or contains(@href, "/staff/") or contains(@href, "/profile/")]
# The byline and author classes come in one pass and are split into two kinds below.
_BYLINE_MARK = re.compile("yline|uthor|autor|auteur|ontributor|firma|writer")  # in @class; "yline" in @id, @data-testid
_AUTHOR_HREF = re.compile("/author/|/authors/|/autor/|/auteur/|/staff/|/profile/")
_XML_SPACE = re.compile("[ \t\r\n]+")  # what XPath's normalize-space folds


def _byline_elements(root) -> tuple[list, list, list, list, list]:
    """The elements under ``root`` (not ``root`` itself) of each kind above, each in document order.

    One walk in Python: libxml2 evaluates each ``contains(@class, ...)`` by copying the attribute
    to a new string, nine times per element, which made the class XPath alone cost ~3 ms a page.
    """
    names, authors, rel, marked, hrefs = [], [], [], [], []
    for el in root.iterdescendants():
        tag = el.tag
        if not isinstance(tag, str):
            continue
        if el.get("itemprop") == "author":
            authors.append(el)
        if tag == "a":
            r = el.get("rel")
            if r and "author" in r and "author" in _XML_SPACE.split(r):
                rel.append(el)
            h = el.get("href")
            if h and _AUTHOR_HREF.search(h):
                hrefs.append(el)
        if tag not in ("body", "article", "main", "html"):
            c, i, t = el.get("class"), el.get("id"), el.get("data-testid")
            if (c and _BYLINE_MARK.search(c)) or (i and "yline" in i) or (t and "yline" in t):
                marked.append(el)
    seen: set = set()
    without_name = []
    for a in authors:
        found = [n for n in a.iterdescendants() if n.get("itemprop") == "name"]
        if not found:
            without_name.append(a)
        for n in found:
            if n not in seen:  # nested author elements: each name once, still in document order
                seen.add(n)
                names.append(n)
    return names, without_name, rel, marked, hrefs


# Of the class matches, these name a byline or an author's name outright; the rest ("author",
# "autor", "writer") are weaker and come after them.
_BYLINE_CLASS = re.compile(r"byline|author-?name|authorName|article-author|author__name|contributor-name|"
                           r"story-author|firma", re.I)

# Containers of other stories: a byline inside one belongs to another article.
_OTHER_STORIES = re.compile(
    r"related|river|sidebar|latest|teaser|recommend|popular|most-?read|more-?stories|trending|outbrain|taboola|"
    r"read-?next|up-?next|also-?read|comment|respond|reply|disqus", re.I)


def _outside_other_stories(el, stop) -> bool:
    """Whether ``el`` is not inside a list of other stories (searching up to ``stop``). Outside the
    article (``stop`` None) an <aside>, <nav> or <footer> counts as one too; a form's "Name" field
    or a comment's author is no byline either."""
    node = el
    while node is not None and node is not stop and node.tag not in ("body", "html"):
        if node.tag in ("aside", "form", "label") or (stop is None and node.tag in ("nav", "footer")):
            return False
        cls = f'{node.get("class") or ""} {node.get("id") or ""}'
        if cls.strip() and _OTHER_STORIES.search(cls):
            return False
        node = node.getparent()
    return True


def _text(el) -> str:
    if el.get("content"):
        return " ".join(el.get("content").split())
    # text nodes joined with a space: "JILL LAWLESS<span>Associated Press</span>" are two words
    return " ".join(" ".join(el.itertext()).split())


def byline_candidates(tree, scope=None) -> Iterator[list[str]]:
    """Byline strings from markup, one list per kind of element (most specific first), lazily.

    Inside ``scope`` (the article) every byline element counts; elsewhere on the page only those
    outside sidebars, rivers and teaser lists.
    """
    root = scope if scope is not None else tree

    def texts(elements) -> list[str]:
        found: list[str] = []
        for el in elements:
            if not isinstance(el.tag, str) or not _outside_other_stories(el, scope):
                continue
            text = _text(el)
            if text and len(text) <= 150 and text not in found:
                found.append(text)
            if len(found) >= 6:
                break
        return found

    for i, elements in enumerate(_byline_elements(root)):
        if i == 3:  # byline classes first, then the weaker author classes
            strong = [el for el in elements if _BYLINE_CLASS.search(
                f'{el.get("class") or ""} {el.get("id") or ""} {el.get("data-testid") or ""}')]
            strong_ids = {id(el) for el in strong}
            groups = [strong[:12], [el for el in elements if id(el) not in strong_ids][:12]]
        else:
            groups = [elements[:12]]
        for group in groups:
            found = texts(group)
            if found:
                yield found


def choose_authors(page: ParsedPage, site_name: str | None) -> Chosen:
    """The article's authors (a tuple of names) and where they were found."""
    hosts = page.hosts

    def clean(raw):
        return clean_authors(raw, site_name, hosts)

    ld = page.ld
    names = clean(person_names(ld.get("author")) or person_names(ld.get("creator")))
    if names:
        return Chosen(names, "json-ld author")
    for key in _AUTHOR_META:
        names = clean(meta_values(page.meta, key))
        if names:
            return Chosen(names, f"meta {key}")
    scopes = [(page.scope, "byline in the article")] if page.scope is not None else []
    scopes.append((None, "byline on the page"))
    for scope, evidence in scopes:
        for found in byline_candidates(page.tree, scope):
            names = clean(found)
            if names and (scope is not None or len(names) <= 3):
                return Chosen(names, evidence)
    return Chosen((), "none")
