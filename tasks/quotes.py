"""Quotations and who said them: the whole path from a quote span to its canonical speaker.

The path has five stages; each is a small function or an ordered list of small strategy
functions, so that a new pattern is one new function in the right list:

1. **Segmentation** (:func:`paragraphs`, :func:`dateline`, :func:`add_segmenter`): a line break
   ends a paragraph, and a dateline ("HANOI —", "LONDON (AP) —", "DHAKA:") ends before the story
   starts. Both are sentence boundaries for the parser; a dateline is never a speaker nor content.
2. **Quote marks** (:func:`quote_spans`): “” "" ‘’ '' ‘‘’’ ``'' «» »« „“ ‹› pairs, per paragraph; a
   quotation left open at a paragraph's end and reopened at the next is one multi-paragraph
   quotation (one ``group``).
3. **Cues**: :data:`INDIRECT_STRATEGIES` find reported speech in the dependency parse (a cue verb
   and its content clause); :data:`DIRECT_STRATEGIES` attribute each quotation, tried in order,
   the first that finds a cue wins. The cue search never leaves the quotation's sentence.
4. **Not quotes** (:func:`_not_a_quote`): one- to three-word quoted objects and scare quotes are
   dropped unless a cue takes them as its content; so are contents of non-speech verbs with
   abstract subjects and of passive stance verbs.
5. **Who** (:func:`speaker_of`, :func:`resolve`): the speaker is the head of the subject phrase
   (``X's rep`` is the rep), a name in apposition names it, a modifier entity ("an economist at
   Nordea") does not; pronouns go to the last compatible person of the discourse. :func:`resolve`
   turns the speaker phrases of one article into canonical names and gives every quote a
   ``confidence`` (0-1) from the evidence used, calibrated on PolNeAR train
   (``tasks/data/quote_confidence.json``, written by ``python -m bench.quotes --split train
   --calibrate``).

Speech verbs are ``tasks/data/cue_verbs.txt`` (lemmas; its header names the source).
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from newsmill.tasks import labels
from newsmill.tasks.entities import class_nouns, doc_text, is_verb, verb_forms, verb_in, word_list, word_table

log = logging.getLogger(__name__)

DATA = Path(__file__).parent / "data"
PRONOUNS = {"he", "she", "him", "her"}
_PRONOUN_GENDER = {"he": "m", "him": "m", "she": "f", "her": "f"}
_OTHER_PRONOUNS = {"i", "we", "they", "you", "it", "them", "us", "me"}
SPEECH_SUBJ = {"nsubj", "nsubjpass", "csubj"}
_NAME_TAGS = {"NNP", "NNPS"}
_NAME_OR_PRONOUN = {"NNP", "NNPS", "PRP", "WP"}
_RELATIVE = {"who", "that", "which"}
# Verbs that report evidence rather than speech: a quote only with a speaking subject
# ("Smith found that ..."), not with an abstract one ("experience shows that ...").
_EVIDENTIAL = frozenset({"show", "suggest", "indicate", "find", "prove", "demonstrate", "reveal",
                         "mean", "signal", "imply", "confirm", "hint"})
# Subject nouns that are speakers though not names or titles (the usual unnamed sources).
_AGENT_SUFFIX = re.compile(r"(?:er|ers|or|ors|ist|ists|ian|ians|ant|ants|ent|ents|man|men|woman|women|"
                           r"people|person|persons|source|sources|official|officials|group|groups|"
                           r"party|parties|team|staff|police|government|administration|campaign|"
                           r"committee|council|board|court|agency|company|firm|office|department|"
                           r"ministry|union|panel|study|report|survey|poll|statement|letter|memo|"
                           r"document|documents|filing|filings|website|data|analysis|analyses|research|"
                           r"reports|polls|surveys|studies|statements|letters|memos|websites|projection|"
                           r"projections|estimate|estimates|records|figures|numbers|results|findings)$")


# ---------------------------------------------------------------------------------------------
# 1. Segmentation
# ---------------------------------------------------------------------------------------------

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATELINE = re.compile(
    r"(?P<place>[A-Z][A-Za-z.'’\-]*(?:[ ]+[A-Z][A-Za-z.'’\-]*){0,3})"   # one to four capitalised words
    r"(?P<region>,[ ]*[A-Z][A-Za-z.]*(?:[ ][A-Z][A-Za-z.]*)?)?"          # ", Calif." / ", D.C."
    r"(?P<date>,?[ ]*" + _MONTH + r"[ ]+\d{1,2}(?:,[ ]*\d{4})?)?"        # ", Sept. 28"
    r"[ ]*(?P<agency>\([^()\n]{1,40}\))?"                                 # "(AP)", "(Reuters)"
    r"[ ]*(?P<sep>—|–|--?|:)[ ]+")
_QUOTE_START = "\"'“”‘’«»„‟‹›‚`"


def paragraphs(text: str, lo: int = 0, hi: int | None = None) -> list[tuple[int, int]]:
    """[start, end) of every non-empty line of ``text[lo:hi]``: news text puts one paragraph,
    heading or caption per line, so one or more line breaks end a paragraph."""
    hi = len(text) if hi is None else hi
    return [(lo + m.start(), lo + m.end()) for m in re.finditer(r"[^\n]+", text[lo:hi])]


def dateline(text: str, start: int, end: int | None = None, case_restored: bool = False) -> int | None:
    """End (after the separator and spaces) of a dateline opening the paragraph at ``start``, or
    None. Datelines: an upper-case place, or a place with an agency credit or a date, then a dash
    ("HANOI —", "Kabul (Reuters) -", "Moscow, Sept. 28 -"); or an upper-case place then a colon
    that does not introduce a quotation ("DHAKA: The government ..."). ``case_restored``: the text
    is the parser's case-restored copy ("HANOI —" reads "Hanoi —"), so one to three capitalised
    words and a dash opening a paragraph count too."""
    end = len(text) if end is None else end
    m = _DATELINE.match(text, start, min(end, start + 90))
    if not m:
        return None
    place = m.group("place")
    caps = [w for w in re.findall(r"[A-Za-z]+", place) if len(w) >= 2]
    upper = bool(caps) and all(w.isupper() for w in caps)
    if m.group("sep") == ":":
        after = text[m.end():m.end() + 1]
        if not upper or not after or after in _QUOTE_START or m.group("agency") and not upper:
            return None
    elif not (upper or m.group("agency") or m.group("date")
              or case_restored and m.group("sep") != "-" and len(place.split()) <= 3):
        return None
    if m.end() >= end:
        return None
    return m.end()


def add_segmenter(nlp) -> None:
    """Make paragraph starts and the first word after a dateline sentence starts before the
    parser runs (the parser keeps boundaries set before it), so that a headline never runs into
    the next line and a dateline is never a subject."""
    if "newsmill_segmenter" in nlp.pipe_names or "parser" not in nlp.pipe_names:
        return
    from spacy.language import Language

    if not Language.has_factory("newsmill_segmenter"):
        Language.component("newsmill_segmenter", func=_segment)
    nlp.add_pipe("newsmill_segmenter", before="parser")


def _segment(doc):
    from spacy.attrs import IDX, IS_SPACE, LENGTH

    text = doc_text(doc)
    starts = set()
    for p0, p1 in paragraphs(text):
        starts.add(p0)
        d = dateline(text, p0, p1, case_restored=True)
        if d is not None:
            starts.add(d)
    # offsets from one array scan: a Token object per word cost more than the rule
    pos = doc.to_array([IDX, LENGTH, IS_SPACE]).tolist()
    for i in range(1, len(pos)):
        (a, n, _), (idx, _, space) = pos[i - 1], pos[i]
        if idx in starts or ("\n" in text[a:a + n] and not space):
            doc[i].is_sent_start = True
    return doc


def _datelines(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    out = []
    spoken = transcript_lines(text)
    for p0, p1 in paragraphs(text, lo, hi):
        d = dateline(text, p0, p1) if p0 not in spoken else None
        if d is not None:
            out.append((p0, d))
    return out


# ---------------------------------------------------------------------------------------------
# 2. Quote marks
# ---------------------------------------------------------------------------------------------

# opening mark -> the marks that close it. Two-character marks come first: ‘‘ and '' open and ’’
# and '' close quotations in older archives and OCRed text.
PAIRS = {
    "‘‘": ("’’", "''", "”"), "''": ("''", "’’", "”", "\""), "``": ("''", "’’", "”"),
    "“": ("”", "’’", "''", "\""), "„": ("“", "”"), "«": ("»",), "‹": ("›",), "\"": ("\"", "”", "''"),
    "‘": ("’",), "'": ("'", "’"), "‚": ("‘", "’"),
}
_TWO = ("‘‘", "’’", "''", "``")
QUOTE_CHARS = "\"'“”‘’«»„‟‹›‚`"
_OPENERS_CONTEXT = set(" \t([{—–-/:;,") | {""}
_MARK_RE = re.compile("[" + re.escape(QUOTE_CHARS) + "]")
_MARK_RUN = re.compile("[" + re.escape(QUOTE_CHARS) + "]+")


@dataclass
class Marked:
    """A quotation found by its marks: [start, end) of the words inside, and whether the
    paragraph closed it. Paragraphs of one multi-paragraph quotation share ``group``."""
    start: int
    end: int
    closed: bool
    group: int
    open_mark: str = ""
    close_mark: str = ""
    open_at: int = 0  # where the opening mark is
    close_at: int = 0  # where the closing mark is (the paragraph's end when unclosed)


def _mark_at(text: str, i: int, hi: int) -> str:
    two = text[i:i + 2]
    if two in _TWO and i + 2 <= hi:
        return two
    return text[i] if text[i] in QUOTE_CHARS else ""


def _only_format(s: str) -> bool:
    """Nothing but spaces and invisible format characters (direction marks, zero-width spaces)."""
    return all(c.isspace() or unicodedata.category(c) == "Cf" for c in s)


def quote_spans(text: str, lo: int = 0, hi: int | None = None) -> list[Marked]:
    """Quotations in ``text[lo:hi]`` by their marks, paragraph by paragraph, in text order.

    A single mark followed by a letter is an apostrophe ("don't"); an unclosed single mark is
    taken as one too. A “ after a comma or a sentence's end and before a space closes a “. An unclosed double mark runs to the paragraph's end; when the next
    paragraph opens with a mark, both belong to one multi-paragraph quotation. A quote inside a
    quote stays inside the outer one."""
    hi = len(text) if hi is None else hi
    out: list[Marked] = []
    group = 0
    open_group: int | None = None
    for p0, p1 in paragraphs(text, lo, hi):
        i = p0
        first = True
        while i < p1:
            mark = _mark_at(text, i, p1)
            closers = PAIRS.get(mark)
            if mark == "»" and i + 1 < p1 and text[i + 1].isalnum():
                closers = ("«",)  # German style »...«
            elif mark == "”" and i + 1 < p1 and text[i + 1].isalnum() and _only_format(text[p0:i]):
                closers = ("”", "“")  # a paragraph opened with the closing mark, a common slip
            if not closers:
                # jump to the next quotation mark (a scan per character cost more than the parse rules)
                m = _MARK_RE.search(text, i + 1, p1)
                nxt = m.start() if m else p1
                if text[i:nxt].strip():
                    first = False
                i = nxt
                continue
            prev = text[i - 1] if i > p0 else ""
            # any space opens (a no-break space after a sentence: 'she said.\xa0"Next."')
            if mark in ("'", "‘", "\"", "''") and not (prev in _OPENERS_CONTEXT or prev in QUOTE_CHARS
                                                      or prev.isspace()):
                i += len(mark)  # an apostrophe or a closing mark, not an opening one
                first = False
                continue
            j = i + len(mark)
            close = -1
            close_mark = ""
            depth = 0  # quotations of the same curly marks opened inside this one
            first_close = (-1, "")
            while j < p1:
                cm = _mark_at(text, j, p1)
                nxt = text[j + len(cm)] if cm and j + len(cm) < p1 else ""
                if cm == mark == "“" and text[j - 1] in ",.!?;" and (not nxt or nxt.isspace()):
                    # an opening mark typed for the closing one ('“It is late,“ she said'): only
                    # a closer stands after the sentence's punctuation and before a space
                    close, close_mark = j, cm
                    break
                if cm == mark == "“" and (nxt.isalnum() or nxt in "‘'"):
                    # '“I'd rather live in what he calls “hell” than leave,” she said': a
                    # curly opening mark inside an open quotation opens a quotation inside it
                    depth += 1
                elif cm and cm in closers:
                    # a single mark followed by a letter is an apostrophe ("don't")
                    if not (len(cm) == 1 and cm in "'’" and nxt.isalpha()):
                        if depth and cm == "”":
                            depth -= 1
                            if first_close[0] < 0:
                                first_close = (j, cm)
                        else:
                            close, close_mark = j, cm
                            break
                if cm in _TWO and (len(mark) == 1 or cm not in closers):
                    j += 1  # step over a doubled mark only one character at a time
                j += 1
            if close < 0 and first_close[0] >= 0:
                close, close_mark = first_close  # the inner quotation was never closed: as before
            if close < 0 and mark in ("'", "‘", "‚"):
                i += 1  # an unclosed single mark is most often an apostrophe
                first = False
                continue
            s, e = i + len(mark), close if close >= 0 else p1
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            if e > s and any(c.isalnum() for c in text[s:e]):
                if first and open_group is not None:
                    g = open_group  # the next paragraph of a multi-paragraph quotation
                else:
                    group += 1
                    g = group
                out.append(Marked(s, e, close >= 0, g, mark, close_mark, i, close if close >= 0 else p1))
                open_group = g if close < 0 else None
            i = (close + len(close_mark)) if close >= 0 else p1
            first = False
        if out and out[-1].group == open_group and not (p0 <= out[-1].start < p1):
            open_group = None  # the open quotation was not continued by this paragraph
    return out


# ---------------------------------------------------------------------------------------------
# 5a. Speaker phrases (the "who" of one cue, before names are resolved)
# ---------------------------------------------------------------------------------------------

@dataclass
class Speaker:
    """A speaker phrase as written, and what it tells about who spoke.

    ``kind`` is "name" (a proper name names the speaker: [name_start, name_end)), "pronoun"
    (he/she/they ...), or "nominal" (a description with no name: "officials", "Strand's rep").
    ``person`` says that the phrase itself shows a person (a title before the name, a person
    noun in apposition), whatever type the model gave the name."""
    start: int
    end: int
    kind: str
    name_start: int | None = None
    name_end: int | None = None
    person: bool = False
    gender: str | None = None  # "m" / "f" for he/she
    plural: bool = False
    head: str = ""  # lower-cased head word ("spokesman", "he", "fjell")


@dataclass
class RawQuote:
    """One quotation before names are resolved (offsets into the article text)."""
    start: int
    end: int
    kind: str
    cue: str | None = None
    cue_start: int | None = None
    speaker: Speaker | None = None
    strategy: str = ""  # which strategy attributed it ("trailing_cue", "clause", ...)
    group: int | None = None  # multi-paragraph quotation id (direct quotes)
    words: int = 0
    text_of: str = ""  # the quote's text, set by :func:`resolve`
    # start of the previous part of the same quotation: '“A,” she said, “B.”' is one quotation
    # split around its attribution, B continues A (:func:`_continues`)
    continues: int | None = None

    @property
    def speaker_start(self) -> int | None:
        return self.speaker.start if self.speaker else None

    @property
    def speaker_end(self) -> int | None:
        return self.speaker.end if self.speaker else None


def _titles() -> frozenset[str]:
    return word_list("titles.txt")


@lru_cache(maxsize=1)
def _title_abbreviations() -> dict[str, str]:
    """Abbreviated title -> the role noun it abbreviates ("gov" -> "governor"), from
    ``tasks/data/title_abbreviations.txt`` (its header names the source)."""
    return word_table("title_abbreviations.txt")


def _role_nouns(title: str) -> set[str]:
    """The role nouns a person's title words stand for ("Lt. Gov." -> lt, gov, lieutenant, governor)."""
    words = [w.rstrip(".") for w in title.lower().split()]
    abbr = _title_abbreviations()
    return set(words) | {abbr[w] for w in words if w in abbr}


@lru_cache(maxsize=4096)
def is_first_name(word: str) -> bool:
    """Is ``word`` a first name in gender-guesser's list (any gender, androgynous included)?"""
    det = _gender_detector()
    if det is None or not word[:1].isupper():
        return False
    return det.get_gender(word.strip(".")) != "unknown"


def _strip_role_words(words: list[str]) -> list[str]:
    """A person's name without the role words written before it: known titles (nameparser's
    list and ours), and any capitalised word before a known first name that is not a first name
    itself ("Superintendent Jennifer McCormick", "Councillor Maya Brandt" -> the name). Two words
    always stay ("Dean Baquet")."""
    from newsmill.tasks.entities import person_titles

    titles = person_titles()
    while len(words) > 2 and (words[0].lower().rstrip(".") in titles
                              or (is_first_name(words[1]) and not is_first_name(words[0]))
                              or words[1].lower().rstrip(".") in titles and words[0][:1].isupper()):
        # (the last: a title written after what it is of, "Finance Minister Kwame Asante")
        words = words[1:]
    return words


def _is_person_noun(tok) -> bool:
    w = tok.lower_.rstrip(".")
    return w in _titles() or bool(re.search(r"(?:ist|ian|er|or|man|woman|person)$", w)) and tok.tag_ in {"NN", "NNP"}


def _name_tokens(tok) -> list:
    """``tok`` and the proper-name tokens written with it (compounds, flat parts), without the
    titles before it ("Economist Berit Fjell" -> Berit Fjell)."""
    doc = tok.doc
    left = tok.i
    while left - 1 >= 0 and doc[left - 1].head.i in range(left, tok.i + 1) and \
            doc[left - 1].dep_ in {"compound", "flat", "nmod"} and doc[left - 1].tag_ in _NAME_TAGS | {"NN"} \
            and not doc[left - 1].is_punct:
        left -= 1
    right = tok.i
    while right + 1 < len(doc) and doc[right + 1].head.i == tok.i and doc[right + 1].dep_ in {"flat", "compound"} \
            and doc[right + 1].tag_ in _NAME_TAGS:
        right += 1
    toks = list(doc[left:right + 1])
    titles = _titles()
    while len(toks) > 1 and (toks[0].lower_.rstrip(".") in titles or toks[0].tag_ == "NN"):
        toks = toks[1:]
    return toks


def _has_title(tok) -> bool:
    """Is the name ``tok`` heads written after a person's title ("Sen. Ada Kim", "State Rep. Lee")?
    Not a word of an organisation's or a place's own name ("the State Department", "Justice
    Ministry"): one entity with the name, of a type that is not a person, and no first name in
    it (the model also runs a title into a person's name: "House Intelligence Republican Mike
    Pompeo" as one ORG)."""
    doc = tok.doc
    i = _name_tokens(tok)[0].i - 1
    titles = _titles()
    while i >= 0 and i >= tok.i - 6 and (doc[i].lower_.rstrip(".") in titles or doc[i].tag_ in {"NN", "NNP"}):
        if doc[i].lower_.rstrip(".") in titles:
            return not (tok.ent_type_ not in {"", "PERSON"} and doc[i].ent_type_ == tok.ent_type_
                        and all(doc[j].ent_iob_ == "I" for j in range(i + 1, tok.i + 1))
                        and not any(is_first_name(t.text) for t in _name_tokens(tok)))
        i -= 1
    return False


def _phrase_span(tok, lo: int) -> tuple[int, int]:
    """The noun phrase a speaker token heads, without trailing appositions or relative clauses
    and without anything before ``lo`` (a dateline), a comma-separated leading clause or a line
    break."""
    doc = tok.doc
    left = max(tok.left_edge.i, lo)
    right = tok.i
    for t in tok.rights:
        if t.dep_ in {"compound", "flat", "prep"} and "," not in doc[tok.i:t.right_edge.i + 1].text:
            right = max(right, t.right_edge.i)
        else:
            break
    for i in range(left, tok.i):
        if doc[i].text == "," or "\n" in doc[i].text or "\n" in doc[i].whitespace_:
            left = i + 1
    while left < tok.i and (doc[left].is_punct or doc[left].is_space):
        left += 1
    while right > left and doc[right].lower_ in {"'s", "’s", ","}:
        right -= 1
    return doc[left].idx, doc[right].idx + len(doc[right].text)


def _appositive_name(tok):
    """A proper name in apposition inside the subject phrase ("The chief executive of X, Name",
    "X's publicist, Name"): reached from the head through prepositions, not through clauses."""
    stack = [tok]
    while stack:
        t = stack.pop()
        for c in t.children:
            if c.dep_ == "appos" and c.tag_ in _NAME_TAGS and c.i > tok.i and c.ent_type_ != "NORP":
                # (not "a Democrat", "an American": a party or a nationality describes the
                # speaker, it does not name her)
                return c
            if c.dep_ in {"prep", "pobj"} and c.i > tok.i:
                stack.append(c)
    return None


def _entity_of(tok):
    """The entity span ``tok`` is in (from its IOB tags: ``doc.ents`` rebuilds every span)."""
    if tok.ent_type_ not in {"PERSON", "ORG", "NORP", "GPE"}:
        return None
    doc = tok.doc
    start = tok.i
    while start > 0 and doc[start].ent_iob_ == "I":
        start -= 1
    end = tok.i + 1
    while end < len(doc) and doc[end].ent_iob_ == "I":
        end += 1
    return doc.char_span(doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text), label=tok.ent_type_)


