"""Database files are the owner's alone (0600), whatever the umask.

The database holds who was called about which resident's alarm, people's phone
numbers and the config history; a backup holds the same. Under Docker the
umask is often 022, which would leave them readable by every local user. So
the SQLite file is created 0600 before SQLite opens it (SQLite gives its
`-wal` and `-shm` files the database file's mode), files made earlier are
narrowed to 0600 when opened, and a backup or a restore's staged copy is
created 0600 before a byte is written.
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE = 0o600
JOURNALS = ("", "-wal", "-shm", "-journal")


def create_private(path: str) -> None:
    """Make `path` (if missing) as an empty 0600 file; narrow it to 0600 if it exists."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE)
    try:
        os.fchmod(fd, PRIVATE)
    finally:
        os.close(fd)


def narrow(path: str) -> None:
    """The database and its journals, as they are now, to 0600 (those that exist)."""
    for suffix in JOURNALS:
        found = Path(path + suffix)
        if found.exists() and found.stat().st_mode & 0o777 != PRIVATE:
            os.chmod(found, PRIVATE)
