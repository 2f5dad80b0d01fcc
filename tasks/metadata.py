"""Article metadata from a parsed page, one chooser per field.

:func:`parse_page` reads what every chooser needs once (JSON-LD, meta tags, the ``<title>``, the
declared language, the article's block around its headline) into a :class:`ParsedPage`. Each field
then has one function that takes the page and returns a :class:`Chosen` (the value and the
evidence it came from), in the module that owns the field:

=================  ==========================================
field              chooser
=================  ==========================================
title              :func:`choose_title` (here)
site_name          :func:`choose_site_name` (here)
language           :func:`choose_language` (here)
canonical_url      :func:`choose_canonical_url` (here; :func:`choose_canonical_ignored` for a non-http one)
section, image,    :func:`choose_section`, :func:`choose_image`,
description        :func:`choose_description` (here)
authors            :func:`newsmill.tasks.bylines.choose_authors`
published          :func:`newsmill.tasks.dates.choose_published`
modified           :func:`newsmill.tasks.dates.choose_modified`
=================  ==========================================

Everything reads the lxml tree the extract stage parses once (the one trafilatura gets).
"""

from __future__ import annotations

import html as html_lib
import json
import logging
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urljoin, urlsplit

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


def jsonld_types(node: dict) -> list[str]:
    """A JSON-LD node's ``@type`` values, lower-cased, without a schema.org URL prefix."""
    t = node.get("@type")
    return [x.lower().rsplit("/", 1)[-1] for x in (t if isinstance(t, list) else [t]) if isinstance(x, str)]


def _walk_jsonld(node, out: list[dict]) -> None:
    if isinstance(node, list):
        for n in node:
            _walk_jsonld(n, out)
    elif isinstance(node, dict):
        if "@graph" in node:
            _walk_jsonld(node["@graph"], out)
        if any(t in _ARTICLE_TYPES for t in jsonld_types(node)):
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


# Deeper nesting than this is no metadata (real JSON-LD nests under 15 levels): such a block is
# skipped before parsing, so no parser or walker here can exhaust the stack.
MAX_JSONLD_DEPTH = 64
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _nesting(raw: str) -> int:
    depth = deepest = 0
    for ch in re.findall(r"[\[\]{}]", _JSON_STRING.sub('""', raw)):
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(0, depth - 1)
    return deepest


def parse_json_block(raw: str):
    """One ``<script type=application/ld+json>`` block as Python data, or None.

    Tolerant: trailing semicolons and HTML comments around the block, a stray closing brace or a
    second object after the first (the first value is kept), then anything json-repair can mend
    (a missing brace, trailing commas, raw newlines). Blocks nested deeper than
    :data:`MAX_JSONLD_DEPTH` are refused (logged), never a RecursionError.
    """
    raw = raw.strip().rstrip(";").strip()
    if raw.startswith("<!--"):
        raw = raw[4:].rstrip("->").strip()
    if not raw:
        return None
    if _nesting(raw) > MAX_JSONLD_DEPTH:
        log.warning("JSON-LD block nested deeper than %d levels: skipped", MAX_JSONLD_DEPTH)
        return None
    try:
        return json.loads(raw, strict=False)
    except ValueError:
        pass
    try:
        value, _end = json.JSONDecoder(strict=False).raw_decode(raw)
        return value
    except ValueError:
        pass
    import json_repair

    try:
        value = json_repair.loads(raw, skip_json_loads=True)
    except (ValueError, TypeError, IndexError, KeyError, RecursionError) as e:  # json-repair gives up
        log.debug("JSON-LD block unreadable: %s", e)
        return None
    return value if isinstance(value, (dict, list)) and value else None


def read_jsonld(doc) -> dict:
    """The most article-like JSON-LD object on the page (NewsArticle over WebPage), or {}.

    ``doc`` is an lxml tree or a BeautifulSoup document. Broken JSON-LD is mended where it can be
    (:func:`parse_json_block`) or skipped, never fatal. Author and publisher references by ``@id``
    are resolved; HTML entities in strings are decoded.
    """
    found: list[dict] = []
    index: dict = {}
    for raw in _jsonld_scripts(doc):
        data = parse_json_block(raw)
        if data is None:
            continue
        _walk_jsonld(data, found)
        _index_ids(data, index)
    if not found:
        return {}

    def rank(node: dict) -> int:
        types = jsonld_types(node)
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
            # an attribute may hold several names: itemprop="datePublished dateCreated"
            for key in (m.get(attr) or "").lower().split():
                out.setdefault(key, []).append(content.strip())
    return out


