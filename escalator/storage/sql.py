"""The durable store: one implementation over SQLite or PostgreSQL.

All database work runs on one dedicated thread (SQLite connections are
thread-bound, and one writer keeps ordering simple). The service groups its
writes into one `transaction(fn)` call so that an incident, its timeline and
its outbox rows are committed together or not at all: a 202 is only sent
after that commit returns.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from escalator.domain.model import (
    AlarmEvent,
    Entry,
    Incident,
    Notice,
    SafetyRecord,
    State,
)
from escalator.errors import StorageError, UnstorableError
from escalator.storage import audit
from escalator.storage.rows import (
    ADDED_INCIDENT_COLUMNS,
    INCIDENT_COLUMNS,
    DeliveryRow,
    dt,
    incident_from_row,
    incident_values,
    ts,
)

T = TypeVar("T")
SCHEMA_VERSION = "1"


@dataclass(frozen=True)
class Dialect:
    name: str
    pk: str
    param: str  # placeholder style the driver wants instead of "?"


SQLITE = Dialect("sqlite", "INTEGER PRIMARY KEY AUTOINCREMENT", "?")
POSTGRES = Dialect("postgresql", "BIGSERIAL PRIMARY KEY", "%s")


class Tx:
    """Synchronous repository operations inside one open transaction."""

    def __init__(self, conn: Any, dialect: Dialect) -> None:
        self._conn = conn
        self._d = dialect

    @property
    def dialect(self) -> Dialect:
        return self._d

    def _sql(self, sql: str) -> str:
        return sql if self._d.param == "?" else sql.replace("?", self._d.param)

    def execute(self, sql: str, params: Iterable[Any] = ()) -> Any:
        cur = self._conn.cursor()
        cur.execute(self._sql(sql), tuple(params))
        return cur

    def rows(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        cur = self.execute(sql, params)
        names = [c[0] for c in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def one(self, sql: str, params: Iterable[Any] = ()) -> dict[str, Any] | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def insert(self, sql: str, params: Iterable[Any]) -> int:
        cur = self.execute(sql + " RETURNING id", params)
        return int(cur.fetchall()[0][0])  # fetch all: SQLite finalises the statement

    # -- events ---------------------------------------------------------------
    def find_event(self, source: str, event_id: str) -> dict[str, Any] | None:
        return self.one("SELECT * FROM events WHERE source = ? AND event_id = ?",
                        (source, event_id))

    def add_event(self, e: AlarmEvent, incident_id: int | None) -> int:
        return self.insert(
            "INSERT INTO events (source, event_id, code, state, point, text, severity,"
            " occurred_at, received_at, incident_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (e.source, e.event_id, e.code, e.state, e.point, e.text, e.severity,
             ts(e.occurred_at), ts(e.received_at), incident_id),
        )

    def events_for(self, incident_id: int) -> list[dict[str, Any]]:
        return self.rows("SELECT * FROM events WHERE incident_id = ? ORDER BY id", (incident_id,))

    # -- incidents ------------------------------------------------------------
    def add_incident(self, inc: Incident, next_due: datetime | None) -> int:
        cols = ", ".join(INCIDENT_COLUMNS)
        marks = ",".join("?" * len(INCIDENT_COLUMNS))
        return self.insert(f"INSERT INTO incidents ({cols}) VALUES ({marks})",
                           incident_values(inc, next_due))

    def save_incident(self, inc: Incident, next_due: datetime | None) -> None:
        sets = ", ".join(f"{c} = ?" for c in INCIDENT_COLUMNS)
        self.execute(f"UPDATE incidents SET {sets} WHERE id = ?",
                     (*incident_values(inc, next_due), inc.id))

    def incident(self, incident_id: int) -> Incident | None:
        row = self.one("SELECT * FROM incidents WHERE id = ?", (incident_id,))
        return incident_from_row(row) if row else None

    def resolved_since(self, dedup_key: str, since: datetime) -> Incident | None:
        """The latest incident of this alarm resolved at or after `since` (to reopen it)."""
        row = self.one("SELECT * FROM incidents WHERE dedup_key = ? AND state = 'resolved'"
                       " AND resolved_at >= ? ORDER BY resolved_at DESC LIMIT 1",
                       (dedup_key, ts(since)))
        return incident_from_row(row) if row else None

    def open_incident(self, dedup_key: str) -> Incident | None:
        row = self.one("SELECT * FROM incidents WHERE dedup_key = ? AND state <> 'resolved'",
                       (dedup_key,))
        return incident_from_row(row) if row else None

    def incidents(self, state: str | None = None, limit: int = 500) -> list[Incident]:
        if state == "open":  # "open" in a query means "not resolved yet"
            found = self.rows("SELECT * FROM incidents WHERE state <> 'resolved'"
                              " ORDER BY id DESC LIMIT ?", (limit,))
        elif state:
            found = self.rows("SELECT * FROM incidents WHERE state = ? ORDER BY id DESC LIMIT ?",
                              (state, limit))
        else:
            found = self.rows("SELECT * FROM incidents ORDER BY id DESC LIMIT ?", (limit,))
        return [incident_from_row(r) for r in found]

    def due_incidents(self, now: datetime) -> list[Incident]:
        found = self.rows("SELECT * FROM incidents WHERE next_due IS NOT NULL AND next_due <= ?"
                          " AND state <> 'resolved' ORDER BY next_due", (ts(now),))
        return [incident_from_row(r) for r in found]

    def earliest_due(self) -> datetime | None:
        row = self.one("SELECT MIN(next_due) AS due FROM incidents"
                       " WHERE next_due IS NOT NULL AND state <> 'resolved'")
        return dt(row["due"]) if row else None

    def count_by_state(self) -> dict[str, int]:
        return {r["state"]: int(r["n"]) for r in
                self.rows("SELECT state, COUNT(*) AS n FROM incidents GROUP BY state")}

    # -- timeline, safety -----------------------------------------------------
    def add_entries(self, incident_id: int, entries: Iterable[Entry]) -> None:
        for e in entries:
            self.execute("INSERT INTO timeline (incident_id, at, reason, party, detail, step)"
                         " VALUES (?,?,?,?,?,?)",
                         (incident_id, ts(e.at), e.reason.value, e.party, e.detail, e.step))
            audit.record_entries(self, incident_id, (e,))  # same transaction: tamper-evident

    def timeline(self, incident_id: int) -> list[dict[str, Any]]:
        return self.rows("SELECT at, reason, party, detail, step FROM timeline"
                         " WHERE incident_id = ? ORDER BY id", (incident_id,))

    def add_safety(self, incident_id: int, records: Iterable[SafetyRecord]) -> None:
        for r in records:
            self.execute("INSERT INTO safety_incidents (incident_id, cause, at, detail)"
                         " VALUES (?,?,?,?)", (incident_id, r.cause.value, ts(r.at), r.detail))

    def safety_incidents(self, limit: int = 500) -> list[dict[str, Any]]:
        return self.rows(
            "SELECT s.id, s.incident_id, s.cause, s.at, s.detail, i.code, i.point, i.source,"
            " i.state FROM safety_incidents s JOIN incidents i ON i.id = s.incident_id"
            " ORDER BY s.id DESC LIMIT ?", (limit,))

    # -- deliveries (outbox) --------------------------------------------------
    def add_deliveries(self, incident_id: int, notices: Iterable[Notice], now: datetime) -> None:
        for n in notices:
            self.execute(
                "INSERT INTO deliveries (incident_id, party, reason, step, loop, detail,"
                " is_update, status, contact_index, attempts, next_attempt_at, created_at)"
                " VALUES (?,?,?,?,?,?,?,'pending',0,0,?,?)",
                (incident_id, n.party, n.reason.value, n.step, n.loop, n.detail,
                 int(n.update), ts(now), ts(now)))
            audit.record_notices(self, incident_id, (n,), now)

    def due_deliveries(self, now: datetime, limit: int = 100) -> list[DeliveryRow]:
        found = self.rows("SELECT * FROM deliveries WHERE status = 'pending' AND"
                          " next_attempt_at <= ? ORDER BY id LIMIT ?", (ts(now), limit))
        return [DeliveryRow.from_row(r) for r in found]

    def earliest_delivery(self) -> datetime | None:
        row = self.one("SELECT MIN(next_attempt_at) AS due FROM deliveries"
                       " WHERE status = 'pending'")
        return dt(row["due"]) if row else None

    def update_delivery(self, delivery_id: int, **fields: Any) -> None:
        values = [ts(v) if isinstance(v, datetime) else v for v in fields.values()]
        sets = ", ".join(f"{k} = ?" for k in fields)
        self.execute(f"UPDATE deliveries SET {sets} WHERE id = ?", (*values, delivery_id))

    def deliveries(self, incident_id: int) -> list[DeliveryRow]:
        found = self.rows("SELECT * FROM deliveries WHERE incident_id = ? ORDER BY id",
                          (incident_id,))
        return [DeliveryRow.from_row(r) for r in found]

    def delivery_counts(self) -> dict[tuple[str, str], int]:
        found = self.rows("SELECT COALESCE(channel, '') AS channel, status, COUNT(*) AS n"
                          " FROM deliveries GROUP BY channel, status")
        return {(r["channel"], r["status"]): int(r["n"]) for r in found}

    # -- sources --------------------------------------------------------------
    def source(self, source_id: str) -> dict[str, Any] | None:
        return self.one("SELECT * FROM sources WHERE id = ?", (source_id,))

    def touch_source(self, source_id: str, at: datetime) -> None:
        if self.source(source_id) is None:
            self.execute("INSERT INTO sources (id, last_seen_at) VALUES (?, ?)",
                         (source_id, ts(at)))
        else:
            self.execute("UPDATE sources SET last_seen_at = ? WHERE id = ?",
                         (ts(at), source_id))

    def set_source_silent(self, source_id: str, incident_id: int | None) -> None:
        self.execute("UPDATE sources SET silent_incident_id = ? WHERE id = ?",
                     (incident_id, source_id))


class SqlStore:
    """Async facade: every call runs on the store's own thread."""

    def __init__(self, connect: Callable[[], Any], dialect: Dialect, label: str) -> None:
        self._connect = connect
        self.dialect = dialect
        self.label = label
        self._conn: Any = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")
        self.healthy = False

    async def open(self) -> None:
        await self._run(self._open_sync)

    def _open_sync(self) -> None:
        self._conn = self._connect()
        schema = resources.files("escalator.storage").joinpath("schema.sql").read_text()
        statements = [s for s in schema.replace("{pk}", self.dialect.pk).split(";") if s.strip()]
        tx = Tx(self._conn, self.dialect)
        for stmt in statements:
            tx.execute(stmt)
        _add_missing_columns(tx)
        if tx.one("SELECT value FROM meta WHERE key = 'schema_version'") is None:
            tx.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)",
                       (SCHEMA_VERSION,))
        self._conn.commit()
        self.healthy = True

    async def close(self) -> None:
        if self._conn is not None:
            await self._run(self._conn.close)
            self._conn = None
        self._executor.shutdown(wait=True)

    async def transaction(self, fn: Callable[[Tx], T]) -> T:
        """Run `fn` in one transaction; commit on return, roll back on any error."""
        return await self._run(self._transaction_sync, fn)

    def _transaction_sync(self, fn: Callable[[Tx], T]) -> T:
        if self._conn is None:
            raise StorageError("store is not open")
        try:
            result = fn(Tx(self._conn, self.dialect))
            self._conn.commit()
        except BaseException:
            try:
                self._conn.rollback()
            except Exception:  # noqa: BLE001 - the original error is what matters
                pass
            raise
        return result

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(self._executor, fn, *args)
        except (sqlite3.DataError, UnicodeError) as exc:
            raise UnstorableError(f"{self.label}: {exc}") from exc
        except (sqlite3.Error, OSError) as exc:
            self.healthy = False
            raise StorageError(f"{self.label}: {exc}") from exc
        except Exception as exc:
            if any(k.__name__ == "DataError" and k.__module__.startswith("psycopg")
                   for k in type(exc).__mro__):
                raise UnstorableError(f"{self.label}: {exc}") from exc  # the data, not the store
            if type(exc).__module__.startswith("psycopg"):
                self.healthy = False
                raise StorageError(f"{self.label}: {exc}") from exc
            raise
        self.healthy = True
        return result


