"""Score named entities on GUM news and on CoNLL-2003 dev (both read from ../shared, never copied).

**GUM news** (``../shared/corpora/gum-news``; bench/_corpora.py reads GUM's CoNLL-U ``Entity=``
column): mentions of type person / organization / place, mapped to PERSON / ORG / PLACE (GUM's
other types - event, abstract, object, time, ... - are not scored), and only *named* mentions: the
span's syntactic head is a proper noun, or a common-noun head carries the name as a ``flat``
dependent ("team member Rodaba Noori"), or GUM links the entity to Wikipedia and the span holds a
proper noun ("English captain Harry Kane"). A mention nested inside a longer name of any type
("Andy Warhol" in "the Andy Warhol Foundation", "Texas" in "University of Texas Arlington", "World"
in "the World Cup") is dropped, as in flat NER gold (CoNLL, OntoNotes); a mention inside a person's
mention is not ("US" of "US President Barack Obama": a title is never part of a name). GUM's named
events are neutral, as CoNLL's MISC events are (the issue: "nationality/event MISC neutral").
Until stop 12 of issue 13 the nesting read GUM's UD tag only (an ADJ inside a name - "Southern" of
"University of Southern Indiana" - made it "no name"), looked only at person/organization/place
outers and scored predictions on events as false positives: figures before then are not
comparable (the closing note of that stop gives the same code under both).

Not neutral, though the issue would have it so: GUM types nationality and religious groups as
persons ("Muslims", "Afghans", "the Rohingya"; 13 mentions, two teams as "the Belgians"), which
CoNLL holds as MISC and newsmill as NORP. Telling them apart needs a demonym list that no
well-kept library offers here; with a hand list of those 13 made neutral, GUM lenient F1 rose by
0.006 at stop 12.

**CoNLL-2003 dev** (``../shared/corpora/conll2003-dev``, 216 Reuters articles, evaluation only):
PERSON / ORG / PLACE as converted there; a prediction that overlaps only a gold MISC span
(nationalities, events, competitions) counts neither as a hit nor as a false positive.

The two sets annotate a country acting as a government or team differently (GUM: organization,
CoNLL: place); newsmill calls a country a PLACE whatever it does (issue 13). GUM is scored twice:
with its own types (its national teams are organizations), and with a national team that GUM
links to "<Country>_national_..._team" and writes as the country's name typed PLACE
(``scores_countries_as_places``, bench/_corpora.py:countries_as_places, which uses only GUM's own
links). ``place_as_org_ok`` lets any PLACE prediction match a gold ORG.

Predictions: ``enrich_texts`` (what ``newsmill enrich`` prints), types PERSON / ORG / PLACE.
Scores, micro-averaged:

* lenient: same type and overlapping span, each gold mention counted once;
* exact: same type and the same span (after trimming the gold span's outer whitespace);
* per type, and "untyped" (spans only);
* canonical-name pairs (GUM): over gold named mentions that a prediction overlaps, every pair in
  one article is a positive when GUM gives both one entity id, and is predicted positive when the
  overlapping predictions carry the same canonical name and type (one warehouse entity); a gold
  mention is read through the overlapping prediction of its own type if any, else the one that
  overlaps it most (``canonical_pairs``). P/R/F1 over pairs tell how well "all mentions of one
  entity get one name" holds. Two more readings are printed: the longest overlap of any type (the
  figure's first definition) and the prediction covering the mention's naming token. The issue
  defines the figure as "mentions of one entity sharing one name": a GUM mention is a whole noun
  phrase ("Tunisia's coach", "a Scientology attorney"), and only a prediction that covers the
  token naming it is that mention's name; the other readings also score the name of another
  entity written inside the phrase. The head reading is the closest to the definition; it leaves
  out mentions whose naming token no prediction covers (a recall loss the lenient score counts).
  Pairs are quadratic in an entity's mentions: one large entity split or merged moves the figure
  by several points.

Speed is words per CPU-second of this process (the machine is shared; wall time is noisy).
``--errors PATH`` writes every miss and every spurious prediction as JSON lines (with the gold
type it overlaps and context) and prints a tally per (corpus, kind, gold, predicted).

    python -m bench.ner [--corpus gum|conll|all] [--errors errors.jsonl]
"""