def speaker_of(tok, lo_tok: int = 0) -> Speaker | None:
    """What the subject token ``tok`` of a cue says about who spoke (see :class:`Speaker`).

    The speaker is the head of the subject phrase: "Strand's rep told" is the rep (no name),
    "an economist at Nordea said" an unnamed economist, "The chief executive of X, Name, said"
    Name, "Economist Name said" Name, a person whatever the model typed her as."""
    if tok is None or not any(c.isalnum() for c in tok.text) or tok.i < lo_tok:
        return None
    doc = tok.doc
    if tok.lower_ in _RELATIVE | {"whom", "this"} and tok.tag_ in {"WDT", "WP", "DT"}:
        return None  # a relative or demonstrative pronoun left unresolved: no speaker beats "that"
    s, e = _phrase_span(tok, lo_tok)
    low = tok.lower_
    nxt = doc[tok.i + 1] if tok.i + 1 < len(doc) else None
    if low in PRONOUNS | _OTHER_PRONOUNS and nxt is not None and not tok.whitespace_ == "" and \
            nxt.tag_ in _NAME_TAGS and nxt.ent_type_ == "PERSON" and tok.text[:1].isupper() and \
            (nxt.head.i == tok.i or tok.head.i == nxt.i):
        # a name whose first word is also a pronoun ("He Jianxiong"): the name's head speaks
        tok = nxt if tok.head.i == nxt.i else tok
        while tok.dep_ in {"compound", "flat"} and tok.head.i > tok.i and tok.head.tag_ in _NAME_TAGS:
            tok = tok.head
        low = tok.lower_
    if tok.tag_ in {"PRP", "PRP$"} or low in PRONOUNS | _OTHER_PRONOUNS:
        return Speaker(doc[tok.i].idx, doc[tok.i].idx + len(tok.text), "pronoun",
                       gender=_PRONOUN_GENDER.get(low), plural=low in {"they", "we", "them", "us"}, head=low)
    ent = _entity_of(tok)
    if (tok.tag_ in _NAME_TAGS or ent is not None) and not (low.rstrip(".") in _titles() and tok.ent_type_ != "PERSON"):
        names = _name_tokens(tok)
        if ent is not None and ent.label_ == "PERSON":
            # the entity, widened by name parts the model left out of it ("ANNIKA" of "ANNIKA BRENNVOLD")
            toks = [t for t in ent if not t.is_punct]
            while len(toks) > 1 and (toks[0].lower_.rstrip(".") in _titles() or toks[0].lower_ == "the"):
                toks = toks[1:]
            if toks and names and names[0].i < toks[0].i and names[-1].i >= toks[0].i - 1 \
                    and not (len(toks) >= 2 and is_first_name(toks[0].text)):
                # widened only when the entity lacks a first name: words before one are roles
                toks = list(doc[names[0].i:toks[-1].i + 1])
            names = toks or names
        appos_noun = any(c.dep_ == "appos" and _is_person_noun(c) for c in tok.children)
        return Speaker(s, e, "name", names[0].idx, names[-1].idx + len(names[-1].text),
                       person=_has_title(tok) or appos_noun, plural=tok.tag_ == "NNPS", head=low)
    app = _appositive_name(tok)
    if app is not None:
        names = _name_tokens(app)
        # the phrase as written runs through the name ("One of the men, Ada Kim, said")
        e = max(e, names[-1].idx + len(names[-1].text))
        return Speaker(s, e, "name", names[0].idx, names[-1].idx + len(names[-1].text),
                       person=_is_person_noun(tok), head=app.lower_)
    return Speaker(s, e, "nominal", plural=tok.tag_ in {"NNS", "NNPS"}, head=low,
                   person=_is_person_noun(tok))


# ---------------------------------------------------------------------------------------------
# 3a. Indirect quotes: strategies on the dependency parse
# ---------------------------------------------------------------------------------------------

def _cues() -> frozenset[str]:
    return word_list("cue_verbs.txt")


def _objects() -> frozenset[str]:
    return word_list("object_cues.txt")


@dataclass
class _Ctx:
    doc: object
    text: str  # the article
    base: int  # where the parsed segment starts in the article
    datelines: list[tuple[int, int]] = field(default_factory=list)  # absolute
    indirect: list = field(default_factory=list)  # RawQuotes from INDIRECT_STRATEGIES
    quoted: list = field(default_factory=list)  # [start, end) of the segment's quotations (absolute)

    def lo_token(self, tok) -> int:
        """First token index a phrase around ``tok`` may use: after a dateline on its line."""
        a = self.base + tok.idx
        for d0, d1 in self.datelines:
            if d0 <= a and (a < d1 or "\n" not in self.text[d1:a]):
                if a < d1:
                    return len(self.doc)  # the token is in the dateline
                span = self.doc.char_span(d1 - self.base, d1 - self.base + 1, alignment_mode="expand")
                return span.start if span is not None else 0
        return 0


def _trim(doc, left: int, right: int) -> tuple[int, int] | None:
    """Token range -> char range without edge punctuation, quotation marks and spaces."""
    while left <= right and (doc[left].is_punct or doc[left].is_space) and doc[left].text not in "$£€":
        left += 1
    while right >= left and (doc[right].is_punct or doc[right].is_space) and doc[right].text not in ")%":
        right -= 1
    if right < left:
        return None
    start = doc[left].idx
    return start, _with_closing_mark(doc_text(doc), start, doc[right].idx + len(doc[right].text))


def _coordinated_cue_head(v):
    """The cue a subjectless cue verb ``v`` is coordinated with when the parser hung it inside
    that cue's content ("She said that X and predicted that Y": predicted <- conj <- X <- ccomp <-
    said), else None."""
    if v.dep_ != "conj" or not verb_in(v, _cues()) or any(c.dep_ in {"nsubj", "nsubjpass", "csubj"} for c in v.children) \
            or not any(c.dep_ == "ccomp" for c in v.children):
        return None
    h = v.head
    if h.dep_ == "ccomp" and verb_in(h.head, _cues()) and h.head.i < h.i:
        return h.head
    return None


def _is_dash(tok) -> bool:
    """A dash that sets off an interrupter: an em or en dash, or a hyphen with spaces around it
    (not the hyphen inside "well-known")."""
    return tok.text in {"—", "–", "--"} or (tok.text == "-" and tok.i and tok.doc[tok.i - 1].whitespace_ != ""
                                            and tok.whitespace_ != "")


def _out_of_interrupter(subj, verb):
    """The subject token, or the phrase after an interrupter's closing dash when the parser took a
    name inside the interrupter for the subject: in 'In the letter - addressed to the attorney, Ann
    Lee - the senator asks ...' the one who asks is the senator, whom the parser hangs on Lee as an
    apposition or makes a second subject. A subject inside dashes whose clause only begins after
    the closing dash cannot be that clause's subject."""
    doc = subj.doc
    sent_start = subj.sent.start
    opening = [t for t in doc[sent_start:subj.i] if _is_dash(t)]
    closing = [t for t in doc[subj.i + 1:verb.i] if _is_dash(t)]
    if len(opening) % 2 == 1 and closing:
        after = closing[0].i
        for c in list(subj.children) + list(verb.children):
            if c.dep_ in {"appos", "nsubj"} and after < c.i < verb.i:
                return c
    return subj


# Verbs by which a writer gives someone's words as that person's ("quoted Lee as saying", "cited
# an aide as saying"): the one quoted is their object, or their subject in the passive.
_QUOTING = frozenset({"quote", "cite"})


def _word_before(verb, floor: int):
    """The token right before ``verb``, past adverbs ("X also said"), if it lies after ``floor``."""
    i = verb.i - 1
    while i > floor and verb.doc[i].tag_ in {"RB", "RBR"}:
        i -= 1
    return verb.doc[i] if i > floor else None


def _name_before_cue(subj, verb):
    """The subject token, or the name written right before the cue when the parser hung that name
    on the subject as a second apposition ('Campaigning for her brother, the senator Tomas Varga,
    actress Lina Varga said': Lina Varga said it, not the senator). Only a name set off from the
    subject by a comma and joined to the verb without one: 'The head of X, Ann Lee, said' keeps
    its subject."""
    doc = verb.doc
    prev = _word_before(verb, subj.i)
    if prev is None or prev.tag_ not in {"NNP", "NNPS"} or prev.ent_type_ != "PERSON":
        return subj
    head = prev
    while head.dep_ in {"compound", "flat"} and head.head.i > head.i:
        head = head.head
    if head.i != prev.i or head.dep_ != "appos" or subj not in head.ancestors:
        return subj
    if not any(t.text == "," for t in doc[subj.i:head.left_edge.i]):
        return subj
    return head


def _subject(verb, own: bool = True):
    """The speaker token of a cue: its subject, or in the passive its agent ("was told by X");
    a passive cue without an agent has none ("Residents have been promised ..."). A cue under
    another verb takes that verb's subject ("X met reporters and said", "X is expected to say",
    "X was quoted as saying")."""
    for c in verb.children:
        if c.dep_ == "agent":
            for g in c.children:
                if g.dep_ == "pobj":
                    return g
    for c in verb.children:
        if c.dep_ in {"nsubj", "csubj"}:
            return _name_before_cue(_out_of_interrupter(c, verb), verb)
        if c.dep_ == "nsubjpass":
            return None if own else c
    coord = _coordinated_cue_head(verb)
    if coord is not None:
        return _subject(coord, own=False)
    if own and verb.tag_ == "VBN" and verb.dep_ in {"advcl", "ccomp", "xcomp"} and \
            not any(c.dep_ in {"aux", "auxpass"} for c in verb.children) and verb_in(verb, _communications()):
        # "(When) asked whether he would resign, Lee said ...", "Told of the ruling, Kim ...": the
        # subject of the clause was asked or told; who asked is not named (a participle of
        # feeling is the subject's own: "Worried the plan would fail, the board said ...")
        return None
    if verb.dep_ in {"conj", "xcomp", "advcl", "pcomp", "pobj"} and verb.head is not verb:
        head = verb.head
        if verb.dep_ == "conj" and head.dep_ == "ccomp" and verb_in(verb, _cues()) and verb_in(head.head, _cues()) \
                and head.head.i < head.i and any(c.dep_ == "nsubj" and c.lower_ in _OTHER_PRONOUNS | PRONOUNS
                                                 for c in head.children):
            # 'China said it was opposed to the test and warned X to ...': the parser hangs the
            # second speech verb on the reported clause; the reporter is who warned
            head = head.head
        if verb.dep_ in {"pcomp", "pobj"} or head.dep_ == "prep":
            while head.dep_ == "prep" and head.head is not head:
                head = head.head  # "quoted as saying": saying <- as <- quoted
            if verb.dep_ == "pcomp" and verb.head.lower_ == "as" and verb_in(head, _QUOTING):
                # "the Courier quoted Lee as saying", "Lee was quoted by the Courier as saying":
                # the one quoted says it, not the one who quotes
                quoted = next((c for c in head.children if c.dep_ in {"dobj", "nsubjpass"}), None)
                if quoted is not None:
                    return quoted
        if not is_verb(head) and head.dep_ == "acomp" and is_verb(head.head):
            head = head.head  # "X is likely to stress that": stress <- likely <- is
        if not is_verb(head):
            return None
        if verb.tag_ == "VBG" and verb.dep_ in {"advcl", "conj"} and verb.i and verb.doc[verb.i - 1].text == "," \
                and verb_in(verb, _cues()):
            # 'Lee told them that Kim had lied, adding, “…”': the parser hangs the participle on
            # the reported clause's verb, but the one who adds is the reporter
            # (not past a cue with a named subject of its own: in 'Kim cannot say that “…,” Lee
            # added, saying …' the one who says is Lee, who added; a pronoun there is most often
            # the reporter again: 'Lee said he doubted it, arguing that …')
            while head.dep_ == "ccomp" and head.head is not head and verb_in(head.head, _cues()) \
                    and head.head.i < head.i and not (verb_in(head, _cues()) and any(
                        c.dep_ == "nsubj" and c.tag_ in _NAME_TAGS for c in head.children)):
                head = head.head
        return _subject(head, own=False)
    if verb.dep_ == "parataxis" and verb.head.tag_ == "VBG" and verb.head.i < verb.i:
        # "X, noting the size of the crowd, said": the parser made the participle the root
        return _subject(verb.head, own=False)
    if verb.dep_ == "acl" and verb.tag_ == "VBG" and verb.head.dep_ == "dobj" and is_verb(verb.head.head):
        # "X released a statement saying that ...": the statement's author speaks
        return _subject(verb.head.head, own=False)
    if own and verb.dep_ in {"ROOT", "ccomp", "conj"} and verb.tag_ in {"VBD", "VBZ", "VBP"}:
        # a finite cue whose subject the parser hung elsewhere, written right before it ("..., former
        # president Bill Clinton said", Clinton an apposition of an earlier name; "About 4 in 10
        # say"): the noun right before the verb, past adverbs ("also"), is its subject
        prev = _word_before(verb, -1)
        if prev is not None and prev.tag_ in {"NN", "NNS", "NNP", "NNPS", "PRP", "CD"} and \
                prev.dep_ not in {"pobj", "dobj", "poss"} and prev.ent_type_ not in {"DATE", "TIME"} and \
                prev.sent.start == verb.sent.start:
            return prev
    return None


def _resolve_relative(subj):
    if subj is not None and not any(c.isalnum() for c in subj.text):
        return None  # a quotation mark parsed as the subject
    # "officials, who said ..." -> officials
    if subj is not None and subj.lower_ in _RELATIVE and subj.head.dep_ == "relcl":
        return subj.head.head
    if subj is not None and subj.lower_ in _RELATIVE and subj.tag_ in {"WDT", "WP"} and subj.i:
        # the parse missed the relative clause ("the city police department which reported ..."):
        # the noun right before the pronoun, or before its comma, is the antecedent
        prev = subj.doc[subj.i - 1]
        if prev.text == "," and subj.i > 1:
            prev = subj.doc[subj.i - 2]
        if prev.tag_ in {"NN", "NNS", "NNP", "NNPS"}:
            return prev
    return subj


# Verbs by which someone puts out a record ("X released a video that accuses ..."): the record's
# words are its author's, as in "X released a statement saying ..." (:func:`_subject`).
_PUT_OUT = frozenset({"release", "issue", "publish", "post", "air", "run", "launch", "unveil", "send", "write",
                      "file", "produce", "make", "tweet", "broadcast", "circulate", "distribute"})


def _speaker_at(ctx, subj) -> Speaker | None:
    """The speaker of a cue whose subject token is ``subj`` (absolute offsets).

    A relative pronoun ("Mayor Ada Kim, who said ...", "a letter that warned ...") speaks as its
    antecedent (the noun the relative clause modifies): the speaker as written runs from the
    antecedent's phrase to the pronoun ("Ada Kim, who", "a letter that"), never the bare pronoun,
    which tells a reader nothing; its kind and name are the antecedent's. (The span keeps the
    pronoun: PolNeAR marks it as the Source, 176 of 200 "who" speakers on train.) A record
    someone put out ("X released a video that accuses ...") speaks for its author, X. A pronoun
    whose antecedent the parse does not give is no speaker (:func:`speaker_of`)."""
    if subj is None or not any(c.isalnum() for c in subj.text):
        return None
    ante = _resolve_relative(subj)
    if ante is not subj and ante is not None and ante.dep_ == "dobj" and verb_in(ante.head, _PUT_OUT) \
            and _is_record(ante):
        # only the verb's own subject: one inherited through "to make a comment that ..." is
        # too often someone else's
        author = next((c for c in ante.head.children if c.dep_ == "nsubj"), None)
        if author is not None and author.lower_ not in _RELATIVE:
            return _speaker_at(ctx, author)
    sp = speaker_of(ante, ctx.lo_token(ante)) if ante is not None else None
    if sp is None:
        return None
    if ante is not subj:
        sp.end = max(sp.end, subj.idx + len(subj.text))
    return _shift(sp, ctx.base)


def _is_agent(tok) -> bool:
    """Can this subject speak? Names, pronouns for people, titles, agent nouns and nouns for people
    (``tasks/data/person_nouns.txt``: "aide", "pastor", "voters") can; abstract nouns
    ("experience", "history") cannot."""
    if tok is None:
        return False
    if tok.tag_ in _NAME_TAGS or tok.ent_type_ in {"PERSON", "ORG", "NORP", "GPE"}:
        return True
    if tok.tag_ == "PRP":
        return tok.lower_ != "it"
    w = tok.lower_
    return w in _titles() or bool(_AGENT_SUFFIX.search(w)) or _noun_in(tok, _person_nouns())


@lru_cache(maxsize=1)
def _person_nouns() -> frozenset[str]:
    return word_list("person_nouns.txt")


def _noun_in(tok, nouns: frozenset[str]) -> bool:
    """Is ``tok`` a common noun of ``nouns``, singular or regular plural ("voters", "allies")?"""
    if tok.tag_ not in {"NN", "NNS"}:
        return False
    w = tok.lower_
    return w in nouns or tok.tag_ == "NNS" and any(
        w.endswith(suf) and w[:-len(suf)] + rep in nouns for suf, rep in (("ies", "y"), ("es", ""), ("s", "")))


def _is_record(tok) -> bool:
    """Is this subject a thing that carries information ("the emails", "a video", "the
    transcript"), which can show or suggest that something is so as a source does? Nouns whose
    first WordNet sense is a communication or an artifact (``tasks/data/record_nouns.txt``);
    abstract nouns ("experience", "logic", "his popularity") are not."""
    return tok is not None and _noun_in(tok, word_list("record_nouns.txt"))


def _evidence_source(tok) -> bool:
    """Can this subject show or suggest that something is so, as a source does? One who can
    speak (:func:`_is_agent`), a record (:func:`_is_record`: "the emails show") or an inquiry
    (:func:`_is_inquiry`: "the poll shows"), or a noun made of one ("an average of recent polls",
    "a review by the Times", "a batch of emails")."""
    if tok is None:
        return False
    if _is_agent(tok) or _is_record(tok) or _is_inquiry(tok):
        return True
    return tok.tag_ in {"NN", "NNS"} and any(
        g.dep_ == "pobj" and (_is_agent(g) or _is_record(g) or _is_inquiry(g))
        for p in tok.children if p.dep_ == "prep" and p.lower_ in {"of", "by"} and p.i > tok.i for g in p.children)


@lru_cache(maxsize=1)
def _inquiry_nouns() -> frozenset[str]:
    return word_list("inquiry_nouns.txt")


def _is_inquiry(tok) -> bool:
    """Is this noun an inquiry ("the poll", "a survey", "the audit", "exit polling"), whose
    findings are reported as its own? Nouns of ``tasks/data/inquiry_nouns.txt`` (WordNet's
    investigation and inquiry), singular or plural, and their gerunds ("polling")."""
    if tok is None or tok.tag_ not in {"NN", "NNS"}:
        return False
    w, nouns = tok.lower_, _inquiry_nouns()
    if _noun_in(tok, nouns):
        return True
    return w.endswith("ing") and w[:-3] in nouns


def _passive(verb) -> bool:
    return any(c.dep_ in {"nsubjpass", "auxpass"} for c in verb.children)


def _cue_text(tok) -> str:
    prt = [c for c in tok.children if c.dep_ == "prt"]
    if prt and prt[0].i == tok.i + 1:
        return tok.doc[tok.i:prt[0].i + 1].text
    return tok.text


def _clause_after_setting(tok) -> list:
    """A content clause the parser hung on the noun of the cue's setting: in "told the board
    before the vote that the pier was unsafe" the that-clause is parsed as the vote's; "that"
    is its subordinator (a mark), not a relative pronoun, so it is what was told."""
    out = []
    for p in tok.children:
        if p.dep_ != "prep" or p.i < tok.i or p.lower_ not in _SETTING:
            continue
        for o in p.children:
            out += [x for x in o.children if x.dep_ in {"acl", "relcl", "ccomp"} and x.i > o.i and is_verb(x)
                    and any(m.dep_ == "mark" and m.lower_ == "that" and m.i == x.left_edge.i for m in x.children)]
    return out[:1]


def _reporting_participle(v) -> bool:
    """'..., adding that ...', '..., citing the audit': a participle after a comma that is a
    report of its own (its speaker is the reporter's: :func:`_subject`), not part of the content
    the parser hung it on."""
    return v.tag_ == "VBG" and v.dep_ in {"advcl", "conj"} and v.i > 0 and v.doc[v.i - 1].text == "," \
        and _reports_of_its_own(v.head, v)


