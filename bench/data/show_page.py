"""Print the parts of a benchmark page's raw HTML a labeller reads: head tags, JSON-LD fields,
the <h1> and the visible text right around it (where bylines and dates are printed).

It does not run the extractor: labels come from reading the page, not from our output.

    python bench/data/show_page.py PAGE_ID [PAGE_ID ...]
"""

import gzip
import json
import re
import sys
from pathlib import Path

from lxml import html as lh

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks" / "article-extraction"


def show(pid: str) -> None:
    truth = json.loads((DATA / "ground-truth.json").read_text())
    raw = gzip.decompress((DATA / "html" / f"{pid}.html.gz").read_bytes()).decode("utf-8", "replace")
    tree = lh.fromstring(raw)
    print(f"==== {pid}\nurl: {truth[pid]['url']}")
    t = tree.find(".//title")
    print("title tag:", " ".join(t.text_content().split()) if t is not None else None)
    for m in tree.iter("meta"):
        k = (m.get("property") or m.get("name") or m.get("itemprop") or "").lower()
        if re.search(r"title|author|date|time|byl|creator|site_name", k):
            print(f"meta {k}: {(m.get('content') or '')[:120]}")
    for s in tree.xpath('//script[contains(@type,"ld+json")]'):
        for key in ("headline", "datePublished", "author"):
            for mm in re.finditer(rf'"{key}"\s*:\s*("[^"]*"|\[[^\]]*\]|\{{[^}}]*\}})', s.text or ""):
                print(f"jsonld {key}: {' '.join(mm.group(1).split())[:160]}")
    for el in tree.xpath("//time")[:3]:
        print("time:", el.get("datetime"), "|", " ".join(el.text_content().split())[:80])
    h1s = tree.xpath("//h1")
    for h in h1s[:2]:
        print("h1:", " ".join(h.text_content().split())[:200])
    m = re.search(r"<h1[\s>]", raw, re.I)
    if m:
        # the visible text just after the headline, where most pages print byline and date
        chunk = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", raw[m.start(): m.start() + 15000])
        text = " ".join(re.sub(r"(?s)<[^>]+>", " ", chunk).split())
        print("after h1:", text[:420])

if __name__ == "__main__":
    for pid in sys.argv[1:]:
        show(pid)
