"""Score named entities on GUM news (../shared/corpora/gum-news).

Gold (bench/_corpora.py reads GUM's CoNLL-U ``Entity=`` column): mentions of type person /
organization / place, mapped to PERSON / ORG / PLACE (GUM's other types - event, abstract, object,
time, ... - are not scored), and only *named* mentions: the span's syntactic head is a proper
noun, or a common-noun head carries the name as a ``flat`` dependent ("team member Rodaba
Noori"), or GUM links the entity to Wikipedia and the span holds a proper noun ("English captain
Harry Kane"). GUM also annotates pronouns and common nouns, which NER is not meant to find. A
mention nested inside a longer name ("Andy Warhol" in "the Andy Warhol Foundation") is dropped, as
in flat NER gold (CoNLL, OntoNotes); one inside a description or phrase stays. GUM types by role:
a country acting as a government or team is an organization ("Belgium beat England", "South Korea
said"), and so do we (tasks/entities.py). Predictions: ``enrich_texts`` (what ``newsmill
enrich`` prints), labels PERSON / ORG / PLACE only. Lenient match: same type and overlapping
span, each gold mention used once. Reports P/R/F1 per type and overall, span-only ("untyped"),
and words/s. ``--errors PATH`` writes every miss and every spurious prediction (with the gold
type it overlaps and context) as JSON lines and prints a tally per (kind, gold, predicted).

    python -m bench.ner [--errors errors.jsonl]
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._corpora import gum_news  # noqa: E402
from newsmill.config import EnrichOptions  # noqa: E402
from newsmill.tasks.enrich import enrich_texts, load_model  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
TYPES = ("PERSON", "ORG", "PLACE")


def score(docs, preds) -> dict:
    counts = {t: {"tp_pred": 0, "pred": 0, "tp_gold": 0, "gold": 0} for t in TYPES}
    for doc, enr in zip(docs, preds):
        for t in TYPES:
            gold = [(s, e) for s, e, ty in doc.entities if ty == t]
            pred = [(m.start, m.end) for m in enr.entities if m.label == t]
            c = counts[t]
            c["gold"] += len(gold)
            c["pred"] += len(pred)
            c["tp_pred"] += sum(any(p[0] < g[1] and g[0] < p[1] for g in gold) for p in pred)
            used = set()
            for gi, g in enumerate(gold):
                if any(p[0] < g[1] and g[0] < p[1] for p in pred):
                    used.add(gi)
            c["tp_gold"] += len(used)
    out = {}
    tot = {"tp_pred": 0, "pred": 0, "tp_gold": 0, "gold": 0}
    for t, c in list(counts.items()) + [("overall", tot)]:
        if t != "overall":
            for k in tot:
                tot[k] += c[k]
        p = c["tp_pred"] / c["pred"] if c["pred"] else 0.0
        r = c["tp_gold"] / c["gold"] if c["gold"] else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        out[t] = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
                  "predicted": c["pred"], "gold": c["gold"]}
    # span detection regardless of type: how much of the gap is type (e.g. GUM annotates a
    # country acting as a team or government as an organisation, we call it a PLACE)
    tp_p = n_p = tp_g = n_g = 0
    for doc, enr in zip(docs, preds):
        gold = [(s, e) for s, e, _t in doc.entities]
        pred = [(m.start, m.end) for m in enr.entities if m.label in TYPES]
        n_g += len(gold)
        n_p += len(pred)
        tp_p += sum(any(p[0] < g[1] and g[0] < p[1] for g in gold) for p in pred)
        tp_g += sum(any(p[0] < g[1] and g[0] < p[1] for p in pred) for g in gold)
    p, r = (tp_p / n_p if n_p else 0.0), (tp_g / n_g if n_g else 0.0)
    out["untyped"] = {"precision": round(p, 4), "recall": round(r, 4),
                      "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0, "predicted": n_p, "gold": n_g}
    # the same, but a PLACE prediction also matches gold ORG: GUM calls a country acting as a
    # government or team an organisation ("Belgium beat England"), the issue calls countries places
    tp_p = n_p = tp_g = n_g = 0
    ok = lambda pl, gl: pl == gl or (pl == "PLACE" and gl == "ORG")  # noqa: E731
    for doc, enr in zip(docs, preds):
        gold = list(doc.entities)
        pred = [(m.start, m.end, m.label) for m in enr.entities if m.label in TYPES]
        n_g += len(gold)
        n_p += len(pred)
        tp_p += sum(any(p[0] < g[1] and g[0] < p[1] and ok(p[2], g[2]) for g in gold) for p in pred)
        tp_g += sum(any(p[0] < g[1] and g[0] < p[1] and ok(p[2], g[2]) for p in pred) for g in gold)
    p, r = (tp_p / n_p if n_p else 0.0), (tp_g / n_g if n_g else 0.0)
    out["place_as_org_ok"] = {"precision": round(p, 4), "recall": round(r, 4),
                              "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0, "predicted": n_p, "gold": n_g}
    return out


def errors(docs, preds) -> list[dict]:
    """Every gold mention missed or mistyped and every prediction that matches no gold mention
    of its type, with the gold type it overlaps (if any) and a little context."""
    out = []
    for doc, enr in zip(docs, preds):
        pred = [(m.start, m.end, m.label) for m in enr.entities if m.label in TYPES]
        for s, e, t in doc.entities:
            if any(p[0] < e and s < p[1] and p[2] == t for p in pred):
                continue
            got = sorted({p[2] for p in pred if p[0] < e and s < p[1]})
            out.append({"doc": doc.name, "kind": "missed", "gold": t, "pred": "/".join(got) or None,
                        "text": doc.text[s:e], "context": " ".join(doc.text[max(0, s - 50):e + 50].split())})
        for s, e, t in pred:
            if any(g[0] < e and s < g[1] and g[2] == t for g in doc.entities):
                continue
            got = sorted({g[2] for g in doc.entities if g[0] < e and s < g[1]})
            out.append({"doc": doc.name, "kind": "spurious", "gold": "/".join(got) or None, "pred": t,
                        "text": doc.text[s:e], "context": " ".join(doc.text[max(0, s - 50):e + 50].split())})
    return out


def main(argv=None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--errors", metavar="PATH", help="write every error (missed / spurious, per type) "
                    "as JSON lines to PATH and print a count per (kind, gold, predicted)")
    args = ap.parse_args(argv)
    opts = EnrichOptions()
    docs = gum_news()
    load_model(opts.model)
    words = sum(len(d.text.split()) for d in docs)
    t0, c0 = time.perf_counter(), time.process_time()
    preds = enrich_texts([d.text for d in docs], opts, ["en"] * len(docs))
    secs = time.perf_counter() - t0
    cpu = time.process_time() - c0  # CPU seconds: a fairer figure on a machine shared with other jobs
    res = {"scores": score(docs, preds), "docs": len(docs), "words": words, "seconds": round(secs, 2),
           "words_per_s": round(words / secs),
                "cpu_seconds": round(cpu, 2), "load_average": [round(x, 2) for x in os.getloadavg()], "words_per_cpu_s": round(words / cpu), "model": preds[0].model if preds else None,
           "match": "lenient: same type, overlapping span"}
    print(f"GUM news: {len(docs)} articles, {words} words, {secs:.1f}s ({res['words_per_s']} words/s wall, "
          f"{res['words_per_cpu_s']} words per CPU-second)")
    print(f"{'type':<16}{'P':>8}{'R':>8}{'F1':>8}{'pred':>7}{'gold':>7}")
    for t, s in res["scores"].items():
        print(f"{t:<16}{s['precision']:>8.3f}{s['recall']:>8.3f}{s['f1']:>8.3f}{s['predicted']:>7}{s['gold']:>7}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "ner_gum_news.json"
    out.write_text(json.dumps(res, indent=2) + "\n")
    print(f"-> {out}")
    if args.errors:
        errs = errors(docs, preds)
        Path(args.errors).write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in errs))
        tally: dict[tuple, int] = {}
        for x in errs:
            k = (x["kind"], x["gold"], x["pred"])
            tally[k] = tally.get(k, 0) + 1
        for k, n in sorted(tally.items(), key=lambda kv: -kv[1]):
            print(f"{n:>5}  {k[0]:<9} gold={k[1]!s:<12} pred={k[2]}")
        print(f"-> {args.errors}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