def indirect_clause(ctx: _Ctx, tok) -> tuple[tuple[int, int], object] | None:
    """A cue verb with a content clause: "Officials said (that) the talks had stalled." In a
    relative clause the content is what follows the cue ("a system which Name said was unequal"
    -> "was unequal"). Evidence verbs need a subject that can speak ("experience shows that ..."
    is no quote)."""
    if not verb_in(tok, _cues()):
        return None
    comp = [c for c in tok.children if c.dep_ == "ccomp"] or _clause_after_setting(tok)
    if not comp:
        return None
    if tok.dep_ == "xcomp" and verb_in(tok.head, _REFUSING):
        return None  # "refused to say when ...": the one thing the source did not say
    subj = _subject(tok)
    if verb_in(tok, _EVIDENTIAL) and not _evidence_source(_resolve_relative(subj)):
        return None
    # the clause after the cue is its content; a clause before it only in the postposed frame,
    # set off by a comma, dash or quotation mark ("The talks stalled, she said"): without one the
    # parser has most often read the subject phrase as a clause ("Ann Lee, a rabbi, said ...")
    after = [c for c in comp if c.left_edge.i > tok.i]
    c = after[0] if after else comp[0]
    if c.right_edge.i < tok.i:
        gap = tok.doc[c.right_edge.i + 1:tok.i].text if c.right_edge.i + 1 < tok.i else ""
        edge = tok.doc[c.right_edge.i].text
        if not (re.search(r"[,—–]|--", gap) or edge in {",", "—", "–"} or any(ch in QUOTE_CHARS for ch in gap + edge)):
            return None
    doc = tok.doc
    if tok.i > 0 and doc[tok.i - 1].text == "," and subj is not None and subj.i < tok.i < c.i:
        # 'The plan, said Ann Lee, an economist, would fail': the parser reads the plan as the
        # cue's subject and the speaker as the subject of the content. The speaker stands right
        # after the cue and is closed by a comma; the content is the whole clause around the
        # attribution (as for other parenthetical cues).
        inner = next((x for x in c.children if x.dep_ == "nsubj" and x.left_edge.i == tok.i + 1), None)
        if inner is not None and inner.right_edge.i + 1 < c.right_edge.i and "," in (
                doc[inner.right_edge.i].text, doc[inner.right_edge.i + 1].text):
            span = _trim(doc, subj.left_edge.i, c.right_edge.i)
            return (span, inner) if span else None
    if subj is None and tok.i > 0 and doc[tok.i - 1].text == "," and c.i > tok.i:
        # 'Rather than raise fees, said Ines Barros, the port's chief, the board will sell land':
        # the parser gives the content's verb two subjects, the speaker right after the cue first
        subjects = [x for x in c.children if x.dep_ == "nsubj" and x.i < c.i]
        if len(subjects) >= 2 and subjects[0].left_edge.i == tok.i + 1:
            span = _trim(doc, subjects[1].left_edge.i, c.right_edge.i)
            return (span, subjects[0]) if span else None
    left, right = c.left_edge.i, c.right_edge.i
    # 'said that X and predicted that Y': the parser often hangs the second cue under X; it is
    # a report of its own (its subject is this cue's: :func:`_coordinated_cue_head`)
    for v in c.subtree:
        if v.i > c.i and (_coordinated_cue_head(v) is not None and _coordinated_cue_head(v).i == tok.i
                          or _reporting_participle(v)):
            right = v.i - 1
            while right > left and (doc[right].dep_ == "cc" or doc[right].is_punct):
                right -= 1
            break
    if left < tok.i < right:
        left = tok.i + 1  # the content straddles the cue: keep the part after it
    if left > tok.i and right == c.right_edge.i:
        right = _phrase_right(tok, right, past_comma=True)
    while left < right and tok.doc[left].lower_ in _RELATIVE and tok.doc[left].tag_ in {"WDT", "WP", "IN"}:
        left += 1
    span = _trim(tok.doc, left, right)
    return (span, subj) if span else None


def indirect_parenthetical(ctx: _Ctx, tok) -> tuple[tuple[int, int], object] | None:
    """A cue after or inside the clause it reports: "The talks stalled, officials said." and
    "In three years, Barden says, far too many lives were lost"."""
    if not verb_in(tok, _cues()) or tok.dep_ != "parataxis" or any(c.dep_ == "ccomp" for c in tok.children):
        return None
    doc = tok.doc
    head = tok.head
    subj = _subject(tok)
    # the cue's own phrase without the commas the parser may hang on it ("Kim, the guards said, told
    # them ...": both commas are children of "said")
    left, right = tok.left_edge.i, tok.right_edge.i
    while left < tok.i and doc[left].is_punct:
        left += 1
    while right > tok.i and doc[right].is_punct:
        right -= 1
    if head.i < tok.i and tok.right_edge.i >= head.right_edge.i - 1:
        span = _trim(doc, max(head.left_edge.i, 0), tok.left_edge.i - 1)
    elif (left > 0 and doc[left - 1].text == ","
          and right + 1 < len(doc) and doc[right + 1].text == ","):
        if _around_attribution(doc, tok) is not None:
            return None  # two parts without the attribution: parenthetical_attribution's
        span = _trim(doc, head.left_edge.i, head.right_edge.i)
    else:
        return None
    return (span, subj) if span else None


# Evidence verbs whose object is what a source shows ("Polls show a close race", "the records
# indicate his support"): only with a common noun for a source as subject (:func:`_is_agent`: a
# poll, a report, documents), never an abstract one ("experience shows ...") nor a person ("she
# has not shown any partisanship" displays, not reports).
_EVIDENCE_OBJECT = frozenset({"show", "indicate", "suggest"})


@lru_cache(maxsize=1)
def _judging() -> frozenset[str]:
    return word_list("judgment_verbs.txt")


_NO_ONE_IN_PARTICULAR = frozenset({"you", "that", "which", "who", "anyone", "anybody", "nobody"})


def _reported_act(tok) -> bool:
    """Does the clause of ``tok`` report an act that took place, as a statement does ("Lee
    attacked the plan", "..., attacking the plan")? A verb of judging also names a habit or a
    possibility ("who attacks everyone", "could attack the plan", "Do you attack ...?",
    "free to attack"), which reports nothing anyone said: no modal, no infinitive or bare
    gerund, no relative clause, no question, and a subject that names someone."""
    if any(c.dep_ == "aux" and c.tag_ == "MD" for c in tok.children) or tok.dep_ == "relcl":
        return False
    if tok.tag_ == "VB" or tok.tag_ == "VBG" and not (
            tok.dep_ in {"advcl", "conj"} and tok.i and tok.doc[tok.i - 1].text == ","):
        return False
    if any(t.text == "?" for t in tok.sent):
        return False
    subj = _resolve_relative(_subject(tok))
    return subj is not None and subj.lower_ not in _NO_ONE_IN_PARTICULAR


def indirect_object(ctx: _Ctx, tok) -> tuple[tuple[int, int], object] | None:
    """A stance verb whose object is the content: "backed Rubio", "called for a ban". Not in the
    passive ("were rejected on Thursday by ...": the subject is what was rejected, not a
    speaker), and never a date or time. A verb of judging (``tasks/data/judgment_verbs.txt``,
    WordNet's criticize and praise: "attacked the plan", "decried the ruling") only as an act
    that took place (:func:`_reported_act`)."""
    src = _resolve_relative(_subject(tok)) if verb_in(tok, _EVIDENTIAL) else None
    evidence = src is not None and src.tag_ in {"NN", "NNS"} and src.ent_type_ != "PERSON" and (
        verb_in(tok, _EVIDENCE_OBJECT) and _evidence_source(src) or _is_inquiry(src))
    # a record shows a state of affairs ("emails showed staff favoring Clinton", "the video
    # showed fighters with heavy weapons"), not a bare thing on display ("screens showed one word")
    displayed = evidence and not (_is_agent(src) or _is_inquiry(src))
    judging = verb_in(tok, _judging())
    if not (verb_in(tok, _objects()) or evidence or judging) or \
            verb_in(tok, _cues()) and any(c.dep_ == "ccomp" for c in tok.children):
        return None
    if _passive(tok) or tok.dep_ in {"amod", "acl"}:
        return None
    if judging and not _reported_act(tok):
        return None
    if verb_in(tok, _QUOTING) and any(c.dep_ == "prep" and c.lower_ == "as" and any(
            g.dep_ == "pcomp" and g.tag_ == "VBG" for g in c.children) for c in tok.children):
        return None  # "cited an aide as saying ...": the aide is who speaks (_subject), not what was said
    objs = [c for c in tok.children if c.dep_ in {"dobj", "xcomp", "attr"}]
    pobj = [g for c in tok.children if c.dep_ == "prep" and c.lower_ in {"for", "on", "about", "of"}
            for g in c.children if g.dep_ in {"pobj", "pcomp"}]
    for o in objs + pobj:
        if o.ent_type_ in {"DATE", "TIME"}:
            continue
        if displayed and not any(c.dep_ in {"acl", "relcl", "prep"} for c in o.children):
            continue
        span = _trim(tok.doc, o.left_edge.i, _object_right(tok, o))
        if span:
            return span, _subject(tok)
    return None


# Prepositions that set the scene of the telling (when, where, amid what), not what was told.
_SETTING = frozenset({"during", "at", "in", "after", "before", "since", "until", "amid", "throughout",
                      "while", "inside", "outside", "near"})


def _object_right(verb, o) -> int:
    """Where an object content ends: at the end of the verb's phrase (:func:`_phrase_right`):
    "attacked the senator during the debate over his votes", "proposed a levy last year on
    coal plants"."""
    return _phrase_right(verb, o.right_edge.i)


def _reports_of_its_own(verb, c) -> bool:
    """Is the dependent ``c`` of ``verb`` a report of its own ("..., adding that ...", "and
    warned that ...", "..., she said"), whose content is not ``verb``'s?"""
    if not is_verb(c):
        return False
    if verb_in(c, _cues()) and not verb_in(c, _infinitive_cues()) and any(
            x.dep_ == "xcomp" and any(a.tag_ == "TO" for a in x.children) for x in c.children):
        return False  # "..., and would continue to press the case": the verb is not speaking here
    return verb_in(c, _cues()) or verb_in(c, _infinitive_cues()) or verb_in(c, _objects()) \
        or verb_in(c, _judging()) or c.dep_ == "parataxis"


def _phrase_right(verb, right: int, past_comma: bool = False) -> int:
    """Where the content of ``verb`` that ends at token ``right`` ends when the verb's phrase goes
    on: PolNeAR's Content runs to the end of the verb phrase ("insisted it was a dip, reflecting
    unrest", "said the plan was late and that costs had doubled", "urged the city to act before
    the storm"). It stops before a dependent that reports on its own (:func:`_reports_of_its_own`:
    "said X, adding that Y" is two reports), before a phrase of time or place that a content
    clause or a quotation mark follows (the setting is the telling's), and before a conjunct
    holding a quotation (the quotation is kept as a quote beside the clause, as
    :func:`direct_quotes` keeps one that is at least half of the clause). ``past_comma`` for a
    content clause only: an object content ends at a comma ("called for an inquiry, marching
    to the hall ...": the participle is the marchers', not the call's; a clause's runs on,
    train F1 0.7317 with the comma stop for objects, 0.7323 without it, but dev lost a quotation
    swallowed so)."""
    doc = verb.doc
    for c in sorted(verb.children, key=lambda t: t.i):
        if c.i <= right or c.dep_ in {"punct", "cc"}:
            if c.i > right and c.text == "," and not past_comma:
                break
            continue
        if c.dep_ in {"nsubj", "nsubjpass", "dobj", "dative", "mark", "aux", "auxpass", "neg"} or \
                _reports_of_its_own(verb, c):
            break
        if c.dep_ == "prep" and (c.lower_ in _SETTING or any(g.ent_type_ in {"DATE", "TIME"} for g in c.children)) \
                or c.ent_type_ in {"DATE", "TIME"}:
            nxt = c.right_edge.i + 1
            while nxt < len(doc) and doc[nxt].text == ",":
                nxt += 1
            if nxt < len(doc) and (doc[nxt].lower_ == "that" or doc[nxt].text[0] in QUOTE_CHARS):
                break
        if c.sent.start != verb.sent.start:
            break
        # a second content clause ('said that X “…,” and that Y') or verb phrase ('… “way off,” and
        # have been unreliable') starts past the mark closing the first one's quotation; a clause
        # with a subject of its own after a quotation ('said that X “…,” but the Chinese have
        # been reluctant ...') is most often the writer's
        own = c.tag_ != "VBG" and any(g.dep_ in {"nsubj", "nsubjpass", "expl"} for g in c.children) and not any(
            g.dep_ == "mark" and g.lower_ in {"that", "whether"} for g in c.children)
        start = right + 1 if own else _past_closing_marks(doc, right)
        if c.dep_ == "conj" and any(t.text[0] in QUOTE_CHARS for t in doc[start:c.right_edge.i + 1]):
            break
        right = c.right_edge.i
    return right


def _past_closing_marks(doc, right: int) -> int:
    """The first token after ``right`` that is not a comma or a quotation mark closing a quotation
    opened before it ('said that their father “could be unyielding,” and that ...': the mark after
    the comma ends the first clause's quotation and belongs to no conjunct)."""
    start = doc[right].sent.start
    i = right + 1
    while i < len(doc) and doc[i].is_punct and (doc[i].text == "," or doc[i].text[0] in QUOTE_CHARS):
        if doc[i].text[0] in QUOTE_CHARS and sum(t.text[0] in QUOTE_CHARS for t in doc[start:i]) % 2 == 0:
            break  # an opening mark: the conjunct holds a quotation
        i += 1
    return i


def indirect_infinitive(ctx: _Ctx, tok) -> tuple[tuple[int, int], object] | None:
    """A directive or commissive speech act whose content is an infinitive, with its addressee:
    "urged the council to delay the vote", "called on the minister to resign", "pledged to cut
    taxes". Verbs from ``tasks/data/infinitive_cues.txt`` (Levin's 37.x classes that take
    infinitives). Not in the passive ("was asked to leave": no speaker), and not a refusal to
    speak ("declined to say when ...": the one thing the source did not say)."""
    if not verb_in(tok, _infinitive_cues()) or _passive(tok) or tok.dep_ in {"amod", "acl"}:
        return None
    doc = tok.doc
    comp = [c for c in tok.children if c.dep_ in {"xcomp", "ccomp"} and c.i > tok.i
            and any(a.dep_ == "aux" and a.tag_ == "TO" for a in c.children)]
    if not comp:
        # "called on X to resign": the infinitive hangs under the preposition's object
        for c in tok.children:
            if c.dep_ == "prep" and c.lower_ == "on" and c.i == tok.i + 1:
                for o in c.children:
                    comp += [x for x in o.children if x.dep_ in {"xcomp", "ccomp", "acl", "relcl"}
                             and any(a.dep_ == "aux" and a.tag_ == "TO" for a in x.children)]
                    if comp:
                        comp = [o]
    if not comp:
        return None
    x = comp[0]
    if verb_in(tok, _REFUSING) and (verb_in(x, _cues()) or verb_in(x, _communications())):
        return None  # "declined to comment", "refused to say when ...": what was refused was speech
    left = x.left_edge.i
    addressee = [c for c in tok.children if c.dep_ in {"dobj", "prep"} and tok.i < c.i < x.i]
    if addressee:
        left = min(left, addressee[0].left_edge.i if addressee[0].dep_ == "dobj" else
                   next((g.left_edge.i for g in addressee[0].children if g.dep_ == "pobj"), left))
    right = _phrase_right(tok, max(x.right_edge.i, left))
    span = _trim(doc, left, right)
    return (span, _subject(tok)) if span else None


_HYPOTHETICAL = frozenset({"if", "unless", "whether", "once", "until", "should"})


@lru_cache(maxsize=1)
def _intentions() -> frozenset[str]:
    return word_list("intention_verbs.txt")


def _holder(tok) -> bool:
    """Can the subject of ``tok`` hold a view or an intention of its own? A name, a person
    pronoun, a title or an agent noun (:func:`_is_agent`); not "it", "this", "there", nor no one
    in particular ("anyone", "nobody")."""
    subj = _resolve_relative(_subject(tok))
    return subj is not None and _is_agent(subj) and subj.lower_ not in (
        _NO_ONE_IN_PARTICULAR | _NOBODY | {"it", "this", "there", "anybody", "everyone"})


def _inside_report(tok) -> bool:
    """Is ``tok`` inside what another cue reports ("Lee said Kim wants to resign")? Then the
    outer cue's source is the one who says it, and the inner verb is no report of its own."""
    t = tok
    while t.head.i != t.i:
        t = t.head
        if verb_in(t, _cues()) or verb_in(t, _infinitive_cues()):
            return True
    return False


def indirect_intention(ctx: _Ctx, tok) -> tuple[tuple[int, int], object] | None:
    """What a source wants, plans or seeks to do, as an infinitive: "the governor wants to raise
    the levy", "the union plans to strike" (``tasks/data/intention_verbs.txt``, FrameNet's
    Desiring, Purpose and Seeking_to_achieve). Its own evidence class (``indirect_intention``):
    an intention is reported, not quoted, so it is calibrated apart and kept out of
    ``quotes_citable``. Only with a subject who can intend (:func:`_holder`), not in the passive.
    Inside another report ("Lee said Kim wants to resign") it is Kim's intention as Lee reports
    it, a nested attribution as PolNeAR annotates them (train F1 0.7450 -> 0.7453, dev 0.7784 ->
    0.7787 when kept)."""
    if not verb_in(tok, _intentions()) or _passive(tok) or tok.dep_ in {"amod", "acl", "relcl"}:
        return None
    x = next((c for c in tok.children if c.dep_ == "xcomp" and c.i > tok.i
              and any(a.dep_ == "aux" and a.tag_ == "TO" for a in c.children)), None)
    if x is None or not _holder(tok):
        return None
    if any(c.dep_ == "mark" and c.lower_ in _HYPOTHETICAL for c in tok.children):
        return None  # "if negotiators decide to compromise": no one is reported to intend it
    if any(a.dep_ == "aux" and a.tag_ == "MD" for v in {tok, tok.head if tok.dep_ == "conj" else tok}
           for a in v.children) or any(verb_in(a, _REFUSING) for a in tok.ancestors):
        return None  # "might decide to stream", "declined to say when X would decide to": a possibility
    span = _trim(tok.doc, x.left_edge.i, _phrase_right(tok, x.right_edge.i))
    return (span, _subject(tok)) if span else None


def indirect_cue_object(ctx: _Ctx, tok) -> tuple[tuple[int, int], object] | None:
    """A speech verb whose object is what was said: "denied the allegations", "repeated her
    demand", "tweeted a warning about the storm". Only verbs that are cues
    (``tasks/data/cue_verbs.txt``) and whose first WordNet 3.1 sense is communication
    (``tasks/data/communication_verbs.txt``): a cue verb with another first sense takes objects
    that are not messages ("found a job", "maintains a lead", "claimed the nomination"). The
    object is no person (an addressee: "told Kim"), no date; the verb has no clause of its own
    (that is :func:`indirect_clause`'s), is not in the passive, and its subject can speak
    (:func:`_holder`); a verb of judging only as an act that took place (:func:`_reported_act`).
    Verbs of ``object_cues.txt`` are :func:`indirect_object`'s."""
    if not verb_in(tok, _cues()) or not verb_in(tok, _communications()) or verb_in(tok, _objects()) \
            or _passive(tok) or tok.dep_ in {"amod", "acl"}:
        return None
    if verb_in(tok, _LABELING) and not any(t.text[:1] in QUOTE_CHARS for t in tok.doc[tok.i + 1:tok.sent.end]):
        # a verb of naming reports a judgment only with the name it gives, here quoted where the
        # parse missed it ('called the plan “a disaster”'): "called the office" is a phone call
        return None
    if any(c.dep_ in {"ccomp", "xcomp"} for c in tok.children) or not _holder(tok):
        return None
    if verb_in(tok, _judging()) and not _reported_act(tok):
        return None  # as for indirect_object: "Would the union condemn the strike?" reports nothing
    o = next((c for c in tok.children if c.dep_ == "dobj" and c.i > tok.i), None)
    if o is None or o.ent_type_ in {"DATE", "TIME", "PERSON", "NORP"} or \
            o.tag_ in {"PRP", "NNP", "NNPS", "WP", "WDT"}:
        return None
    if verb_in(tok, _QUOTING) and _is_agent(o):
        return None  # "quoting her father": the one quoted, not what was said
    span = _trim(tok.doc, o.left_edge.i, _object_right(tok, o))
    return (span, _subject(tok)) if span else None


@lru_cache(maxsize=1)
def _stances() -> frozenset[str]:
    return word_list("stance_verbs.txt")


def indirect_stance_object(ctx: _Ctx, tok) -> tuple[tuple[int, int], object] | None:
    """A side taken on something, whose object is the content: "the union backed the merger",
    "Okafor disputed the count" (``tasks/data/stance_verbs.txt``, WordNet's approve, oppose,
    reject and support). Without the act filter these verbs were right about half the time on
    PolNeAR train ("voters who support her", "could back the plan"); so only as an act that took
    place (:func:`_reported_act`: a past or third-person verb, no modal, no relative clause), with a
    subject who can hold a view (:func:`_holder`), not negated, not inside another report
    (:func:`_inside_report`), and an object that is a thing, not a person ("backed Kim" is as
    often a vote as a statement)."""
    if not verb_in(tok, _stances()) or verb_in(tok, _objects()) or _passive(tok) or tok.dep_ in {"amod", "acl"}:
        return None
    if tok.tag_ == "VBP" or any(c.dep_ in {"ccomp", "xcomp", "neg"} for c in tok.children):
        return None
    if not _reported_act(tok) or not _holder(tok) or _inside_report(tok):
        return None
    o = next((c for c in tok.children if c.dep_ == "dobj" and c.i > tok.i), None)
    if o is None or o.ent_type_ in {"DATE", "TIME", "PERSON", "NORP"} or o.tag_ in {"PRP", "WP", "WDT"} \
            or o.lower_ in _titles():
        return None
    span = _trim(tok.doc, o.left_edge.i, _object_right(tok, o))
    return (span, _subject(tok)) if span else None


# Verbs of naming that give a judgment as a name or a description ("called the ruling a
# disgrace", "branded him a liar", "described the talks as productive"): FrameNet's
# Labeling and Communicate_categorization frames (their verbs in WordNet's one-word lemmas).
_LABELING = frozenset({"call", "label", "brand", "dub", "term"})
_CATEGORIZING = frozenset({"describe", "characterize", "characterise", "portray", "depict", "paint", "cast"})


