"""The durable store: one implementation over SQLite or PostgreSQL.

All database work runs on one dedicated thread (SQLite connections are
thread-bound, and one writer keeps ordering simple). The service groups its
writes into one `transaction(fn)` call so that an incident, its timeline and
its outbox rows are committed together or not at all: a 202 is only sent
after that commit returns.

The transaction (`Tx`) is reached per aggregate, each in a module of its own:
`tx.incidents`, `tx.events`, `tx.timeline`, `tx.safety`, `tx.deliveries` (the
outbox), `tx.sources`, `tx.nonces` (ack-link nonces), `tx.meta` (the write probes),
`tx.maintenance` (windows set through the API, held incidents), `tx.register` (the
safety register's pages and reviews, the weekly summary's figures and runs) and
`tx.decisions` (a batch of decisions across them), so a caller's code says which
aggregate it touches.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from importlib import resources
from typing import Any, TypeVar

from escalator.domain.errors import StorageBusy, StorageConflict, StorageError, UnstorableError
from escalator.domain.model import State
from escalator.storage import faults
from escalator.storage.connect import postgres_connect, sqlite_connect
from escalator.storage.filelock import FileLock
from escalator.storage.rows import (
    ADDED_DELIVERY_COLUMNS,
    ADDED_INCIDENT_COLUMNS,
    DeliveryRow,
)
from escalator.storage.tx import Tx
from escalator.storage.txbase import POSTGRES, SQLITE, Dialect

T = TypeVar("T")
# (new outbox rows, their incidents' link nonces, whether their transaction committed)
FreshSink = Callable[[list[Any], dict[int, bytes], "Future[bool]"], None]
SCHEMA_VERSION = "1"
BUSY_HOLD_S = 0.5  # after a lock timeout, intake does not queue for the same lock
RECONNECT_FIRST_S = 0.1  # then 0.2, 0.4 ... at most RECONNECT_MAX_S between tries
RECONNECT_MAX_S = 2.0
PROBE_INTERVAL_S = 1.0
LEADER_LOCK_KEY = 0x45534341  # "ESCA": one leader per PostgreSQL database
DUE_CHANNEL = "escalator_due"  # NOTIFY: a follower stored work the leader must do


class SqlStore:
    """Async facade: every call runs on the store's own thread.

    The store heals itself: a connection-level error (PostgreSQL restarted, a
    SQLite file read-only, disk full) drops the connection, and the next call
    opens a new one, no sooner than a short backoff after the last failed try.
    A locked database answers at once (`StorageBusy`) instead of holding the
    caller for the length of someone else's lock. On PostgreSQL the store's own
    session also holds the leader lock (see `hold_leadership`), so a leader
    whose session died cannot commit another leader's work.
    """

    def __init__(self, connect: Callable[[], Any], dialect: Dialect, label: str,
                 lock: FileLock | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._connect = connect
        self.dialect = dialect
        self.label = label
        self._conn: Any = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")
        self._file_lock = lock
        # the rate limits and backoffs (write probe, reconnect, busy hold) read the
        # injected clock, so a test moves them with its fake clock instead of sleeping;
        # a transaction's `wait` deadline is real time spent queued on the store thread
        self._monotonic = monotonic
        self._schema_ready = False
        self._failures = 0
        self._retry_at = float("-inf")
        self._last_probe = float("-inf")
        self._leader = False
        self._busy_until = float("-inf")
        self.write_blocked: str | None = None  # the last write probe met another's lock
        self.healthy = False
        # the live dispatcher's intake of new outbox rows (already `sending`), called on
        # the event loop while the commit that made them runs, with a future that says
        # whether it committed (True) or not (False); None: the waker claims them
        self.fresh_sink: FreshSink | None = None
        # who hears which incidents a commit changed (the board's live lists), on the loop
        self.changed_sink: Callable[[frozenset[int]], None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.last_error: str | None = None

    # -- lifecycle ------------------------------------------------------------
    async def open(self) -> None:
        """Take the file lock (SQLite), connect and create the schema.

        Raises `StoreLocked` when another instance owns the SQLite file, and
        `StorageError` when the database cannot be reached now; the store then
        keeps trying on later calls (see `keep`)."""
        self._loop = asyncio.get_running_loop()
        await self._run(self._ensure_sync)
        self.healthy, self.last_error = True, None  # it has just written the schema

    async def close(self) -> None:
        if self._conn is not None:
            await self._run(self._drop_sync)
        self._executor.shutdown(wait=True)
        if self._file_lock is not None:
            self._file_lock.release()

    @property
    def busy(self) -> bool:
        """Another writer held a lock a moment ago: intake answers 503 at once rather
        than wait its turn to find the same lock (`transaction(..., wait=...)`)."""
        return _within(self._monotonic(), self._busy_until - BUSY_HOLD_S, self._busy_until)

    @property
    def is_leader(self) -> bool:
        """Whether this instance runs the timers, the dispatcher and the listeners.

        SQLite: always (the file lock already made it the only one)."""
        return self._leader

    async def keep(self) -> bool:
        """Called every second or so: reconnect if needed and keep or take the leader
        lock; True while this instance is the leader."""
        try:
            return await self._run(self._keep_sync)
        except StorageError:
            return False

    async def probe(self, min_interval: float = PROBE_INTERVAL_S) -> bool:
        """A real write (a heartbeat row in `meta`), at most once per `min_interval`:
        /healthz must say "failing" when the store can read but not write."""
        if _within(self._monotonic(), self._last_probe, self._last_probe + min_interval):
            return self.healthy
        self._last_probe = self._monotonic()
        try:
            await self._run(self._transaction_sync, self._heartbeat, None)
        except StorageBusy as exc:  # another writer holds the lock intake would need
            self.write_blocked = faults.first_line(exc)
            return False
        except StorageError:
            return False
        self.healthy, self.last_error, self.write_blocked = True, None, None
        return True

    @property
    def busy_reason(self) -> str | None:
        """Why writes wait on another writer right now, as intake would find it (None:
        they do not): a lock met by intake a moment ago, or by the last write probe
        (until a probe gets through). /healthz is 503 while this is set."""
        if self.busy:
            return f"{self.label}: busy, another writer holds the database"
        return self.write_blocked

    def _heartbeat(self, tx: Tx) -> None:
        tx.meta.heartbeat(socket.gethostname(), datetime.now(UTC))

    async def transaction(self, fn: Callable[[Tx], T], *, wait: float | None = None) -> T:
        """Run `fn` in one transaction; commit on return, roll back on any error.

        `wait` (intake): give up with `StorageBusy` if the store thread could not
        start this within that many seconds, or at once while another writer's
        lock was just met (`busy`): the sender gets 503 instead of a long wait."""
        deadline = time.monotonic() + wait if wait is not None else None
        return await self._run(self._transaction_sync, fn, deadline)

    # -- on the store thread --------------------------------------------------
    def _ensure_sync(self) -> Any:
        if self._conn is not None:
            return self._conn
        if _within(self._monotonic(), self._retry_at - RECONNECT_MAX_S, self._retry_at):
            raise StorageError(f"{self.label}: unavailable ({self.last_error}); reconnecting")
        try:
            if self._file_lock is not None:  # SQLite: first the lock (StoreLocked: not ours)
                self._lock_file()
            conn = self._connect()
            if not self._schema_ready:
                self._apply_schema(conn)
                self._schema_ready = True
        except BaseException:
            self._failures += 1
            self._retry_at = self._monotonic() + min(
                RECONNECT_MAX_S, RECONNECT_FIRST_S * 2 ** (self._failures - 1))
            raise
        self._conn, self._failures, self._retry_at = conn, 0, float("-inf")
        if self.dialect is SQLITE:
            self._leader = True
        else:
            try:
                self._try_leader_lock(conn)
            except BaseException as exc:
                self._after_error(exc)
                raise
        return conn

    def _lock_file(self) -> None:
        assert self._file_lock is not None
        try:
            self._file_lock.acquire()
        except StorageError as exc:  # StoreLocked too: while another has it, not ours
            self.healthy, self.last_error = False, str(exc)
            raise

    def _apply_schema(self, conn: Any) -> None:
        schema = resources.files("escalator.storage").joinpath("schema.sql").read_text()
        statements = [s for s in schema.replace("{pk}", self.dialect.pk).split(";") if s.strip()]
        tx = Tx(conn, self.dialect)
        try:
            for stmt in statements:
                tx.execute(stmt)
            _add_missing_columns(tx)
            if tx.one("SELECT value FROM meta WHERE key = 'schema_version'") is None:
                tx.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)",
                           (SCHEMA_VERSION,))
            conn.commit()
        except BaseException:
            faults.quietly(conn.close)
            raise

    def _try_leader_lock(self, conn: Any) -> None:
        cur = conn.cursor()
        cur.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_LOCK_KEY,))
        self._leader = bool(cur.fetchone()[0])
        conn.commit()

    def _keep_sync(self) -> bool:
        conn = self._ensure_sync()
        if self.dialect is not SQLITE:
            try:
                if self._leader:  # is the session (and with it the lock) still alive?
                    conn.execute("SELECT 1")
                    conn.commit()
                else:
                    self._try_leader_lock(conn)
            except BaseException as exc:
                self._after_error(exc)
                raise
        return self._leader

    def _drop_sync(self) -> None:
        conn, self._conn = self._conn, None
        self._leader = self._leader and self.dialect is SQLITE
        if conn is not None:
            faults.quietly(conn.close)

    def _transaction_sync(self, fn: Callable[[Tx], T], deadline: float | None) -> T:
        if deadline is not None:
            if self.busy:
                raise StorageBusy(f"{self.label}: busy, another writer holds the database")
            if time.monotonic() > deadline:
                raise StorageBusy(f"{self.label}: busy, the store is backed up; retry shortly")
        conn = self._ensure_sync()
        sink = self.fresh_sink
        committed: Future[bool] | None = None
        try:
            tx = Tx(conn, self.dialect, claim_fresh=sink is not None)
            result = fn(tx)
            tx.finish()
            if self.dialect is POSTGRES and not self._leader and tx.wakes_leader:
                tx.execute(f"NOTIFY {DUE_CHANNEL}")  # sent at the commit, only if it commits
            if tx.fresh and sink is not None and self._loop is not None:
                # handed over before the commit: the loop composes the notices while this
                # thread waits for the disk, and sends them only once `committed` says so
                committed = Future()
                self._loop.call_soon_threadsafe(sink, list(tx.fresh), dict(tx.fresh_nonces),
                                                committed)
            conn.commit()
            if committed is not None:
                committed.set_result(True)
            changed = self.changed_sink
            if changed is not None and tx.changed_incidents and self._loop is not None:
                self._loop.call_soon_threadsafe(changed, tx.changed_incidents)
        except BaseException as exc:
            if committed is not None and not committed.done():
                committed.set_result(False)  # nothing handed over is ever sent
            faults.quietly(conn.rollback)
            self._after_error(exc)
            raise
        return result

    def _after_error(self, exc: BaseException) -> None:
        """Drop the connection when the error says it is no longer any good
        (never an in-memory database: dropping it would drop the data)."""
        if self.label != "sqlite :memory:" and faults.connection_lost(exc, self._conn):
            self._drop_sync()

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, fn, *args)
        except StorageError:
            raise
        except Exception as exc:
            if faults.is_unstorable(exc):  # the data, not the store: retrying cannot help
                raise UnstorableError(f"{self.label}: {exc}") from exc
            if not faults.is_database_error(exc):
                raise
            if faults.is_busy(exc):
                self._busy_until = self._monotonic() + BUSY_HOLD_S
                raise StorageBusy(f"{self.label}: busy ({exc}); retry shortly") from exc
            if faults.is_conflict(exc):
                raise StorageConflict(f"{self.label}: {exc}") from exc
            self.healthy, self.last_error = False, faults.first_line(exc)
            raise StorageError(f"{self.label}: {exc}") from exc


def _within(now: float, start: float, end: float) -> bool:
    """A wait (the probe's interval, the busy hold, the reconnect backoff) is on. A
    reading before the wait began ends it too: only a test's clock goes back."""
    return start <= now < end


def _add_missing_columns(tx: Tx) -> None:
    """Bring the tables of a database made by an earlier version up to date."""
    for table, added in (("incidents", ADDED_INCIDENT_COLUMNS),
                         ("deliveries", ADDED_DELIVERY_COLUMNS)):
        cur = tx.execute(f"SELECT * FROM {table} WHERE 1 = 0")
        have = {c[0] for c in cur.description}
        cur.fetchall()
        for name, sql_type in added:
            if name not in have:
                tx.execute(f"ALTER TABLE {table} ADD COLUMN {name} {sql_type}")


def open_store(url: str, *, exclusive: bool = False,
               monotonic: Callable[[], float] = time.monotonic) -> SqlStore:
    """`sqlite:///rel.db`, `sqlite:////abs.db`, `sqlite:///:memory:`, `postgresql://...`.

    `exclusive`: the running service's store; on SQLite it refuses to open a file
    another service already has (a reader such as a backup script needs no lock).
    `monotonic`: the clock of its rate limits (the service's `Clock.monotonic`)."""
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        lock = FileLock(path) if exclusive and path != ":memory:" else None
        return SqlStore(sqlite_connect(path), SQLITE, f"sqlite {path}", lock, monotonic)
    if url.startswith(("postgresql://", "postgres://")):
        return SqlStore(postgres_connect(url), POSTGRES, "postgresql", monotonic=monotonic)
    raise StorageError(f"unsupported storage URL {url!r}")


__all__ = ["POSTGRES", "SQLITE", "DeliveryRow", "Dialect", "SqlStore", "State", "Tx", "open_store"]
