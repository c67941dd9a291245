"""What a database error means for the store: busy, a conflict, bad data, a lost session.

SQLite and psycopg raise different exceptions for the same situations; the store
(escalator/storage/sql.py) decides with these whether to answer 503 at once, keep
its connection, or drop it and reconnect.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def quietly(fn: Callable[[], Any]) -> None:
    try:
        fn()
    except Exception:  # noqa: BLE001 - the original error is what matters
        pass


def is_database_error(exc: BaseException) -> bool:
    return isinstance(exc, (sqlite3.Error, OSError)) or \
        type(exc).__module__.startswith("psycopg")


def is_unstorable(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.DataError | UnicodeError):
        return True
    return any(k.__name__ == "DataError" and k.__module__.startswith("psycopg")
               for k in type(exc).__mro__)


def is_busy(exc: BaseException) -> bool:
    """Someone else holds a lock: SQLITE_BUSY/LOCKED, PostgreSQL lock_timeout."""
    if isinstance(exc, sqlite3.Error):
        name = getattr(exc, "sqlite_errorname", "") or ""
        return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(exc)
    return getattr(exc, "sqlstate", None) in ("55P03",)  # lock_not_available


def is_conflict(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.IntegrityError):
        return "UNIQUE" in str(exc)
    return getattr(exc, "sqlstate", None) == "23505"  # unique_violation


def connection_lost(exc: BaseException, conn: Any) -> bool:
    """SQLite: anything but a lock or a constraint (a read-only file, disk full, I/O
    error) is worth a fresh connection; PostgreSQL: a closed or broken session."""
    if isinstance(exc, sqlite3.OperationalError | sqlite3.DatabaseError) and not isinstance(
            exc, sqlite3.IntegrityError | sqlite3.ProgrammingError | sqlite3.DataError):
        return not is_busy(exc)
    if type(exc).__module__.startswith("psycopg"):
        if conn is not None and (getattr(conn, "closed", False) or getattr(conn, "broken", False)):
            return True
        import psycopg

        return isinstance(exc, psycopg.InterfaceError | psycopg.OperationalError) \
            and not is_busy(exc) and getattr(exc, "sqlstate", None) != "57014"
    return isinstance(exc, OSError)

