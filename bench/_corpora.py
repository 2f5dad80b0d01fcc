"""Readers for the shared evaluation corpora (read from ../shared, never copied into the project).

* PolNeAR (brat standoff): one ``.txt`` per article and one or more ``<name>_<annotator>.ann``.
  Several annotators labelled some articles; we score against the *first* annotator's file in
  sorted order, so that every article counts once and gold spans are not double-counted (a union
  would reward one prediction for matching two annotators' versions of the same attribution).
* GUM news (CoNLL-U): the text is rebuilt from the tokens (``SpaceAfter=No``), sentences joined by
  a space and paragraphs (``# newpar``) by a blank line, so that gold entity spans become character
  offsets into the same string we enrich.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = (ROOT.parent / "shared").resolve()
POLNEAR = SHARED / "corpora" / "polnear"
GUM_NEWS = SHARED / "corpora" / "gum-news"
CONLL_DEV = SHARED / "corpora" / "conll2003-dev"

QUOTE_CHARS = "\"'“”‘’«»„‟‹›"


@dataclass
class Attribution:
    content: list[tuple[int, int]]  # possibly discontinuous
    source: list[tuple[int, int]]
    cue: list[tuple[int, int]]

    @property
    def content_span(self) -> tuple[int, int]:
        return min(s for s, _ in self.content), max(e for _, e in self.content)


@dataclass
class PolnearDoc:
    name: str
    text: str
    attributions: list[Attribution]
    annotator: str


def _spans(field_: str) -> list[tuple[int, int]]:
    # "Content 10 20;25 30" -> [(10, 20), (25, 30)]
    _, _, offs = field_.partition(" ")
    out = []
    for part in offs.split(";"):
        if not part.strip():
            continue  # a few train .ann files have an empty fragment ("10 20;")
        a, b = part.split()
        out.append((int(a), int(b)))
    return out


def read_ann(path: Path) -> list[Attribution]:
    spans: dict[str, tuple[str, list[tuple[int, int]]]] = {}
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("T"):
            tid, info, _txt = (line.split("\t") + ["", ""])[:3]
            spans[tid] = (info.split(" ", 1)[0], _spans(info))
        elif line.startswith("E"):
            events.append(line.split("\t")[1].split())
    out = []
    for ev in events:
        roles: dict[str, list[tuple[int, int]]] = {}
        for arg in ev:
            role, _, tid = arg.partition(":")
            role = re.sub(r"\d+$", "", role)
            if tid in spans:
                roles.setdefault(role, []).extend(spans[tid][1])
        if roles.get("Content"):
            out.append(Attribution(roles.get("Content", []), roles.get("Source", []), roles.get("Cue", [])))
    return out


def polnear(split: str = "dev", limit: int | None = None) -> list[PolnearDoc]:
    base = POLNEAR / split
    docs = []
    for txt in sorted((base / "text").glob("*.txt")):
        anns = sorted((base / "attributions").glob(txt.stem + "_*.ann"))
        anns = [a for a in anns if a.stem[len(txt.stem) + 1:].isalnum()]
        if not anns:
            continue
        text = txt.read_text(encoding="utf-8")
        docs.append(PolnearDoc(txt.stem, text, read_ann(anns[0]), anns[0].stem[len(txt.stem) + 1:]))
        if limit and len(docs) >= limit:
            break
    return docs


def is_direct(text: str, span: tuple[int, int]) -> bool:
    """Gold content inside quotation marks: the span starts/ends with a mark or is enclosed by them."""
    s, e = span
    inner = text[s:e].strip()
    if len(inner) >= 2 and inner[0] in QUOTE_CHARS and inner[-1] in QUOTE_CHARS:
        return True
    before = text[max(0, s - 2):s].strip()
    after = text[e:e + 2].strip()
    return bool(before) and before[-1] in QUOTE_CHARS and (
        (bool(after) and after[0] in QUOTE_CHARS) or (inner and inner[-1] in QUOTE_CHARS))


@dataclass
class GumDoc:
    name: str
    text: str
    entities: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, PERSON|ORG|PLACE)
    # GUM's entity id of each of ``entities`` (mentions with one id corefer); empty for CoNLL
    ids: list[str] = field(default_factory=list)
    # GUM's Wikipedia identity of each of ``entities`` ("North_Korea"), "" where it has none
    links: list[str] = field(default_factory=list)
    # spans that count neither as hits nor as false positives (CoNLL's MISC)
    neutral: list[tuple[int, int]] = field(default_factory=list)
    # GUM: the character span of the token that names each of ``entities``: its syntactic head
    # (the token whose head lies outside the mention: "To" in "James To of the Democratic
    # Party", "coach" in "Tunisia's coach"), or a name written `flat` under a common-noun head
    heads: list[tuple[int, int]] = field(default_factory=list)
    # GUM: every mention, named or not (pronouns, descriptions), as (start, end, entity id, type):
    # the coreference chains bench/pronouns.py checks "he said" against; empty for CoNLL
    chains: list[tuple[int, int, str, str]] = field(default_factory=list)


GUM_TYPES = {"person": "PERSON", "organization": "ORG", "place": "PLACE"}


def gum_news() -> list[GumDoc]:
    docs = []
    for path in sorted(GUM_NEWS.glob("*.conllu")):
        docs.append(_read_gum(path))
    return docs


def _read_gum(path: Path) -> GumDoc:
    parts: list[str] = []
    pos = 0
    open_: dict[str, list] = {}  # entity id -> stack of [start_char, type, first_token_index]
    spans: list[tuple] = []  # start, end, type, first tok, last tok, linked to Wikipedia
    tokens: list[tuple[int, int, str, int]] = []  # (start, end, upos, head as global index)
    sent_base = 0
    first_sentence = True
    newpar = False

    def emit(s: str) -> None:
        nonlocal pos
        parts.append(s)
        pos += len(s)

    sent_text = ""
    sent_pos = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# newpar"):
            newpar = True
            continue
        if line.startswith("# text = "):
            sent_text, sent_pos = line[len("# text = "):], 0
            continue
        if line.startswith("#"):
            continue
        if not line.strip():
            continue
        cols = line.split("\t")
        if "-" in cols[0] or "." in cols[0]:
            continue
        idx = int(cols[0])
        if idx == 1:
            if not first_sentence:
                emit("\n\n" if newpar else " ")
            first_sentence = False
            newpar = False
            sent_base = len(tokens)
        # spacing comes from the sentence's own text line, the most faithful record of it
        found = sent_text.find(cols[1], sent_pos)
        if found > sent_pos:
            emit(sent_text[sent_pos:found])
        start = pos
        emit(cols[1])
        sent_pos = (found if found >= 0 else sent_pos) + len(cols[1])
        misc = cols[9]
        head = int(cols[6])
        tokens.append((start, pos, cols[3], sent_base + head - 1 if head else -1, cols[7], cols[4]))
        tok_i = len(tokens) - 1
        for m in re.finditer(r"Entity=([^|]+)", misc):
            val = m.group(1)
            for opening in re.finditer(r"\((\d+)-([a-z]+)([^()]*)(\))?", val):
                eid, etype, rest, closes = opening.groups()
                # GRP-etype-infstat-salience-centering-minspan-link-identity: a Wikipedia identity
                linked = "-".join(rest.split("-")[6:]) if len(rest.split("-")) >= 7 else ""
                if closes:
                    spans.append((start, pos, etype, tok_i, tok_i, linked, eid))
                else:
                    open_.setdefault(eid, []).append([start, etype, tok_i, linked])
            stripped = re.sub(r"\(\d+-[^()]*?\)", "", val)
            stripped = re.sub(r"\(\d+-[^()]*", "", stripped)
            for close in re.finditer(r"(\d+)\)", stripped):
                eid = close.group(1)
                if open_.get(eid):
                    s0, etype, t0, linked = open_[eid].pop()
                    spans.append((s0, pos, etype, t0, tok_i, linked, eid))
    text = "".join(parts)
    named = []
    others = []  # named mentions of the types not scored: (start, end, type, one name)
    head_span: dict[tuple, tuple[int, int]] = {}
    for s, e, etype, t0, t1, linked, eid in spans:
        if etype not in GUM_TYPES:
            heads = [i for i in range(t0, t1 + 1) if not (t0 <= tokens[i][3] <= t1)]
            if heads and tokens[heads[0]][2] == "PROPN":
                end = len(text[:e].rstrip()) if e > len(text.rstrip()) else e
                others.append((s, end, etype, _compact_name(text, tokens, t0, t1, etype)))
            continue
        # a named mention: its syntactic head (the token whose head lies outside the span) is a
        # proper noun, or a common-noun head carries the name as a `flat` dependent (GUM writes
        # "team member Rodaba Noori" with "member" as head and the name flat under it). GUM also
        # annotates pronouns and common-noun mentions, which NER never finds. A description around
        # a name ("English captain Harry Kane") counts when GUM links the entity to Wikipedia and
        # the span holds a proper noun.
        heads = [i for i in range(t0, t1 + 1) if not (t0 <= tokens[i][3] <= t1)]
        named_head = bool(heads) and (tokens[heads[0]][2] == "PROPN" or any(
            tokens[i][3] == heads[0] and tokens[i][4] == "flat" and tokens[i][2] == "PROPN"
            for i in range(t0, t1 + 1)))
        if not named_head and not (linked and any(tokens[i][2] == "PROPN" for i in range(t0, t1 + 1))):
            continue
        end = len(text[:e].rstrip()) if e > len(text.rstrip()) else e
        named.append((s, end, GUM_TYPES[etype], _compact_name(text, tokens, t0, t1, etype), eid))
        # the token that names the mention: its head, or the name written `flat` under a
        # common-noun head ("Noori" of "team member Rodaba Noori")
        h = heads[0] if heads else t0
        if tokens[h][2] != "PROPN":
            h = next((i for i in range(t0, t1 + 1) if tokens[i][3] == h and tokens[i][4] == "flat"
                      and tokens[i][2] == "PROPN"), h)
        head_span[(s, end, eid)] = (tokens[h][0], tokens[h][1])
    # flat NER, as in CoNLL/OntoNotes: a mention nested inside a longer *name* ("Andy Warhol" in
    # "the Andy Warhol Foundation", "Texas" in "University of Texas Arlington") is part of that
    # name, not a mention of its own. Mentions inside a description or a phrase ("Malaysia" in
    # "Malaysia's Prime Minister", "Texas" in "Irving, Texas") stay, and so do those inside a
    # person's mention: a title is never part of a name (issue 13), so "US" of "US President
    # Barack Obama" is a place of its own, as CoNLL annotates it.
        named[-1] = named[-1] + (linked,)
    # ... and a name nested in the name of an event, a work, an object ("World" of "the World
    # Cup", "Canada" of "Fan Expo Canada") is part of that name too, as CoNLL's MISC holds it
    outers = [(o_s, o_e) for o_s, o_e, o_t, o_h, _i, _l in named if o_h and o_t != "PERSON"]
    outers += [(o_s, o_e) for o_s, o_e, _t, o_h in others if o_h]
    kept = [(s, e, t, eid, link) for s, e, t, _h, eid, link in named
            if not any(o_s <= s and e <= o_e and (o_s, o_e) != (s, e) for o_s, o_e in outers)]
    # named events are neutral, as CoNLL's MISC events are (issue 13: "nationality/event MISC
    # neutral"): a prediction overlapping only an event is neither a hit nor a false positive
    return GumDoc(path.stem, text, [(s, e, t) for s, e, t, _i, _l in kept], [k[3] for k in kept],
                  [k[4] for k in kept],
                  neutral=[(o_s, o_e) for o_s, o_e, o_t, _h in others if o_t == "event"],
                  heads=[head_span[(s, e, eid)] for s, e, _t, eid, _l in kept],
                  chains=[(s, len(text[:e].rstrip()) if e > len(text.rstrip()) else e, eid, etype)
                          for s, e, etype, _t0, _t1, _l, eid in spans])


def countries_as_places(doc: GumDoc, place_links: set[str]) -> GumDoc:
    """GUM types a country by its role: a national team or a government is an organization,
    linked to the country's page or to its national team's ("Belgium" ->
    Belgium_national_football_team). CoNLL-2003, and newsmill (issue 13), call a country a place
    whatever it does. This copy retypes such gold mentions as PLACE, using only GUM's own
    annotation: an organization mention whose text names the country of the national team page
    it links to, or the page it links to when GUM also links place mentions to that page
    (``place_links``: the links of every GUM place mention)."""
    ents = []
    for (s, e, t), link in zip(doc.entities, doc.links):
        if t == "ORG" and link:
            team = re.match(r"(.+)_national_\w+_team$", link)
            country = (team.group(1) if team else link if link in place_links else "").replace("_", " ")
            written = re.sub(r"^the\s+|['’]s?$", "", doc.text[s:e].strip(), flags=re.I)
            if country and written == country:
                t = "PLACE"
        ents.append((s, e, t))
    return GumDoc(doc.name, doc.text, ents, doc.ids, doc.links, doc.neutral)


def conll_dev() -> list[GumDoc]:
    """CoNLL-2003 English dev (eng.testa) as converted in ../shared/corpora/conll2003-dev: gold
    PERSON / ORG / PLACE spans, and MISC spans as ``neutral``. Evaluation only: read in place."""
    import json

    docs = []
    for txt in sorted(CONLL_DEV.glob("testa-*.txt")):
        gold = json.loads(txt.with_suffix(".json").read_text(encoding="utf-8"))["entities"]
        docs.append(GumDoc(txt.stem, txt.read_text(encoding="utf-8"),
                           [(g["start"], g["end"], g["type"]) for g in gold if g["type"] != "MISC"],
                           neutral=[(g["start"], g["end"]) for g in gold if g["type"] == "MISC"]))
    return docs


def _compact_name(text: str, tokens: list, t0: int, t1: int, etype: str = "") -> bool:
    """A span that is one name: proper nouns, joined only by "of", "for", "the", "&". A proper
    noun is a token GUM tags PROPN (UD) *or* NNP/NNPS (its Penn Treebank tag): UD tags the
    adjectives inside a name as ADJ ("Southern" of "University of Southern Indiana", "Visual" of
    "Andy Warhol Foundation for the Visual Arts"), which PTB tags NNP as part of the name. Reading
    the UD tag alone kept "Southern Indiana" and "Andy Warhol" as gold mentions of their own
    inside those names, against the flat-NER rule above (until issue 13's stop 12: GUM lenient
    and the pairs figures were taken both ways then, see the closing note). A person's mention
    joined by "of" or "for" is a name and an affiliation ("James To of the Democratic Party"),
    not one name: the party stays a mention of its own."""
    toks = [text[tokens[i][0]:tokens[i][1]] for i in range(t0, t1 + 1)]
    tags = ["PROPN" if tokens[i][5] in {"NNP", "NNPS"} else tokens[i][2] for i in range(t0, t1 + 1)]
    if toks and toks[0].lower() == "the":
        toks, tags = toks[1:], tags[1:]
    if len(toks) < 2:
        return False
    if etype == "person" and any(t.lower() in {"of", "for", "&"} for t in toks):
        return False
    return all(tag == "PROPN" or tok.lower() in {"of", "for", "the", "&"} for tok, tag in zip(toks, tags))