def indirect_naming(ctx: _Ctx, tok) -> tuple[tuple[int, int], object] | None:
    """A judgment given as a name or a description, with what it is about: "Graham called both
    rivals “crazy”", "the campaign called the report a rush to judgment", "which Mr. Lee called
    “a disgrace”", "Kim described the talks as productive". The content runs from the object to
    the end of the name (an object complement, oprd) or of the "as" phrase; a relative pronoun
    object ("which X called ...") leaves the name alone. Without a name ("called Kim", "described
    the scene") it is a telephone call or an account, not a judgment; in the passive ("was called
    a hero") no one is named; "so-called", "self-described" are not said by anyone here."""
    labeling = verb_in(tok, _LABELING)
    if not (labeling or verb_in(tok, _CATEGORIZING)) or _passive(tok) or tok.dep_ in {"amod", "acl"}:
        return None
    if tok.tag_ == "VBN" and not any(c.dep_ == "aux" for c in tok.children):
        return None  # "the resort, now called X", "an event was held called X": a name, not a judgment
    doc = tok.doc
    if labeling:
        names = [c for c in tok.children if c.dep_ == "oprd" and c.i > tok.i]
        last = names[-1] if names else None
    else:
        last = next((g for c in tok.children if c.dep_ == "prep" and c.lower_ == "as" and c.i > tok.i
                     for g in c.children if g.dep_ in {"pobj", "pcomp", "amod", "acomp"}), None)
        names = [last.head] if last is not None else []
    if last is None:
        return None
    obj = next((c for c in tok.children if c.dep_ == "dobj" and tok.i < c.i < names[0].i), None)
    left = obj.left_edge.i if obj is not None else min(n.left_edge.i for n in names)
    if left <= tok.i:
        return None
    span = _trim(doc, left, _phrase_right(tok, last.right_edge.i))
    return (span, _subject(tok)) if span else None


# Phrasal verbs of speech whose content is their preposition's object ("pointed to the jobs
# report", "referred to the senator's remarks", "alluded to a deal", "hinted at a run"):
# WordNet's senses point.v.02-like "indicate", refer.v.02 "make reference to", allude.v.01,
# hint.v.01, each taken with the preposition that carries its object.
_PHRASAL_CONTENT = {"point": "to", "refer": "to", "allude": "to", "hint": "at"}
_PHRASAL_VERBS = frozenset(_PHRASAL_CONTENT)


def indirect_phrasal(ctx: _Ctx, tok) -> tuple[tuple[int, int], object] | None:
    """A phrasal speech verb whose content is the object of its preposition: "She pointed to
    the layoffs at the mill", "..., referring to the mayor's budget" (:data:`_PHRASAL_CONTENT`).
    Not in the passive, not an infinitive or an imperative, not without a subject, and not with
    a content clause of its own."""
    if not verb_in(tok, _PHRASAL_VERBS):
        return None
    prep = next(p for lemma, p in _PHRASAL_CONTENT.items() if tok.lower_ in verb_forms(frozenset({lemma})))
    if tok.tag_ == "VB" or _subject(tok) is None:
        return None  # "taken to refer to ...", "let me point to ...": no one is reported doing it
    if _passive(tok) or tok.dep_ in {"amod"} or any(c.dep_ == "ccomp" for c in tok.children):
        return None
    for c in tok.children:
        if c.dep_ == "prep" and c.lower_ == prep and c.i == tok.i + 1:
            o = next((g for g in c.children if g.dep_ in {"pobj", "pcomp"}), None)
            if o is None or o.ent_type_ in {"DATE", "TIME"}:
                return None
            span = _trim(tok.doc, o.left_edge.i, _object_right(tok, c))
            return (span, _subject(tok)) if span else None
    return None


def indirect_stance_adjective(ctx: _Ctx, tok) -> tuple[tuple[int, int], object] | None:
    """What a source is sure, aware, afraid or glad of, as an adjective's content clause: "the
    mayor is confident that the levy will pass", "she was adamant that nothing had been
    promised". ``tok`` is the copula; its adjective takes the clause. Only with a subject who can
    hold a view (:func:`_holder`): "it is clear that ..." names no one."""
    a = next((c for c in tok.children if c.dep_ == "acomp" and c.tag_ == "JJ"), None)
    comp = next((c for c in a.children if c.dep_ == "ccomp" and c.i > a.i), None) if a is not None else None
    if comp is None or not _holder(tok):
        return None
    left = comp.left_edge.i
    if tok.doc[left].lower_ == "that" and tok.doc[left].dep_ == "mark":
        left += 1
    span = _trim(tok.doc, left, comp.right_edge.i)
    return (span, _subject(tok)) if span else None


