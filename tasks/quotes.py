"""Quotations and who said them.

Direct quotes are found by their quotation marks on the raw text (any style, split around the
attribution, several sentences, unbalanced marks closed at the paragraph end). Indirect quotes and
the attribution of direct ones come from the dependency parse: a cue verb (``tasks/data/
cue_verbs.txt``) with a clausal complement is the content, its subject the speaker; "according to
X" makes X the speaker of the rest of the clause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsmill.tasks.entities import doc_text, is_verb, verb_in, word_list

# opening mark -> closing marks it pairs with
PAIRS = {"“": "”\"", "„": "“”", "«": "»", "‘": "’", "‚": "‘’", "\"": "\"”", "'": "'’", "‹": "›"}
QUOTE_CHARS = "\"'“”‘’«»„‟‹›‚"
PRONOUNS = {"he", "she", "him", "her"}
_OPENERS_CONTEXT = set(" \t([{—–-/:;,") | {""}
SPEECH_SUBJ = {"nsubj", "nsubjpass", "csubj"}
_NAME_OR_PRONOUN = {"NNP", "NNPS", "PRP", "WP"}


@dataclass
class RawQuote:
    start: int
    end: int
    kind: str
    cue: str | None = None
    cue_start: int | None = None
    speaker_start: int | None = None
    speaker_end: int | None = None


def quote_spans(text: str, lo: int = 0, hi: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of the text inside quotation marks, paragraph by paragraph."""
    hi = len(text) if hi is None else hi
    out = []
    for m in re.finditer(r"[^\n]+", text[lo:hi]):
        p0, p1 = lo + m.start(), lo + m.end()
        i = p0
        while i < p1:
            ch = text[i]
            closers = PAIRS.get(ch)
            if ch == "»" and i + 1 < p1 and text[i + 1].isalnum():
                closers = "«"  # German style »...«
            if not closers:
                i += 1
                continue
            prev = text[i - 1] if i > p0 else ""
            if ch in "'‘\"" and not (prev in _OPENERS_CONTEXT or prev in QUOTE_CHARS):
                i += 1  # an apostrophe or a closing mark, not an opening one
                continue
            j = i + 1
            close = -1
            while j < p1:
                c = text[j]
                if c in closers:
                    nxt = text[j + 1] if j + 1 < p1 else ""
                    # a single mark followed by a letter is an apostrophe ("don't")
                    if not (ch in "'‘" and nxt.isalpha()):
                        close = j
                        break
                j += 1
            if close < 0 and ch in "'‘‚":
                i += 1  # an unclosed single mark is most often an apostrophe
                continue
            s, e = i + 1, close if close >= 0 else p1
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            if e > s and any(c.isalnum() for c in text[s:e]):
                out.append((s, e))
            i = (close + 1) if close >= 0 else p1
    return out


def _cues() -> frozenset[str]:
    return word_list("cue_verbs.txt")


def _objects() -> frozenset[str]:
    return word_list("object_cues.txt")


def _trim(doc, left: int, right: int) -> tuple[int, int] | None:
    """Token range -> char range without edge punctuation, quotation marks and spaces."""
    while left <= right and (doc[left].is_punct or doc[left].is_space) and doc[left].text not in "$£€":
        left += 1
    while right >= left and (doc[right].is_punct or doc[right].is_space) and doc[right].text not in ")%":
        right -= 1
    if right < left:
        return None
    return doc[left].idx, doc[right].idx + len(doc[right].text)


def speaker_span(tok) -> tuple[int, int]:
    """The noun phrase a speaker token heads, without trailing appositions or relative clauses."""
    doc = tok.doc
    left = tok.left_edge.i
    right = tok.i
    # keep compounds/flat names and "of ..." only up to the first comma
    for t in tok.rights:
        if t.dep_ in {"compound", "flat", "prep"} and "," not in doc[tok.i:t.right_edge.i + 1].text:
            right = max(right, t.right_edge.i)
        else:
            break
    while left < tok.i and (doc[left].is_punct or doc[left].is_space):
        left += 1
    # a leading clause in the subject's subtree ("Asked about it, Kirby") is not the speaker, and
    # neither is anything before a line break (the parser runs headlines into the next line)
    for i in range(left, tok.i):
        if doc[i].text == "," or "\n" in doc[i].text or "\n" in doc[i].whitespace_:
            left = i + 1
    while left < tok.i and (doc[left].is_punct or doc[left].is_space):
        left += 1
    while right > left and doc[right].lower_ in {"'s", "’s", ","}:
        right -= 1
    return doc[left].idx, doc[right].idx + len(doc[right].text)


def _subject(verb):
    for c in verb.children:
        if c.dep_ in SPEECH_SUBJ:
            return c
        if c.dep_ == "agent":
            for g in c.children:
                if g.dep_ == "pobj":
                    return g
    # "X met reporters and said ...", "X is expected to say ..."
    if verb.dep_ in {"conj", "xcomp", "advcl"} and verb.head is not verb:
        return _subject(verb.head)
    return None