def meta_values(meta: dict[str, list[str]], key: str) -> list[str]:
    return meta.get(key, [])


def meta_first(meta: dict[str, list[str]], *keys: str) -> str | None:
    for key in keys:
        vals = meta.get(key)
        if vals:
            return " ".join(vals[0].split())
    return None


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
    # "Outlet News" is the site "Outlet"; "The Outlet view on ..." (a headline naming the outlet) is not
    return a == b or (len(a) >= 3 and (a in b or (b in a and len(part.split()) <= 4))) \
        or a.removeprefix("the") == b.removeprefix("the")


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


def language_identifier():
    """py3langid's own identifier (the one ``py3langid.classify`` uses), loaded once, with the two
    tables it keeps per state of its byte automaton (~104,000 states) held as arrays of machine
    integers instead of lists of Python ints: the same values, about 7 MB less a process."""
    global _IDENTIFIER
    if _IDENTIFIER is None:
        from py3langid import langid

        from newsmill.tasks import cache

        if getattr(langid, "IDENTIFIER", None) is None:
            # py3langid's model ships LZMA-compressed: decompressing it costs each worker ~0.4 s
            # of CPU at start-up; the same tables read back uncompressed ~0.1 s
            cached = _cached_identifier(langid, cache.directory())
            if cached is not None:
                langid.IDENTIFIER = cached
        identifier = langid._get_identifier()
        compact_tables(identifier)
        _IDENTIFIER = identifier
    return _IDENTIFIER


_IDENTIFIER = None


def _cached_identifier(langid, directory):
    """py3langid's default identifier built from its model's tables as an earlier process stored
    them uncompressed in ``directory`` (``tasks/cache.py``; stored now when they are not there),
    exactly as ``LanguageIdentifier.from_model_file`` builds it from the shipped file; None
    without a directory, or for a py3langid whose model or constructor differ (it then loads its
    own file, as it always did)."""
    from newsmill.tasks import cache

    key = cache.source_key("py3langid", "py3langid", getattr(langid, "MODEL_FILE", ""))
    if directory is None or key is None or not hasattr(langid, "LanguageIdentifier"):
        return None
    import zipfile
    from array import array

    import numpy as np

    path = directory / f"py3langid-model-{key}.npz"
    try:
        with np.load(path, allow_pickle=False) as z:
            nextmove = array(str(z["nextmove_code"]))
            nextmove.frombytes(memoryview(np.ascontiguousarray(z["nextmove"])).cast("B"))
            row = array(str(z["row_code"]))
            row.frombytes(memoryview(np.ascontiguousarray(z["row"])).cast("B"))
            return langid.LanguageIdentifier(z["ptc"], z["pc"], z["classes"].tolist(), nextmove,
                                             z["output"].tolist(), tk_row=row)
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile):
        pass  # none yet, or damaged: made again below
    try:  # the shipped file, decompressed once more: stored for the next process
        from py3langid.modelio import load_model

        ptc, pc, classes, nextmove, row, output = load_model(langid.MODEL_DIR / langid.MODEL_FILE)
        identifier = langid.LanguageIdentifier(np.asarray(ptc), np.asarray(pc), classes, nextmove, output,
                                               tk_row=row)
    except (ImportError, AttributeError, OSError, ValueError, TypeError):
        return None

    def fill(tmp):
        with open(tmp, "wb") as f:
            np.savez(f, ptc=ptc, pc=pc, classes=np.array(classes), output=np.array(output, dtype=np.int64),
                     nextmove=np.frombuffer(nextmove, dtype=np.dtype(nextmove.typecode)),
                     nextmove_code=np.array(nextmove.typecode),
                     row=np.frombuffer(row, dtype=np.dtype(row.typecode)), row_code=np.array(row.typecode))

    if all(isinstance(t, array) for t in (nextmove, row)):
        cache.write(path, fill)
    return identifier


def compact_tables(identifier) -> None:
    """Replace a py3langid ``LanguageIdentifier``'s per-state lists (``tk_output``, the feature a
    state emits, and ``_rowbase``, its row's offset in the transition table) by arrays of the same
    values. Only read by index, so classification is unchanged; another py3langid's layout is
    left as it is."""
    from array import array

    for name in ("tk_output", "_rowbase"):
        values = getattr(identifier, name, None)
        if not isinstance(values, list) or not values or not all(type(v) is int for v in values[:64]):
            continue
        lo, hi = min(values), max(values)
        code = "i" if -2**31 <= lo and hi < 2**31 else "q"
        setattr(identifier, name, array(code, values))


