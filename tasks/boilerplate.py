"""Boilerplate lines that survive trafilatura: promotions, "read more" teasers, share prompts.

Two plain functions:

* :func:`strip_boilerplate_lines` looks at one text alone. It only drops short lines that match
  phrases which are promotional or navigational in any news site ("Sign up for our newsletter",
  "READ MORE: ...", "Like this story? Share it"), teaser lines tagged like ``[VIDEO]``, and a
  closing contact tagline ("Follow him on Twitter @x"). Long lines are never touched: a sentence
  of the story that happens to say "subscribe" stays.
* :func:`strip_repeated_lines` needs the site's other articles: a line that appears verbatim in
  several other articles of the same site is the site's furniture, not this story.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence

from newsmill.records import PageResult
from newsmill.tasks.urls import site_key

# strip_repeated_lines keeps a text whole when less than this share of it would remain
MIN_KEPT_SHARE = 0.2

_MAX_PROMO_CHARS = 200

# Lines that *start* like a teaser or a call to action.
_PROMO_START = re.compile(
    r"^(?:read more|read also|also read|see more|see also|more from|more on this|related (?:articles?|stories|coverage|content|posts?)"
    r"|don'?t miss|must read|also on [\w.]+|click here|tap here|sign up|subscribe (?:to|now|today|for)"
    r"|get (?:the|our) (?:latest|best|free|daily|weekly)"
    r"|follow us|like us on|like this (?:story|article)|share this|share on|tell us what you think"
    r"|thanks for signing up|keep an eye on your inbox|there was an error processing|we'?d love to hear"
    r"|join (?:the|our) (?:conversation|newsletter)|download (?:the|our) app"
    r"|this copy is for your personal|to order presentation-ready copies|all rights reserved"
    r"|copyright ©|© ?\d{4}|newsletter sign-?up|story continues below)\b",
    re.I,
)
# Words that are a label only when used as one: "Related: ...", "WATCH | ...", or alone.
_LABEL_WORDS = re.compile(
    r"^(?:related|recommended(?: for you)?|trending(?: now)?|watch(?: now)?|listen|video|sponsored|advertisement"
    r"|more|read|photos?|gallery|podcast|newsletter)\s*(?:[:|»›]|$)", re.I)
# Teaser links tagged in brackets: "Plane passengers quarantined [NEWS]".
_TAGGED_TEASER = re.compile(r"\[(?:[A-Z][A-Z ]{2,20})\]\s*\|?\s*$")
# Lines that are only a UI word.
_UI_ONLY = re.compile(r"^(?:comments?|share|tweet|email|print|menu|close|advertisement|loading\.*|tags?:?|"
                      r"sign up|log ?in|subscribe|skip|next|previous|read more|show more|more)$", re.I)
# A closing tagline about contacting or following the author or the outlet.
_TAGLINE = re.compile(
    r"^(?:(?:email|contact|reach) [\w .'-]{2,40} at \S+@\S+|follow (?:him|her|them|us|[\w .'-]{2,40}) on "
    r"(?:twitter|facebook|instagram)|have a tip\?|get the latest updates|subscribe to [\w .'-]+newsletter)",
    re.I,
)


# A call to action written as prose inside the story ("Enjoying these stories? Our free Weekday
# newsletter brings you ..."): it offers the outlet's product (a newsletter, a subscription, an
# app) to the reader ("you", "our"). A sentence of the story about a newsletter names no reader
# and offers nothing; one that quotes someone ("...," she said) is reported speech.
_PRODUCT = re.compile(r"\bnewsletters?\b|\bsubscri(?:be|bers?|ption)\b|\bsign(?:ing)? up\b|\binbox\b|"
                      r"\bpodcast\b|\bour app\b|\bpremium\b", re.I)
_READER = re.compile(r"\b(?:you|your|our)\b", re.I)
_QUOTED = re.compile("[\"“”„«»]")


def _is_prose_promo(s: str) -> bool:
    return len(s) <= 350 and bool(_PRODUCT.search(s)) and len(_READER.findall(s)) >= 1 \
        and not _QUOTED.search(s) and (s.split("?")[0] != s or s.lower().startswith(("our ", "get ", "sign ", "join ")))


def _is_promo(line: str) -> bool:
    s = line.strip().lstrip("-•*– ").strip()
    if not s:
        return False
    if _UI_ONLY.match(s):
        return True
    if len(s) > _MAX_PROMO_CHARS:
        return False
    if _PROMO_START.match(s) or _LABEL_WORDS.match(s) or _TAGGED_TEASER.search(s) or _is_prose_promo(s):
        return True
    # a shouted call to action ("GET FOX BUSINESS ON THE GO BY CLICKING HERE")
    if s.isupper() and re.search(r"\b(CLICK|TAP)\w* HERE\b|\bSIGN UP\b|\bSUBSCRIBE\b|\bDOWNLOAD\b|\bGET THE\b.*\bAPP\b", s):
        return True
    return False


# A dateline/byline line that opens the body: "Published 21 August 2023", "By Jane Doe | Reuters",
# "来源：晨报网 记者 王伟 2023年6月28日". Its facts belong in the metadata fields.
_BYLINE_LINE = re.compile(
    r"^(?:published|updated|posted|last updated|first published|by|written by|publié|mis à jour|par|"
    r"veröffentlicht|aktualisiert|von|stand|publicado|actualizado|por|pubblicato|aggiornato|di|"
    r"来源|记者|发布时间|作者|编辑|责任编辑|بقلم|نشر|تاريخ النشر|تم النشر)(?:\b|[:：\s])", re.I)


def _is_byline_line(line: str) -> bool:
    s = line.strip()
    return 0 < len(s) <= 120 and bool(_BYLINE_LINE.match(s)) and not s.endswith((".", "!", "?", "。"))


def strip_leading_bylines(text: str) -> str:
    """``text`` without byline/dateline lines at its top (only there: before the story starts)."""
    lines = text.split("\n")
    while len(lines) > 1 and _is_byline_line(lines[0]):
        lines.pop(0)
    return "\n".join(lines)


def strip_boilerplate_lines(text: str) -> str:
    """``text`` without promotional, teaser and UI lines; the story's own sentences are kept."""
    lines = text.split("\n")
    kept = strip_leading_bylines("\n".join(ln for ln in lines if not _is_promo(ln))).split("\n")
    # contact/follow taglines only at the end of the story (they close articles, they do not open them)
    while kept and (not kept[-1].strip() or (len(kept[-1]) <= 300 and _TAGLINE.match(kept[-1].strip()))):
        kept.pop()
    return "\n".join(kept).strip()