def _resolve_relative(subj):
    if subj is not None and not any(c.isalnum() for c in subj.text):
        return None  # a quotation mark parsed as the subject
    # "officials, who said ..." -> officials
    if subj is not None and subj.lower_ in {"who", "that", "which"} and subj.head.dep_ == "relcl":
        return subj.head.head
    return subj


def attributions(doc, base: int) -> list[RawQuote]:
    """Cue verb + content clause + speaker triples from one parsed segment."""
    cues = _cues()
    out: list[RawQuote] = []
    for tok in doc:
        content = None
        if tok.lower_ == "according" and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "to":
            to = doc[tok.i + 1]
            src = next((c for c in to.children if c.dep_ == "pobj"), None)
            sent = tok.sent
            phrase_l, phrase_r = tok.i, max(tok.right_edge.i, to.right_edge.i)
            before = _trim(doc, sent.start, phrase_l - 1) if phrase_l > sent.start else None
            after = _trim(doc, phrase_r + 1, sent.end - 1) if phrase_r + 1 < sent.end else None
            sides = [s for s in (before, after) if s and s[1] - s[0] > 10]
            if not sides or src is None:
                continue
            content = max(sides, key=lambda s: s[1] - s[0])
            sp = speaker_span(src)
            out.append(RawQuote(base + content[0], base + content[1], "indirect", "according to",
                                base + tok.idx, base + sp[0], base + sp[1]))
            continue
        if not verb_in(tok, cues):
            continue
        comp = [c for c in tok.children if c.dep_ == "ccomp"]
        if comp:
            c = comp[0]
            content = _trim(doc, c.left_edge.i, c.right_edge.i)
        elif verb_in(tok, _objects()):
            # "backed Rubio", "called for a ban", "urged them to drop out": the object is what
            # was said, wanted or stood for
            objs = [c for c in tok.children if c.dep_ in {"dobj", "xcomp", "attr"}]
            pobj = [g for c in tok.children if c.dep_ == "prep" and c.lower_ in {"for", "on", "about", "of"}
                    for g in c.children if g.dep_ in {"pobj", "pcomp"}]
            for o in objs + pobj:
                content = _trim(doc, o.left_edge.i, o.right_edge.i)
                break
        elif tok.dep_ == "parataxis" and tok.head.i < tok.i and tok.right_edge.i >= tok.head.right_edge.i - 1:
            # "The talks stalled, officials said." with "said" attached to the reported clause
            head = tok.head
            content = _trim(doc, head.left_edge.i, tok.left_edge.i - 1)
        elif (tok.dep_ == "parataxis" and tok.left_edge.i > 0 and doc[tok.left_edge.i - 1].text == ","
              and tok.right_edge.i + 1 < len(doc) and doc[tok.right_edge.i + 1].text == ","):
            # "In three years, Barden says, far too many lives were lost": the clause around it
            head = tok.head
            content = _trim(doc, head.left_edge.i, head.right_edge.i)
        if content:
            content = _clip_to_paragraph(doc_text(doc), tok.idx, content)
        if not content or content[1] - content[0] < 3:
            continue
        subj = _resolve_relative(_subject(tok))
        sp = speaker_span(subj) if subj is not None else None
        if sp and content[0] <= sp[0] < content[1]:
            sp = None
        cue = tok.text
        prt = [c for c in tok.children if c.dep_ == "prt"]
        if prt and prt[0].i == tok.i + 1:
            cue = doc[tok.i:prt[0].i + 1].text
        out.append(RawQuote(base + content[0], base + content[1], "indirect", cue, base + tok.idx,
                            base + sp[0] if sp else None, base + sp[1] if sp else None))
    return out


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
    return (s, e) if e > s else None


def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


def _window_cue(doc, base: int, q0: int, q1: int) -> RawQuote | None:
    """A cue verb right after the closing mark (", he said") or before the opening one."""
    cues = _cues()
    para_end = doc_text(doc).find("\n", q1 - base)
    para_end = len(doc_text(doc)) if para_end < 0 else para_end
    after = doc.char_span(q1 - base, min(para_end, q1 - base + 80), alignment_mode="expand")
    cands = []
    if after is not None:
        for t in list(after)[:10]:
            if t.text in "“„«" or (t.i > after.start and t.text == "\"" and doc[t.i - 1].is_space):
                break  # the next quote begins
            if verb_in(t, cues):
                cands.append(t)
                break
    if not cands:
        before = doc.char_span(max(0, q0 - base - 120), q0 - base, alignment_mode="expand")
        if before is not None:
            toks = [t for t in before if t.idx + len(t.text) <= q0 - base]
            sent_start = doc.char_span(q0 - base, q0 - base + 1, alignment_mode="expand")
            lo = sent_start[0].sent.start if sent_start is not None and len(sent_start) else 0
            for t in reversed(toks[-15:]):
                if t.i < lo:
                    break
                if verb_in(t, cues):
                    cands.append(t)
                    break
    if not cands:
        return None
    verb = cands[0]
    subj = _resolve_relative(_subject(verb))
    if subj is None and verb.idx + base >= q1:
        # '..." Miller said' parsed without a subject: the name between the quote and the verb
        between = [t for t in doc if q1 - base <= t.idx < verb.idx and t.tag_ in _NAME_OR_PRONOUN]
        subj = between[-1] if between else None
    sp = speaker_span(subj) if subj is not None else None
    if sp and q0 - 1 <= base + sp[0] < q1 + 1:
        sp = None
    return RawQuote(q0, q1, "direct", verb.text, base + verb.idx,
                    base + sp[0] if sp else None, base + sp[1] if sp else None)