def detect_language(text: str, declared: str | None = None) -> str | None:
    """ISO 639-1 code from the text (py3langid); the page's declared lang for very short texts."""
    sample = (text or "")[:700]
    if len(sample.strip()) >= 40:
        lang, _score = language_identifier().classify(sample)
        return lang
    if declared:
        return declared.split("-")[0].split("_")[0].lower()[:3] or None
    return None


# ---------------------------------------------------------------------------------------------
# The parsed page and the choosers


@dataclass(frozen=True)
class Chosen:
    """A field's value and the evidence it was taken from ("json-ld headline", "meta byl", ...)."""

    value: Any
    evidence: str


_TOKEN = re.compile(r"\w+")


def _words(s: str | None) -> list[str]:
    return _TOKEN.findall((s or "").lower())


def _spaced_text(el) -> str:
    """An element's text with its child elements' texts kept apart ("Local News" + "Headline")."""
    return " ".join(" ".join(el.itertext()).split())


def _heads_story(h1) -> bool:
    """Whether an <h1> opens the story: inside an <article>, or a few levels under a block that holds
    the story's paragraphs (not a logo or a section heading in the page's chrome), and not a link
    to another story (a teaser's headline)."""
    text = " ".join(h1.text_content().split())
    if any(len(" ".join(a.text_content().split())) >= 0.8 * len(text) for a in h1.iter("a")):
        return False
    if h1.xpath("ancestor::article"):
        return True
    el = h1.getparent()
    for _ in range(3):
        if el is None or el.tag in ("body", "html"):
            return False
        if el.xpath("count(.//p[string-length(normalize-space()) > 80])") >= 2:
            return True
        el = el.getparent()
    return False


@dataclass(frozen=True)
class ParsedPage:
    """What every field chooser reads, gathered once from the parsed page.

    ``tree`` is the lxml document; ``ld`` the most article-like JSON-LD object; ``meta`` all meta
    tags by lower-cased name; ``title_tag`` the ``<title>`` text; ``lang`` the declared language
    (``<html lang>``, ``og:locale``, ``content-language``), as written.
    """

    tree: Any
    url: str | None
    ld: dict
    meta: dict
    title_tag: str | None
    lang: str | None

    @cached_property
    def hosts(self) -> list[str]:
        return [_hostname(u) for u in (self.url, meta_first(self.meta, "og:url")) if u]

    @cached_property
    def headline_element(self):
        """The visible headline: the first <h1> that reads like a title the metadata gives (else the
        first <h1> of three words or more)."""
        site = choose_site_name(self).value
        titles = [_words(clean_title(t, site)) for t in self.metadata_titles.values()]
        first = None
        for el in self.tree.iter("h1"):
            words = _words(_spaced_text(el))
            if not words or (site and _site_key(" ".join(words)) == _site_key(site)):
                continue  # the logo
            if any(len(set(words) & set(t)) >= 0.5 * len(set(words)) for t in titles if t):
                return el
            if first is None and len(words) >= 3 and (not titles or _heads_story(el)):
                first = el
        # no <h1> reads like the metadata titles (an SEO title, an older headline): an <h1> that
        # heads the story's own paragraphs is still what readers see as the headline
        return first

    @cached_property
    def scope(self):
        """The article's block: the nearest ancestor of the headline that holds the story's
        paragraphs (else the first <article>), or None when the page shows neither."""
        el = self.headline_element
        while el is not None and el.tag not in ("body", "html"):
            if el.xpath("count(.//p[string-length(normalize-space()) > 80])") >= 2:
                return el
            el = el.getparent()
        found = self.tree.xpath("//article[.//p]")
        return found[0] if found else None

    @cached_property
    def header_scope(self):
        """Where the byline and the date line are printed: the article block, else the page."""
        return self.scope if self.scope is not None else self.tree

    @cached_property
    def metadata_titles(self) -> dict[str, str]:
        """The titles the page's metadata declares, by source, in order of trust."""
        headline = self.ld.get("headline") if isinstance(self.ld.get("headline"), str) else None
        out = {}
        for source, value in (("json-ld headline", headline), ("og:title", meta_first(self.meta, "og:title")),
                              ("twitter:title", meta_first(self.meta, "twitter:title")),
                              ("<title>", self.title_tag)):
            if value and value.strip():
                out[source] = " ".join(value.split())
        return out