def _norm(line: str) -> str:
    return " ".join(line.split()).lower()


def strip_repeated_lines(text: str, other_texts: Iterable[str], min_pages: int = 2, min_chars: int = 20) -> str:
    """``text`` without lines that appear verbatim in at least ``min_pages`` of the site's other articles.

    ``other_texts`` are bodies of *other* articles of the same site (the warehouse has them: the
    last N documents whose canonical URL has the same host). A line repeated across a site's
    articles is a signature, a promotion or a legal notice. Lines shorter than ``min_chars`` are
    left alone: a short repeated line ("Photo: Reuters") says too little to be sure.
    """
    counts: dict[str, int] = {}
    for other in other_texts:
        for key in {_norm(ln) for ln in other.split("\n") if len(ln.strip()) >= min_chars}:
            counts[key] = counts.get(key, 0) + 1
    kept = [ln for ln in text.split("\n")
            if len(ln.strip()) < min_chars or counts.get(_norm(ln), 0) < min_pages]
    out = "\n".join(kept).strip()
    # never empty a story: when (nearly) everything repeats, the "site" texts were copies of this
    # one (syndication, the same story under two URLs)
    return out if len(out) >= MIN_KEPT_SHARE * len(text.strip()) else text.strip()


def strip_site_repeats(results: Sequence[PageResult], site_texts: Mapping[str, Sequence[tuple[str, str]]],
                       min_others: int = 3) -> list[PageResult]:
    """Apply :func:`strip_repeated_lines` to each extracted document, against the other recent
    articles of its site (``site_texts``: site -> [(canonical_url, text)], from the warehouse).

    A site needs ``min_others`` other articles before anything is judged repeated, so that a new
    source's first articles are left as extracted.
    """
    out = []
    for r in results:
        doc = r.document
        if doc is not None:
            others = [t for url, t in site_texts.get(site_key(doc.canonical_url or doc.url), ())
                      if url != doc.canonical_url]
            if len(others) >= min_others:
                text = strip_repeated_lines(doc.text, others)
                if text != doc.text:
                    r = dataclasses.replace(r, document=dataclasses.replace(doc, text=text))
        out.append(r)
    return out