from __future__ import annotations

import json
import os
import sys
import time
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._corpora import conll_dev, countries_as_places, gum_news  # noqa: E402
from newsmill.config import EnrichOptions  # noqa: E402
from newsmill.tasks.enrich import enrich_texts, load_model  # noqa: E402
from newsmill.tasks.labels import SCORED_TYPES  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
TYPES = tuple(t.value for t in SCORED_TYPES)


def _overlaps(a, b) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _predictions(doc, enr) -> list[tuple[int, int, str]]:
    """Scored predictions: PERSON/ORG/PLACE, minus those overlapping only a neutral (MISC) span."""
    out = []
    for m in enr.entities:
        if m.label not in TYPES:
            continue
        p = (m.start, m.end)
        if doc.neutral and any(_overlaps(p, n) for n in doc.neutral) and not any(
                _overlaps(p, g) for g in doc.entities):
            continue
        out.append((m.start, m.end, m.label))
    return out


def _prf(tp_p: int, n_p: int, tp_g: int, n_g: int) -> dict:
    p = tp_p / n_p if n_p else 0.0
    r = tp_g / n_g if n_g else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "predicted": n_p, "gold": n_g}


def score(docs, preds) -> dict:
    """Lenient and exact P/R/F1 per type and overall, untyped, and GUM's place-as-org view."""
    out: dict = {"lenient": {}, "exact": {}}
    for mode in ("lenient", "exact"):
        match = _overlaps if mode == "lenient" else (lambda a, b: a[0] == b[0] and a[1] == b[1])
        tot = [0, 0, 0, 0]
        for t in TYPES:
            c = [0, 0, 0, 0]  # tp_pred, pred, tp_gold, gold
            for doc, enr in zip(docs, preds):
                gold = [(s, e) for s, e, ty in doc.entities if ty == t]
                pred = [(s, e) for s, e, ty in _predictions(doc, enr) if ty == t]
                c[0] += sum(any(match(p, g) for g in gold) for p in pred)
                c[1] += len(pred)
                c[2] += sum(any(match(p, g) for p in pred) for g in gold)
                c[3] += len(gold)
            out[mode][t] = _prf(*c)
            tot = [a + b for a, b in zip(tot, c)]
        out[mode]["overall"] = _prf(*tot)
    c = [0, 0, 0, 0]
    for doc, enr in zip(docs, preds):
        gold = [(s, e) for s, e, _t in doc.entities]
        pred = [(s, e) for s, e, _t in _predictions(doc, enr)]
        c[0] += sum(any(_overlaps(p, g) for g in gold) for p in pred)
        c[1] += len(pred)
        c[2] += sum(any(_overlaps(p, g) for p in pred) for g in gold)
        c[3] += len(gold)
    out["untyped"] = _prf(*c)
    # a PLACE prediction also matches gold ORG: GUM calls a country acting as a government or
    # team an organisation ("Belgium beat England"), newsmill and CoNLL call it a place
    ok = lambda pl, gl: pl == gl or (pl == "PLACE" and gl == "ORG")  # noqa: E731
    c = [0, 0, 0, 0]
    for doc, enr in zip(docs, preds):
        pred = _predictions(doc, enr)
        c[0] += sum(any(_overlaps(p, g) and ok(p[2], g[2]) for g in doc.entities) for p in pred)
        c[1] += len(pred)
        c[2] += sum(any(_overlaps(p, g) and ok(p[2], g[2]) for p in pred) for g in doc.entities)
        c[3] += len(doc.entities)
    out["place_as_org_ok"] = _prf(*c)
    return out


