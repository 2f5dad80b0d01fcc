"""The worker pool's start: workers forked from a warmed-up fork server give the results that
workers started from scratch give, and the fork server does not outlive the run's process."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PAGES = Path(__file__).parent / "fixtures" / "pages"

_SCRIPT = textwrap.dedent("""
    import json, os, sys
    from datetime import UTC, datetime
    from pathlib import Path
    from newsmill.config import EnrichOptions, ExtractOptions
    from newsmill.records import FetchedPage
    from newsmill.tasks import cpu

    if __name__ == "__main__":
        pages = [FetchedPage(f"http://news.test/{p.stem}", f"http://news.test/{p.stem}", 200, "text/html",
                             p.read_bytes(), "utf-8", datetime.now(UTC), 1) for p in sorted(Path(sys.argv[1]).glob("*.html"))]
        with cpu.CpuPool(2, ExtractOptions(), EnrichOptions()) as pool:
            results = pool.run(pages)
            method = pool._ctx.get_start_method()
        from multiprocessing import forkserver
        out = [{"url": r.page.url, "error": str(r.error), "text": r.document.text if r.document else None,
                "enrichment": r.enrichment.to_json() if r.enrichment else None} for r in results]
        print(json.dumps({"method": method, "forkserver": forkserver._forkserver._forkserver_pid, "results": out}))
""")


def _run(tmp_path, method):
    script = tmp_path / "pool.py"
    script.write_text(_SCRIPT)
    env = dict(os.environ, NEWSMILL_POOL_START=method)
    out = subprocess.run([sys.executable, str(script), str(PAGES)], capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_forked_workers_give_the_results_of_spawned_ones_and_the_fork_server_ends(tmp_path):
    forked, spawned = _run(tmp_path, "forkserver"), _run(tmp_path, "spawn")  # forkserver: opt-in
    assert (forked["method"], spawned["method"]) == ("forkserver", "spawn")
    assert len(forked["results"]) >= 2 and any(r["enrichment"] and r["enrichment"]["quotes"] for r in forked["results"])
    assert forked["results"] == spawned["results"]
    pid = forked["forkserver"]
    assert pid  # there was one, and it was waited for when its process exited
    assert not Path(f"/proc/{pid}").exists() or b"forkserver" not in Path(f"/proc/{pid}/cmdline").read_bytes()
