"""Opening the warehouse: migrations, one-writer locking, and the readers' snapshot.

DuckDB lets one process hold a database file read-write, and then no other process may open it,
not even to read. So newsmill opens the file for writing only for the span of one load batch,
waits with back-off while another process holds it, and after each load publishes a copy
(``<db>.snapshot.duckdb``) that dashboards and ad-hoc SQL can read without ever blocking a load.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import logging
import os
import random
import re
import shutil
import socket
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import duckdb

from newsmill.warehouse.sql import q

log = logging.getLogger(__name__)


class WarehouseError(RuntimeError):
    """A database that cannot be used; the message says what to do."""


class DatabaseLocked(WarehouseError):
    pass


class StorageError(WarehouseError):
    """The disk refused a write (full, read-only, quota, I/O error): nothing to retry now."""


_STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EFBIG}
_STORAGE_TEXT = ("No space left on device", "Disk quota exceeded", "Read-only file system",
                 "Input/output error", "File too large", "Could not write")


def is_storage_error(e: BaseException) -> bool:
    if isinstance(e, OSError) and e.errno in _STORAGE_ERRNOS:
        return True
    return isinstance(e, duckdb.Error) and any(t in str(e) for t in _STORAGE_TEXT)


def storage_error(path: str, e: BaseException, doing: str) -> StorageError:
    reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e).splitlines()[0]
    try:
        st = os.statvfs(Path(path).resolve().parent)
        free = f"; {st.f_bavail * st.f_frsize / 1e6:.1f} MB free there"
    except OSError:
        free = ""
    return StorageError(f"cannot write {path} while {doing}: {reason}{free}. Batches committed before "
                        "this are kept; free space (or fix the disk) and run again.")


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """ROLLBACK if a transaction is still open; never hide the error that led here."""
    with contextlib.suppress(duckdb.Error):
        con.execute("ROLLBACK")


def migrations() -> list[tuple[int, str, str]]:
    out = []
    folder = resources.files("newsmill.warehouse").joinpath("migrations")
    for entry in folder.iterdir():
        m = re.match(r"^(\d+)_(.+)\.sql$", entry.name)
        if m:
            out.append((int(m.group(1)), m.group(2), entry.read_text(encoding="utf-8")))
    return sorted(out)


SCHEMA_VERSION = max(v for v, _, _ in migrations())


def snapshot_path(db_path: str | os.PathLike) -> Path:
    p = Path(db_path)
    return p.with_name(p.stem + ".snapshot" + (p.suffix or ".duckdb"))


def _is_lock_error(e: Exception) -> bool:
    text = str(e)
    return "Could not set lock" in text or "Conflicting lock" in text or "lock on file" in text


_CORRUPT_HINT = ("If the file is damaged, restore it from its snapshot (<db>.snapshot.duckdb) "
                 "or move it away and run again")


def _open(path: str, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(path, read_only=read_only)
    except duckdb.IOException as e:
        if _is_lock_error(e):
            raise DatabaseLocked(str(e)) from None
        raise WarehouseError(f"cannot open database {path}: {str(e).splitlines()[0]}. {_CORRUPT_HINT}") from None
    except (duckdb.SerializationException, duckdb.InternalException, duckdb.InvalidInputException,
            duckdb.CatalogException) as e:
        raise WarehouseError(
            f"{path} is not a usable DuckDB database ({type(e).__name__}: {str(e).splitlines()[0]}). "
            "If it is corrupted, restore it from its snapshot (<db>.snapshot.duckdb) or move it away."
        ) from None
    except duckdb.Error as e:
        raise WarehouseError(f"cannot open database {path}: {str(e).splitlines()[0]}. {_CORRUPT_HINT}") from None


LOCK_WARN_AFTER = 10.0  # seconds a writer waits for a lock before it warns


def connect_with_retry(path: str, lock_timeout: float, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open ``path``, waiting up to ``lock_timeout`` seconds while another process holds it."""
    started = time.monotonic()
    deadline = started + lock_timeout
    delay = 0.05
    said = 0  # 1: noted (INFO), 2: warned
    while True:
        try:
            return _open(path, read_only)
        except DatabaseLocked as e:
            if time.monotonic() + delay > deadline:
                pid = re.search(r"PID (\d+)", str(e))
                raise DatabaseLocked(
                    f"database {path} is in use by another process"
                    + (f" (PID {pid.group(1)})" if pid else "")
                    + f" and stayed locked for {lock_timeout:.0f}s. DuckDB allows one writer at a time: "
                    "wait for the other newsmill run to finish, or close the program that has the file "
                    "open (read the snapshot file instead), or raise load.lock_timeout."
                ) from None
            # Two runs sharing a schedule take turns every tick: a short wait is normal (INFO, shown
            # with -v); one that lasts is worth a warning.
            waited = time.monotonic() - started
            if said == 0:
                log.info("database %s is locked by another process; waiting up to %.0fs", path, lock_timeout)
                said = 1
            if said == 1 and waited >= min(LOCK_WARN_AFTER, lock_timeout / 2):
                log.warning("database %s is still locked by another process after %.0fs; waiting up to %.0fs",
                            path, waited, lock_timeout)
                said = 2
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 2.0)