def parse_page(tree, url: str | None) -> ParsedPage:
    """Read the page's metadata once (before scripts are stripped from ``tree``)."""
    meta = collect_meta(tree)
    title_tag = tree.find(".//title")
    title_text = " ".join(title_tag.text_content().split()) if title_tag is not None else None
    lang = tree.get("lang") or meta_first(meta, "og:locale", "content-language", "language", "dc.language")
    return ParsedPage(tree=tree, url=url, ld=read_jsonld(tree), meta=meta, title_tag=title_text or None,
                      lang=(lang or "").strip() or None)


def _site_key(name: str) -> str:
    return re.sub(r"[\W_]+", "", name.lower()).removeprefix("the")


def choose_site_name(page: ParsedPage) -> Chosen:
    """The outlet's name, from the publisher's own metadata.

    Sources: JSON-LD ``publisher``, ``og:site_name``, ``application-name``, the ``<title>`` tail.
    A name two sources agree on wins (the JSON-LD publisher is sometimes a news service of the
    outlet); a name that is only a label of the host ("Hosted" on hosted.example.org) or a social
    handle ("@outlet") is no name.
    """
    # labels of a subdomain ("hosted" of hosted.example.org; none of example.co.uk): a name that is only
    # one of them is the syndication platform's, unless the publisher's own handles carry it too
    host_labels = set()
    for h in page.hosts:
        labels = h.lower().split(".")
        registered = -3 if len(labels) >= 3 and len(labels[-1]) == 2 and len(labels[-2]) <= 3 else -2
        host_labels.update(labels[:registered])
    host_labels -= {"www", "m", "amp"}
    handles = " ".join(_site_key(v.rsplit("/", 1)[-1].lstrip("@")) for v in (
        meta_first(page.meta, "twitter:site"), meta_first(page.meta, "article:publisher")) if v)
    host_labels = {lab for lab in host_labels if lab not in handles}
    cands = []
    for source, value in (("json-ld publisher", _org_name(page.ld.get("publisher"))),
                          ("og:site_name", meta_first(page.meta, "og:site_name")),
                          ("application-name", meta_first(page.meta, "application-name")),
                          ("<title> tail", site_from_title(page.title_tag))):
        if not value or value.startswith("@") or len(value) > 80:
            continue
        key = _site_key(value)
        if not key or key in host_labels:
            continue
        cands.append((source, value, key))
    if not cands:
        return Chosen(None, "none")
    votes = {k: sum(1 for _, _, k2 in cands if k2 == k) for _, _, k in cands}
    best = max(votes.values())
    for source, value, key in cands:
        if votes[key] == best:
            # of equal names, the one written as a name ("The Detroit News" over "detroitnews")
            forms = [v for _, v, k in cands if k == key]
            return Chosen(max(forms, key=lambda v: (" " in v, not v.islower())), source if best == 1 else
                          f"{source}, agreed by {best} sources")
    return Chosen(None, "none")


def choose_title(page: ParsedPage, site_name: str | None) -> Chosen:
    """The headline: the visible <h1> when it reads as a title the metadata gives, without a kicker
    glued in front; else the title the metadata sources agree on (JSON-LD headline, og:title,
    twitter:title, <title>), without the site name.

    A logo or section <h1> shares no words with the metadata titles and never wins.
    """
    cleaned = {src: clean_title(t, site_name) for src, t in page.metadata_titles.items()}
    cleaned = {src: t for src, t in cleaned.items() if t}
    h1 = page.headline_element
    if h1 is not None:
        glued = " ".join(h1.text_content().split())
        spaced = _spaced_text(h1)
        for src, t in cleaned.items():
            tw = _words(t)
            if tw in (_words(glued), _words(spaced)):
                return Chosen(clean_title(glued, site_name) or t, f"<h1>, as {src}")
        for src, t in cleaned.items():
            tw, sw = _words(t), _words(spaced)
            if len(tw) >= 3 and len(sw) > len(tw) and (sw[-len(tw):] == tw or sw[:len(tw)] == tw):
                return Chosen(t, f"{src}, the <h1> without its kicker")
        if cleaned or len(_words(glued)) >= 3:
            return Chosen(clean_title(glued, site_name), "<h1>")
    if not cleaned:
        return Chosen(None, "none")
    keys = {src: " ".join(_words(t)) for src, t in cleaned.items()}
    votes = {src: sum(1 for k in keys.values() if k == keys[src]) for src in keys}
    headline = cleaned.get("json-ld headline")
    if headline and (len(headline) <= 5 or headline.rstrip().endswith(("...", "…"))):
        votes["json-ld headline"] = 0  # a truncated headline
    best = max(votes, key=lambda src: votes[src])  # ties: the first in order of trust
    return Chosen(cleaned[best], best if votes[best] == 1 else f"{best}, agreed by {votes[best]} sources")


