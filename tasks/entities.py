"""Named entities: repair what a small spaCy model gets wrong on news, then give every mention
the canonical name of the entity it belongs to within the article.

Everything here is general: span rules (determiners, possessives, titles, headline case), small
word lists in ``tasks/data`` and an EntityRuler gazetteer for organisations and armed groups the
model mislabels. No rule names one article.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from newsmill.tasks import labels

DATA = Path(__file__).parent / "data"


_NOMINAL_DEPS = {"pobj", "nsubj", "nsubjpass", "dobj", "conj", "appos"}
# A place that does something is an organisation acting (ACE/OntoNotes "GPE in an ORG role"):
# "South Korea said", "Russia vetoed", "Belgium beat England", "Washington announced". Verbs that
# only locate or describe a place leave it a place ("Texas borders Mexico", "Syria is ...").
_STATIVE = frozenset({"be", "lie", "sit", "border", "locate", "stretch", "span", "cover", "include", "have",
            "remain", "become", "rank", "neighbour", "neighbor", "host", "see", "receive", "get",
            "experience", "suffer", "contain", "boast"})
# ... and so is a place that owns an agent or an act: "Russia's decision", "Tunisia's coach".
_AGENT_NOUNS = {"decision", "statement", "announcement", "move", "veto", "vote", "offer", "demand",
                "proposal", "plan", "response", "refusal", "threat", "warning", "policy", "position",
                "army", "military", "navy", "forces", "troops", "team", "squad", "coach", "manager",
                "captain", "goalkeeper", "striker", "defender", "midfielder", "player", "players",
                "attempt", "victory", "win", "defeat", "goal", "goals", "lead", "bid", "strategy"}
# A country's governor, minister or embassy are offices of a place: "West Virginia's next
# governor" keeps West Virginia a place.
# A place beaten, faced or opposed is a team or a government: "defeated Panama", "sanctions
# against Iran", "a goal for Belgium".
_CONTEST_VERBS = frozenset({"beat", "defeat", "face", "play", "edge", "thrash", "eliminate", "overcome", "trounce",
                  "outplay", "stun", "upset", "sanction", "attack", "invade", "accuse", "blame", "urge",
                  "criticise", "criticize", "condemn", "warn", "pressure", "persuade"})
_FOR_NOUNS = {"goal", "goals", "lead", "point", "points", "win", "victory", "penalty", "chance", "score"}
# "WASHINGTON —", "Moscow, Sept. 28 (Reuters) -" at the start of a line: where the story was filed
_DATELINE = re.compile(r"\s*(?:[—–-]|\(|,\s*(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d)")
_SCORE_VERBS = frozenset({"score", "equalise", "equalize", "play"})
# "Belgium 3 – 0 Panama", "Sweden 1-0 Korea Republic": names either side of a score are teams
_SCORE_AFTER = re.compile(r"^\s*\d{1,2}\s*[–—-]\s*\d{1,2}\b")
_SCORE_BEFORE = re.compile(r"\b\d{1,2}\s*[–—-]\s*\d{1,2}\s*$")
# Products and software written like names: a model code ("IE6", "PS4") or a name followed by a
# version ("Windows XP", "Internet Explorer 6", "iOS 9"); the small model calls them places/people.
_CODE = re.compile(r"^[A-Z][A-Za-z]{0,3}\d{1,3}$")
_VERSION = re.compile(r"^(?:\d+(?:\.\d+)*|XP|Vista|ME|NT|Pro|Plus|Max|Mini|SE)$")
_APOS = "'’`"
_POSSESSIVE = re.compile(r"(?:['’`]s|s['’`])$")
_EDGE_PUNCT = "\"'“”‘’«»„‟‹›()[]{},;:!?—–-_*#|/\\ \t\n\r"
# Particles that belong to Arabic/Dutch/... names and may be written in lowercase.
PARTICLES = {"al", "el", "bin", "ibn", "abu", "de", "da", "di", "del", "della", "der", "den", "van",
             "von", "le", "la", "du", "dos", "das", "ben", "y", "st", "st."}
_CONNECTORS = {"of", "the", "and", "for", "on", "in", "&", "de", "la", "du"}


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[\s\-]+", name) if w]


def doc_text(doc) -> str:
    """``doc.text`` rebuilds the string from every token on each access: cache it once."""
    t = doc.user_data.get("newsmill_text")
    if t is None:
        t = doc.user_data["newsmill_text"] = doc.text
    return t


@lru_cache(maxsize=None)
def word_list(name: str) -> frozenset[str]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return frozenset(x.strip().lower() for x in lines if x.strip() and not x.startswith("#"))


# Verb forms without spaCy's attribute_ruler + lemmatizer (together about a quarter of the
# pipeline's time): every rule here only asks "is this token a form of one of these verbs?", which
# the fine-grained tag and a table of inflected forms answer.
VERB_TAGS = frozenset({"VB", "VBD", "VBG", "VBN", "VBP", "VBZ", "MD"})
_IRREGULAR = {
    "say": "said", "tell": "told", "write": "wrote written", "think": "thought", "find": "found",
    "feel": "felt", "show": "shown", "learn": "learnt", "know": "knew known",
    "understand": "understood", "speak": "spoke spoken", "mean": "meant", "swear": "swore sworn",
    "forecast": "forecast", "be": "is are was were been being am 's 're 'm", "have": "has had 's 've 'd",
    "lie": "lay lain lying", "sit": "sat", "get": "got gotten", "see": "saw seen", "become": "became",
    "beat": "beaten", "overcome": "overcame", "upset": "upset", "take": "took taken",
    "make": "made", "win": "won", "lose": "lost", "give": "gave given", "lead": "led",
    "hold": "held", "put": "put", "set": "set", "do": "did done does", "go": "went gone goes",
    "bid": "bid", "read": "read", "hear": "heard", "run": "ran", "send": "sent", "buy": "bought",
    "bring": "brought", "catch": "caught", "teach": "taught", "fight": "fought", "seek": "sought",
    "leave": "left", "keep": "kept", "meet": "met", "pay": "paid", "lay": "laid", "spend": "spent",
    "build": "built", "stand": "stood", "foresee": "foresaw foreseen", "withdraw": "withdrew withdrawn",
}


def _inflections(lemma: str) -> set[str]:
    """Regular English forms of a verb (a few non-words among them do no harm)."""
    out = {lemma}
    if re.search(r"(s|sh|ch|x|z|o)$", lemma):
        out.add(lemma + "es")
    elif re.search(r"[^aeiou]y$", lemma):
        out.add(lemma[:-1] + "ies")
    else:
        out.add(lemma + "s")
    if lemma.endswith("e"):
        out |= {lemma + "d", (lemma[:-1] if not lemma.endswith("ee") else lemma) + "ing"}
    elif re.search(r"[^aeiou]y$", lemma):
        out |= {lemma[:-1] + "ied", lemma + "ing"}
    else:
        out |= {lemma + "ed", lemma + "ing"}
        if re.search(r"[^aeiou][aeiou][bdgklmnprt]$", lemma):  # admit -> admitted, plan -> planned
            out |= {lemma + lemma[-1] + "ed", lemma + lemma[-1] + "ing"}
    out.update(_IRREGULAR.get(lemma, "").split())
    return out


@lru_cache(maxsize=None)
def verb_forms(lemmas: frozenset[str]) -> frozenset[str]:
    """Every inflected form of ``lemmas``."""
    forms: set[str] = set()
    for lemma in lemmas:
        forms |= _inflections(lemma)
    return frozenset(forms)


def is_verb(tok) -> bool:
    return tok.tag_ in VERB_TAGS


def verb_in(tok, lemmas: frozenset[str]) -> bool:
    """Is ``tok`` a verb form of one of ``lemmas``?"""
    return tok.tag_ in VERB_TAGS and tok.lower_.replace("’", "'") in verb_forms(lemmas)


@lru_cache(maxsize=None)
def gazetteer() -> tuple[dict, ...]:
    rows = []
    for line in (DATA / "gazetteer.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            rows.append(json.loads(line))
    return tuple(rows)


def add_entity_ruler(nlp) -> None:
    """Put the gazetteer in front of the statistical NER so that its spans and types win."""
    if "newsmill_ruler" in nlp.pipe_names or "ner" not in nlp.pipe_names:
        return
    ruler = nlp.add_pipe("entity_ruler", name="newsmill_ruler", before="ner",
                         config={"phrase_matcher_attr": "ORTH", "overwrite_ents": True})
    ruler.add_patterns([{"label": labels.spacy_label(r["label"]),
                         "pattern": r["pattern"], "id": r["id"]} for r in gazetteer()])


@dataclass
class Mention:
    start: int
    end: int
    label: str
    key: str = ""  # gazetteer id, when the ruler produced the span
    title: str = ""  # role words written right before a person's name ("spokesman")
    name: str = ""
    in_quote: bool = False


def _is_headline_case(sent) -> bool:
    words = [t for t in sent if t.is_alpha]
    if len(words) < 4:
        return False
    caps = sum(1 for t in words if t.text[0].isupper())
    small = sum(1 for t in words if t.is_lower and t.lower_ not in _CONNECTORS and t.lower_ not in
                {"a", "an", "to", "as", "at", "by", "is", "are", "was", "vs", "with", "from", "or", "but"})
    return caps / len(words) >= 0.6 and small <= 1


def mentions_from_doc(doc, text: str, base: int) -> list[Mention]:
    """Cleaned mentions of one spaCy doc (a segment of ``text`` starting at ``base``)."""
    titles = word_list("titles.txt")
    boiler = word_list("boilerplate.txt")
    out: list[Mention] = []
    headline_sents: dict[int, bool] = {}
    parsed = doc.has_annotation("DEP")  # scans every token: once per doc
    for ent in doc.ents:
        label = labels.from_model(ent.label_)
        if label is None:
            continue
        toks = list(ent)
        # leading determiners, punctuation; trailing possessives and punctuation
        while toks and (toks[0].lower_ in {"the", "a", "an"} or toks[0].is_punct or toks[0].is_space):
            toks = toks[1:]
        while toks and (toks[-1].is_punct or toks[-1].is_space or toks[-1].lower_ in {"'s", "’s", "'", "’"}):
            toks = toks[:-1]
        # caption and byline words glued to a name ("Ahmed Mohamed Image", "Published Reuters")
        while len(toks) > 1 and toks[-1].lower_ in boiler:
            toks = toks[:-1]
        while len(toks) > 1 and toks[0].lower_ in boiler:
            toks = toks[1:]
        if not toks:
            continue
        # headline case is judged on the line: the parser often runs a headline into the next line
        line_start = doc_text(doc).rfind("\n", 0, ent.start_char) + 1
        key = line_start
        if key not in headline_sents:
            line_end = doc_text(doc).find("\n", ent.end_char)
            span = doc.char_span(line_start, line_end if line_end >= 0 else len(doc_text(doc)),
                                 alignment_mode="expand")
            headline_sents[key] = span is not None and _is_headline_case(span)
        if headline_sents[key] and label in {"PERSON", "ORG", "NORP", "WORK_OF_ART", "PRODUCT"}:
            # "The Pentagon is Fighting Obama's New Plan": capitalised verbs and common words
            # glued to a name are no part of it
            while len(toks) > 1 and (toks[0].is_stop or toks[0].tag_.startswith("VB")
                                     or re.search(r"(ing|ed)$", toks[0].lower_)):
                toks = toks[1:]
            # a possessive in the middle ends the name ("Obama's New Plan" -> "Obama")
            for i, t in enumerate(toks):
                if t.lower_ in {"'s", "’s"} and i > 0:
                    toks = toks[:i]
                    break
        title_words = []
        if label == "PERSON":
            while len(toks) > 1 and toks[0].lower_.rstrip(".") in titles:
                title_words.append(toks[0].lower_.rstrip("."))
                toks = toks[1:]
            # title written before the span ("Pentagon spokesman John Kirby")
            i = toks[0].i - 1
            while i >= 0 and i >= toks[0].i - 4 and doc[i].lower_.rstrip(".") in titles:
                title_words.append(doc[i].lower_.rstrip("."))
                i -= 1
        start = base + toks[0].idx
        end = base + toks[-1].idx + len(toks[-1].text)
        s = text[start:end]
        # possessive glued to the last token by the tokenizer ("Qaeda's" stays one token sometimes)
        m = _POSSESSIVE.search(s)
        if m and len(s) > 3:
            end -= len(m.group(0)) - (1 if m.group(0)[0] == "s" else 0)
        while start < end and text[start] in _EDGE_PUNCT:
            start += 1
        while end > start and text[end - 1] in _EDGE_PUNCT:
            end -= 1
        s = text[start:end]
        if not s or not any(c.isalpha() for c in s):
            continue
        if s.lower() in boiler or (s.islower() and " " not in s):
            continue
        if len(s) > 80 or s.count("\n"):
            continue
        if label != "PERSON" and not ent.ent_id_ and all(w.lower().rstrip(".") in titles for w in s.split()):
            continue  # "Defense" of "Defense Secretary Ashton Carter" is part of a title
        if (label == "NORP" and " " not in s and "-" not in s and ent.root.dep_ in _NOMINAL_DEPS
                and not re.search(r"(an|ans|ese|ish|i|is|ic|ics|ch|sh|s|k|m)$", s)):
            label = "PLACE"  # "around Aleppo": a name used as a noun, not a nationality adjective
        if label in {"PLACE", "PERSON", "NORP"} and not ent.ent_id_ and _is_product(s, text, end):
            label = "PRODUCT"
        elif label == "PLACE" and ent.label_ == "GPE" and _acts(ent.root, text, start, end, parsed):
            label = "ORG"
        out.append(Mention(start, end, label, key=ent.ent_id_ or "", title=" ".join(title_words)))
    return out


def _is_product(s: str, text: str, end: int) -> bool:
    words = s.split()
    if _CODE.match(words[-1]) or (len(words) > 1 and _VERSION.match(words[-1])):
        return True
    nxt = re.match(r"[ \t]*(\S+)", text[end:end + 12])
    return bool(nxt and re.fullmatch(r"XP|Vista", nxt.group(1).rstrip(".,;:)")))


def _acts(root, text: str, start: int, end: int, parsed: bool) -> bool:
    """Is this place mention an agent (a government, a team) rather than a location?"""
    line_start = text.rfind("\n", 0, start) + 1
    if not text[line_start:start].strip() and (text[start:end].isupper() or _DATELINE.match(text[end:end + 16])):
        return False  # a dateline ("WASHINGTON —", "Moscow, Sept. 28 (Reuters) -") says where
    if _SCORE_AFTER.match(text[end:end + 12]) or _SCORE_BEFORE.search(text[max(0, start - 12):start]):
        return True
    if not parsed:
        return False
    tok = root
    while tok.dep_ == "conj" and tok.head is not tok:  # "North and South Korea exchanged fire"
        tok = tok.head
    if tok.dep_ == "nsubj":
        verb = tok.head
        return is_verb(verb) and not verb_in(verb, _STATIVE)
    if tok.dep_ == "poss":
        return tok.head.lower_ in _AGENT_NOUNS
    if tok.dep_ == "dobj":
        return verb_in(tok.head, _CONTEST_VERBS)
    if tok.dep_ == "pobj":
        prep = tok.head
        if prep.lower_ == "against":
            return True
        if prep.lower_ == "for":
            # "a third goal for Belgium", "scored for Belgium"
            h = prep.head
            return h.lower_ in _FOR_NOUNS or verb_in(h, _SCORE_VERBS) \
                or any(c.dep_ == "dobj" and c.lower_ in _FOR_NOUNS for c in h.children)
    return False


def _norm(name: str) -> str:
    s = name.lower().replace("’", "'").replace(".", "")
    s = re.sub(r"[\s\-]+", " ", s)
    return s.strip()


def _acronym(name: str) -> str:
    return "".join(w[0] for w in _words(name) if w[:1].isupper() and w.lower() not in _CONNECTORS)


def canonicalise(mentions: list[Mention], text: str) -> list[Mention]:
    """Give every mention the canonical name of its in-document entity (sets ``name``, may fix
    ``label``). Short forms join the longest compatible full name: "Putin" -> "Vladimir Putin",
    "Assad" -> "Bashar al Assad", "CIA" -> "Central Intelligence Agency"."""
    for m in mentions:
        m.name = m.key or " ".join(text[m.start:m.end].split())
    # one sense per discourse: a name written the same way gets the type most of its mentions got
    votes: dict[str, dict[str, int]] = {}
    for m in mentions:
        if m.label in {"PERSON", "ORG", "PLACE"}:
            votes.setdefault(_norm(m.name), {}).setdefault(m.label, 0)
            votes[_norm(m.name)][m.label] += 1
    # A tie picks one type for all of them (PERSON, then PLACE, then ORG), so that one article
    # never holds the same name as two entities: a country that acts in as many mentions as it
    # is merely named stays a place.
    tie_order = {"PERSON": 2, "PLACE": 1, "ORG": 0}
    for m in mentions:
        v = votes.get(_norm(m.name))
        if v and not m.key and m.label in v:
            m.label = max(v, key=lambda lab: (v[lab], tie_order[lab]))
    persons = [m for m in mentions if m.label == "PERSON"]
    full_names: dict[str, list[Mention]] = {}
    for m in persons:
        if len(_words(m.name)) >= 2:
            full_names.setdefault(_norm(m.name), []).append(m)
    full_keys = sorted(full_names, key=lambda k: -len(k))

    def best_person(short: Mention) -> str | None:
        sw = _norm(short.name).split()
        if not sw:
            return None
        cands = []
        for k in full_keys:
            kw = k.split()
            if len(kw) <= len(sw):
                continue
            # "Putin" / "al Assad" end the full name; a lone first name ("Hillary") starts it
            if kw[-len(sw):] == sw or (len(sw) == 1 and sw[0] == kw[0] and short.label == "PERSON"):
                cands.append(k)
        if not cands:
            return None
        # ambiguous short forms ("Clinton" with Hillary and Bill): the nearest full name before it
        # wins, else the longest
        def nearest(k: str) -> tuple[int, int]:
            before = [f.start for f in full_names[k] if f.start <= short.start]
            return (max(before) if before else -1, len(k))
        k = max(cands, key=nearest)
        first = full_names[k][0]
        return " ".join(text[first.start:first.end].split())

    for m in mentions:
        words = _words(m.name)
        if m.key or len(words) > 2:
            continue
        if m.label == "PERSON" or (len(words) == 1 and m.label in {"ORG", "PLACE", "NORP", "PRODUCT", "WORK_OF_ART"}):
            full = best_person(m)
            if full and _norm(full) != _norm(m.name):
                m.name, m.label = full, "PERSON"
    # organisations: acronyms and particle-prefixed names ("Qaeda" -> "al Qaeda")
    orgs = [m for m in mentions if m.label == "ORG" and len(_words(m.name)) >= 2]
    for m in mentions:
        if m.label != "ORG" or m.key or len(_words(m.name)) != 1:
            continue
        for o in orgs:
            ow = _words(o.name)
            if (m.name.isupper() and len(m.name) >= 2 and _acronym(o.name) == m.name) or (
                    _norm(ow[-1]) == _norm(m.name) and all(w.lower() in PARTICLES for w in ow[:-1])):
                m.name = o.name
                break
    mentions = _more_mentions(mentions, text)
    # one spelling per entity: the most frequent written form among mentions with the same key
    forms: dict[tuple[str, str], dict[str, int]] = {}
    for m in mentions:
        forms.setdefault((_norm(m.name), m.label), {}).setdefault(m.name, 0)
        forms[(_norm(m.name), m.label)][m.name] += 1
    for m in mentions:
        f = forms[(_norm(m.name), m.label)]
        m.name = max(f, key=lambda n: (not (n.isupper() and len(n) > 4), f[n], n == m.key))
        if m.name.isupper() and len(m.name) > 4 and m.label in {"PLACE", "PERSON"}:
            m.name = m.name.title()  # a dateline ("WASHINGTON —") is no acronym
    return mentions


def _whole_word_hits(text: str, form: str):
    """(start, end) of every occurrence of ``form`` not glued to a word before or after (a plain
    find: one compiled regex per name per article cost more than the rest of this module)."""
    i = text.find(form)
    n = len(form)
    while i >= 0:
        before = text[i - 1] if i else " "
        after = text[i + n] if i + n < len(text) else " "
        if not (before.isalnum() or before in "_'’-") and not (after.isalnum() or after in "_-"):
            yield i, i + n
        i = text.find(form, i + 1)


def _more_mentions(mentions: list[Mention], text: str) -> list[Mention]:
    """The model often tags a name once and misses its later occurrences ("Montalvo" after
    "Ruben Montalvo"): every other occurrence of a known name or a person's surname, as a whole
    capitalised word, becomes a mention of the same entity."""
    titles = word_list("titles.txt")
    forms: dict[str, set[tuple[str, str]]] = {}
    for m in mentions:
        if m.label not in {"PERSON", "ORG", "PLACE"}:
            continue
        surface = " ".join(text[m.start:m.end].split())
        cands = {surface}
        words = surface.split()
        if m.label == "PERSON" and len(words) >= 2 and m.name == surface:
            cands.add(words[-1])
        for c in cands:
            if len(c) < 3 or not c[0].isupper() or c.lower() in titles or c.lower() in _CONNECTORS:
                continue
            forms.setdefault(c, set()).add((m.name, m.label))
    taken = sorted((m.start, m.end) for m in mentions)
    import bisect

    def free(s: int, e: int) -> bool:
        i = bisect.bisect_left(taken, (s, -1))
        for j in (i - 1, i):
            if 0 <= j < len(taken) and taken[j][0] < e and s < taken[j][1]:
                return False
        return True

    extra = []
    for form, owners in sorted(forms.items(), key=lambda kv: -len(kv[0])):
        if len(owners) != 1:
            continue  # ambiguous ("Clinton" for two people): leave it to the model
        name, label = next(iter(owners))
        for s, e in _whole_word_hits(text, form):
            if free(s, e):
                extra.append(Mention(s, e, label, name=name))
                bisect.insort(taken, (s, e))
    return sorted(mentions + extra, key=lambda m: m.start)
