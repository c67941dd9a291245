"""Opening a connection: SQLite's pragmas and PostgreSQL's session options.

The timeouts here are what lets a locked database answer 503 within a second
(`StorageBusy`) instead of holding a sender for the length of someone else's lock.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from escalator.storage.filemodes import create_private, narrow

SQLITE_BUSY_TIMEOUT_MS = 400  # with sql.BUSY_HOLD_S: a locked database answers 503 within 1 s
PG_LOCK_TIMEOUT_MS = 500
PG_CONNECT_OPTIONS: dict[str, Any] = {
    "connect_timeout": 3, "keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2,
    "keepalives_count": 2, "tcp_user_timeout": 8000,  # a cut-off peer noticed within ~10 s
    "options": f"-c lock_timeout={PG_LOCK_TIMEOUT_MS}"}


def sqlite_connect(path: str) -> Callable[[], Any]:
    def connect() -> sqlite3.Connection:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            create_private(path)  # before SQLite: its -wal and -shm take the file's mode
        conn = sqlite3.connect(path, isolation_level="DEFERRED", check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        if path != ":memory:":
            narrow(path)  # journals left by an older version, made under another umask
        conn.execute("PRAGMA synchronous=FULL")  # durable before we answer 202
        conn.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")  # see StorageBusy
        return conn
    return connect


def postgres_connect(url: str) -> Callable[[], Any]:
    def connect() -> Any:
        import psycopg  # optional dependency, only needed for postgresql:// URLs

        return psycopg.connect(url, autocommit=False, **PG_CONNECT_OPTIONS)
    return connect

