"""The structure issue 11 set up, kept: thin flows, outcomes as types, one loop.

These read the source, so they fail the moment someone writes the old shape again: a flow that
grows past ~40 lines, a fetch outcome compared as a string, a second pipelining loop.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOW_BODIES = {"run_ingest", "run_worker", "run_merge", "run_reenrich"}  # what each @flow calls


def _functions(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef):
            yield node


def _is_flow(fn: ast.FunctionDef) -> bool:
    return any((isinstance(d, ast.Call) and getattr(d.func, "id", None) == "flow") or getattr(d, "id", None) == "flow"
               for d in fn.decorator_list)


def test_flows_are_thin():
    long = []
    for path in sorted((ROOT / "flows").glob("*.py")):
        for fn in _functions(path):
            if (_is_flow(fn) or fn.name in FLOW_BODIES) and fn.end_lineno - fn.lineno + 1 > 40:
                long.append(f"{path.name}:{fn.name} ({fn.end_lineno - fn.lineno + 1} lines)")
    assert not long, f"flows read inputs, call stages and the loop, record the run: {long}"


def test_flow_bodies_exist():
    names = {fn.name for p in (ROOT / "flows").glob("*.py") for fn in _functions(p)}
    assert FLOW_BODIES <= names


def test_outcomes_are_not_compared_as_strings():
    """A 304 is FetchedPage.not_modified and a failure is PageResult.failure, not error strings."""
    pattern = re.compile(r"""(==|!=|\bin|\(None,)\s*\(?\s*["']not_modified["']|\.error\s+or\s+\w+\.page\.error""")
    offenders = []
    for folder in ("flows", "tasks", "warehouse", "newsmill"):
        for p in (ROOT / folder).rglob("*.py"):
            # the one place each record says why it has nothing: its ``failure`` property
            allowed = {i for fn in _functions(p) if fn.name == "failure" for i in range(fn.lineno, fn.end_lineno + 1)}
            offenders += [f"{p.relative_to(ROOT)}:{i}" for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                          if pattern.search(line) and i not in allowed]
    assert not offenders, offenders


def test_one_pipelining_loop():
    """Only tasks/pipeline.py keeps a queue of in-flight batches; flows call run_batches."""
    users = [p.name for p in (ROOT / "flows").glob("*.py") if "run_batches(" in p.read_text(encoding="utf-8")]
    assert sorted(users) == ["ingest.py", "scaleout.py"]
    for p in (ROOT / "flows").glob("*.py"):
        assert "deque" not in p.read_text(encoding="utf-8"), f"{p.name} keeps its own batch queue"