def migrate(con: duckdb.DuckDBPyConnection, path: str = "") -> int:
    """Apply pending numbered migrations in one transaction; return the schema version."""
    con.execute(q("meta.sql", "migrations_table"))
    current = con.execute(q("meta.sql", "current_version")).fetchall()[0][0]
    if current > SCHEMA_VERSION:
        raise WarehouseError(
            f"database {path} has schema version {current}, newer than this newsmill knows "
            f"({SCHEMA_VERSION}). Upgrade newsmill (pip install -U newsmill) to use it."
        )
    pending = [(v, n, s) for v, n, s in migrations() if v > current]
    if not pending:
        return current
    con.execute("BEGIN TRANSACTION")
    try:
        for version, name, sql in pending:
            con.execute(sql)
            con.execute(q("meta.sql", "record_migration"), {"version": version, "name": name})
            log.info("applied migration %03d_%s", version, name)
        con.execute("COMMIT")
    except duckdb.Error:
        rollback(con)  # a COMMIT that failed (disk full) has ended the transaction already
        raise
    return pending[-1][0]


def _check_is_newsmill(con: duckdb.DuckDBPyConnection, path: str) -> None:
    tables = {r[0] for r in con.execute(q("meta.sql", "tables")).fetchall()}
    if tables and "schema_migrations" not in tables:
        raise WarehouseError(
            f"{path} is a DuckDB database but not a newsmill warehouse (it has tables "
            f"{', '.join(sorted(tables)[:5])}, no schema_migrations). Use another --db path."
        )