def _add_missing_columns(tx: Tx) -> None:
    """Bring the incidents table of a database made by an earlier version up to date."""
    cur = tx.execute("SELECT * FROM incidents WHERE 1 = 0")
    have = {c[0] for c in cur.description}
    cur.fetchall()
    for name, sql_type in ADDED_INCIDENT_COLUMNS:
        if name not in have:
            tx.execute(f"ALTER TABLE incidents ADD COLUMN {name} {sql_type}")


def _sqlite_connect(path: str) -> Callable[[], Any]:
    def connect() -> sqlite3.Connection:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level="DEFERRED", check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")  # durable before we answer 202
        conn.execute("PRAGMA busy_timeout=5000")
        return conn
    return connect


def _postgres_connect(url: str) -> Callable[[], Any]:
    def connect() -> Any:
        import psycopg  # optional dependency, only needed for postgresql:// URLs

        return psycopg.connect(url, autocommit=False)
    return connect


def open_store(url: str) -> SqlStore:
    """`sqlite:///rel.db`, `sqlite:////abs.db`, `sqlite:///:memory:`, `postgresql://...`."""
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        return SqlStore(_sqlite_connect(path), SQLITE, f"sqlite {path}")
    if url.startswith(("postgresql://", "postgres://")):
        return SqlStore(_postgres_connect(url), POSTGRES, "postgresql")
    raise StorageError(f"unsupported storage URL {url!r}")


__all__ = ["DeliveryRow", "SqlStore", "Tx", "open_store", "State"]
