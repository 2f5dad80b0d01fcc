"""The command process's allocator setting (newsmill/allocator.py): large blocks keep coming
from their own mappings, so freeing them gives the memory back (issue 16: peak memory)."""

import json
import platform
import subprocess
import sys

import pytest

# in a fresh interpreter: the setting is process-wide, and glibc's threshold moves with what
# the process freed before
_PROBE = r"""
import ctypes, json, sys
from newsmill import allocator

class MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                                                "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = MallInfo2
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
set_now = allocator.return_large_blocks() if sys.argv[1] == "set" else None
block = 300_000  # about a page body and a half
libc.free(libc.malloc(block))  # glibc's dynamic threshold would rise past this size here
before = libc.mallinfo2().hblks
p = libc.malloc(block)
mapped = libc.mallinfo2().hblks - before  # 1: the second block has its own mapping
libc.free(p)
print(json.dumps({"set": set_now, "mapped": mapped, "unmapped": libc.mallinfo2().hblks == before,
                  "again": allocator.return_large_blocks() if set_now else None}))
"""


def _probe(mode: str) -> dict:
    out = subprocess.run([sys.executable, "-c", _PROBE, mode], capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin"})
    return json.loads(out.stdout)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's malloc")
def test_a_large_block_freed_keeps_the_next_one_mapped_and_unmapped_on_free():
    # glibc alone: after one large block is freed, the next of that size comes from the heap
    assert _probe("default")["mapped"] == 0
    got = _probe("set")
    assert got == {"set": True, "mapped": 1, "unmapped": True, "again": True}


def test_the_users_own_threshold_wins(monkeypatch):
    from newsmill import allocator

    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "65536")
    monkeypatch.setattr(allocator, "_done", None)
    assert allocator.return_large_blocks() is False