def _colon_cue(doc, base: int, q0: int, q1: int) -> RawQuote | None:
    """'Cruz continued: "..."' — a clause ending in a colon right before the quote introduces it,
    whatever its verb."""
    before = doc_text(doc)[:q0 - base].rstrip(QUOTE_CHARS + " \t")
    if not before.endswith(":"):
        return None
    span = doc.char_span(len(before) - 1, len(before), alignment_mode="expand")
    if span is None or not len(span):
        return None
    colon = span[0]
    sent = colon.sent
    verbs = [t for t in sent if t.i < colon.i and is_verb(t)]
    if not verbs:
        return None
    verb = verbs[-1]
    subj = _resolve_relative(_subject(verb))
    if subj is None:
        return None
    sp = speaker_span(subj)
    return RawQuote(q0, q1, "direct", verb.text, base + verb.idx, base + sp[0], base + sp[1])


def extract(doc, text: str, base: int, min_unattributed_words: int = 5) -> list[RawQuote]:
    """Direct and indirect quotes of one parsed segment (offsets into ``text``)."""
    seg_end = base + len(doc_text(doc))
    triples = attributions(doc, base)
    directs = quote_spans(text, base, seg_end)
    used = set()
    out: list[RawQuote] = []
    prev: RawQuote | None = None
    for q0, q1 in directs:
        rq = None
        contained_in_indirect = False
        for k, t in enumerate(triples):
            ov = _overlap(q0, q1, t.start, t.end)
            if not ov or (t.cue_start is not None and q0 <= t.cue_start < q1):
                continue
            if ov >= 0.5 * (t.end - t.start):
                rq = RawQuote(q0, q1, "direct", t.cue, t.cue_start, t.speaker_start, t.speaker_end)
                used.add(k)
                break
            if t.start <= q0 and q1 <= t.end + 3:
                contained_in_indirect = True
        if contained_in_indirect and rq is None:
            continue  # a partial quote inside reported speech: the indirect quote carries it
        if rq is None or rq.speaker_start is None:
            w = _window_cue(doc, base, q0, q1)
            if w is not None and (rq is None or w.speaker_start is not None):
                rq = w
        if rq is None or rq.speaker_start is None:
            # the latest attributed quote before this one (direct or reported)
            cands = [r for r in out + triples if r.end <= q0 and r.speaker_start is not None]
            last = max(cands, key=lambda r: r.end) if cands else None
            if last is not None:
                between = text[last.end:q0]
                para_start = text.rfind("\n", 0, q0) + 1
                opens_para = not text[para_start:q0].strip(QUOTE_CHARS + " \t")
                # a quote split around its attribution, or a new paragraph that carries on quoting
                if "\n" not in between or (between.count("\n\n") + between.count("\n") <= 2
                                            and opens_para and len(between) < 200):
                    rq = RawQuote(q0, q1, "direct", last.cue, last.cue_start, last.speaker_start,
                                  last.speaker_end)
        if rq is None:
            rq = _colon_cue(doc, base, q0, q1)
        if rq is None:
            if len(text[q0:q1].split()) < min_unattributed_words:
                continue
            rq = RawQuote(q0, q1, "direct")
        out.append(rq)
        prev = rq
    for ent in doc.ents:
        if ent.label_ not in {"PERSON", "ORG"} or ent.end >= len(doc) or doc[ent.end].text != ":":
            continue
        line_start = doc_text(doc).rfind("\n", 0, ent.start_char) + 1
        if doc_text(doc)[line_start:ent.start_char].strip():
            continue
        line_end = doc_text(doc).find("\n", ent.end_char)
        line_end = len(doc_text(doc)) if line_end < 0 else line_end
        c0 = doc[ent.end].idx + 1
        while c0 < line_end and (doc_text(doc)[c0].isspace() or doc_text(doc)[c0] in QUOTE_CHARS):
            c0 += 1
        c1 = line_end
        while c1 > c0 and (doc_text(doc)[c1 - 1].isspace() or doc_text(doc)[c1 - 1] in QUOTE_CHARS + "."):
            c1 -= 1
        if c1 - c0 < 10 or any(_overlap(base + c0, base + c1, d.start, d.end) for d in out):
            continue
        out.append(RawQuote(base + c0, base + c1, "indirect", ":", base + doc[ent.end].idx,
                            base + ent.start_char, base + ent.end_char))
    for k, t in enumerate(triples):
        if k in used:
            continue
        # an indirect content that is mostly one direct quote was handled above
        if any(_overlap(t.start, t.end, d.start, d.end) >= 0.8 * (t.end - t.start) for d in out):
            continue
        out.append(t)
    out.sort(key=lambda r: (r.start, r.end))
    return out
