"""Score quote extraction on PolNeAR (../shared/corpora/polnear/<split>).

Calls the library function the CLI uses (newsmill.tasks.enrich.enrich_texts) on each article.
Matching (as the issue defines it): a predicted quote matches a gold attribution when their
content spans overlap by at least 30% of the gold Content's characters; each gold attribution is
matched at most once (greedy, largest overlap first). Precision = matched predictions / all
predictions, recall = matched gold / all gold. Direct-quote recall is recall over gold Contents
inside quotation marks. Speaker accuracy is over matched pairs: the predicted speaker span
overlaps the gold Source span. Gold = the first annotator's .ann per article (see _corpora.py).

``quotes_citable`` is what the mart of that name would hold: quotes with a resolved speaker name
and ``confidence`` at or above ``tasks/quotes.py:citable_threshold()``. Its precision counts a
citable quote right when it covers >= 30% of a gold Content *or of one of its fragments* (PolNeAR
gives a quotation split around its attribution one Content in two fragments; each half is a
quote of its own) *and* its speaker span overlaps that attribution's Source; its coverage is the
share of gold direct quotes (Content inside quotation marks) matched so by a right citable quote.
The headline figures above keep the issue's whole-span matching, for comparison with earlier runs.

**Linked quotations** (the headline figures since stop 16). newsmill stores a quotation split
around its attribution ('“A,” said X, a long description. “B.”') as its parts, and says they are
one quotation (``Quote.part``/``parts``, ``quotation_start``/``quotation_end``; the warehouse's
``quotation_id`` and ``quotations`` view). The headline scores such a quotation as the tool
presents it: a gold Content that spans at least two of its parts may be matched by the whole
quotation, from its first part's start to its last part's end; a gold Content that holds one
part only is matched by that part (PolNeAR annotates some split quotations as two
attributions), and every part still counts once in precision. ``per_part`` keeps stop 15's
scoring, each part a prediction of its own, for comparison. Only the parts are the quotation's
words (``text == source[start:end]`` per part); the extent holds the attribution between them.

**Content characters** (``content_chars`` in the results; reported next to the issue's figures,
not instead of them). The issue defines a match as ">= 30% of the gold Content's characters",
but the whole-span figures measure against ``min(start)..max(end)`` of the Content fragments.
PolNeAR annotates a quotation split around its attribution ('“A,” said X, a long description.
“B.”') as one attribution whose Content is the fragments A and B: the attribution between them
is the Source and Cue, not Content. Measured over the span, a right quote of A alone often falls
short of 30% because the description between the halves counts against it (train: 92 gold
direct quotes missed so while their halves were emitted with the right speaker). The content
figures count, for each gold attribution, the characters of its Content fragments a prediction
covers, over the characters of those fragments; everything else is the same (one-to-one greedy
matching, largest overlap first; on equal overlap the attribution whose Source the prediction
names goes first, which only decides ties between nested attributions a prediction covers
equally). Speaker accuracy there also counts as right a quote given no speaker where the gold
attribution has no Source (PolNeAR annotates Content and Cue without a Source for unstated
sources: "is expected to", a question put by no one named); in the issue's figures such a pair
is wrong whatever the prediction, since no speaker span can overlap a Source that is not there.
A quote given a speaker where the gold names none stays wrong. Considered and not used: scoring newsmill's parts of one quotation (same speaker
phrase, same paragraph) as one prediction: it also merges two separate quotations of one
speaker in a paragraph that PolNeAR keeps apart (train direct recall 0.977 -> 0.968); and
counting a prediction right when it covers 30% of any one fragment (as the citable figure
does): a fragment can be one word, which made precision lenient (0.868 -> 0.923 on train).

``--calibrate`` (train only) writes ``tasks/data/quote_confidence.json``: for every evidence class
(kind | attribution strategy | how the speaker was resolved) the share of its quotes that were
right (quote and speaker), shrunk toward the share of its kind and resolution path (m-estimate,
m = 20: small classes are not trusted on a few quotes), and the citable threshold: the lowest
confidence of a class that was itself right at least 97% of the time on train (97%, not 95%: a
95% target on train gave 0.937 on dev).

    python -m bench.quotes [--split dev|train] [--limit N] [--calibrate]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._corpora import is_direct, polnear  # noqa: E402
from newsmill.config import EnrichOptions  # noqa: E402
from newsmill.tasks import quotes as qts  # noqa: E402
from newsmill.tasks.enrich import enrich_texts, load_model  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _matches(q, a) -> bool:
    """The quote covers >= 30% of the attribution's Content, or of one of its fragments: PolNeAR
    gives a quotation split around its attribution ('“A,” she said, “B.”') one Content in two
    fragments, and each half is a quote of its own."""
    spans = [a.content_span] + list(a.content)
    return any(overlap((q.start, q.end), s) and overlap((q.start, q.end), s) >= 0.3 * (s[1] - s[0]) for s in spans)


def judge(docs, preds) -> list[list[bool]]:
    """For every predicted quote: does it match a gold attribution (:func:`_matches`) whose Source
    its speaker span overlaps?"""
    out = []
    for doc, enr in zip(docs, preds):
        row = []
        for q in enr.quotes:
            row.append(q.speaker_start is not None and any(
                _matches(q, a) and any(overlap((q.speaker_start, q.speaker_end), s) for s in a.source)
                for a in doc.attributions))
        out.append(row)
    return out


def citable(docs, preds, threshold: float) -> dict:
    """Precision and gold-direct coverage of the quotes the quotes_citable mart would hold."""
    right = judge(docs, preds)
    n = ok = 0
    covered = direct = 0
    for doc, enr, row in zip(docs, preds, right):
        good = [q for q, r in zip(enr.quotes, row) if r and q.speaker_name and (q.confidence or 0) >= threshold]
        for q, r in zip(enr.quotes, row):
            if q.speaker_name and (q.confidence or 0) >= threshold:
                n += 1
                ok += r
        for a in doc.attributions:
            span = a.content_span
            if not is_direct(doc.text, span):
                continue
            direct += 1
            covered += any(_matches(q, a) and any(overlap((q.speaker_start, q.speaker_end), s) for s in a.source)
                           for q in good)
    return {"citable_threshold": threshold, "citable_quotes": n,
            "citable_precision": round(ok / n, 4) if n else None,
            "citable_direct_coverage": round(covered / direct, 4) if direct else None}


PRIOR = 20  # weight of the kind|path share in a class's smoothed share (m-estimate)


def calibrate(docs, preds, target: float = 0.97) -> dict:
    """Per evidence class: [quotes, right, smoothed share right]; the threshold for citable quotes."""
    right = judge(docs, preds)
    classes: dict[str, list] = {}
    fallback: dict[str, list] = {}
    for enr, row in zip(preds, right):
        for q, r in zip(enr.quotes, row):
            for table, key in ((classes, q.evidence), (fallback, "|".join(q.evidence.split("|")[0:3:2]))):
                c = table.setdefault(key, [0, 0, 0.0])
                c[0] += 1
                c[1] += r
    for c in fallback.values():
        c[2] = round((c[1] + 0.5) / (c[0] + 1), 3)  # Jeffreys-smoothed share right
    for key, c in classes.items():
        # shrunk toward its kind and resolution path (m-estimate, m = PRIOR): a class seen 6 times
        # and right 6 times is not thereby more certain than one right 1,857 times of 1,911
        prior = fallback["|".join(key.split("|")[0:3:2])][2]
        c[2] = round((c[1] + PRIOR * prior) / (c[0] + PRIOR), 3)
    cal = {"source": "PolNeAR train, bench/quotes.py --calibrate", "classes": classes, "fallback": fallback}
    qts.CONFIDENCE_FILE.write_text(json.dumps(cal, indent=1, sort_keys=True) + "\n")
    qts._calibration.cache_clear()
    # confidences changed: re-read them from the table for the threshold search
    scored = []
    for doc, enr, row in zip(docs, preds, right):
        for q, r in zip(enr.quotes, row):
            if q.speaker_name:
                c = classes.get(q.evidence)
                conf = c[2] if c and c[0] >= 5 else fallback.get("|".join(q.evidence.split("|")[0:3:2]), [0, 0, 0.3])[2]
                scored.append((conf, r))
    # every citable class must itself have been right >= target on train: the earlier search for
    # the lowest threshold whose *pooled* precision reached the target let weak classes ride on
    # strong ones (after split quotations got a class of their own it admitted classes right 93%
    # of the time, and gave 0.953 on dev against 0.967 for this rule)
    best = min((c for c, _ in scored if c >= target), default=1.0)
    sel = [r for c, r in scored if c >= best]
    cal["citable_threshold"] = best
    cal["citable_train_precision"] = round(sum(sel) / len(sel), 4) if sel else None
    qts.CONFIDENCE_FILE.write_text(json.dumps(cal, indent=1, sort_keys=True) + "\n")
    qts._calibration.cache_clear()
    return cal


def _content_overlap(q, a, fragments: bool) -> tuple[int, int]:
    """(characters of the gold Content the quote covers, characters of that Content): over the
    span from first to last fragment (the issue's figures) or over the fragments themselves."""
    if fragments:
        return sum(overlap((q.start, q.end), s) for s in a.content), sum(e - s for s, e in a.content)
    s = a.content_span
    return overlap((q.start, q.end), s), s[1] - s[0]


def _candidates(enr, linked: bool) -> list[tuple[object, tuple[int, ...]]]:
    """What a gold attribution can be matched to: (a quote-like object with start/end and a
    speaker span, the indices of the quotes it consumes). Every quote alone; with ``linked``
    also every quotation newsmill stores in several parts (``Quote.part``/``parts``), by its
    extent from its first part's start to its last part's end."""
    out = [(q, (i,)) for i, q in enumerate(enr.quotes)]
    if linked:
        groups: dict[tuple[int, int], list[int]] = {}
        for i, q in enumerate(enr.quotes):
            if q.parts > 1:
                groups.setdefault((q.quotation_start, q.quotation_end), []).append(i)
        for (s, e), idx in groups.items():
            first = enr.quotes[min(idx, key=lambda i: enr.quotes[i].part)]
            out.append((dataclasses.replace(first, start=s, end=e), tuple(idx)))
    return out


def score(docs, preds, fragments: bool = False, linked: bool = False) -> dict:
    """Precision, recall, F1, direct recall and speaker accuracy (see the module docstring);
    ``fragments``: measure overlap over the Content's characters, not its span; ``linked``: a
    quotation newsmill stores in parts may also match as a whole (:func:`_candidates`), for a
    gold Content that spans at least two of its parts; precision still counts the parts."""
    n_pred = n_gold = tp_pred = tp_gold = 0
    direct_gold = direct_hit = 0
    spk_ok = spk_n = 0
    by_kind = {"direct": [0, 0], "indirect": [0, 0]}
    for doc, enr in zip(docs, preds):
        gold = [(a.content_span, a) for a in doc.attributions]
        n_gold += len(gold)
        n_pred += len(enr.quotes)
        cands = _candidates(enr, linked)
        pairs = []
        for ci, (q, parts) in enumerate(cands):
            for gi, (span, a) in enumerate(gold):
                if len(parts) > 1 and sum(bool(overlap((enr.quotes[i].start, enr.quotes[i].end), span))
                                          for i in parts) < 2:
                    continue  # the gold Content holds one part only: that part is its match
                ov, size = _content_overlap(q, a, fragments)
                if ov and ov >= 0.3 * size:
                    # ties: the attribution whose Source the quote names (content figures only)
                    names = fragments and q.speaker_start is not None and any(
                        overlap((q.speaker_start, q.speaker_end), s) for s in a.source)
                    pairs.append((ov, names, ci, gi))
        pairs.sort(reverse=True)
        used_q, used_g = set(), set()
        matched_pred = set()
        for ov, _names, ci, gi in pairs:
            q, parts = cands[ci]
            matched_pred.update(parts)  # a prediction that overlaps some gold content is correct
            if used_q & set(parts) or gi in used_g:
                continue
            used_q.update(parts)
            used_g.add(gi)
            a = gold[gi][1]
            spk_n += 1
            if q.speaker_start is not None and any(overlap((q.speaker_start, q.speaker_end), s) for s in a.source):
                spk_ok += 1
            elif fragments and not a.source and q.speaker_start is None:
                spk_ok += 1  # no Source annotated and no speaker given: they agree
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
    ap.add_argument("--calibrate", action="store_true",
                    help="write tasks/data/quote_confidence.json from this split (train only)")
    args = ap.parse_args(argv)
    if args.calibrate and args.split != "train":
        ap.error("--calibrate tunes on train only; dev is for reporting")
    opts = EnrichOptions() if not args.model else EnrichOptions(model=args.model)
    docs = polnear(args.split, args.limit)
    load_model(opts.model)  # model loading is not part of throughput
    words = sum(len(d.text.split()) for d in docs)
    t0, c0 = time.perf_counter(), time.process_time()
    preds = enrich_texts([d.text for d in docs], opts, ["en"] * len(docs))
    secs = time.perf_counter() - t0
    cpu = time.process_time() - c0  # CPU seconds: a fairer figure on a machine shared with other jobs
    if args.calibrate:
        cal = calibrate(docs, preds)
        print(f"calibrated {len(cal['classes'])} evidence classes; citable threshold {cal['citable_threshold']}"
              f" -> {qts.CONFIDENCE_FILE}")
        preds = [dataclasses.replace(e, quotes=tuple(dataclasses.replace(
            q, confidence=qts.confidence_of(q.evidence)) for q in e.quotes)) for e in preds]
    res = score(docs, preds, linked=True)
    res["per_part"] = {k: v for k, v in score(docs, preds).items()
                       if k in ("precision", "recall", "f1", "direct_recall", "speaker_accuracy")}
    res.update(citable(docs, preds, qts.citable_threshold()))
    res["content_chars"] = {k: v for k, v in score(docs, preds, fragments=True).items()
                            if k in ("precision", "recall", "f1", "direct_recall", "speaker_accuracy")}
    res.update({"split": args.split, "docs": len(docs), "words": words, "seconds": round(secs, 2),
                "words_per_s": round(words / secs),
                "cpu_seconds": round(cpu, 2), "load_average": [round(x, 2) for x in os.getloadavg()], "words_per_cpu_s": round(words / cpu), "model": preds[0].model if preds else None,
                "gold_annotator": "first .ann per article (sorted)", "match": ">=30% of gold Content chars"})
    print(f"PolNeAR {args.split}: {len(docs)} articles, {words} words, {secs:.1f}s ({res['words_per_s']} words/s wall, "
          f"{res['words_per_cpu_s']} words per CPU-second)")
    print(f"{'metric':<22}{'value':>8}")
    for k in ("precision", "recall", "f1", "direct_recall", "speaker_accuracy", "precision_direct",
              "precision_indirect", "predicted", "gold", "gold_direct", "citable_threshold",
              "citable_quotes", "citable_precision", "citable_direct_coverage"):
        print(f"{k:<22}{res[k]!s:>8}")
    print("each part of a linked quotation alone (stop 15's scoring): " +
          ", ".join(f"{k} {v}" for k, v in res["per_part"].items()))
    print("over Content characters (not span; see the docstring): " +
          ", ".join(f"{k} {v}" for k, v in res["content_chars"].items()))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"quotes_{args.split}.json"
    out.write_text(json.dumps(res, indent=2) + "\n")
    print(f"-> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
