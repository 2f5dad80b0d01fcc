"""Score quote extraction on PolNeAR (../shared/corpora/polnear/<split>).

Calls the library function the CLI uses (newsmill.tasks.enrich.enrich_texts) on each article.
Matching (as the issue defines it): a predicted quote matches a gold attribution when their
content spans overlap by at least 30% of the gold Content's characters; each gold attribution is
matched at most once (greedy, largest overlap first). Precision = matched predictions / all
predictions, recall = matched gold / all gold. Direct-quote recall is recall over gold Contents
inside quotation marks. Speaker accuracy is over matched pairs: the predicted speaker span
overlaps the gold Source span. Gold = the first annotator's .ann per article (see _corpora.py).

    python -m bench.quotes [--split dev|train] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._corpora import is_direct, polnear  # noqa: E402
from newsmill.config import EnrichOptions  # noqa: E402
from newsmill.tasks.enrich import enrich_texts, load_model  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def score(docs, preds) -> dict:
    n_pred = n_gold = tp_pred = tp_gold = 0
    direct_gold = direct_hit = 0
    spk_ok = spk_n = 0
    by_kind = {"direct": [0, 0], "indirect": [0, 0]}
    for doc, enr in zip(docs, preds):
        gold = [(a.content_span, a) for a in doc.attributions]
        n_gold += len(gold)
        n_pred += len(enr.quotes)
        pairs = []
        for qi, q in enumerate(enr.quotes):
            for gi, (span, _a) in enumerate(gold):
                ov = overlap((q.start, q.end), span)
                if ov and ov >= 0.3 * (span[1] - span[0]):
                    pairs.append((ov, qi, gi))
        pairs.sort(reverse=True)
        used_q, used_g = set(), set()
        matched_pred = set()
        for ov, qi, gi in pairs:
            matched_pred.add(qi)  # a prediction that overlaps some gold content is correct
            if qi in used_q or gi in used_g:
                continue
            used_q.add(qi)
            used_g.add(gi)
            q = enr.quotes[qi]
            a = gold[gi][1]
            spk_n += 1
            if q.speaker_start is not None and any(overlap((q.speaker_start, q.speaker_end), s) for s in a.source):
                spk_ok += 1
        tp_pred += len(matched_pred)
        tp_gold += len(used_g)
        for qi, q in enumerate(enr.quotes):
            by_kind[q.kind][0] += 1
            by_kind[q.kind][1] += qi in matched_pred
        for gi, (span, _a) in enumerate(gold):
            if is_direct(doc.text, span):
                direct_gold += 1
                direct_hit += gi in used_g
    p = tp_pred / n_pred if n_pred else 0.0
    r = tp_gold / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
            "direct_recall": round(direct_hit / direct_gold, 4) if direct_gold else None,
            "speaker_accuracy": round(spk_ok / spk_n, 4) if spk_n else None,
            "predicted": n_pred, "gold": n_gold, "gold_direct": direct_gold,
            "precision_direct": round(by_kind["direct"][1] / by_kind["direct"][0], 4) if by_kind["direct"][0] else None,
            "precision_indirect": round(by_kind["indirect"][1] / by_kind["indirect"][0], 4) if by_kind["indirect"][0] else None}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--split", default="dev")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--model", default=None)
    args = ap.parse_args(argv)
    opts = EnrichOptions() if not args.model else EnrichOptions(model=args.model)
    docs = polnear(args.split, args.limit)
    load_model(opts.model)  # model loading is not part of throughput
    words = sum(len(d.text.split()) for d in docs)
    t0, c0 = time.perf_counter(), time.process_time()
    preds = enrich_texts([d.text for d in docs], opts, ["en"] * len(docs))
    secs = time.perf_counter() - t0
    cpu = time.process_time() - c0  # CPU seconds: a fairer figure on a machine shared with other jobs
    res = score(docs, preds)
    res.update({"split": args.split, "docs": len(docs), "words": words, "seconds": round(secs, 2),
                "words_per_s": round(words / secs),
                "cpu_seconds": round(cpu, 2), "load_average": [round(x, 2) for x in os.getloadavg()], "words_per_cpu_s": round(words / cpu), "model": preds[0].model if preds else None,
                "gold_annotator": "first .ann per article (sorted)", "match": ">=30% of gold Content chars"})
    print(f"PolNeAR {args.split}: {len(docs)} articles, {words} words, {secs:.1f}s ({res['words_per_s']} words/s wall, "
          f"{res['words_per_cpu_s']} words per CPU-second)")
    print(f"{'metric':<22}{'value':>8}")
    for k in ("precision", "recall", "f1", "direct_recall", "speaker_accuracy", "precision_direct",
              "precision_indirect", "predicted", "gold", "gold_direct"):
        print(f"{k:<22}{res[k]!s:>8}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"quotes_{args.split}.json"
    out.write_text(json.dumps(res, indent=2) + "\n")
    print(f"-> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
