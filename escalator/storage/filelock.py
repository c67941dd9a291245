"""One escalator per SQLite file: an exclusive `flock` on `<database>.lock`.

SQLite is the one-machine default. Two services on one file would both
escalate and both send (every alarm's FIRST twice), so the second refuses to
start and says why. The kernel drops the lock when the holder exits, even on
SIGKILL, so a crashed service never blocks its own restart.

A lock file that cannot be made (a directory or file system still read-only at
boot) is not a second instance: `acquire` raises `StorageError` with the real
reason, the service serves 503s, and the store takes the lock when it next
tries to connect (escalator/storage/sql.py), as it heals from any other fault.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from escalator.domain.errors import StorageError, StoreLocked


class FileLock:
    def __init__(self, database: str) -> None:
        self.path = Path(f"{database}.lock")
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock (once; again after `release`). `StoreLocked`: another instance
        has it; `StorageError`: the lock file cannot be made now (the reason is the
        creation's, e.g. a read-only file system, not the fallback's "no such file")."""
        if self._fd is not None:
            return
        writable = True
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as create:  # a read-only directory: a read-only descriptor can
            writable = False  # still flock an existing lock file
            try:
                fd = os.open(self.path, os.O_RDONLY)
            except OSError:
                raise StorageError(f"cannot create the lock file {self.path}:"
                                   f" {create.strerror or create}; escalator needs a writable"
                                   " directory for its database") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
            os.close(fd)
            who = f" (process {holder})" if holder else ""
            raise StoreLocked(
                f"another escalator is already running on {self.path.with_suffix('')}{who};"
                f" SQLite allows one instance per database file (lock: {self.path})."
                " Stop the other one, or use PostgreSQL to run several instances."
            ) from None
        if writable:
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None