@contextlib.contextmanager
def writer(path: str | os.PathLike, lock_timeout: float = 60.0, snapshot: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A migrated read-write connection, held only for the ``with`` block."""
    path = str(path)
    parent = Path(path).resolve().parent
    if not parent.is_dir():
        raise WarehouseError(f"cannot create database {path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise WarehouseError(f"cannot write database {path}: directory {parent} is not writable")
    con = connect_with_retry(path, lock_timeout)
    try:
        try:
            _check_is_newsmill(con, path)
            migrate(con, path)
        except duckdb.Error as e:
            raise WarehouseError(f"cannot prepare database {path}: {str(e).splitlines()[0]}") from None
        try:
            yield con
            if snapshot:
                publish_snapshot(con, path)
        except (duckdb.Error, OSError) as e:
            if isinstance(e, WarehouseError) or not is_storage_error(e):
                raise
            raise storage_error(path, e, "loading") from None
    finally:
        con.close()


def check(path: str | os.PathLike, lock_timeout: float = 60.0) -> None:
    """The open check before a run: the file opens, is (or becomes) a migrated newsmill
    warehouse, and every table reads back without an I/O or checksum error."""
    with writer(path, lock_timeout) as con:
        verify(con, str(path))


def check_snapshot_space(path: str) -> None:
    """Raise :class:`StorageError` when the checkpoint and the snapshot copy of ``path`` would
    not fit on its file system (their size plus 10% and 1 MB, against the free space).

    A CHECKPOINT that hits a full disk is fatal to DuckDB (the open database is invalidated and
    nothing more can be recorded), so this is asked before a run is marked completed and again
    before the copy."""
    wal = Path(path + ".wal")
    need = (os.path.getsize(path) + (wal.stat().st_size if wal.exists() else 0)) * 1.1 + 1_000_000
    try:
        st = os.statvfs(Path(path).resolve().parent)
        free = st.f_bavail * st.f_frsize
    except OSError:
        free = need
    if free < need:
        raise StorageError(f"cannot publish the readers' snapshot {snapshot_path(path)}: it needs about "
                           f"{need / 1e6:.1f} MB and {free / 1e6:.1f} MB are free. The loads are committed; free "
                           "space and run again (readers see the previous snapshot until then).")


def publish_snapshot(con: duckdb.DuckDBPyConnection, path: str) -> Path:
    """Copy the checkpointed file while we hold the write lock, then swap it in atomically."""
    target = snapshot_path(path)
    tmp = target.with_name(target.name + ".tmp")
    check_snapshot_space(path)
    try:
        con.execute("CHECKPOINT")
        shutil.copyfile(path, tmp)
        os.replace(tmp, target)
    except (OSError, duckdb.Error) as e:
        with contextlib.suppress(OSError):
            tmp.unlink()  # a half-written copy would keep the disk full
        if not is_storage_error(e):
            raise
        raise storage_error(str(target), e, "publishing the readers' snapshot") from None
    return target


RESERVE_BYTES = 1 << 20  # what recording a failed run's row needs, with room to spare


class Reserve:
    """A file of :data:`RESERVE_BYTES` kept next to the warehouse for the span of a run, given
    back when the disk fills up, so that the run can still record why it failed (``failed``,
    its counts) and remove its temporary files. Without it the row of a run that filled the disk
    stayed as it was, and the exit status said one thing while the warehouse said another.

    ``<db>.reserve-<host>-<pid>``: one per process, so two runs taking turns on one warehouse each
    keep theirs; a killed run's file is removed by :func:`remove_stale_reserves` (next run, reaper).
    """

    def __init__(self, db_path: str | os.PathLike, size: int = RESERVE_BYTES):
        self.path = Path(str(db_path) + f".reserve-{_host_tag()}-{os.getpid()}")
        self.size = size
        self.held = False

    def take(self) -> None:
        """Allocate the file (blocks really reserved: ``posix_fallocate``, else written zeros).
        Raises :class:`StorageError` when not even that much space is free."""
        if not self.path.parent.is_dir():
            return  # opening the warehouse says what is wrong with its folder
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)
            try:
                if hasattr(os, "posix_fallocate"):
                    os.posix_fallocate(fd, 0, self.size)
                else:
                    os.write(fd, b"\0" * self.size)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as e:
            with contextlib.suppress(OSError):
                self.path.unlink()
            if not is_storage_error(e):
                raise
            raise storage_error(str(db_path_of(self.path)), e, "reserving room to record the run") from None
        self.held = True

    def release(self) -> bool:
        """Give the space back (the disk is full); True if there was any to give."""
        had = self.held
        self.held = False
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        return had

    def __enter__(self) -> "Reserve":
        self.take()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def db_path_of(reserve: Path) -> Path:
    return reserve.with_name(reserve.name.rsplit(".reserve-", 1)[0])


def _host_tag() -> str:
    return re.sub(r"[^A-Za-z0-9.]", "_", socket.gethostname())[:64] or "host"


def remove_stale_reserves(db_path: str | os.PathLike, alive) -> list[Path]:
    """Remove the reserve files this machine's gone processes left (``alive(pid) -> bool``):
    a run killed with ``kill -9`` cannot remove its own."""
    p = Path(db_path)
    gone = []
    for f in p.parent.glob(glob.escape(p.name) + f".reserve-{glob.escape(_host_tag())}-*"):
        pid = f.name.rsplit("-", 1)[1]
        if pid.isdigit() and not alive(int(pid)):
            with contextlib.suppress(FileNotFoundError):
                f.unlink()
                gone.append(f)
    return gone


def verify(con: duckdb.DuckDBPyConnection, path: str) -> None:
    """Read every block of every table once, so that a truncated file or a damaged block (DuckDB
    checks each block's checksum as it reads it) is found before a run starts, not minutes into
    it. Costs about a second per 150 MB."""
    try:
        for schema, table in con.execute(q("meta.sql", "all_tables")).fetchall():
            name = '"' + schema.replace('"', '""') + '"."' + table.replace('"', '""') + '"'
            con.execute(f"SELECT count(*), bit_xor(hash(COLUMNS(*))) FROM {name}").fetchall()
    except duckdb.Error as e:
        raise WarehouseError(
            f"{path} is damaged ({type(e).__name__}: {str(e).splitlines()[0]}). {_CORRUPT_HINT}") from None


@contextlib.contextmanager
def reader(path: str | os.PathLike, lock_timeout: float = 10.0, prefer_snapshot: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection: to the snapshot when there is one, so a load is never blocked."""
    path = str(path)
    snap = snapshot_path(path)
    target = str(snap) if prefer_snapshot and snap.exists() else path
    if not Path(target).exists():
        raise WarehouseError(f"no warehouse at {path}: run `newsmill ingest` first")
    con = connect_with_retry(target, lock_timeout, read_only=True)
    try:
        yield con
    finally:
        con.close()
