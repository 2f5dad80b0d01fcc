"""Data derived from libraries, kept on disk between runs so that each worker process does not
derive it again at start-up (issue 16: a one-shot run starts two workers).

Files live in :func:`directory` under names that carry what they were derived from (the
library's version, its data file's size and modification time), so another library or data file
is never answered from an old file. A file that cannot be read, or is damaged, is ignored and
replaced; a directory that cannot be written only costs the time the cache would have saved.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path


def directory() -> Path | None:
    """``NEWSMILL_CACHE_DIR`` ("" or "0": no cache), else ``$XDG_CACHE_HOME/newsmill``, else
    ``~/.cache/newsmill``."""
    chosen = os.environ.get("NEWSMILL_CACHE_DIR")
    if chosen is not None:
        return None if chosen.strip() in ("", "0") else Path(chosen).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "newsmill"


def source_key(distribution: str, module: str, data: str) -> str | None:
    """``<version>-<size>-<mtime_ns>`` of the data file ``data`` (relative to ``module``'s
    directory) of the installed ``distribution``; None when any of it cannot be read."""
    try:
        from importlib.metadata import version
        from importlib.util import find_spec

        spec = find_spec(module)
        st = (Path(spec.origin).parent / data).stat()
        return f"{version(distribution)}-{st.st_size}-{st.st_mtime_ns}"
    except (ImportError, OSError, ValueError, AttributeError, TypeError):
        return None


def write(path: Path, fill: Callable[[Path], None]) -> None:
    """Write ``path`` whole or not at all: ``fill`` writes a temporary file in the same directory,
    which then replaces ``path`` (whichever process writes last wins). Errors are swallowed: a
    cache that cannot be written is only not there next time."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fill(tmp)
        os.replace(tmp, path)
    except (OSError, ValueError):
        with contextlib.suppress(OSError):
            tmp.unlink()