def choose_language(page: ParsedPage, text: str) -> Chosen:
    """ISO 639-1 code of the body text (py3langid), or the declared one for very short texts."""
    lang = detect_language(text, page.lang)
    return Chosen(lang, "py3langid" if len((text or "").strip()) >= 40 else "declared")


def _hostname(url: str) -> str:
    """The host of ``url``, "" for none or for a URL the page wrote unparsably ("http://[::1")."""
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def declared_canonical(page: ParsedPage) -> tuple[str, str] | None:
    """(the canonical URL the page declares, resolved against its URL but not normalized, where:
    ``link rel=canonical`` or ``og:url``), or None when it declares none."""
    url = page.url or ""
    for link in page.tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            try:
                return urljoin(url, link.get("href").strip()), "link rel=canonical"
            except ValueError:  # "http://[::1" in an href
                return link.get("href").strip(), "link rel=canonical"
    og = meta_first(page.meta, "og:url")
    return (og.strip(), "og:url") if og and og.strip() else None


def choose_canonical_url(page: ParsedPage) -> Chosen:
    """<link rel=canonical>, else og:url, else the page's URL, normalized. A declared one that is
    not an http(s) URL gives the page's URL (see :func:`choose_canonical_ignored`)."""
    from newsmill.tasks.urls import normalize_url

    url = page.url or ""
    own = (normalize_url(url) if url else "") or url
    declared = declared_canonical(page)
    if declared is None:
        return Chosen(own, "page url")
    return Chosen(normalize_url(declared[0]) or own, declared[1])


def choose_canonical_ignored(page: ParsedPage) -> Chosen:
    """The declared canonical URL, as written, when it is not an http(s) URL (``javascript:``,
    ``mailto:``, ``data:``, unparsable), so the loader can record that it ignored it; else None."""
    from newsmill.tasks.urls import normalize_url

    declared = declared_canonical(page)
    if declared is None or normalize_url(declared[0]) is not None:
        return Chosen(None, "none")
    return Chosen(declared[0][:500], declared[1])


def _first_str(*values) -> str | None:
    for v in values:
        if isinstance(v, str) and v.strip():
            return " ".join(v.split())
    return None


def choose_section(page: ParsedPage) -> Chosen:
    """JSON-LD ``articleSection``, the section meta tags, or an "Opinion | " prefix of the title."""
    section = page.ld.get("articleSection")
    if isinstance(section, list):
        section = section[0] if section else None
    if isinstance(section, str) and "," in section:
        section = section.split(",")[0].strip()  # "game,news,slider": the first is the section
    found = _first_str(section)
    if found:
        return Chosen(found, "json-ld articleSection")
    found = meta_first(page.meta, "article:section", "section")
    if found:
        return Chosen(found, "meta article:section")
    # "Opinion | Headline": the prefix clean_title drops from the title is the section
    for raw in (page.title_tag, meta_first(page.meta, "og:title", "twitter:title")):
        m = re.match(r"^\s*([^|:]{3,20}?)\s*[|:]\s+\S", raw or "")
        if m and m.group(1).strip().lower() in _SECTION_PREFIXES:
            return Chosen(m.group(1).strip(), "title prefix")
    return Chosen(None, "none")


def choose_image(page: ParsedPage) -> Chosen:
    image = page.ld.get("image")
    if isinstance(image, list):
        image = image[0] if image else None
    if isinstance(image, dict):
        image = image.get("url")
    if _first_str(image):
        return Chosen(_first_str(image), "json-ld image")
    return Chosen(meta_first(page.meta, "og:image", "twitter:image"), "meta og:image")


def choose_description(page: ParsedPage) -> Chosen:
    found = meta_first(page.meta, "description", "og:description", "twitter:description")
    if found:
        return Chosen(found, "meta description")
    return Chosen(_first_str(page.ld.get("description")), "json-ld description")