def canonical_pairs(docs, preds, same_type_first: bool = True, by_head: bool = False) -> dict:
    """Pairwise P/R/F1 of "these two mentions are one entity" (see the module docstring).

    A gold mention is read through the overlapping prediction of its own type when there is one
    (as the lenient score matches it), else through the one that overlaps it most: GUM's
    mentions hold modifiers ("James To of the Democratic Party" is James To), and the longest
    overlap would read that person's mention as the party. ``same_type_first=False`` is the
    figure's first definition (longest overlap of any type), reported beside it. ``by_head``
    reads a gold mention only through a prediction that covers the token naming it (GUM's
    syntactic head, or the name written flat under a common-noun head): "Tunisia's coach" is
    not read as "Tunisia", "the Democratic Party" in "James To of the Democratic Party" not as
    the party; a mention whose naming token no prediction covers is left out."""
    tp = n_pred = n_gold = covered = total = 0
    for doc, enr in zip(docs, preds):
        if not doc.ids:
            continue
        ents = [m for m in enr.entities if m.label in TYPES]
        items = []
        for k, ((s, e, _t), gid) in enumerate(zip(doc.entities, doc.ids)):
            total += 1
            if by_head and doc.heads:
                s, e = doc.heads[k]
            over = [m for m in ents if m.start < e and s < m.end]
            if not over:
                continue
            covered += 1
            same = [m for m in over if m.label == _t] if same_type_first else []
            best = max(same or over, key=lambda m: min(e, m.end) - max(s, m.start))
            items.append((gid, (" ".join(best.name.lower().replace("’", "'").split()), best.label)))
        for (g1, p1), (g2, p2) in combinations(items, 2):
            gs, ps = g1 == g2, p1 == p2
            n_gold += gs
            n_pred += ps
            tp += gs and ps
    res = _prf(tp, n_pred, tp, n_gold)
    res["mentions_covered"] = f"{covered}/{total}"
    res.pop("predicted")
    res.pop("gold")
    res.update({"pairs_gold": n_gold, "pairs_predicted": n_pred})
    return res


def errors(corpus: str, docs, preds) -> list[dict]:
    """Every gold mention missed or mistyped and every prediction that matches no gold mention
    of its type, with the gold type it overlaps (if any) and a little context."""
    out = []
    for doc, enr in zip(docs, preds):
        pred = _predictions(doc, enr)
        for s, e, t in doc.entities:
            if any(p[0] < e and s < p[1] and p[2] == t for p in pred):
                continue
            got = sorted({p[2] for p in pred if p[0] < e and s < p[1]})
            out.append({"corpus": corpus, "doc": doc.name, "kind": "missed", "gold": t, "pred": "/".join(got) or None,
                        "text": doc.text[s:e], "context": " ".join(doc.text[max(0, s - 50):e + 50].split())})
        for s, e, t in pred:
            if any(g[0] < e and s < g[1] and g[2] == t for g in doc.entities):
                continue
            got = sorted({g[2] for g in doc.entities if g[0] < e and s < g[1]})
            out.append({"corpus": corpus, "doc": doc.name, "kind": "spurious", "gold": "/".join(got) or None,
                        "pred": t, "text": doc.text[s:e],
                        "context": " ".join(doc.text[max(0, s - 50):e + 50].split())})
    return out


CORPORA = {"gum": ("GUM news", gum_news, "ner_gum_news.json"),
           "conll": ("CoNLL-2003 dev", conll_dev, "ner_conll2003_dev.json")}


def run(corpus: str, opts: EnrichOptions) -> tuple[dict, list, list]:
    title, reader, _out = CORPORA[corpus]
    docs = reader()
    words = sum(len(d.text.split()) for d in docs)
    t0, c0 = time.perf_counter(), time.process_time()
    preds = enrich_texts([d.text for d in docs], opts, ["en"] * len(docs))
    secs = time.perf_counter() - t0
    cpu = time.process_time() - c0  # CPU seconds: a fairer figure on a machine shared with other jobs
    res = {"corpus": title, "scores": score(docs, preds), "docs": len(docs), "words": words,
           "seconds": round(secs, 2), "words_per_s": round(words / secs), "cpu_seconds": round(cpu, 2),
           "words_per_cpu_s": round(words / cpu), "load_average": [round(x, 2) for x in os.getloadavg()],
           "model": preds[0].model if preds else None}
    if any(d.ids for d in docs):
        res["canonical_pairs"] = canonical_pairs(docs, preds)
        res["canonical_pairs_longest_overlap"] = canonical_pairs(docs, preds, same_type_first=False)
        res["canonical_pairs_by_head"] = canonical_pairs(docs, preds, by_head=True)
    if any(d.links for d in docs):
        place_links = {link for d in docs for (_s, _e, t), link in zip(d.entities, d.links) if t == "PLACE" and link}
        res["scores_countries_as_places"] = score([countries_as_places(d, place_links) for d in docs], preds)
    return res, docs, preds


