"""newspaper4k downloading and parsing a list of URLs: the peer line of bench/pipeline.py.

Runs in its own venv (bench/requirements-peer.txt), never imports newsmill. Threads like
newspaper's own news_pool / multithreading helpers. Prints one JSON object on stdout.

    /work/venv-peer/bin/python bench/peer_newspaper.py URLS_FILE [--threads 8]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import tldextract
from tldextract import tldextract as _tld_module

# tldextract fetches the public suffix list on first use; there is no internet here, so use the
# snapshot it ships (the same answers for the URLs of this benchmark).
_offline = tldextract.TLDExtract(suffix_list_urls=())
tldextract.extract = _offline
_tld_module.extract = _offline

import newspaper  # noqa: E402
from newspaper import Article, Config  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("urls_file")
    ap.add_argument("--threads", type=int, default=8)
    args = ap.parse_args()
    urls = [u.strip() for u in open(args.urls_file, encoding="utf-8") if u.strip()]
    cfg = Config()
    cfg.fetch_images = False  # newsmill fetches no images either
    cfg.memoize_articles = False
    cfg.request_timeout = 20
    errors: dict[str, int] = {}

    def one(url: str) -> tuple[bool, int, float, float]:
        t0 = time.perf_counter()
        a = Article(url, config=cfg)
        a.download()
        t1 = time.perf_counter()
        try:
            a.parse()
        except Exception as e:  # noqa: BLE001 - e.g. a Korean page needs nltk, left out on purpose
            errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
        t2 = time.perf_counter()
        return bool(a.text), len(a.text or ""), t1 - t0, t2 - t1

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        out = list(pool.map(one, urls))
    seconds = time.perf_counter() - t0
    print(json.dumps({
        "version": newspaper.__version__, "articles": len(urls), "with_text": sum(1 for o in out if o[0]), "errors": errors,
        "seconds": round(seconds, 3), "articles_per_s": round(len(urls) / seconds, 2),
        "download_thread_seconds": round(sum(o[2] for o in out), 3),
        "parse_thread_seconds": round(sum(o[3] for o in out), 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "threads": args.threads}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
