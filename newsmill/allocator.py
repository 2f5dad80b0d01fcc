"""How the ``ingest`` command's process gives memory back to the system (glibc's malloc).

A run's command process handles one batch of pages after another: every page's body (about
170 kB of HTML on average), its worker's pickled result and the batch's stage rows are
allocated, loaded and freed. glibc serves blocks of 128 kB or more with their own ``mmap`` at
first, but raises that threshold to the size of every such block freed (up to 32 MB), so after
the first batch bodies come from the heap, where blocks of different lifetimes interleave and
freed space mostly stays in the process. Measured on the benchmark's N = 1000 run: the command's
malloc arenas grew to about 200 MB, 70-120 MB of it free, against 93 MB and about 15 MB free
with the threshold fixed at 128 kB (``bench/pipeline.py``; see docs/speed-and-politeness.md).

:func:`return_large_blocks` fixes the threshold (``mallopt(M_MMAP_THRESHOLD)``), so that large
blocks are unmapped as soon as they are freed. It only changes where memory comes from, never
what a program computes. A no-op off glibc (macOS, musl) and when ``MALLOC_MMAP_THRESHOLD_`` is
set (the user's choice wins). This module imports nothing heavy.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os

log = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3  # glibc's malloc.h
LARGE_BLOCK = 128 * 1024  # glibc's default threshold, kept from moving up

_done: int | None = None


def return_large_blocks(threshold: int = LARGE_BLOCK) -> bool:
    """Serve blocks of ``threshold`` bytes or more with their own mapping from now on, in this
    process, and keep glibc from raising that threshold. True when set (now or before)."""
    global _done
    if _done == threshold:
        return True
    if os.environ.get("MALLOC_MMAP_THRESHOLD_") or os.environ.get("GLIBC_TUNABLES", "").find("mmap_threshold") >= 0:
        return False
    libc = _glibc()
    if libc is None:
        return False
    try:
        ok = bool(libc.mallopt(M_MMAP_THRESHOLD, int(threshold)))
    except (AttributeError, OSError):
        return False
    if ok:
        _done = threshold
    else:
        log.debug("mallopt(M_MMAP_THRESHOLD, %d) refused", threshold)
    return ok


def _glibc():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        gnu = libc.gnu_get_libc_version  # glibc only: musl and macOS have no such function
    except (OSError, AttributeError):
        return None
    gnu.restype = ctypes.c_char_p
    return libc