def _print(res: dict) -> None:
    print(f"{res['corpus']}: {res['docs']} articles, {res['words']} words, {res['seconds']:.1f}s "
          f"({res['words_per_s']} words/s wall, {res['words_per_cpu_s']} words per CPU-second)")
    print(f"{'':<9}{'type':<16}{'P':>8}{'R':>8}{'F1':>8}{'pred':>7}{'gold':>7}")
    for mode in ("lenient", "exact"):
        for t, s in res["scores"][mode].items():
            print(f"{mode:<9}{t:<16}{s['precision']:>8.3f}{s['recall']:>8.3f}{s['f1']:>8.3f}"
                  f"{s['predicted']:>7}{s['gold']:>7}")
    for k in ("untyped", "place_as_org_ok"):
        s = res["scores"][k]
        print(f"{'lenient':<9}{k:<16}{s['precision']:>8.3f}{s['recall']:>8.3f}{s['f1']:>8.3f}"
              f"{s['predicted']:>7}{s['gold']:>7}")
    if "scores_countries_as_places" in res:
        print("with a national team typed as its country, a PLACE (CoNLL's and newsmill's convention):")
        for mode in ("lenient", "exact"):
            for t, s in res["scores_countries_as_places"][mode].items():
                print(f"{mode:<9}{t:<16}{s['precision']:>8.3f}{s['recall']:>8.3f}{s['f1']:>8.3f}"
                      f"{s['predicted']:>7}{s['gold']:>7}")
    if "canonical_pairs" in res:
        c = res["canonical_pairs"]
        print(f"canonical-name pairs: P {c['precision']:.3f} R {c['recall']:.3f} F1 {c['f1']:.3f} "
              f"({c['pairs_gold']} gold pairs, mentions covered {c['mentions_covered']})")
        c = res["canonical_pairs_longest_overlap"]
        print(f"  (read through the longest overlap of any type: P {c['precision']:.3f} R {c['recall']:.3f} "
              f"F1 {c['f1']:.3f})")
        c = res["canonical_pairs_by_head"]
        print(f"  (read through the prediction covering the mention's naming token: P {c['precision']:.3f} "
              f"R {c['recall']:.3f} F1 {c['f1']:.3f}, mentions covered {c['mentions_covered']})")


def main(argv=None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", choices=("gum", "conll", "all"), default="all")
    ap.add_argument("--errors", metavar="PATH", help="write every error (missed / spurious, per type) "
                    "as JSON lines to PATH and print a count per (corpus, kind, gold, predicted)")
    args = ap.parse_args(argv)
    opts = EnrichOptions()
    load_model(opts.model)
    RESULTS.mkdir(parents=True, exist_ok=True)
    errs: list[dict] = []
    for corpus in (("gum", "conll") if args.corpus == "all" else (args.corpus,)):
        res, docs, preds = run(corpus, opts)
        _print(res)
        out = RESULTS / CORPORA[corpus][2]
        out.write_text(json.dumps(res, indent=2) + "\n")
        print(f"-> {out}\n")
        errs += errors(corpus, docs, preds)
    if args.errors:
        Path(args.errors).write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in errs))
        tally: dict[tuple, int] = {}
        for x in errs:
            k = (x["corpus"], x["kind"], x["gold"], x["pred"])
            tally[k] = tally.get(k, 0) + 1
        for k, n in sorted(tally.items(), key=lambda kv: -kv[1]):
            print(f"{n:>5}  {k[0]:<6} {k[1]:<9} gold={k[2]!s:<12} pred={k[3]}")
        print(f"-> {args.errors}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
