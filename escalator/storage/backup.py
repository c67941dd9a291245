"""SQLite backup and restore that are safe while the service runs.

`backup` uses SQLite's online backup API in one step: it reads one consistent
snapshot (WAL readers never block the service's writer, nor it them) into a
new file beside OUT, checks the copy, and renames it into place, so OUT is
either a whole, checked database or absent. `restore` refuses while any
process has the database open (it probes the lock every WAL user holds on the
`-shm` file), checks the backup first, and moves the current database aside
instead of deleting it, so a mistaken restore loses nothing.

PostgreSQL is backed up with `pg_dump` (see README "Running it for real").
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from escalator.domain.errors import StorageError
from escalator.storage import audit
from escalator.storage.filemodes import create_private
from escalator.storage.sql import SQLITE, Tx

SHM_DMS_BYTE = 128  # SQLite's unix VFS: every connection read-locks this byte of -shm


@dataclass(frozen=True)
class Checked:
    incidents: int
    audit: audit.Verdict


def sqlite_path(url: str) -> str:
    if not url.startswith("sqlite:///") or url.endswith(":memory:"):
        raise StorageError("only a SQLite file database can be copied this way "
                           "(PostgreSQL: pg_dump / pg_restore)")
    return url[len("sqlite:///"):]


def check(path: str) -> Checked:
    """A database file is whole (integrity_check) and its audit chain holds."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok":
            raise StorageError(f"{path}: integrity check failed: {ok}")
        tx = Tx(conn, SQLITE)
        row = tx.one("SELECT COUNT(*) AS n FROM incidents")
        return Checked(int(row["n"]) if row else 0, audit.verify_tx(tx))
    except sqlite3.Error as exc:
        raise StorageError(f"{path}: {exc}") from exc
    finally:
        conn.close()


def backup(url: str, out: str) -> Checked:
    """Copy the live database to `out` (which must not exist yet); returns its check."""
    src_path = sqlite_path(url)
    if not Path(src_path).is_file():
        raise StorageError(f"{src_path}: no such database")
    if Path(out).exists():
        raise StorageError(f"{out} exists already; give a new file name")
    partial = f"{out}.partial"
    Path(partial).unlink(missing_ok=True)
    try:
        src = sqlite3.connect(f"file:{src_path}?mode=ro", uri=True)
        create_private(partial)  # a copy of everything: the owner's alone, whatever the umask
        dst = sqlite3.connect(partial)
        try:
            src.execute("PRAGMA busy_timeout=5000")
            src.backup(dst)  # pages=-1: one step, one consistent snapshot
            dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        finally:
            dst.close()
            src.close()
        checked = check(partial)
        os.replace(partial, out)
    except sqlite3.Error as exc:
        raise StorageError(f"backup of {src_path} failed: {exc}") from exc
    finally:
        Path(partial).unlink(missing_ok=True)
    return checked


def in_use(path: str) -> bool:
    """True while any process has the (WAL-mode) database open."""
    try:
        fd = os.open(f"{path}-shm", os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, SHM_DMS_BYTE)
    except OSError:
        return True
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, SHM_DMS_BYTE)
        return False
    finally:
        os.close(fd)


def restore(backup_file: str, url: str, now: datetime) -> tuple[Checked, str | None]:
    """Put a checked backup in place of the stopped service's database.

    Returns the check and where the previous database was moved (None if there
    was none)."""
    target = sqlite_path(url)
    if not Path(backup_file).is_file():
        raise StorageError(f"{backup_file}: no such file")
    if in_use(target):
        raise StorageError(f"{target} is in use; stop the service first")
    checked = check(backup_file)
    if not checked.audit.ok:
        raise StorageError(f"{backup_file}: audit chain broken at row {checked.audit.broken.id}"
                           if checked.audit.broken else f"{backup_file}: audit chain broken")
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    staged = f"{target}.restoring"
    data = Path(backup_file).read_bytes()
    create_private(staged)
    with open(staged, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    moved: str | None = None
    if Path(target).exists():
        moved = f"{target}.before-restore-{now.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}"
        os.replace(target, moved)
        for suffix in ("-wal", "-shm"):  # the old database's journal must not meet the new one
            if Path(target + suffix).exists():
                os.replace(target + suffix, moved + suffix)
    os.replace(staged, target)
    return checked, moved
