"""Who "he said" is: newsmill's pronoun speakers checked against GUM's coreference (issue 12).

    python -m bench.pronouns [--show]

PolNeAR cannot check this: its gold Source for '“…,” he said' is the pronoun's span, so a quote
whose "he" newsmill gives to the wrong person still counts right there. GUM news
(../shared/corpora/gum-news, 22 Wikinews articles) annotates every mention, pronouns included,
with an entity id shared by all mentions of one entity. For every quote newsmill gives a he/she
speaker, this looks up the GUM mention that is that pronoun and its chain:

* **resolved right**: newsmill named a person and one of the chain's mentions holds that name's
  last word ("Angela Merkel" against a chain with "Merkel");
* **resolved wrong**: newsmill named a person the chain does not mention;
* **unresolved**: newsmill named no one (the pronoun stays unnamed; never in ``quotes_citable``).

Pronouns GUM does not annotate as a mention (rare) are counted apart. Reported overall and for
the quotes at or above the citable threshold. Writes bench/results/pronouns.json.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._corpora import gum_news  # noqa: E402
from newsmill.config import EnrichOptions  # noqa: E402
from newsmill.tasks import quotes as qts  # noqa: E402
from newsmill.tasks.enrich import enrich_texts  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
PRONOUNS = {"he", "she"}


def judge(doc, q) -> str:
    """'right' / 'wrong' / 'unresolved' / 'not_annotated' for a quote with a he/she speaker."""
    s0, s1 = q.speaker_start, q.speaker_end
    here = [c for c in doc.chains if c[0] <= s0 and s1 <= c[1]]
    if not here:
        return "not_annotated"
    eid = min(here, key=lambda c: c[1] - c[0])[2]
    if not q.speaker_name:
        return "unresolved"
    last = q.speaker_name.split()[-1].lower()
    chain = [doc.text[c[0]:c[1]].lower() for c in doc.chains if c[2] == eid]
    return "right" if any(re.search(r"\b" + re.escape(last) + r"\b", m) for m in chain) else "wrong"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--show", action="store_true", help="print every judged quote with its context")
    args = ap.parse_args(argv)
    docs = gum_news()
    preds = enrich_texts([d.text for d in docs], EnrichOptions(), ["en"] * len(docs))
    threshold = qts.citable_threshold()
    counts = {"all": {}, "citable": {}}
    by_class: dict[str, dict[str, int]] = {}
    for doc, enr in zip(docs, preds):
        for q in enr.quotes:
            if not q.speaker or q.speaker.lower() not in PRONOUNS:
                continue
            v = judge(doc, q)
            counts["all"][v] = counts["all"].get(v, 0) + 1
            if q.speaker_name and (q.confidence or 0) >= threshold:
                counts["citable"][v] = counts["citable"].get(v, 0) + 1
            c = by_class.setdefault(q.evidence, {})
            c[v] = c.get(v, 0) + 1
            if args.show:
                ctx = doc.text[max(0, q.start - 150):q.start].replace("\n", " ")
                print(f"{v:<13} {q.speaker} -> {q.speaker_name} ({q.confidence})  …{ctx}⟦{q.text[:50]}⟧")
    res = {"docs": len(docs), "citable_threshold": threshold, "counts": counts, "by_evidence": by_class}
    for k in ("all", "citable"):
        c = counts[k]
        named = c.get("right", 0) + c.get("wrong", 0)
        res[f"{k}_resolution_precision"] = round(c.get("right", 0) / named, 4) if named else None
        print(f"{k:<8} {c}  resolution precision {res[f'{k}_resolution_precision']}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "pronouns.json").write_text(json.dumps(res, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