@lru_cache(maxsize=1)
def _predication_cues() -> dict[str, frozenset[str]]:
    """frame ("oprd", "as", "for", "of") -> lemmas, from ``tasks/data/predication_cues.txt``."""
    out: dict[str, set[str]] = {}
    for line in (DATA / "predication_cues.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            lemma, frame = line.split()
            out.setdefault(frame, set()).add(lemma)
    return {k: frozenset(v) for k, v in out.items()}


def indirect_predication(ctx: _Ctx, tok) -> tuple[tuple[int, int], object] | None:
    """What someone said of someone, in a predication frame: "called China provocative",
    "described the plan as a disaster", "blamed the media for the loss", "accused the governor
    of hiding the report" (``tasks/data/predication_cues.txt``). The content is the object and
    its predicate. Not in the passive."""
    if not is_verb(tok) or _passive(tok) or tok.dep_ in {"amod", "acl"}:
        return None
    frames = _predication_cues()
    obj = next((c for c in tok.children if c.dep_ == "dobj" and c.i > tok.i), None)
    if obj is None or obj.ent_type_ in {"DATE", "TIME"}:
        return None
    pred = None
    for c in list(tok.children) + list(obj.children):
        if c.i <= obj.i:
            continue
        if c.dep_ == "oprd" and c.head.i == tok.i and verb_in(tok, frames.get("oprd", frozenset())):
            pred = c
        elif c.dep_ == "prep" and c.lower_ in {"as", "for", "of"} and verb_in(tok, frames.get(c.lower_, frozenset())) \
                and any(g.dep_ in {"pobj", "pcomp"} for g in c.children):
            pred = c
        if pred is not None:
            break
    if pred is None:
        return None
    span = _trim(tok.doc, obj.left_edge.i, max(pred.right_edge.i, obj.right_edge.i))
    return (span, _subject(tok)) if span else None


@lru_cache(maxsize=1)
def _infinitive_cues() -> frozenset[str]:
    return word_list("infinitive_cues.txt")


# the refusing half of FrameNet's Agree_or_refuse_to_act (tasks/data/infinitive_cues.txt)
_REFUSING = frozenset({"refuse", "decline"})


@lru_cache(maxsize=1)
def _communications() -> frozenset[str]:
    """Verbs whose first WordNet sense is communication (``tasks/data/communication_verbs.txt``)."""
    return word_list("communication_verbs.txt")


# Prepositions whose object is what a speech verb asks for or argues against. "about", "to",
# "on" and "of" were tried on PolNeAR train and were right 46-66% of the time ("responded to
# the attack", "asked about the war"); "for" 76% and "against" 83%.
_PREP_CONTENT = frozenset({"for", "against"})


# Verbs of conversation whose message is only ever given by its topic ("talked about the wall",
# "spoke about her past"): Levin (1993) class 37.5 "talk verbs" and the members of 37.6
# "chitchat verbs" that are not already cue verbs. FrameNet's Statement and Chatting frames give
# the Topic as a PP headed by "about". Other cue verbs with "about" were right 46-66% of the time
# on PolNeAR train ("asked about", "said about"); these 82% (90 of 110).
_TALK = frozenset({"talk", "speak", "chat", "converse", "gossip", "chitchat"})
# Complain verbs (Levin 1993, class 37.8) give what was said by its topic too, with "about" or
# "of" ("complained about the new rules", "boasted of his record"): FrameNet's Complaining and
# Bragging frames give the Topic so. On PolNeAR train 19 of 21 were right.
_COMPLAIN = frozenset({"bitch", "boast", "brag", "carp", "complain", "crab", "fuss", "gripe", "grouse",
                       "grumble", "kvetch", "moan", "whine"})
# Verbs of asking whose question is given by its topic, "about" ("asked the senator about the
# bill"): FrameNet 1.7's Questioning frame (its verbs: ask, grill, inquire, interrogate, query,
# question, quiz); the one asked is the object, the asker the subject.
_ASKING = frozenset({"ask", "grill", "inquire", "interrogate", "query", "question", "quiz"})


def indirect_prep(ctx: _Ctx, tok) -> tuple[tuple[int, int], object] | None:
    """A speech verb whose content is the object of its preposition of stance: "called for a
    recount", "warned against cuts", "argued for a new tax"; a talk or complain verb's topic:
    "talked about the border", "spoke about her time in office", "boasted of his record"; the
    topic of a question, with the one asked ("asked the mayor about the tunnel", :data:`_ASKING`)."""
    talk = verb_in(tok, _TALK)
    if talk and not verb_in(tok, _cues()):
        # a talk verb reports a topic only with someone else who talked: not the writer's own
        # "we'll talk about ...", "let's talk about ...", nor "hard to talk about" or "I don't see
        # anyone talking about ..." with no one
        who = _resolve_relative(_subject(tok))
        if who is None or who.lower_ in (_OTHER_PRONOUNS - {"they", "them"}) | _NOBODY | {"anyone", "anybody"}:
            return None
        if tok.head.lower_ == "let" or any(c.lower_ == "let" for c in tok.head.children):
            return None
    asking = verb_in(tok, _ASKING)
    if not (talk or asking or verb_in(tok, _cues())) or _passive(tok) or tok.dep_ in {"amod", "acl"} or \
            any(c.dep_ in {"ccomp", "xcomp"} or c.dep_ == "dobj" and not (asking and _is_agent(c))
                for c in tok.children):
        return None
    if asking and (not _holder(tok) or not any(c.dep_ == "nsubj" for c in tok.children) and not (
            tok.dep_ == "conj" or tok.dep_ == "xcomp" and any(a.tag_ == "TO" for a in tok.children))):
        # "Asked about the vote, she shrugged", "Lee said, asked about it": she was asked, and the
        # asker is not named; only a subject of its own, or one it shares ("tried to ask",
        # "stood up and asked"), asks
        return None
    preps = _PREP_CONTENT | {"about"} if talk or asking else _PREP_CONTENT
    if verb_in(tok, _COMPLAIN):
        preps = preps | {"about", "of"}
    for c in tok.children:
        if c.dep_ == "prep" and c.lower_ in preps and c.i > tok.i:
            o = next((g for g in c.children if g.dep_ in {"pobj", "pcomp"}), None)
            if o is None or o.ent_type_ in {"DATE", "TIME"}:
                continue
            span = _trim(tok.doc, o.left_edge.i, _object_right(tok, c))
            if span:
                return span, _subject(tok)
    return None


@lru_cache(maxsize=1)
def _cognition_nouns() -> frozenset[str]:
    """Nouns whose first WordNet sense is cognition ("view", "belief"), singular and plural
    (``tasks/data/cognition_nouns.txt``): a that-clause after one says what its author thinks."""
    out = set()
    for noun in word_list("cognition_nouns.txt"):
        out |= {noun, noun + ("es" if noun.endswith(("s", "sh", "ch")) else "s")}
    return frozenset(out)


@lru_cache(maxsize=1)
def _cue_nouns() -> dict[str, bool]:
    """noun (singular and plural) -> whether it takes an infinitive content, from
    ``tasks/data/cue_nouns.txt``."""
    out = {}
    for line in word_list("cue_nouns.txt"):
        noun, _, frame = line.partition(" ")
        for form in (noun, noun + ("es" if noun.endswith(("s", "sh", "ch")) else "s")):
            out[form] = frame == "to"
    return out


# Support verbs whose subject is the author of their noun ("made the claim that", "issued a
# warning that"), as NomBank annotates them (Meyers et al. 2004); a verb that takes a report
# from someone else ("rejected the claim that") is not one.
_SUPPORT_VERBS = frozenset({"make", "issue", "give", "offer", "deliver", "voice", "express", "repeat",
                            "renew", "send", "release", "post", "publish", "file", "lodge", "level"})


def noun_cues(ctx: _Ctx) -> list[RawQuote]:
    """A noun that names what someone said with its content clause, and its author: the
    possessor ("the mayor's claim that the budget was balanced", "her promise to cut fares"), the
    subject of a support verb ("made the claim that ...", "issued a warning that ...") or the
    object of "by" or "from" ("complaints from the union that ...").
    Nouns: ``tasks/data/cue_nouns.txt``; and nouns of thought ("the mayor's view that ...",
    ``tasks/data/cognition_nouns.txt``, evidence class ``noun_view``) with a that-clause only.
    Without an author it is no quote: "the claim that ..." alone tells no one who made it."""
    doc = ctx.doc
    out = []
    nouns = _cue_nouns()
    views = _cognition_nouns()
    for tok in _tagged(doc, ("NN", "NNS")):
        if tok.lower_ not in nouns and tok.lower_ not in views:
            continue
        comp = next((c for c in tok.children if c.i > tok.i and c.dep_ in {"acl", "ccomp"} and is_verb(c) and (
            nouns.get(tok.lower_, False) and any(a.dep_ == "aux" and a.tag_ == "TO" for a in c.children)
            or any(m.dep_ == "mark" and m.lower_ == "that" for m in c.children))), None)
        if comp is None:
            continue
        author = next((c for c in tok.children if c.dep_ == "poss"), None)
        if author is None and tok.dep_ == "dobj" and verb_in(tok.head, _SUPPORT_VERBS):
            author = _resolve_relative(_subject(tok.head))
        if author is None:
            # the author in a "by" or "from" phrase before the content ("a demand by the union
            # that ...", "an admission from the minister that ..."), as NomBank gives a
            # nominalisation's agent (ARG0)
            by = next((c for c in tok.children if c.dep_ == "prep" and c.lower_ in {"by", "from"} and c.i < comp.i), None)
            author = next((g for g in by.children if g.dep_ == "pobj"), None) if by is not None else None
        if author is None or not any(ch.isalnum() for ch in author.text):
            continue
        left = comp.left_edge.i
        while left < comp.i and doc[left].lower_ == "that" and doc[left].dep_ == "mark":
            left += 1
        span = _trim(doc, left, comp.right_edge.i)
        if span is None:
            continue
        span = _clip_to_paragraph(doc_text(doc), tok.idx, span)
        if span is None or span[1] - span[0] < 3:
            continue
        sp = speaker_of(author, ctx.lo_token(author)) if author.tag_ != "PRP$" else Speaker(
            author.idx, author.idx + len(author.text), "pronoun", gender={"his": "m", "her": "f"}.get(author.lower_),
            plural=author.lower_ in {"their", "our"}, head=author.lower_)
        if sp is None:
            continue
        sp = _shift(sp, ctx.base)
        out.append(RawQuote(ctx.base + span[0], ctx.base + span[1], "indirect", tok.text, ctx.base + tok.idx, sp,
                            "noun_cue" if tok.lower_ in _cue_nouns() else "noun_view"))
    return out


@lru_cache(maxsize=1)
def _message_nouns() -> frozenset[str]:
    return word_list("message_nouns.txt")


# Support verbs that give out a message their subject wrote or spoke, beside _SUPPORT_VERBS' ones
_WRITING = frozenset({"write"})


def indirect_support_object(ctx: _Ctx, tok) -> tuple[tuple[int, int], object] | None:
    """A message given out by the support verb's subject, as its object: "the experts issued an
    open letter calling Trump unfit", "Kim gave a speech on the tunnel", "the union released a
    statement accusing the port of breaking the deal". The support verbs are
    NomBank's (:data:`_SUPPORT_VERBS`) and "write"; the object's noun is a message: its first
    WordNet 3.1 sense is a communication (``tasks/data/message_nouns.txt``) and the phrase says
    what the message said (:func:`_says_what`: "issued a statement" alone says nothing, its words
    are most often quoted next). The message is the content as PolNeAR annotates it (the noun
    phrase, with what completes it); a noun with a content clause of its own is :func:`noun_cues`'.
    Only with a subject who can speak (:func:`_holder`), not in the passive. (Only as an act that
    took place, :func:`_reported_act`, lost more right quotes than wrong ones on PolNeAR train:
    F1 0.7465 -> 0.7458.)"""
    if not (verb_in(tok, _SUPPORT_VERBS) or verb_in(tok, _WRITING)) or _passive(tok) or tok.dep_ in {"amod", "acl"}:
        return None
    if any(c.dep_ in {"ccomp", "xcomp"} for c in tok.children) or not _holder(tok):
        return None
    if tok.tag_ == "VB" and any(c.dep_ == "aux" and c.tag_ == "TO" for c in tok.children):
        return None  # "waiting for a commission to make recommendations": not given out yet
    o = next((c for c in tok.children if c.dep_ == "dobj" and c.i > tok.i), None)
    if o is None or not _noun_in(o, _message_nouns()) or o.ent_type_ in {"DATE", "TIME"}:
        return None
    if any(c.dep_ == "neg" for c in tok.children) or any(c.dep_ == "det" and c.lower_ == "no" for c in o.children):
        return None  # "made no mention of ...", "did not give an answer": nothing was said
    if any(c.dep_ in {"acl", "ccomp"} and (any(m.dep_ == "mark" and m.lower_ == "that" for m in c.children)
                                           or any(a.dep_ == "aux" and a.tag_ == "TO" for a in c.children))
           for c in o.children):
        return None  # "made the claim that ...": noun_cues
    # the topic's phrase hangs on the noun or, as the parser often attaches it, on the verb right
    # after the noun ("gave a speech on the tunnel")
    if not any(_says_what(c) for c in o.children if c.i > o.i) and not any(
            c.dep_ == "prep" and c.i == o.right_edge.i + 1 and _says_what(c) for c in tok.children):
        return None  # "issued a statement", "gave his remarks during the breakfast": what it said is elsewhere
    span = _trim(tok.doc, o.left_edge.i, _object_right(tok, o))
    return (span, _subject(tok)) if span else None


# Prepositions whose object is what a message is about ("a speech on terrorism", "comments about
# fraud"), as against its time, place or medium ("on Twitter"); not "of", which as often names
# what a record shows ("videos of them", "transcripts of her speeches")
_ABOUT = frozenset({"about", "on", "against", "over", "regarding", "concerning"})


def _says_what(c) -> bool:
    """Does the dependent ``c`` of a message noun tell what the message says: a participle or
    relative clause ("a statement reassuring voters", "an ad that urges ...") or a phrase of its
    topic (:data:`_ABOUT`, with an object that is not a date, a time, a place or an outlet)?"""
    if c.dep_ == "acl" and c.tag_ == "VBG" or c.dep_ == "relcl" and (verb_in(c, _cues()) or verb_in(c, _communications())):
        return True
    if c.dep_ == "prep" and c.lower_ in _ABOUT:
        o = next((g for g in c.children if g.dep_ in {"pobj", "pcomp"}), None)
        return o is not None and o.ent_type_ not in {"DATE", "TIME", "ORG", "GPE", "LOC", "FAC", "PRODUCT",
                                                      "CARDINAL", "MONEY"}
    return False


def indirect_passive_agent(ctx: _Ctx, tok) -> tuple[tuple[int, int], object] | None:
    """A stance or speech verb in the passive with its agent: what the agent said, backed or
    judged is the subject. "The levy is backed by 40 councillors", "the merger was first
    reported by the Courier", "Osei, who was endorsed by the nurses' union". The verbs are
    those whose object is their content in the active (:data:`_objects`, verbs of judging,
    and cue verbs whose first WordNet sense is communication, :func:`indirect_cue_object`);
    the agent can speak (:func:`_is_agent`). A person or a pronoun as the subject of a speech
    verb is its addressee ("Lee was asked by the host"), not what was said."""
    agent = next((g for c in tok.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"), None)
    if agent is None or not _is_agent(agent) or agent.ent_type_ in {"DATE", "TIME", "CARDINAL"}:
        return None
    stance = verb_in(tok, _objects()) or verb_in(tok, _judging()) or verb_in(tok, _PASSIVE_STANCE)
    speech = verb_in(tok, _cues()) and verb_in(tok, _communications())
    if not (stance or speech):
        return None
    doc = tok.doc
    subj = next((c for c in tok.children if c.dep_ == "nsubjpass"), None)
    if subj is not None:
        subj = _resolve_relative(subj)
        if subj is None or subj.i > tok.i and subj.dep_ == "nsubjpass":
            return None
        left, right = subj.left_edge.i, subj.right_edge.i
    else:
        return None
    if speech and not stance and (subj.tag_ in _NAME_OR_PRONOUN or subj.ent_type_ in {"PERSON", "NORP"}):
        return None
    span = _trim(doc, left, right)
    return (span, agent) if span else None


# Verbs of backing and opposing whose passive agent holds the stance ("is backed by most
# voters", "was opposed by the union"); in the active their objects were right too rarely to be
# object cues (tasks/data/object_cues.txt), but the agent phrase is a source by itself.
_PASSIVE_STANCE = frozenset({"support", "back", "favor", "favour", "oppose", "condemn", "welcome", "endorse"})


INDIRECT_STRATEGIES = (indirect_clause, indirect_infinitive, indirect_predication, indirect_parenthetical,
                       indirect_object, indirect_prep, indirect_intention, indirect_cue_object,
                       indirect_support_object,
                       indirect_stance_adjective, indirect_passive_agent, indirect_stance_object, indirect_naming,
                       indirect_phrasal)


def _clause_inside(doc, lo: int, hi: int) -> bool:
    """Is there a finite verb in tokens ``lo``..``hi`` that is no relative clause's ('According to
    Lee, who runs the firm, ...' holds one that is the source's)?"""
    for t in doc[lo:hi + 1]:
        if t.tag_ in {"VBD", "VBZ", "VBP"} and not any(a.dep_ == "relcl" and a.i >= lo for a in [t, *t.ancestors]):
            return True
    return False


def according_to(ctx: _Ctx) -> list[RawQuote]:
    """'The talks stalled, according to two officials.': the source is the object of "according
    to", the content the longer side of the sentence around it."""
    doc = ctx.doc
    out = []
    for m in re.finditer(r"\b[Aa]ccording to\b", doc_text(doc)):
        span = doc.char_span(m.start(), m.start() + 9)
        if span is None or not len(span) or span[0].i + 1 >= len(doc) or doc[span[0].i + 1].lower_ != "to":
            continue
        tok = span[0]
        to = doc[tok.i + 1]
        sent = tok.sent
        phrase_l, phrase_r = tok.i, max(tok.right_edge.i, to.right_edge.i)
        src = next((c for c in to.children if c.dep_ == "pobj"), None)
        if phrase_l == sent.start and (phrase_r + 1 >= sent.end - 1 or _clause_inside(doc, to.i + 1, phrase_r)):
            # the parser hung the whole sentence, or its main clause, on the source ("According to
            # Lee, the move reeks of fear": "reeks" an apposition of Lee): the source ends at its
            # comma
            comma = next((t.i for t in doc[to.i + 1:phrase_r + 1] if t.text == ","), None)
            if comma is not None:
                phrase_r = comma
        before = _trim(doc, sent.start, phrase_l - 1) if phrase_l > sent.start else None
        after = _trim(doc, phrase_r + 1, sent.end - 1) if phrase_r + 1 < sent.end else None
        sides = [s for s in (before, after) if s and s[1] - s[0] > 10]
        if not sides or src is None:
            continue
        content = max(sides, key=lambda s: s[1] - s[0])
        sp = speaker_of(src, ctx.lo_token(src))
        out.append(RawQuote(ctx.base + content[0], ctx.base + content[1], "indirect", "according to",
                            ctx.base + tok.idx, _shift(sp, ctx.base) if sp else None, "according_to"))
    return out


_HEADLINE_NAME = re.compile(r"((?:[A-Z][\w.'’-]*\s+){0,4}[A-Z][\w'’-]*):[ \t]+(?=\S)")


@lru_cache(maxsize=8)
def transcript_lines(text: str) -> frozenset[int]:
    """Starts of the paragraphs of a transcript ('TAPPER: And you support him?' / 'FALLIN: I
    do.'): lines that open with a speaker label and a colon, in an article where at least three
    lines do so and some label comes back. Such a label is a speaker, not a dateline. 'Q:' and
    'A:' name no one and are left out."""
    found: dict[int, str] = {}
    for p0, p1 in paragraphs(text):
        m = _HEADLINE_NAME.match(text, p0, p1)
        if m and text[m.end()] not in QUOTE_CHARS and len(m.group(1).split()) <= 3 and len(m.group(1)) > 1:
            found[p0] = " ".join(m.group(1).split()).lower()
    # a speaker comes back by surname alone ('KATE BOULDUAN:' then 'BOULDUAN:')
    labels = [label.split()[-1] for label in found.values()]
    if len(labels) < 3 or len(set(labels)) == len(labels):
        return frozenset()
    return frozenset(found)


def _named_elsewhere(doc, toks) -> bool:
    """Does the label's last word name a person or organisation elsewhere in the parsed text?
    A headline alone is too short for the model to type its names ('Lynch: No outside ...')."""
    last = toks[-1].text.lower()
    return any(e.label_ in {"PERSON", "ORG"} and e[-1].lower_ == last and e.start > toks[-1].i for e in doc.ents)


# A headline's label in its longer forms: page furniture and a dash before it ("EXCLUSIVE – "), a
# common noun after the name ("Ortiz camp", "Council report"), the one addressed or the setting
# after it ("Ortiz to donors", "Ortiz at convention"); what follows the colon may open with a
# short quotation ("Ortiz: ‘No Doubt’ the Plan Works")
_HEADLINE_LABEL = re.compile(
    r"(?:[A-Z]{3,}[ \t]+[–—-][ \t]+)?"
    r"((?:[A-Z][\w.'’-]*[ \t]+(?:[a-z][\w'’-]*[ \t]+)?){0,3}[A-Z][\w'’-]*(?:[ \t]+[a-z][\w'’-]*)?)"
    r"(?:[ \t]+(?:[Tt]o|[Aa]t|[Ii]n|[Oo]n|[Ff]or)[ \t]+[^:\n]{1,60}?)?"
    r":[ \t]+(?=\S)")


def _headline_label(ctx: _Ctx, p0: int, p1: int) -> RawQuote | None:
    """A headline line whose label is more than a name (:data:`_HEADLINE_LABEL`): 'Kowalski
    camp: Tariff plan threatens farm jobs', 'Ortiz to teachers: Budget will grow', 'BREAKING –
    Dana Ruiz: Do Not Trust the Count'. The label's words hold a name the model types as a person
    or organisation (here or later in the article) or a person's title ('Mayor To Residents: ...');
    a lower-case word after the name must be a person, group or record noun (a campaign's "camp",
    an inspector's "report"). Only a line of at most 25 words with one colon (a headline, not a
    sentence that introduces a list), never a dateline, never upper-case labels alone ("UPDATE:",
    "WASHINGTON:"), and not page furniture that names no one ("News Guide:", "Morning Email:")."""
    doc, text, base = ctx.doc, ctx.text, ctx.base
    # furniture set off by a dash reads as a dateline ("EXCLUSIVE –"); the label follows it
    m = _HEADLINE_LABEL.match(text, dateline(text, p0, p1) or p0, p1)
    if not m or text.count(":", p0, p1) != 1 or len(text[p0:p1].split()) > 25:
        return None
    words = re.findall(r"[A-Za-z]+", m.group(1))
    if all(w.isupper() for w in words):
        return None  # "UPDATE:", "AP:", "WASHINGTON:": furniture and datelines look alike
    toks = [t for t in _tokens_between(doc, m.start(1) - base, m.end(1) - base) if not t.is_space]
    if not toks or any(t.is_punct and t.text not in {".", "-"} for t in toks):
        return None
    titles = _titles()
    head = toks[-1]
    proper = [t for t in toks if t.text[:1].isupper()]
    named = [t for t in proper if t.ent_type_ in {"PERSON", "ORG"} or _named_elsewhere(doc, [t])]
    titled = [t for t in proper if t.lower_.rstrip(".") in titles]
    if head.text[:1].islower():
        noun = head.lower_
        if not (noun in titles or _AGENT_SUFFIX.search(noun) or noun in word_list("record_nouns.txt")):
            return None
        if not named:
            return None
        kind = "nominal"
    elif named or titled and head in titled:
        kind = "name" if named else "nominal"
    else:
        return None
    if any(t.text[:1].islower() and t.lower_ not in titles for t in toks[:-1]):
        return None  # 'Giant screens hanging over the arena:' is a sentence, not a label
    c0, c1 = m.end(), p1
    if text[c0] in QUOTE_CHARS:
        # the quotation must close inside the headline with at least two words after it
        close = re.search("[" + re.escape(QUOTE_CHARS) + "](?=[\\s,.;:!?]|$)", text[c0 + 1:p1])
        if close is None or len(re.findall(r"\w+", text[c0 + 1 + close.end():p1])) < 2:
            return None
    while c1 > c0 and (text[c1 - 1].isspace() or text[c1 - 1] in QUOTE_CHARS + "."):
        c1 -= 1
    if c1 - c0 < 10:
        return None
    names = [t for t in toks if t.text[:1].isupper() and t.lower_.rstrip(".") not in titles]
    name_tok = named[-1] if named else None
    first = names[0] if names and name_tok is not None and names[0].i <= name_tok.i else name_tok
    sp = Speaker(base + toks[0].idx, base + head.idx + len(head.text), kind,
                 None if kind == "nominal" else base + first.idx,
                 None if kind == "nominal" else base + name_tok.idx + len(name_tok.text),
                 person=bool(titled) or kind == "name" and name_tok.ent_type_ == "PERSON", head=head.lower_)
    return RawQuote(c0, c1, "indirect", ":", m.end(1), sp, "headline_label")


def headline_colon(ctx: _Ctx) -> list[RawQuote]:
    """A line that opens with a name and a colon reports what that person or organisation said:
    'Graham: Party Will Lose the Senate', 'Poll: Ortiz leads in the west'. The label is a name
    the model types as a person or organisation here or later in the article, or an agent noun
    (:data:`_AGENT_SUFFIX`: a poll, a report). Not a dateline ('DHAKA: ...'; :func:`dateline`),
    and not when quotation marks follow (:func:`colon_intro` takes those). In a transcript
    (:func:`transcript_lines`) every labelled line is its speaker's words, verbatim."""
    doc, text, base = ctx.doc, ctx.text, ctx.base
    out = []
    transcript = transcript_lines(text)
    for p0, p1 in paragraphs(text, base, base + len(doc_text(doc))):
        m = _HEADLINE_NAME.match(text, p0, p1)
        if not m or text[m.end()] in QUOTE_CHARS:
            label = _headline_label(ctx, p0, p1)
            if label is not None:
                out.append(label)
            continue
        spoken = p0 in transcript
        if not spoken and dateline(text, p0, p1) is not None:
            continue
        toks = [t for t in _tokens_between(doc, p0 - base, m.end(1) - base) if not t.is_space]
        if not toks:
            continue
        named = any(t.ent_type_ in {"PERSON", "ORG"} for t in toks) or _named_elsewhere(doc, toks)
        agent = not (named or spoken) and len(toks) == 1 and bool(_AGENT_SUFFIX.search(toks[0].lower_))
        if not (spoken or named or agent):
            label = _headline_label(ctx, p0, p1)
            if label is not None:
                out.append(label)
            continue
        titles = _titles()
        had_title = any(t.lower_.rstrip(".") in titles for t in toks[:-1])
        names = list(toks)
        while len(names) > 1 and names[0].lower_.rstrip(".") in titles:
            names = names[1:]
        c0, c1 = m.end(), p1
        while c1 > c0 and (text[c1 - 1].isspace() or (not spoken and text[c1 - 1] in QUOTE_CHARS + ".")):
            c1 -= 1
        if c1 - c0 < 10:
            continue
        head = names[-1]
        sp = Speaker(base + toks[0].idx, base + head.idx + len(head.text), "nominal" if agent else "name",
                     None if agent else base + names[0].idx, None if agent else base + head.idx + len(head.text),
                     person=had_title or spoken or head.ent_type_ == "PERSON", head=head.lower_)
        out.append(RawQuote(c0, c1, "direct" if spoken else "indirect", ":", m.end(1), sp,
                            "transcript" if spoken else "headline_colon"))
    return out


def _tagged(doc, tags):
    """The tokens of ``doc`` whose fine tag is in ``tags`` (one array scan; iterating every token
    costs more than the rules)."""
    from spacy.attrs import TAG

    hashes = {doc.vocab.strings.add(t) for t in tags}
    for i, h in enumerate(doc.to_array(TAG).tolist()):
        if h in hashes:
            yield doc[i]


def _verbs(doc):
    from newsmill.tasks.entities import VERB_TAGS

    return _tagged(doc, VERB_TAGS)


def indirect_quotes(ctx: _Ctx) -> list[RawQuote]:
    """Reported speech of one parsed segment: each cue verb tried with :data:`INDIRECT_STRATEGIES`
    in order, plus "according to"."""
    doc = ctx.doc
    text = doc_text(doc)
    out: list[RawQuote] = []
    for tok in _verbs(doc):
        for strategy in INDIRECT_STRATEGIES:
            found = strategy(ctx, tok)
            if found is None:
                continue
            span, subj = found
            span = _clip_to_paragraph(text, tok.idx, span)
            if span is not None:
                span = _after_dateline(ctx, span)
            if span is None or span[1] - span[0] < 3:
                break
            sp = _speaker_at(ctx, subj)
            if sp and span[0] <= sp.start - ctx.base < span[1] and not span[0] <= tok.idx < span[1]:
                sp = None  # a speaker inside the content, unless the cue is a parenthetical in it
            if sp and sp.kind == "pronoun" and any(q0 <= sp.start < q1 and not q0 <= ctx.base + tok.idx < q1
                                                   for q0, q1 in ctx.quoted):
                # a pronoun inside a quotation points from the quoted speaker's place, not the
                # reporter's: in 'X said, “We are relieved” at the release, adding that …' the parse
                # gives "adding" the quotation's "We"; no speaker is better than that one (names
                # inside marks stay: '“Daily Show” host Trevor Noah said')
                sp = None
            out.append(RawQuote(ctx.base + span[0], ctx.base + span[1], "indirect", _cue_text(tok),
                                ctx.base + tok.idx, sp, strategy.__name__))
            break
    out += parenthetical_attribution(ctx, {r.cue_start for r in out})
    out += according_to(ctx) + headline_colon(ctx) + colon_block(ctx)
    # a noun cue inside another report's content ('Lee mocked Kim's claim that ...') is most
    # often that reporter's account of it, not a quote of its author
    return out + [n for n in noun_cues(ctx) if not any(t.start <= n.cue_start < t.end for t in out)]


def _attribution_end(doc, tok) -> int | None:
    """Index of the comma that closes a parenthetical attribution whose cue is ``tok``: right
    after the cue, or after a short setting with no verb ("..., Lee said in an interview this
    week, ..."); None when there is none."""
    for j in range(tok.i + 1, min(tok.i + 8, tok.sent.end)):
        t = doc[j]
        if t.text == ",":
            return j
        if is_verb(t) or t.is_punct or t.text[:1] in QUOTE_CHARS:
            return None
    return None


def _around_attribution(doc, tok):
    """(first part, second part, speaker token) of a sentence that holds its attribution in the
    middle, set off by commas: "This sort of opining, CNN claimed, violates its code" or,
    inverted, "Rather than raise taxes, said Ann Lee, an economist, the city should borrow". Each
    part at least ten characters, the second holding a verb; no quotation mark in the sentence
    (those are the direct strategies'); None for any other shape."""
    if tok.tag_ not in {"VBD", "VBZ", "VBP"} or not verb_in(tok, _cues()) or _passive(tok):
        return None
    sent = tok.sent
    if any(t.text[:1] in QUOTE_CHARS and t.dep_ != "case" and t.tag_ != "POS" for t in sent) or \
            any(c.dep_ == "ccomp" for c in tok.children):
        return None
    subj = next((c for c in tok.children if c.dep_ == "nsubj" and c.i < tok.i), None)
    if subj is None:
        subj = next((c for c in tok.children if c.dep_ == "nsubj" and c.i > tok.i), None)
        if subj is None or subj.left_edge.i != tok.i + 1 or doc[tok.i - 1].text != ",":
            return None
        lo = tok.i
        close = subj.right_edge.i if doc[subj.right_edge.i].text == "," else subj.right_edge.i + 1
        if close >= sent.end - 2 or doc[close].text != ",":
            return None
    else:
        lo = subj.left_edge.i
        if lo == 0 or doc[lo - 1].text != ",":
            return None
        close = _attribution_end(doc, tok)
    if close is None or lo - 1 <= sent.start + 1:
        return None
    first, second = _trim(doc, sent.start, lo - 2), _trim(doc, close + 1, sent.end - 1)
    if not first or not second or second[1] - second[0] < 10 or first[1] - first[0] < 10 or \
            not any(is_verb(t) for t in doc[close + 1:sent.end]):
        return None
    return first, second, subj


def parenthetical_attribution(ctx: _Ctx, taken: set[int]) -> list[RawQuote]:
    """An attribution set inside the sentence it reports (:func:`_around_attribution`): "This
    sort of opining, CNN claimed, violates its code", "If the demands are not met, Mr. Taylor
    warned, supporters plan to leave", stored as two parts of one quotation (like '“A,” she
    said, “B.”'): the attribution between them is no one's words. And "As Comey noted, people
    involved could still face sanctions" / "..., as her campaign manager suggested": the clause
    the "as" phrase belongs to, without it. Cues that another strategy already used
    (``taken``) are left alone."""
    doc, base = ctx.doc, ctx.base
    out: list[RawQuote] = []
    for tok in _verbs(doc):
        if tok.idx + base in taken or tok.tag_ not in {"VBD", "VBZ", "VBP"} or not verb_in(tok, _cues()):
            continue
        around = _around_attribution(doc, tok)
        if around is not None:
            first, second, subj = around
            sp = _speaker_at(ctx, subj)
            a = RawQuote(base + first[0], base + first[1], "indirect", tok.text, base + tok.idx, sp,
                         "mid_attribution")
            out += [a, RawQuote(base + second[0], base + second[1], "indirect", tok.text, base + tok.idx,
                                replace(sp) if sp else None, "mid_attribution", continues=a.start)]
            continue
        subj = next((c for c in tok.children if c.dep_ == "nsubj" and c.i < tok.i), None)
        if subj is None or _passive(tok) or any(c.dep_ == "ccomp" for c in tok.children):
            continue
        mark = next((c for c in tok.children if c.dep_ == "mark" and c.lower_ == "as"
                     and c.i == subj.left_edge.i - 1), None)
        if mark is None or tok.dep_ != "advcl" or not is_verb(tok.head) or \
                not all(t.i <= tok.i or t.is_punct for t in tok.subtree):
            continue
        head, sent = tok.head, tok.sent
        if mark.i < head.i and tok.i + 1 < len(doc) and doc[tok.i + 1].text == ",":
            span = _trim(doc, tok.i + 2, head.right_edge.i)
        elif mark.i > head.i and doc[mark.i - 1].text == "," and all(t.is_punct for t in doc[tok.i + 1:sent.end]):
            span = _trim(doc, head.left_edge.i, mark.i - 2)
        else:
            continue
        if span and span[1] - span[0] >= 15:
            out.append(RawQuote(base + span[0], base + span[1], "indirect", tok.text, base + tok.idx,
                                _speaker_at(ctx, subj), "as_attribution"))
    return out


def colon_block(ctx: _Ctx) -> list[RawQuote]:
    """'Lee added:' (or 'Hewitt writes:') closing its paragraph, and a next paragraph that does
    not open with a quotation mark: that paragraph is what was said, a block quotation set off
    by layout instead of marks (one opening with a mark is :func:`colon_intro`'s). The cue is
    its sentence's main verb ("... the point he tried to explain:" is no cue of the paragraph)."""
    doc, text, base = ctx.doc, ctx.text, ctx.base
    seg_end = base + len(doc_text(doc))
    out = []
    for tok in _verbs(doc):
        if tok.i + 1 >= len(doc) or doc[tok.i + 1].text != ":" or not verb_in(tok, _cues()) \
                or not (tok.dep_ == "ROOT" or tok.dep_ == "conj" and tok.head.dep_ == "ROOT"):
            continue
        after = base + doc[tok.i + 1].idx + 1
        m = re.compile(r"[ \t\xa0]*\n\s*").match(text, after, seg_end)
        if not m:
            continue
        c0 = m.end()
        c1 = text.find("\n", c0, seg_end)
        c1 = seg_end if c1 < 0 else c1
        while c1 > c0 and text[c1 - 1].isspace():
            c1 -= 1
        if c0 >= c1 or text[c0] in QUOTE_CHARS or len(text[c0:c1].split()) < 4:
            continue
        sp = _speaker_at(ctx, _subject(tok))
        if sp is not None:
            out.append(RawQuote(c0, c1, "indirect", _cue_text(tok), base + tok.idx, sp, "colon_block"))
    return out


def _shift(sp: Speaker, base: int) -> Speaker:
    sp.start += base
    sp.end += base
    if sp.name_start is not None:
        sp.name_start += base
        sp.name_end += base
    return sp


def _after_dateline(ctx: _Ctx, span: tuple[int, int]) -> tuple[int, int] | None:
    """Content never includes a dateline."""
    s, e = span
    for d0, d1 in ctx.datelines:
        if d0 <= ctx.base + s < d1:
            s = d1 - ctx.base
    return (s, e) if e - s >= 3 else None


def _clip_to_paragraph(text: str, at: int, span: tuple[int, int]) -> tuple[int, int] | None:
    """The parser runs sentences across line breaks; reported content stays in the cue's paragraph."""
    p0 = text.rfind("\n", 0, at) + 1
    p1 = text.find("\n", at)
    p1 = len(text) if p1 < 0 else p1
    s, e = max(span[0], p0), min(span[1], p1)
    while s < e and (text[s].isspace() or text[s] in QUOTE_CHARS + ",;:"):
        s += 1
    while e > s and (text[e - 1].isspace() or text[e - 1] in QUOTE_CHARS + ",;:"):
        e -= 1
    return (s, _with_closing_mark(text, s, e)) if e > s else None


def _with_closing_mark(text: str, s: int, e: int) -> int:
    """The end of ``text[s:e]``, moved past the mark that closes a quotation opened inside it
    ('was “unbearable.”', 'Budget ‘Is Dead’'): no quote shows a mark without its pair. A run of
    marks is one mark ("''" in some papers' copy); marks inside words (apostrophes) do not count."""
    opened = closed = 0
    for m in _MARK_RUN.finditer(text, s, e):
        a, b = m.span()
        if (a == s or not text[a - 1].isalnum()) and b < e and text[b].isalnum():
            opened += 1
        elif a > s and not text[a - 1].isspace() and (b >= len(text) or not text[b].isalnum()):
            closed += 1
    if opened > closed:
        j = e
        while j < min(e + 2, len(text)) and text[j] in ".,!?":
            j += 1
        m = _MARK_RUN.match(text, j)
        if m:
            return m.end()
    return e


# ---------------------------------------------------------------------------------------------
# 3b. Direct quotes: attribution strategies, tried in order
# ---------------------------------------------------------------------------------------------

def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


def _tokens_between(doc, a: int, b: int) -> list:
    span = doc.char_span(a, b, alignment_mode="contract")
    return [t for t in span] if span is not None else []


def _sentence_end_inside(text: str, q1: int, close_len: int) -> bool:
    """Does the quotation end its sentence ('... all of you.” Nobody replied.')? A '.' before
    the closing mark followed by a capital letter starts a new sentence."""
    last = text[q1 - 1] if q1 else ""
    after = text[q1 + close_len:q1 + close_len + 3].lstrip()
    return last == "." and (not after or after[0].isupper() or after[0] in QUOTE_CHARS)


# Reporting verbs whose complement is obligatory (Levin 37.7 "say" verbs): in a sentence of their
# own with no complement ('“We will win.” Lee said.') the quotation before them is what was said.
# Verbs that can stand alone ('Nobody replied.', 'Everyone agreed.') are not among them.
_SAY_ONLY = frozenset({"say", "add", "write", "state", "note", "declare", "insist", "explain", "tweet",
                       "recall", "conclude", "continue"})
_NOBODY = {"nobody", "no", "none", "noone", "nothing", "everyone", "everybody"}


def bare_say_after(ctx: _Ctx, q: Marked, done: list[RawQuote]) -> RawQuote | None:
    """A quotation that ends its sentence, then a sentence that is only a subject and a say-verb
    (and adverbials): '“We will win.” Lee said on Monday.' -> Lee. 'Nobody replied.' or 'She said
    nothing.' are sentences of their own and name no speaker."""
    doc, text, base = ctx.doc, ctx.text, ctx.base
    if not q.closed:
        return None
    a = q.close_at + len(q.close_mark)
    if not _sentence_end_inside(text, q.end, a - q.end):
        return None
    p_end = text.find("\n", a)
    p_end = len(text) if p_end < 0 else p_end
    toks = [t for t in _tokens_between(doc, a - base, min(p_end, a + 160) - base) if not t.is_space]
    verb = None
    for k, t in enumerate(toks[:7]):
        if t.text in {".", "?", "!", ";"} or t.text in QUOTE_CHARS:
            return None
        if is_verb(t):
            verb = t if verb_in(t, _SAY_ONLY) else None
            break
    if verb is None or any(c.dep_ in {"ccomp", "dobj", "xcomp", "dative", "attr"} for c in verb.children):
        return None
    subj = _subject(verb)
    if subj is None or subj.i > verb.i or subj.idx + base < a or subj.lower_ in _NOBODY or \
            any(c.lower_ in _NOBODY for c in subj.children):
        return None
    # the sentence ends with the cue's own phrase
    end = verb.right_edge.i
    while end > verb.i and (doc[end].is_punct or doc[end].is_space):
        end -= 1
    if end + 1 < len(doc) and doc[end + 1].text not in {".", "!"} and "\n" not in doc[end].whitespace_:
        return None
    sp = speaker_of(subj, ctx.lo_token(subj))
    if sp is None:
        return None
    return RawQuote(q.start, q.end, "direct", _cue_text(verb), base + verb.idx, _shift(sp, base), "bare_say_after")


def trailing_cue(ctx: _Ctx, q: Marked, done: list[RawQuote]) -> RawQuote | None:
    """A cue right after the closing mark, in the same sentence: '“...,” she said.', '“...,” said
    Name.', and any verb in the unambiguous frames '“...,” VERB Name' and '“...,” Name VERB.'
    (“...,” grumbled Owen Tallis). Example: “The budget is a disaster,” grumbled the farmer."""
    doc, text, base = ctx.doc, ctx.text, ctx.base
    if not q.closed or _sentence_end_inside(text, q.end, q.close_at + len(q.close_mark) - q.end):
        return None
    if _short_object(text, q):
        # one to three quoted words take a trailing cue only when they open their sentence or clause
        # ('“Never,” she said'), not inside another clause ('called the outage a “glitch”, but ...')
        lead = text[text.rfind("\n", 0, q.open_at) + 1:q.open_at].rstrip()
        if lead and lead[-1] not in ".!?:;,—–-" + QUOTE_CHARS:
            return None
    a = q.close_at + len(q.close_mark)
    p_end = text.find("\n", a)
    p_end = len(text) if p_end < 0 else p_end
    seg_end = base + len(doc_text(doc))
    after = _tokens_between(doc, a - base, min(p_end, seg_end, a + 120) - base)
    inside_end = text[q.end - 1] in ",?!—–-" or text[a:a + 2].lstrip()[:1] in (",", "—", "–")
    toks = []
    for t in after:
        if t.text in QUOTE_CHARS or t.text in {"“", "„", "«"}:
            break  # the next quotation begins
        if t.text in {".", ";"} or (t.text in {"?", "!"}):
            break
        toks.append(t)
        if len(toks) > 12:
            break
    toks = [t for t in toks if not t.is_space]
    words = [t for t in toks if not t.is_punct]
    if not words or words[0].tag_ == "CC":
        # '“...,” and he vowed to ...': a coordinated clause after the quotation is a new
        # statement, not its attribution (on PolNeAR train all 17 such trailing cues were wrong)
        return None
    if not inside_end:
        # no comma frame ('“We will win” he said'): only a bare subject may stand before the cue
        k = next((k for k, t in enumerate(toks) if verb_in(t, _cues())), None)
        if k is None or k > 3 or any(t.tag_ not in _NAME_OR_PRONOUN | {"DT", "NN", "NNS"} for t in toks[:k]):
            return None
    verb = forced = None
    # '“...,” said Name' / '“...,” VERB Name': the verb comes first
    first = words[0]
    if is_verb(first) and first.tag_ in {"VBD", "VBZ", "VBP"} and (verb_in(first, _cues()) or inside_end):
        verb = first
        subj = next((c for c in verb.children if c.dep_ in {"nsubj", "dobj", "attr", "nsubjpass"} and c.i > verb.i),
                    None)
        if subj is None:
            rest = [t for t in words[1:] if t.tag_ in _NAME_OR_PRONOUN | {"NN", "NNS"}]
            subj = rest[0] if rest else None
    else:
        # '“...,” Name said' / '“...,” the farmer grumbled': a short subject, then the verb
        for k, t in enumerate(words[:9]):
            if is_verb(t) and t.tag_ != "MD" and not verb_in(t, frozenset({"be", "have", "do"})) or \
                    verb_in(t, _cues()):
                if verb_in(t, _cues()) or (inside_end and t.tag_ in {"VBD", "VBZ"}):
                    verb = t
                break
        if verb is None and inside_end:
            # a long apposition between the name and the cue ('“...,” Ann Lee, the former director
            # of X at Y, said at ...'): the parse links the subject after the mark to its cue
            t = words[0]
            while t.dep_ in {"compound", "flat"} and t.head.i > t.i and t.head.tag_ in _NAME_TAGS:
                t = t.head
            h = t.head
            if t.dep_ == "nsubj" and h.i > t.i and verb_in(h, _cues()) and h.sent.start == t.sent.start \
                    and "\n" not in text[a:base + h.idx] and not any(
                        x.text in {".", ";", "?", "!"} or x.text in QUOTE_CHARS for x in doc[t.i:h.i]):
                verb = h
            elif t.tag_ in _NAME_TAGS and t.ent_type_ in {"PERSON", ""}:
                # the parser took a word of the quotation for the cue's subject and hung the name
                # after the mark elsewhere ('“...,” Holt, the league's longest-serving manager
                # after winning in Oslo, said'): the first speech verb of the sentence after the
                # name, with no subject of its own outside the quotation, is the name's
                for x in doc[t.i + 1:min(len(doc), t.i + 40)]:
                    if x.text in {".", ";", "?", "!"} or x.text in QUOTE_CHARS or "\n" in x.text:
                        break
                    if verb_in(x, _cues()) and x.tag_ in {"VBD", "VBZ", "VBP"}:
                        own = [c for c in x.children if c.dep_ in SPEECH_SUBJ]
                        if all(c.idx + base < a for c in own):
                            verb, forced = x, t
                        break
        if verb is None:
            return None
        subj = forced if forced is not None else _resolve_relative(_subject(verb))
        if subj is None or subj.i > verb.i or subj.idx + base < a:
            between = [t for t in words if t.i < verb.i and t.tag_ in _NAME_OR_PRONOUN | {"NN", "NNS"}]
            subj = between[-1] if between else None
    if verb is None or subj is None or verb_in(verb, _SUNG):
        return None
    if subj.i < verb.i and any(_own_clause(verb, c) for c in verb.children):
        # the verb reports a clause of its own right after it ('“...,” but he denied that they
        # were there'): it is that clause's cue, not the quotation's
        return None
    sp = speaker_of(subj, ctx.lo_token(subj))
    if sp is None:
        return None
    sp = _shift(sp, base)
    if q.start - 1 <= sp.start < q.end + 1:
        return None
    return RawQuote(q.start, q.end, "direct", _cue_text(verb), base + verb.idx, sp, "trailing_cue")


# Verbs of singing (Levin 1993, 26.7 performance verbs, the ones done with the voice): what is
# sung is a song's words, not a statement of the singer's. '“…,” she sings' is a lyric, and the
# frame '“…,” VERB Name' would otherwise take any verb as the cue.
_SUNG = frozenset({"sing", "hum", "croon", "warble", "yodel", "serenade"})


def _own_clause(verb, c) -> bool:
    """Is ``c`` a content clause that follows the cue ``verb`` directly (no comma, dash or
    quotation mark between: '... he claimed they had never met', not '..., he said, “And ...'
    nor '... said Lee, who ...', where the parser hangs the next clause on the cue)?"""
    if c.dep_ != "ccomp" or c.left_edge.i <= verb.i:
        return False
    doc = verb.doc
    # nothing but an adverb may stand between: after an object ('told a crowd that the police
    # put at 2,000') the parser often reads a relative clause as the content
    if any(doc[i].tag_ not in {"RB", "IN"} for i in range(verb.i + 1, c.left_edge.i)):
        return False
    subj = [s for s in c.children if s.dep_ in SPEECH_SUBJ]
    gap = doc[verb.i + 1:c.left_edge.i + 1].text
    return bool(subj) and subj[0].tag_ not in {"WDT", "WP", "WP$"} and \
        not re.search(r"[,;:—–(]|--", gap) and not any(ch in QUOTE_CHARS for ch in gap)


_PUT = frozenset({"put"})


def _put_it(tok) -> bool:
    """'As Ann Lee put it, “...”', 'She put it bluntly: “...”': "put" whose only object is "it" is
    a verb of saying (the idiom; "put it on the table" is not)."""
    if not verb_in(tok, _PUT):
        return False
    objs = [c for c in tok.children if c.dep_ in {"dobj", "prep", "prt", "dative"}]
    return len(objs) == 1 and objs[0].dep_ == "dobj" and objs[0].lower_ == "it"


def leading_cue(ctx: _Ctx, q: Marked, done: list[RawQuote]) -> RawQuote | None:
    """A cue whose clause runs up to the opening mark: 'She said: “...”', 'He told reporters,
    “...”', 'The minister said that “...”'. Only the cue's own object and adverbs may stand
    between it and the mark (not another clause): '... said a man who goes by the name
    “Shorty.”' is no cue for “Shorty”. Example: Officials told reporters: “We are ready.”"""
    doc, text, base = ctx.doc, ctx.text, ctx.base
    q0 = q.open_at
    p0 = text.rfind("\n", 0, q0) + 1
    lo = max(p0, base, q0 - 160)
    before = _tokens_between(doc, lo - base, q0 - base)
    if not before:
        return None
    sent_start = before[-1].sent.start
    verb = None
    for t in reversed(before):
        if t.i < sent_start:
            break
        if verb_in(t, _cues()) or _put_it(t):
            verb = t
            break
        if is_verb(t) and t.tag_ != "MD":
            return None  # another clause stands between
        if t.text in {".", ";", "?", "!"} or t.text in QUOTE_CHARS:
            return None
    if verb is None:
        return None
    gap = text[base + verb.idx + len(verb.text):q0]
    if re.search(r"[.;!?]", gap.replace("Mr.", "").replace("Ms.", "").replace("Dr.", "")):
        return None
    if _short_object(text, q):
        # 'calls the encampment a “temporary” measure', 'demand “respect” from the board': an
        # object, not what was said. 'She said: “Never.”' and 'He said “no.”' end their sentence.
        after = text[q.close_at + len(q.close_mark):q.close_at + len(q.close_mark) + 2].lstrip()
        ends = text[q.end - 1] in ".!?," or not after or after[0] in ".!?;,\n"
        if not (re.search(r"[,:]\s*$", gap) or (re.fullmatch(r"\s*(?:that)?\s*", gap) and ends and q.closed)):
            return None
    # "Ada Kim, who told them: “…”": the speaker as written is "Ada Kim, who", its name Kim's
    sp = _speaker_at(ctx, _subject(verb))
    if sp is None or q.start <= sp.start < q.end:
        return None  # the parse took a word of the quotation itself for the cue's subject
    return RawQuote(q.start, q.end, "direct", _cue_text(verb), base + verb.idx, sp, "leading_cue")


def cue_in_parse(ctx: _Ctx, q: Marked, done: list[RawQuote]) -> RawQuote | None:
    """The quotation is the content of a cue found in the parse (:data:`INDIRECT_STRATEGIES`):
    'Smith said “the talks have stalled” on Monday.'"""
    for t in ctx.indirect:
        if t.cue_start is not None and q.start <= t.cue_start < q.end:
            continue
        ov = _overlap(q.start, q.end, t.start, t.end)
        if ov and ov >= 0.5 * (t.end - t.start) and t.speaker is not None and t.strategy != "indirect_object":
            return RawQuote(q.start, q.end, "direct", t.cue, t.cue_start, t.speaker, "cue_in_parse")
    return None


def colon_intro(ctx: _Ctx, q: Marked, done: list[RawQuote]) -> RawQuote | None:
    """A phrase ending in a colon right before the quotation introduces it: with a verb ('X was
    blunter: “...”' -> X), or without one at the start of a line or sentence ('Name: “...”',
    'And from Chairwoman Name: “...”'). Example: Mayor Ada Kim: “We will rebuild.”"""
    doc, text, base = ctx.doc, ctx.text, ctx.base
    q0 = q.open_at
    before = text[:q0].rstrip(" \t")
    if not before.endswith(":") and before.endswith("\n"):
        before = before.rstrip(" \t\n")  # 'X said:' closing the paragraph before the quotation
        if text[len(before):q0].count("\n") > 2:
            return None
    if not before.endswith(":") or len(before) - 1 < base:
        return None
    span = doc.char_span(len(before) - 1 - base, len(before) - base, alignment_mode="expand")
    if span is None or not len(span):
        return None
    colon = span[0]
    p0 = text.rfind("\n", 0, len(before) - 1) + 1
    toks = [t for t in colon.sent if t.i < colon.i and t.idx + base >= p0 and not t.is_space]
    # the phrase starts after the last sentence end in the paragraph
    for k in range(len(toks) - 1, -1, -1):
        if toks[k].text in {".", "?", "!", ";"} or toks[k].text in QUOTE_CHARS:
            toks = toks[k + 1:]
            break
    if not toks:
        return None
    # quotative inversion: 'Said Ortmann: “…”', 'Continued Brekke: “…”'. The tagger reads the
    # capitalised cue as a verb compounded to the name, or as part of the name itself; the name
    # after it is the speaker
    if len(toks) > 1 and toks[0].lower_ in verb_forms(_cues()) and toks[0].lower_ not in verb_forms(_SUNG) \
            and all(t.text[:1].isupper() or t.text in {".", "-"} for t in toks[1:]) and len(toks) <= 6:
        toks = toks[1:]
    verbs = [t for t in toks if is_verb(t) and t.tag_ != "MD"]
    if verbs:
        if verb_in(verbs[-1], _SUNG):
            return None
        subj = _resolve_relative(_subject(verbs[-1]))
        if subj is None or subj.i >= colon.i:
            return None
        sp = speaker_of(subj, ctx.lo_token(subj))
        strategy = "colon_clause"
    else:
        if len(toks) > 8:
            return None
        # the last run of capitalised words before the colon names the speaker (the marks after the
        # colon tell it from a dateline or a label such as "Note:")
        run: list = []
        for t in toks:
            if t.is_alpha and t.text[0].isupper() and t.lower_ not in {"and", "from", "the", "by", "with"}:
                run.append(t)
            elif t.text not in {".", "-", "'s", "’s"} or not run:
                run = []
        titles = _titles()
        had_title = any(t.lower_.rstrip(".") in titles for t in run[:-1])
        while len(run) > 1 and run[0].lower_.rstrip(".") in titles:
            run = run[1:]
        if not run:
            return None
        head = run[-1]
        sp = Speaker(toks[0].idx, head.idx + len(head.text), "name", run[0].idx, head.idx + len(head.text),
                     person=had_title or head.ent_type_ not in {"ORG", "GPE", "NORP", "LOC", "FAC"}, head=head.lower_)
        strategy = "colon_name"
    if sp is None:
        return None
    return RawQuote(q.start, q.end, "direct", ":", base + colon.idx, _shift(sp, base), strategy)


def trailing_dash(ctx: _Ctx, q: Marked, done: list[RawQuote]) -> RawQuote | None:
    """A name after a dash that follows the closing mark ends the paragraph: '“...” — Name',
    '“...”― Name'. Example: “We will rebuild.” — Mayor Ada Kim"""
    doc, text, base = ctx.doc, ctx.text, ctx.base
    if not q.closed:
        return None
    a = q.close_at + len(q.close_mark)
    # the em and en dash, the hyphen, and U+2015 HORIZONTAL BAR, which Unicode names the
    # quotation dash: the mark that introduces a quotation's source
    m = re.match(r"[^\S\n]*(?:[—–―-]{1,2})[^\S\n]*", text[a:a + 8])  # no-break spaces too
    if not m:
        return None
    p_end = text.find("\n", a)
    p_end = len(text) if p_end < 0 else p_end
    toks = [t for t in _tokens_between(doc, a + m.end() - base, p_end - base) if not t.is_space]
    if not toks or len(toks) > 10 or any(is_verb(t) for t in toks):
        return None
    names = [t for t in toks if t.tag_ in _NAME_TAGS]
    if not names:
        return None
    head = names[0]
    while head.head.i != head.i and head.head in toks and head.dep_ in {"compound", "flat"}:
        head = head.head
    sp = speaker_of(head, 0)
    if sp is None:
        return None
    sp.kind = "name" if sp.kind == "nominal" else sp.kind
    return RawQuote(q.start, q.end, "direct", "—", a + m.start(), _shift(sp, base), "trailing_dash")


DIRECT_STRATEGIES = (trailing_cue, leading_cue, cue_in_parse, colon_intro, trailing_dash, bare_say_after)


# a period that ends no sentence: a title ("Mrs."), an initial ("Leonard E. Burman"), a middle
# of a dotted abbreviation ("D.C.", "U.S.")
_NOT_SENTENCE_END = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Prof|Sen|Rep|Gov|Gen|Lt|Col|Sgt|Capt|St|Jr|Sr|Rev|Hon|"
                               r"Jan|Feb|Mar|Apr|Aug|Sept?|Oct|Nov|Dec|No|Inc|Corp|Co|Ltd|vs?)\.|"
                               r"\b[A-Z]\.(?=\s*[A-Z]|,)|\b(?:[A-Za-z]\.){2,}")


# one to three quoted words closed right away ('“copper coils,”', "''No-Frills''"), or the elided
# article of a name ("van 't Hoff", "rock 'n' roll"): marks that open no quotation of their own
_INNER_SHORT_QUOTE = re.compile(
    "(^|\\s)(?:(?:[“\"‘’'`]{1,2})[\\w$][\\w.&%$’'-]*(?:[ \t]+[\\w.&%$’'-]+){0,2}[,.!?]?[”\"’']{1,2}"
    "(?=[\\s,.;:!?)—–-]|$)|['’](?:t|s|n|n')(?=\\s))")


def _continues(text: str, last: RawQuote, q: Marked) -> bool:
    """Is the quotation ``q`` the second part of ``last``, one quotation split around its
    attribution? '“A,” she said. “B.”', '“A,” said Lee, a long description of Lee. “B.”',
    '“A,” she said, “B.”': the attribution of ``last`` stands between the two parts and is
    all that does (one sentence that ends, or a comma, right before the second part opens;
    nothing after that sentence end). Not '“A,” she said. Lee shot back: “B.”' (a sentence of
    its own), nor a quoted word inside the attribution ('“A,” she said of the “temporary” ban')."""
    between = text[last.end:q.open_at]
    if "\n" in between or last.cue_start is None or not last.end <= last.cue_start < q.open_at:
        return False
    # the closing mark of the first part and the punctuation around it
    plain = re.sub("^[\\s,.;:?!—–\\-" + re.escape(QUOTE_CHARS) + "]+", "", between)
    # a scare quote or a quoted name inside the attribution ('said Lee, describing the “copper
    # coils” she winds') and an elided article of a name ("van 't Hoff") quote no one: only a
    # longer quotation stands between two quotations of their own
    plain_marks = _INNER_SHORT_QUOTE.sub(lambda m: m.group(1) + "_" * (len(m.group(0)) - len(m.group(1))), plain)
    if re.search("(?:^|\\s)[" + re.escape(QUOTE_CHARS) + "]", plain_marks.rstrip()):
        return False  # another quotation stands between (an apostrophe inside a word does not count)
    plain = _NOT_SENTENCE_END.sub(lambda m: m.group(0).replace(".", "_"), plain)
    # a sentence ends where a capital, a quotation or the second part follows: not at the period
    # of "(D-Ill.) in an interview" nor of "Calif.),"
    ends = [m.end() for m in re.finditer(r"[.!?;](?=\s*$|\s+[A-Z(\"“‘'])", plain)]
    if len(ends) > 1:
        return False
    # a short quotation may close the attribution ('said on “Sunday Live.” “B.”')
    tail = plain.rstrip().rstrip(QUOTE_CHARS)
    return bool(tail) and tail[-1] in ".,:;—–" and (not ends or not plain[ends[0]:].strip())


def _carry_over(text: str, q: Marked, out: list[RawQuote]) -> RawQuote | None:
    """An unattributed quotation goes on the previous attributed one: split around its
    attribution in one paragraph ('“A,” she said. “B.”'), or opening the next paragraph right
    after a paragraph that ended with an attributed quote ('“...,” X said.' then, after one line
    break or a blank line, '“...”')."""
    prev = [r for r in out if r.end <= q.start and r.kind == "direct"]
    if not prev or prev[-1].speaker is None:
        return None
    last = prev[-1]
    between = text[last.end:q.open_at]
    if "\n" not in between:
        # the split quotation proper: only its own attribution stands between the two halves
        # ('“A,” she said. “B.”'); its confidence is calibrated apart from the looser case
        # nothing may follow the attribution's own sentence end: '“A,” she said. Lee shot back,
        # “B.”' is no split quotation
        end = re.search(r"[.!?;]", between)
        split = last.cue_start is not None and last.end <= last.cue_start < q.open_at and \
            len(re.findall(r"[.!?;]", between)) <= 1 and len(between) <= 120 and \
            not (end and re.search(r"\w", between[end.end():]))
        return RawQuote(q.start, q.end, "direct", last.cue, last.cue_start, last.speaker,
                        "split_quotation" if split else "same_paragraph",
                        continues=last.start if _continues(text, last, q) else None)
    para_start = text.rfind("\n", 0, q.open_at) + 1
    if text[para_start:q.open_at].strip():
        return None  # the quotation does not open its paragraph
    tail, _, rest = between.partition("\n")
    if rest.strip() or len(tail) > 100:
        return None  # another paragraph, or more than an attribution, stands between
    return RawQuote(q.start, q.end, "direct", last.cue, last.cue_start, last.speaker, "next_paragraph")


def _after_reported(ctx: _Ctx, q: Marked, out: list[RawQuote]) -> RawQuote | None:
    """A quotation that opens a sentence right after a sentence of reported speech in the same
    paragraph goes on to quote that speaker: 'She said the plan had worked. “We proved it.”'.
    Only when nothing but that sentence stands between them (no other quotation, no other
    sentence) and the reported speech names a speaker."""
    text = ctx.text
    para = text.rfind("\n", 0, q.open_at) + 1
    cands = [t for t in ctx.indirect if para <= t.start and t.end <= q.open_at and t.speaker is not None
             and t.strategy in {"indirect_clause", "indirect_parenthetical"}]
    if not cands:
        return None
    last = max(cands, key=lambda t: t.end)
    if any(r.kind == "direct" and last.end <= r.start < q.open_at for r in out):
        return None
    between = text[last.end:q.open_at]
    if not re.fullmatch(r"[^.!?\n\"“”]{0,40}[.!?]\s*", between):
        return None  # more than the end of the reported sentence stands between
    return RawQuote(q.start, q.end, "direct", last.cue, last.cue_start, last.speaker, "after_reported")


def governing_subject(ctx: _Ctx, q: Marked, out: list[RawQuote]) -> RawQuote | None:
    """A quotation inside a clause, as what its verb takes ('Lee called the plan “a gift to
    the banks”', 'Kim recalled the mayor as “someone who never gave up”', 'She urged the board to
    “stop pretending nothing happened”'): the words are the clause subject's, the one who called,
    recalled or urged, though the verb is no speech verb. The quotation must stand after that
    verb in its sentence, and hang from it in the parse (through objects and prepositions, not
    through another clause's verb)."""
    doc, base = ctx.doc, ctx.base
    span = doc.char_span(q.start - base, q.end - base, alignment_mode="expand")
    if span is None or not len(span):
        return None
    inner = [t for t in span if not (span.start <= t.head.i < span.end) and not t.is_punct]
    heads = {t.head.i for t in inner}
    if len(heads) != 1 or any(t.dep_ in SPEECH_SUBJ | {"relcl", "parataxis"} for t in inner):
        return None  # no one attachment, or the quotation is a subject or a clause of its own
    h = inner[0].head
    if h.i >= span.start:
        return None  # hangs on something after it: the quotation opens its clause
    hops = 0
    while not is_verb(h) and h.head is not h and hops < 4:
        if h.dep_ not in {"dobj", "pobj", "prep", "attr", "oprd", "appos", "acomp", "npadvmod", "advmod",
                          "amod", "compound", "nmod", "dative", "xcomp", "conj", "cc"}:
            return None
        h, hops = h.head, hops + 1
    if not is_verb(h) or h.tag_ == "MD" or h.i > span.start:
        return None
    # inside reported speech the reporter speaks ('Lee told them that he was “not there yet”'):
    # the nearest speech verb above takes it
    a = h
    while not verb_in(a, _cues()) and a.head is not a and a.dep_ in {"ccomp", "xcomp", "conj", "advcl", "pcomp",
                                                                     "pobj", "prep", "dobj", "acl", "relcl"}:
        a = a.head
    if verb_in(a, _cues()):
        h = a
    elif verb_in(h, frozenset({"be"})):
        return None  # 'the danger is “…”': a copula's subject says nothing
    subj = _resolve_relative(_subject(h, own=False))
    if subj is None or subj.i >= span.start or subj.idx + base < text_line_start(ctx.text, q.open_at):
        return None
    if any(q0 <= base + subj.idx < q1 for q0, q1 in ctx.quoted):
        return None
    sp = speaker_of(subj, ctx.lo_token(subj))
    if sp is None or sp.kind == "nominal" or sp.kind == "pronoun" and sp.head not in PRONOUNS | {"they"}:
        return None  # 'the chants were “…”', 'it reads “…”': no one who can be cited
    return RawQuote(q.start, q.end, "direct", _cue_text(h), base + h.idx, _shift(sp, base), "governing_subject")


_SPOKEN_OBJECT_DEPS = frozenset({"dobj", "oprd", "ccomp", "xcomp", "attr", "acomp"})
# speech verbs whose object is the hearer ('told “Fox Morning”' names a programme, not words)
_HEARER_OBJECT = frozenset({"tell", "inform", "notify", "brief"})


def spoken_object(ctx: _Ctx, q: Marked) -> RawQuote | None:
    """One to three quoted words that a speech verb takes as what was said, right after it or
    after its object: 'the mayor called the levy “a disgrace”', 'a woman shouted “Go home!”',
    'Ortiz said “never” twice'. Only the verb's own object or predicate (not a noun's modifier,
    not through a preposition: 'spoke of the “temporary” ban' stays a scare quote; not a part of a
    noun phrase, 'the “temporary” ban'; not a programme after a possessive or a preposition: 'told
    Channel 4's “Morning Desk”'; not in the passive: 'was told to “smile”'), a verb from
    the verbs whose first WordNet sense is communication (not 'wants “a deal”'), a subject who
    can be cited (a name, a person noun, he/she/they), and no reported speech that already holds
    the words."""
    doc, base = ctx.doc, ctx.base
    if any(_overlap(q.start, q.end, t.start, t.end) for t in ctx.indirect):
        return None  # reported speech that holds the words carries them ('called the levy “a disgrace”')
    span = doc.char_span(q.start - base, q.end - base, alignment_mode="expand")
    if span is None or not len(span):
        return None
    inner = [t for t in span if not (span.start <= t.head.i < span.end) and not t.is_punct]
    if len({t.head.i for t in inner}) != 1 or len(inner) != 1:
        return None
    tok = inner[0]
    verb = tok.head
    if tok.dep_ not in _SPOKEN_OBJECT_DEPS or verb.i >= span.start or not verb_in(verb, _communications()) \
            or verb_in(verb, _HEARER_OBJECT) or verb.tag_ == "MD" \
            or any(t.is_punct and t.text in ",:" for t in doc[verb.i + 1:span.start]):
        return None  # a comma or colon between: the other strategies' kind ('said, “Go.”')
    before = [t for t in doc[verb.i + 1:span.start] if not (t.is_punct and t.text in QUOTE_CHARS + "‘’“”")]
    if before and (before[-1].tag_ == "POS" or before[-1].dep_ == "prep"):
        return None  # a programme or a title: 'told Channel 4's “Morning Desk”', 'said on “Sunday Live”'
    if any(not (span.start <= c.i < span.end) and c.dep_ in {"det", "poss", "amod", "compound", "nummod"}
           for c in tok.children):
        return None  # part of a noun phrase quoted: 'investigate the “fiasco”', 'the Soviet “evil empire”'
    subj = _resolve_relative(_subject(verb))
    if subj is None or subj.i >= span.start or subj.idx + base < text_line_start(ctx.text, q.open_at):
        return None
    if any(q0 <= base + subj.idx < q1 for q0, q1 in ctx.quoted):
        return None
    sp = speaker_of(subj, ctx.lo_token(subj))
    if sp is None or sp.kind == "nominal" and not _is_person_noun(subj) \
            or sp.kind == "pronoun" and sp.head not in PRONOUNS | {"they"}:
        return None
    return RawQuote(q.start, q.end, "direct", _cue_text(verb), base + verb.idx, _shift(sp, base), "spoken_object")


def text_line_start(text: str, at: int) -> int:
    return text.rfind("\n", 0, at) + 1


def _short_object(text: str, q: Marked) -> bool:
    """One to three quoted words: a scare quote, a nickname or a quoted object ('want “a deal”')."""
    return len(re.findall(r"\w+", text[q.start:q.end])) <= 3


def direct_quotes(ctx: _Ctx, marked: list[Marked], min_unattributed_words: int = 5) -> list[RawQuote]:
    """Quotations of one parsed segment with their attribution (:data:`DIRECT_STRATEGIES` in
    order, then multi-paragraph groups and carry-over)."""
    text = ctx.text
    out: list[RawQuote] = []
    for q in marked:
        q_words = len(re.findall(r"\w+", text[q.start:q.end]))
        # a partial quote inside reported speech: the indirect quote carries it
        inside = [t for t in ctx.indirect if t.start <= q.start and q.end <= t.end + 3
                  and not (t.cue_start is not None and q.start <= t.cue_start < q.end)
                  and _overlap(q.start, q.end, t.start, t.end) < 0.5 * (t.end - t.start)]
        rq = None
        for strategy in DIRECT_STRATEGIES:
            if inside and strategy is not trailing_cue:
                # unless a speech verb of its own, inside what was taken for reported speech,
                # introduces it ('When X noted that A ― Y boasted, “B.”'): the reported clause
                # ran over another sentence's cue
                if strategy is leading_cue:
                    rq = leading_cue(ctx, q, out)
                    cue_tok = rq and ctx.doc.char_span(rq.cue_start - ctx.base, rq.cue_start - ctx.base + 1,
                                                       alignment_mode="expand")
                    if rq is not None and cue_tok is not None and cue_tok[0].tag_ in {"VBD", "VBZ", "VBP"} and \
                            all(t.start < rq.cue_start and t.cue_start != rq.cue_start for t in inside):
                        break
                    rq = None
                break
            rq = strategy(ctx, q, out)
            if rq is not None:
                break
        if rq is None and inside:
            continue
        if _short_object(text, q) and (rq is None or rq.strategy not in {"trailing_cue", "leading_cue", "colon_name",
                                                                            "trailing_dash"}):
            part = _carry_over(text, q, out) if rq is None else None
            if part is None or part.continues is None:
                part = spoken_object(ctx, q)
                if part is None:
                    continue  # a scare quote or quoted object, not a quotation
            rq = part  # '“A,” she said. “Never again.”': the second part of a split quotation
        if rq is None:
            rq = _carry_over(text, q, out)
            if rq is not None and rq.strategy == "same_paragraph":
                # a clause of its own takes the quotation ('She said “A.” Lee shot back, “B.”'):
                # that clause's subject is better evidence than the last speaker of the paragraph
                rq = governing_subject(ctx, q, out) or rq
        if rq is None:
            rq = _after_reported(ctx, q, out)
        if rq is None:
            rq = governing_subject(ctx, q, out)
        if rq is None:
            rq = RawQuote(q.start, q.end, "direct", strategy="unattributed")
        if rq.continues is None and rq.cue_start is not None and out and out[-1].cue_start == rq.cue_start \
                and _continues(text, out[-1], q):
            rq.continues = out[-1].start  # '“A,” she said, “B.”': one cue takes both parts
        rq.group = q.group
        rq.words = q_words
        out.append(rq)
    # a multi-paragraph quotation is one speaker's, backwards as well as forwards: a paragraph
    # without an attribution of its own takes the nearest one before it in the quotation, else
    # the first one after it
    carried = {"same_paragraph", "split_quotation", "next_paragraph"}
    by_group: dict[int, list[RawQuote]] = {}
    for r in out:
        by_group.setdefault(r.group, []).append(r)
    for members in by_group.values():
        if len(members) < 2:
            continue
        own = [k for k, r in enumerate(members) if r.speaker is not None and r.strategy not in carried]
        for k, r in enumerate(members):
            if not own or (r.speaker is not None and r.strategy not in carried):
                continue
            before = [j for j in own if j < k]
            src = members[before[-1] if before else own[0]]
            r.speaker, r.cue, r.cue_start, r.strategy = src.speaker, src.cue, src.cue_start, "same_quotation"
        # ... and one quotation in parts: each paragraph continues the last part of the one
        # before it, until a paragraph with an attribution of its own follows one that had one
        # (a closing mark left out: '“A,” X said. “B.' then '“C,” added Y.' are two quotations)
        def mine(r: RawQuote) -> bool:
            return r.strategy not in carried | {"same_quotation"}

        # the second half of a split quotation has its first half's attribution
        has_own = mine(members[0]) or members[0].continues is not None
        for prev, r in zip(members, members[1:]):
            if r.continues is not None:
                has_own = True
                continue
            if r.speaker is not None and prev.speaker is not None and not (has_own and mine(r)) and \
                    (r.speaker.start, r.speaker.end) == (prev.speaker.start, prev.speaker.end) and \
                    text.rfind("\n", prev.end, r.start) >= 0:
                r.continues = prev.start
                has_own = has_own or mine(r)
            else:
                has_own = mine(r)  # a quotation of its own starts here
    return [r for r in out if (r.speaker is not None and r.strategy != "governing_subject") or r.words >= min_unattributed_words]


def extract(doc, text: str, base: int, min_unattributed_words: int = 5) -> list[RawQuote]:
    """Direct and indirect quotes of one parsed segment (offsets into ``text``)."""
    seg_end = base + len(doc_text(doc))
    ctx = _Ctx(doc, text, base, _datelines(text, base, seg_end))
    marked = quote_spans(text, base, seg_end)
    ctx.quoted = [(q.start, q.end) for q in marked if q.closed]
    ctx.indirect = indirect_quotes(ctx)
    out = direct_quotes(ctx, marked, min_unattributed_words)
    # an object content that starts with a quoted object ('want “a deal” before ...') is no
    # quote; a content clause that opens with a quoted word ('argued that “liberals” let ...') is
    short_starts = [(q.open_at, q.start) for q in marked if _short_object(text, q)]
    ctx.indirect = [t for t in ctx.indirect if t.strategy in {"indirect_clause", "headline_label", "indirect_naming"}
                    or not any(o <= t.start <= s0 for o, s0 in short_starts)]
    # one cue, one content: a cue that attributes a quotation reports nothing else. Not a cue
    # whose clause holds the quotation (cue_in_parse: 'She said the ban would be “cruel and
    # pointless” for families'): that clause is reported speech, partly quoted, and stays unless
    # the quotation is most of it (below)
    used_cues = {r.cue_start for r in out if r.cue_start is not None and r.strategy in
                 {"trailing_cue", "leading_cue", "colon_clause"}}
    for t in ctx.indirect:
        if t.cue_start in used_cues:
            # a partial quotation closing a reported clause ('Teachers there are “very
            # pro-Bernie,” Kim said'): the clause is what was said, the quotation a few of its
            # words; kept when the quotations of that cue are under half of the clause
            mine = [d for d in out if d.cue_start == t.cue_start and t.start <= d.start and d.end <= t.end + 1]
            if not mine or sum(d.end - d.start for d in mine) * 2 >= t.end - t.start:
                continue
            if any(text[t.start:d.start].rstrip(" \t" + QUOTE_CHARS)[-1:] in {"—", "–", "-", ":"} for d in mine):
                continue  # 'He amended his testimony — “I now recall,” he said': narration, then a quotation
        # an indirect content that is mostly one direct quote was handled above; one inside
        # another indirect content is a nested report and stays ("Kim, the guards said, told them
        # to wait": the guards report that Kim told them something), unless it is only the object
        # of a verb inside that content (object cues are the least reliable kind)
        if any(_overlap(t.start, t.end, d.start, d.end) >= 0.8 * (t.end - t.start) for d in out
               if d.kind == "direct" or t.strategy == "indirect_object"):
            continue
        out.append(t)
    _bind_to_reporter(ctx, out)
    out.sort(key=lambda r: (r.start, r.end))
    return out


_CLAUSE_DEPS = frozenset({"ccomp"})


def _reporter_of(ctx: _Ctx, cue, sp: Speaker) -> Speaker | None:
    """The speaker of the report a pronoun's cue is the content of, when the pronoun agrees with
    it: in "Ada Kim said she wants “…”" the reporter is Kim ("she" is bound to the subject of the
    clause it is the complement of), so is the quotation's source. None when the cue is no such
    complement or the reporter does not agree (number; gender of "he"/"she" against the other
    pronoun or a known first name; an organisation or place for "he"/"she")."""
    v, hops = cue, 0
    while v.dep_ in _CLAUSE_DEPS and hops < 2:
        v, hops = v.head, hops + 1
        if not verb_in(v, _cues()):
            continue
        subj = _subject(v)
        if subj is None or subj.i > cue.i:
            return None
        outer = _speaker_at(ctx, subj)
        if outer is None:
            return None
        if outer.kind == "pronoun":
            return outer if outer.head == sp.head or (outer.gender and outer.gender == sp.gender) \
                or (outer.plural and sp.plural) else None
        if sp.plural != outer.plural:
            return None
        if sp.gender:
            ante = _resolve_relative(subj)
            if ante is None or ante.ent_type_ in {"ORG", "GPE", "NORP", "LOC", "FAC"}:
                return None
            if outer.kind == "nominal" and not outer.person:
                return None
            if outer.kind == "name":
                g = first_name_gender(ctx.text[outer.name_start:outer.name_end])
                if g and g != sp.gender:
                    return None
        return outer
    return None


def _bind_to_reporter(ctx: _Ctx, out: list[RawQuote]) -> None:
    """A pronoun speaking inside another report's content gives way to that report's speaker
    (:func:`_reporter_of`): "X said he believes “…”" is X's quotation, and the pronoun needs
    no resolution across the discourse."""
    doc = ctx.doc
    swap: dict[int, Speaker] = {}
    for q in out:
        sp = q.speaker
        if sp is None or sp.kind != "pronoun" or q.cue_start is None or id(sp) in swap:
            continue
        if sp.head not in PRONOUNS | {"they"}:
            continue
        at = q.cue_start - ctx.base
        if not 0 <= at < len(doc_text(doc)):
            continue
        span = doc.char_span(at, at + 1, alignment_mode="expand")
        if span is None:
            continue
        outer = _reporter_of(ctx, span[0], sp)
        if outer is not None:
            swap[id(sp)] = outer
    for q in out:
        if q.speaker is not None and id(q.speaker) in swap:
            q.speaker = swap[id(q.speaker)]


# ---------------------------------------------------------------------------------------------
# 5b. Names: speaker phrases -> canonical names, pronouns -> the discourse's persons
# ---------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _gender_detector():
    # the entity rules' table of gender-guesser's answers: one copy a process, not a second detector
    from newsmill.tasks.entities import _first_names

    try:
        return _first_names()
    except ImportError:  # optional: without it, gender comes from earlier pronouns only
        log.info("gender-guesser not installed: pronoun gender from the text only")
        return None


def first_name_gender(name: str) -> str | None:
    """'m' / 'f' for a person's first name by gender-guesser's name list (Jörg Michael's
    dictionary of first names), None when unknown or ambiguous."""
    det = _gender_detector()
    words = [w for w in re.split(r"[\s]+", name) if w]
    if det is None or len(words) < 2:
        return None
    g = det.get_gender(words[0].strip("."))
    return {"male": "m", "mostly_male": "m", "female": "f", "mostly_female": "f"}.get(g)


@dataclass
class Resolved:
    """A quote's speaker as resolved within its article."""
    name: str | None
    label: str | None
    path: str  # how: "mention", "person_evidence", "pronoun", "title", "none", ...


_GENDERED = re.compile(r"\b(he|him|his|himself|she|her|hers|herself)\b", re.I)
_TITLE_BEFORE = re.compile(r"((?:[A-Z][A-Za-z]*\.?[ \t]+){1,3})$")


_SENTENCE_START = re.compile(r"(?:[.!?][\"”’']?\s+|\n)(?=[^\n]*$)")
_NAME_PREFIX = re.compile(r"(?:(?:[A-Z][\w.’'-]*|the)\s+){0,4}")


def _opens_sentence(text: str, start: int) -> bool:
    """True when only capitalised words (titles, "Mr.", a first name) stand between the start of
    the sentence and ``start``: the name is in the subject ("Mr. Lee's plan was ...")."""
    lo = max(0, start - 400)
    m = None
    for m in _SENTENCE_START.finditer(text, lo, start):
        pass
    prefix = text[m.end() if m else lo:start]
    return _NAME_PREFIX.fullmatch(prefix.lstrip("“\"‘' ")) is not None


def _possessive_after(text: str, end: int) -> bool:
    """True when the name ending at ``end`` is written as a possessor ("Lee's", "Lee’s", "Jones'")."""
    if text[end:end + 1] not in {"'", "’"}:
        return False
    if text[end + 1:end + 2] in {"s", "S"}:
        return not text[end + 2:end + 3].isalpha()
    return text[end - 1:end] in {"s", "S"} and not text[end + 1:end + 2].isalpha()


def _title_before(text: str, start: int) -> str:
    """Title words written right before a name at ``start`` ("Supt. ", "Lt. Gov. "), when they
    are known titles or their abbreviations; "" otherwise."""
    m = _TITLE_BEFORE.search(text, max(0, start - 40), start)
    if not m:
        return ""
    from newsmill.tasks.entities import person_titles

    known = person_titles() | set(_title_abbreviations())
    words = m.group(1).split()
    while words and words[0].lower().rstrip(".") not in known:
        words = words[1:]
    return " ".join(words) if words and all(w.lower().rstrip(".") in known for w in words) else ""


@lru_cache(maxsize=4096)  # the same names are compared again for every quote of an article
def _norm(s: str) -> str:
    return " ".join(s.lower().replace("’", "'").split())


def _written_name(text: str, s: int, e: int) -> str:
    written = " ".join(text[s:e].split())
    if written.isupper() and len(written) > 4:
        written = written.title()  # "ANNIKA BRENNVOLD" -> "Annika Brennvold"
    return written


def _person_name(name: str) -> str:
    """A person's name without the description the model ran into it ("Walt Disney Co. executive
    Kevin Mayer" -> "Kevin Mayer", "Superintendent Jennifer McCormick" -> "Jennifer McCormick"):
    nothing up to a lower-case word (particles aside) or a leading title."""
    from newsmill.tasks.entities import PARTICLES

    words = name.split()
    for k in range(len(words) - 2, -1, -1):
        w = words[k]
        if w.islower() and w.strip(".") not in PARTICLES and len(words) - k - 1 >= 2:
            words = words[k + 1:]
            break
    return " ".join(_strip_role_words(words))


def _complete(name: str, full_names: list[str]) -> str:
    """A short form's full name in this article ("Brennvold", "Al-Rashidi" -> the one person
    whose name ends with it), else the name itself."""
    words = _norm(name).replace("-", " ").split()
    found = set()
    for f in full_names:
        fw = _norm(f).replace("-", " ").split()
        if len(fw) > len(words) and fw[-len(words):] == words:
            found.add(f)
    return found.pop() if len(found) == 1 else name


def _name_from_span(text: str, s: int, e: int, mentions, person: bool,
                    full_names: list[str] = ()) -> tuple[str | None, str | None, str]:
    inside = [m for m in mentions if m.start < e and s < m.end]
    persons = [m for m in inside if m.label == labels.PERSON]
    written = _written_name(text, s, e)
    if persons:
        best = max(persons, key=lambda m: m.end - m.start)
        name = _person_name(best.name)
        if len(written.split()) > len(name.split()) and _norm(written).endswith(_norm(text[best.start:best.end])) \
                and not (len(name.split()) >= 2 and is_first_name(name.split()[0])):
            name = " ".join(_strip_role_words(written.split()))  # the model left the first name out
        if best.start < s and _norm(text[best.start:s]) in verb_forms(_cues()) and text[s - 1:s].isspace() \
                and _norm(text[best.start:best.end]).endswith(_norm(written)):
            # the model ran a word before the speaker's name into it ('Said Ortmann: “…”', where
            # the cue was cut off the phrase): the name is what the phrase holds
            words = _strip_role_words(written.split())
            return (" ".join(words) if len(words) > 1 else _complete(" ".join(words), [
                f for f in full_names if _norm(f) != _norm(best.name)])), labels.PERSON, "mention"
        return _complete(name, full_names), labels.PERSON, "mention"
    if len(written.split()) == 1 and _complete(written, full_names) != written:
        return _complete(written, full_names), labels.PERSON, "surname"
    if person or (inside and any(m.label in {labels.ORG, labels.EntityType.PRODUCT, labels.EntityType.WORK_OF_ART, labels.NORP} and
                                  len(written.split()) >= 2 and first_name_gender(written) for m in inside)):
        # a person the model mistyped: join the article's full name for it ("Fjell" -> "Berit Fjell")
        words = _norm(written).split()
        for m in mentions:
            if m.label == labels.PERSON and _norm(m.name).split()[-len(words):] == words and len(_norm(m.name).split()) > len(words):
                return m.name, labels.PERSON, "person_evidence"
        return " ".join(_strip_role_words(written.split())), labels.PERSON, "person_evidence"
    if inside:
        best = max(inside, key=lambda m: (m.label in {labels.ORG, labels.PLACE, labels.NORP}, m.end - m.start))
        if best.label in {labels.ORG, labels.PLACE, labels.NORP}:
            return best.name, best.label, "mention"
    if len(written.split()) >= 2 and first_name_gender(written):
        return written, labels.PERSON, "person_evidence"
    return None, None, "unknown_name"


def person_hints(doc, base: int) -> list[tuple[int, int]]:
    """[start, end) (absolute) of proper names the parse shows to be persons whatever type the
    model gave them: a name written after a title ("Economist Berit Fjell"), in apposition with a
    person noun ("Berit Fjell, an economist", "The harbour master, Ines Kowal"), or starting with
    a known first name. Pronoun resolution and short forms count them as persons."""
    out = []
    seen = set()
    for tok in _tagged(doc, _NAME_TAGS):
        if tok.dep_ in {"compound", "flat"} and tok.head.tag_ in _NAME_TAGS:
            continue
        if tok.ent_type_ == "PERSON" or tok.i in seen:
            continue
        if tok.dep_ in {"compound", "nmod", "amod"} and tok.head.tag_ in {"NN", "NNS"}:
            # a name modifying a common noun is not the person: in "the former Utah governor",
            # "a Vantor engineer" the title and the pronouns after it belong to the noun's referent
            continue
        names = _name_tokens(tok)
        if not names or names[0].lower_.rstrip(".") in _titles():
            continue
        appos = (tok.dep_ == "appos" and _is_person_noun(tok.head)) or \
            any(c.dep_ == "appos" and _is_person_noun(c) for c in tok.children)
        written = " ".join(t.text for t in names)
        # a first name alone does not make a person of what the model typed a place ("Madison
        # Square Garden", "Des Moines") or of a name ending in a noun of a kind of organisation or
        # place ("Clinton Foundation"); a title or a person noun in apposition still does
        named_thing = tok.ent_type_ in {"GPE", "LOC"} or (
            bool(tok.ent_type_) and names[-1].lower_ in class_nouns())
        if _has_title(tok) or appos or (len(names) >= 2 and not named_thing and first_name_gender(written)):
            seen.update(t.i for t in names)
            out.append((base + names[0].idx, base + names[-1].idx + len(names[-1].text)))
    return out


def main_subjects(doc, base: int) -> list[tuple[int, int, int, int]]:
    """(start, end, sentence start, sentence end), absolute, of each sentence's main-clause
    subject when it is a proper name: the highest-ranked entity of its sentence, which centering
    theory makes the likeliest antecedent of a "he"/"she" opening the next one."""
    out = []
    for sent in doc.sents:
        root = sent.root
        for c in root.children:
            # a name the model tagged or typed oddly ("Figgins" as NNS and ORG) still counts when
            # the model found a name there: resolve decides from the article whether it is a person
            if c.dep_ == "nsubj" and (c.tag_ in _NAME_TAGS or (c.ent_type_ and c.text[:1].isupper())):
                names = _name_tokens(c)
                out.append((base + names[0].idx, base + names[-1].idx + len(names[-1].text),
                            base + sent.start_char, base + sent.end_char))
                break
    return out


_APPOSITION = re.compile(r",\s+(?:a|an|the|its|his|her|their)\s+([^,.;:()\n]{1,80}?)\s*(?=[,.;]|$)")
_OF_WHAT = re.compile(r"\s(?:for|of|at|in|with|to|from|on)\s")


def _title_in_apposition(text: str, end: int) -> set[str]:
    """The title a person's name is given in apposition right after it ("Frank Delaney, a
    spokesman for the port," -> spokesman), when the apposition's head noun is a known title:
    "the spokesman" later in the article is that person."""
    m = _APPOSITION.match(text, end)
    if not m:
        return set()
    head = _OF_WHAT.split(" " + m.group(1) + " ", maxsplit=1)[0].split()
    word = head[-1].lower().rstrip(".") if head else ""
    return {word} if word in _titles() else set()


def resolve(text: str, raw: list[RawQuote], mentions, hints: list[tuple[int, int]] = (),
            subjects: list[tuple[int, int, int, int]] = ()) -> list[tuple[RawQuote, Resolved]]:
    """Canonical speaker names for the quotes of one article (``mentions`` already canonical).

    Names come from the mention inside the name part of the speaker phrase; a name the model
    typed ORG/PRODUCT is a person when the phrase shows one (title, person noun in apposition)
    or its first name is a known first name. "he"/"she" go to the last person before them whose
    gender fits (first-name list, else earlier pronouns), counting unnamed singular speakers
    ("the energy minister said ... He said"), which leave the pronoun unnamed. "the spokesman"
    goes to the last person given that title. Persons inside quotations and datelines never
    count."""
    dl = _datelines(text, 0, len(text))
    in_dateline = lambda a, b: any(d0 <= a and b <= d1 for d0, d1 in dl)  # noqa: E731
    raw = [q for q in raw if q.end > q.start]
    for q in raw:
        q.text_of = text[q.start:q.end]
    # discourse: (position, name or None, gender, title) of persons, in text order
    events: list[tuple[int, str | None, str | None, str]] = []
    in_quote = lambda a, b: any(q.kind == "direct" and q.start <= a and b <= q.end for q in raw)  # noqa: E731
    # a person's titles, from any mention of the name: "Gov. Eric Holcomb" ... "Holcomb" ... "the governor"
    titles_of: dict[str, set[str]] = {}
    for m in mentions:
        if m.label == labels.PERSON:
            titles_of.setdefault(m.name, set()).update((m.title or _title_before(text, m.start)).split())
            titles_of[m.name].update(_title_in_apposition(text, m.end))
    # A possessor inside an object or a prepositional phrase ("stick to Buffett's favourite fund",
    # "called Buckley's performance") ranks below the subjects and objects of its discourse as the
    # antecedent of a subject pronoun (centering theory); the possessor of a sentence's subject
    # ("Mr. Lee's plan was ... He said") keeps its rank. On the 181 benchmark pages 13 of 15
    # citable "he/she said" quotes whose nearest name was a possessor had the wrong speaker.
    possessors = {m.start for m in mentions if _possessive_after(text, m.end) and not _opens_sentence(text, m.start)}
    for m in mentions:
        if m.label == labels.PERSON and not m.in_quote and not in_dateline(m.start, m.end):
            events.append((m.start, m.name, first_name_gender(m.name), " ".join(sorted(titles_of.get(m.name, ())))))
    full_names = [m.name for m in mentions if m.label == labels.PERSON and len(m.name.split()) > 1]
    for h0, h1 in hints:
        if in_dateline(h0, h1) or in_quote(h0, h1):
            continue
        name = _written_name(text, h0, h1)
        if any(m.start <= h0 and h1 <= m.end and (m.label == labels.PERSON or m.end - m.start > h1 - h0)
               for m in mentions):
            # a person's mention already counts; a part of a longer name of another type is no
            # person ("Center" of "National Center for Scientific Research", where "National"
            # reads as a title)
            continue
        if _possessive_after(text, h1) and not _opens_sentence(text, h0):
            possessors.add(h0)
        events.append((h0, name, first_name_gender(name), ""))
        if len(name.split()) > 1:
            full_names.append(name)
    # A sentence's main subject the model typed otherwise is a person when the article types the
    # same name a person elsewhere ("Figgins said ..." typed PERSON, "Figgins declined to ..."
    # typed ORG): the subject of a sentence is where centering looks for the antecedent of the
    # next "he"/"she", so leaving it out hands the pronoun to a name embedded in that sentence.
    person_names = {m.name for m in mentions if m.label == labels.PERSON}
    for s0, s1, _ss, _se in subjects:
        if in_dateline(s0, s1) or in_quote(s0, s1) or any(e[0] == s0 for e in events) or any(
                m.start <= s0 < m.end and m.label == labels.PERSON for m in mentions):
            continue
        words = _norm(_written_name(text, s0, s1)).split()
        if not words or len(words) > 3 or _possessive_after(text, s1):
            continue
        # the person's name ends with the subject ("Figgins" of "Montell Figgins") or the subject,
        # written in full, ends with the name the article types PERSON ("Montell Figgins", "Figgins")
        same = {n for n in person_names if _norm(n).split()[-len(words):] == words}
        longer = {n for n in person_names if len(_norm(n).split()) < len(words) and words[-len(_norm(n).split()):] == _norm(n).split()}
        if len(same) == 1 or (not same and longer):
            name = same.pop() if same else " ".join(_strip_role_words(_written_name(text, s0, s1).split()))
            events.append((s0, name, first_name_gender(name), " ".join(sorted(titles_of.get(name, ())))))
    events.sort(key=lambda e: e[0])

    # The article's own pronouns outrank the first-name list: a name's gender there is a guess
    # from one culture's usage ("Ilhan" is a man's name in Turkish, a woman's in Somali). A
    # sentence's main subject followed in that sentence by "he"/"she" (or his/her), with no other
    # person between them but a possessor ("Ortiz asked for time at Lee's hearing, saying she had
    # not seen the report"), votes; a name with votes both ways keeps its list gender.
    # Names written as possessors, inside quotations or datelines, never vote.
    votes: dict[str, set[str]] = {}
    positions = [e[0] for e in events if e[0] not in possessors]  # "during Lee's trial, saying she" is not Lee's
    for s0, s1, _ss, se in subjects:
        head = next((e for e in events if s0 <= e[0] < s1 and e[1]), None)
        if head is None or _possessive_after(text, s1) or in_quote(s0, s1):
            continue
        nxt = next((p for p in positions if p >= s1), len(text))
        for m in _GENDERED.finditer(text, s1, min(se, nxt)):
            if not in_quote(m.start(), m.end()):
                votes.setdefault(head[1], set()).add("f" if m.group(1).lower().startswith(("she", "her")) else "m")
                break
    said = {n: v.pop() for n, v in votes.items() if len(v) == 1}
    events[:] = [(p, n, said.get(n, g) if n else g, t) for p, n, g, t in events]

    # names that speak as persons: a named speaker whose name the model typed PERSON there
    speaking = {_norm(text[q.speaker.name_start:q.speaker.name_end]).split()[-1] for q in raw
                if q.speaker is not None and q.speaker.kind == "name" and q.speaker.name_end
                and text[q.speaker.name_start:q.speaker.name_end].strip()
                and any(m.label == labels.PERSON and m.start < q.speaker.name_end and q.speaker.name_start < m.end
                        for m in mentions)}

    def no_person(name: str, pos: int) -> bool:
        """The article shows ``name`` is no person's, whatever type the model gave it: a
        possessive inside it ("Punjab's Bhatinda" is a place in a place), or one word that is
        never written with a first name, a title or a gendered first name of its own anywhere in
        the article ("Universal", "Statista", "Moon": people in news are introduced by their
        full name; a company, a product or a celestial body is not), unless the name speaks
        itself somewhere in the article ("Figgins said": the model may have typed the full name
        an organisation)."""
        if re.search(r"['’]s\s", name):
            return True
        if " " in name or _norm(name) in speaking:
            return False
        det = _gender_detector()
        gendered = det is not None and det.get_gender(name.strip(".")) in {"male", "female", "mostly_male",
                                                                           "mostly_female"}
        return not gendered and not "".join(titles_of.get(name, ())) and not _title_before(text, pos)

    genders: dict[str, str] = {}
    for _, name, g, _t in events:
        if name and g:
            genders.setdefault(name, g)
    results: dict[int, Resolved] = {}
    order = sorted(range(len(raw)), key=lambda i: (raw[i].speaker.start if raw[i].speaker else raw[i].start))
    cache: dict[tuple[int, int], Resolved] = {}
    for i in order:
        q = raw[i]
        sp = q.speaker
        if sp is None:
            results[i] = Resolved(None, None, "none")
            continue
        key = (sp.start, sp.end)
        if key in cache:
            results[i] = cache[key]
            continue
        if sp.kind == "name" and not in_dateline(sp.name_start, sp.name_end):
            name, label, path = _name_from_span(text, sp.name_start, sp.name_end, mentions, sp.person, full_names)
            res = Resolved(name, label, path)
            if label == labels.PERSON and name and len(name.split()) > 1:
                full_names.append(name)
            if label == labels.PERSON:
                # the mentions inside the name are this person ("He Jianxiong" of the mention "Jianxiong")
                events[:] = [(p, name if sp.name_start <= p < sp.name_end and n else n, g, t) for p, n, g, t in events]
                events.append((sp.start, name, genders.get(name) or first_name_gender(name or ""), ""))
        elif sp.kind == "pronoun" and sp.gender:
            cands = sorted((e for e in events if e[0] < sp.start), key=lambda e: e[0])
            res = Resolved(None, None, "pronoun_unresolved")
            # a speaker does not name themselves in what they say: '“I cannot believe Martha would
            # refuse,” she said' is not Martha's, whoever was named last before it
            said = " ".join(r.text_of for r in raw if r.speaker is not None and (r.speaker.start, r.speaker.end) == key)

            def named_inside(name: str | None) -> bool:
                return bool(name) and any(
                    len(w) > 2 and w[0].isupper() and re.search(r"\b" + re.escape(w) + r"\b", said)
                    for w in name.split())
            # centering: the names embedded in the sentence before (its objects, its subordinate
            # clauses: "X declined to say whether Y slept the night Z died. “…,” he said") rank
            # below that sentence's main subject when it is a person of the pronoun's gender
            embedded = set()
            top = next((t for t in reversed(subjects) if t[3] <= sp.start and not in_quote(t[0], t[1])), None)
            if top is not None and not any(t[2] >= top[3] and t[3] <= sp.start for t in subjects):
                head = next((e for e in cands if top[0] <= e[0] < top[1] and e[1]), None)
                hg = head and (head[2] or genders.get(head[1]))
                if head is not None and hg in (None, sp.gender) and not no_person(head[1], head[0]) \
                        and not named_inside(head[1]):
                    embedded = {e[0] for e in cands if top[1] <= e[0] < top[3]}
            for pos, name, g, title in reversed(cands):
                if pos in possessors or pos in embedded or (name and not title and no_person(name, pos)) \
                        or named_inside(name):
                    continue
                g = g or (genders.get(name) if name else None)
                if g and g != sp.gender:
                    continue
                if name is None:
                    res = Resolved(None, None, "pronoun_unnamed")
                else:
                    res = Resolved(name, labels.PERSON, "pronoun")
                    genders.setdefault(name, sp.gender)
                break
        elif sp.kind == "nominal":
            res = Resolved(None, None, "nominal")
            words = re.findall(r"[\w'’]+", text[sp.start:sp.end].lower())
            if words and words[0] in {"the", "this", "that"} and len(words) <= 3 and (
                    sp.head in _titles() or sp.head in set(_title_abbreviations().values())):
                for pos, name, g, title in sorted((e for e in events if e[0] < sp.start), key=lambda e: -e[0]):
                    if name and sp.head in _role_nouns(title):
                        res = Resolved(name, labels.PERSON, "title")
                        break
            if res.name is None and sp.person and not sp.plural:
                events.append((sp.start, None, None, sp.head))  # an unnamed person ("the minister")
        else:
            res = Resolved(None, None, "pronoun_unresolved" if sp.kind == "pronoun" else "none")
        cache[key] = res
        results[i] = res
    return [(raw[i], results[i]) for i in range(len(raw))]


# ---------------------------------------------------------------------------------------------
# 6. Confidence
# ---------------------------------------------------------------------------------------------

CONFIDENCE_FILE = DATA / "quote_confidence.json"


def evidence(q: RawQuote, r: Resolved) -> str:
    """The evidence class a quote's confidence is calibrated on: kind, attribution strategy, how
    the speaker was resolved, and whether the quote has fewer than six words (titles of songs and
    books, slogans and fragments are short)."""
    short = "short" if len(re.findall(r"\w+", q.text_of)) < 6 else "long"
    return f"{q.kind}|{q.strategy or 'none'}|{r.path}|{short}"


@lru_cache(maxsize=1)
def _calibration() -> dict:
    try:
        return json.loads(CONFIDENCE_FILE.read_text(encoding="utf-8"))
    except FileNotFoundError:
        log.warning("%s missing: every quote gets confidence 0.5", CONFIDENCE_FILE)
        return {}


def confidence(q: RawQuote, r: Resolved) -> float:
    """P(the content is a quote and the speaker is right) for this evidence class, as measured on
    PolNeAR train (smoothed; a class seen fewer than 5 times there falls back to its kind and
    resolution path)."""
    return confidence_of(evidence(q, r))


def confidence_of(key: str) -> float:
    """The calibrated confidence of an evidence class (see :func:`evidence`)."""
    cal = _calibration()
    table = cal.get("classes", {})
    if key in table and table[key][0] >= 5:
        return table[key][2]
    kind, _, path = key.split("|")[:3]
    fallback = cal.get("fallback", {}).get(f"{kind}|{path}")
    if fallback:
        return fallback[2]
    return 0.3


def citable_threshold() -> float:
    """Quotes at or above this confidence with a named speaker go to the ``quotes_citable`` mart."""
    return float(_calibration().get("citable_threshold", 0.9))
