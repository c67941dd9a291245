"""The durable store: one implementation over SQLite or PostgreSQL.

All database work runs on one dedicated thread (SQLite connections are
thread-bound, and one writer keeps ordering simple). The service groups its
writes into one `transaction(fn)` call so that an incident, its timeline and
its outbox rows are committed together or not at all: a 202 is only sent
after that commit returns.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sqlite3
import time
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from escalator.domain.delivery import RULES, Move, Refused, Status, check_fields, target
from escalator.domain.errors import StorageBusy, StorageConflict, StorageError, UnstorableError
from escalator.domain.model import (
    AlarmEvent,
    Decision,
    Entry,
    Incident,
    Notice,
    SafetyRecord,
    State,
)
from escalator.storage import audit
from escalator.storage.filelock import FileLock
from escalator.storage.filemodes import create_private, narrow
from escalator.storage.rows import (
    ADDED_DELIVERY_COLUMNS,
    ADDED_INCIDENT_COLUMNS,
    INCIDENT_COLUMNS,
    DeliveryRow,
    dt,
    incident_from_row,
    incident_values,
    ts,
)

log = logging.getLogger(__name__)
T = TypeVar("T")
# outcomes of a failed attempt: the notice is in no channel's queue afterwards
LEAVE_QUEUES = frozenset({Move.RETRY, Move.FALL_BACK, Move.GIVE_UP})
SCHEMA_VERSION = "1"
SQLITE_BUSY_TIMEOUT_MS = 400  # with BUSY_HOLD_S: a locked database answers 503 within 1 s
PG_LOCK_TIMEOUT_MS = 500
BUSY_HOLD_S = 0.5  # after a lock timeout, intake does not queue for the same lock
RECONNECT_FIRST_S = 0.1  # then 0.2, 0.4 ... at most RECONNECT_MAX_S between tries
RECONNECT_MAX_S = 2.0
PROBE_INTERVAL_S = 1.0
LEADER_LOCK_KEY = 0x45534341  # "ESCA": one leader per PostgreSQL database
DUE_CHANNEL = "escalator_due"  # NOTIFY: a follower stored work the leader must do
PG_CONNECT_OPTIONS: dict[str, Any] = {
    "connect_timeout": 3, "keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2,
    "keepalives_count": 2, "tcp_user_timeout": 8000,  # a cut-off peer noticed within ~10 s
    "options": f"-c lock_timeout={PG_LOCK_TIMEOUT_MS}"}


@dataclass(frozen=True)
class Dialect:
    name: str
    pk: str
    param: str  # placeholder style the driver wants instead of "?"


SQLITE = Dialect("sqlite", "INTEGER PRIMARY KEY AUTOINCREMENT", "?")
POSTGRES = Dialect("postgresql", "BIGSERIAL PRIMARY KEY", "%s")


class Tx:
    """Synchronous repository operations inside one open transaction."""

    def __init__(self, conn: Any, dialect: Dialect, claim_fresh: bool = False) -> None:
        self._conn = conn
        self._d = dialect
        # claim_fresh: new outbox rows are written in flight (`sending`) and their ids kept
        # in `fresh`, handed to the dispatcher after the commit (no second transaction)
        self.claim_fresh = claim_fresh
        self.fresh: list[tuple[DeliveryRow, Incident, None]] = []
        self.fresh_nonces: dict[int, bytes] = {}  # their incidents' ack-link nonces
        # for the waker: each incident's timer as this transaction leaves it (a later save
        # of the same incident replaces an earlier one), and whether it left outbox rows
        # only a claim (a tick) will send
        self._timers: dict[int, datetime | None] = {}
        # each incident's column values as this transaction leaves it: one digest of each
        # joins the audit chain at finish() (escalator/storage/audit_records.py)
        self._incident_rows: dict[int, tuple[Any, ...]] = {}
        self.needs_claim = False
        self.audit_head: tuple[int, str] | None = None  # escalator.storage.audit keeps it
        self.audit_moved = False  # rows appended since audit_head was last written
        self._nonces_wanted: list[int] = []  # fresh rows' incidents: nonces read in finish()

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
    @property
    def wake_at(self) -> datetime | None:
        """The earliest incident timer this transaction left set. Only the last save of
        each incident counts: a new incident is inserted due at once and saved with its
        real timer a moment later, and that placeholder must not wake the waker."""
        timers = [at for at in self._timers.values() if at is not None]
        return min(timers) if timers else None

    @property
    def wakes_leader(self) -> bool:
        """This transaction left work for the leader's waker (outbox rows to claim, a
        timer set): a follower tells the leader at its commit (`DUE_CHANNEL`)."""
        return self.needs_claim or bool(self._timers)

    @property
    def changed_incidents(self) -> frozenset[int]:
        """The incidents this transaction added or saved (the board shows only these anew)."""
        return frozenset(self._timers)

    def add_incident(self, inc: Incident, next_due: datetime | None) -> int:
        cols = ", ".join(INCIDENT_COLUMNS)
        marks = ",".join("?" * len(INCIDENT_COLUMNS))
        values = incident_values(inc, next_due)
        incident_id = self.insert(f"INSERT INTO incidents ({cols}) VALUES ({marks})", values)
        self._timers[incident_id] = next_due
        self._incident_rows[incident_id] = values
        return incident_id

    def save_incident(self, inc: Incident, next_due: datetime | None) -> None:
        self._timers[inc.id] = next_due
        sets = ", ".join(f"{c} = ?" for c in INCIDENT_COLUMNS)
        values = incident_values(inc, next_due)
        self._incident_rows[inc.id] = values
        self.execute(f"UPDATE incidents SET {sets} WHERE id = ?", (*values, inc.id))

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

    def incidents_page(self, state: str | None, limit: int, before: int | None
                       ) -> list[Incident]:
        """Newest first, ids below `before` (the API's cursor); "open": not resolved yet."""
        where: list[str] = ["id < ?"]
        params: list[Any] = [before if before is not None else 2**62]
        if state == "open":
            where.append("state <> 'resolved'")
        elif state:
            where.append("state = ?")
            params.append(state)
        found = self.rows(f"SELECT * FROM incidents WHERE {' AND '.join(where)}"
                          " ORDER BY id DESC LIMIT ?", (*params, limit))
        return [incident_from_row(r) for r in found]

    def due_incidents(self, now: datetime, limit: int | None = None) -> list[Incident]:
        found = self.rows("SELECT * FROM incidents WHERE next_due IS NOT NULL AND next_due <= ?"
                          " AND state <> 'resolved' ORDER BY next_due LIMIT ?",
                          (ts(now), -1 if limit is None else limit))
        return [incident_from_row(r) for r in found]

    def save_decisions(self, decisions: Iterable[Decision], now: datetime) -> None:
        """Many decisions in a few statements (the waker's batch): incidents, timeline,
        outbox and safety records, as `EscalationService._persist` writes one."""
        ds = list(decisions)
        for d in ds:
            self._timers[d.incident.id] = d.next_due
        sets = ", ".join(f"{c} = ?" for c in INCIDENT_COLUMNS)
        written = [(incident_values(d.incident, d.next_due), d.incident.id) for d in ds]
        self._incident_rows.update((iid, values) for values, iid in written)
        self.executemany(f"UPDATE incidents SET {sets} WHERE id = ?",
                         [(*values, iid) for values, iid in written])
        for d in ds:  # one by one: each row joins the audit chain in order
            self.add_entries(d.incident.id, d.entries)
            self.add_deliveries(d.incident.id, d.notices, now, d.incident)
            self.add_safety(d.incident.id, d.safety)

    def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            self._conn.cursor().executemany(self._sql(sql), rows)

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

    def latest_entry_at(self) -> datetime | None:
        """When the newest timeline entry was written (the clock's floor at start)."""
        row = self.one("SELECT at FROM timeline ORDER BY id DESC LIMIT 1")
        return dt(row["at"]) if row else None

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
    def add_deliveries(self, incident_id: int, notices: Iterable[Notice], now: datetime,
                       incident: Incident | None = None) -> None:
        """The outbox rows of a decision; `incident`: the incident as this transaction
        leaves it, if the caller has it (saves reading it back for the fresh hand-over)."""
        # claimed in the transaction that makes them (the fresh hand-over): claim 1
        status = Status.SENDING if self.claim_fresh else Status.PENDING
        claims = 1 if self.claim_fresh else 0
        if not self.claim_fresh:
            self.needs_claim = True
        made: list[tuple[int, Notice]] = []
        for n in notices:
            made.append((self.insert(
                "INSERT INTO deliveries (incident_id, party, reason, step, loop, detail,"
                " is_update, status, contact_index, attempts, next_attempt_at, created_at,"
                " claims) VALUES (?,?,?,?,?,?,?,?,0,0,?,?,?)",
                (incident_id, n.party, n.reason.value, n.step, n.loop, n.detail,
                 int(n.update), status.value, ts(now), ts(now), claims)), n))
            audit.record_notices(self, incident_id, (n,), now)
        if self.claim_fresh and made:  # the incident as this transaction leaves it
            inc = incident if incident is not None else self.incident(incident_id)
            if inc is None:
                self.needs_claim = True
            else:
                self._nonces_wanted.append(incident_id)
                self.fresh += [(DeliveryRow(
                    row_id, incident_id, n.party, n.reason.value, n.step, n.loop, n.detail,
                    n.update, Status.SENDING.value, 0, 0, now, now, None, None, None,
                    claims=1), inc,
                    None)
                    for row_id, n in made]

    def finish(self) -> None:
        """Just before the commit: what was kept back to be written once per transaction
        (the audit chain's head; the link nonces of the fresh rows' incidents, in one go)."""
        if self._nonces_wanted:
            from escalator.storage.nonces import link_nonces  # it builds on this module

            self.fresh_nonces.update(link_nonces(self, self._nonces_wanted))
            self._nonces_wanted = []
        if self._incident_rows:  # each incident's state as committed, in the chain
            audit.record_incidents(self, self._incident_rows)
            self._incident_rows = {}
        audit.flush(self)

    def due_deliveries(self, now: datetime, limit: int = 100) -> list[DeliveryRow]:
        found = self.rows("SELECT * FROM deliveries WHERE status = 'pending' AND"
                          " next_attempt_at <= ? ORDER BY id LIMIT ?", (ts(now), limit))
        return [DeliveryRow.from_row(r) for r in found]

    def earliest_delivery(self) -> datetime | None:
        row = self.one("SELECT MIN(next_attempt_at) AS due FROM deliveries"
                       " WHERE status IN ('pending', 'queued')")
        return dt(row["due"]) if row else None

    # -- the dispatcher's claims (escalator/dispatch/dispatcher.py) -----------------
    # Every status change goes through a move of escalator.domain.delivery.RULES.
    def claim_deliveries(
        self, now: datetime, limit: int = 500, *, calls: Collection[str] = (),
        closed: Collection[str] = (), failing_before: datetime | None = None,
    ) -> list[tuple[DeliveryRow, Incident, datetime | None]]:
        """Due rows, claimed before anything is sent: PENDING ones become SENDING
        (`claim`), HELD ones due for their check CHECKING (`claim_held`), and each
        claim counts up `claims`. A claimed row is not returned again until its
        outcome is written, so two ticks never work on one row at once.

        First, notices that can no longer matter are superseded (`supersede`): a
        call to action for an incident someone already took, and reminders a newer
        reminder to the same party replaces (after downtime, one per incident and
        party). A row waits while an earlier row of its incident and party is still
        pending, so one party's messages keep their order; a held row's check does
        not wait (it sends nothing new, and its deadline stands), nor does a row
        whose contact has been failing since before `failing_before` (it may be
        past its fallback deadline): that one comes `behind` and may only move on.
        Returns the claimed rows as claimed (status, claims), with their incident
        and the start of the current contact's first attempt (`failing_since`,
        None if not attempted).
        """
        if calls and closed:  # `calls`: reasons asking someone to act; `closed`: taken states
            self.execute(
                "UPDATE deliveries SET status = 'superseded', error = 'incident_closed'"
                f" WHERE status = 'pending' AND is_update = 0 AND reason IN ({_marks(calls)})"
                " AND EXISTS (SELECT 1 FROM incidents i WHERE i.id = deliveries.incident_id"
                f" AND i.state IN ({_marks(closed)}))", (*calls, *closed))
        self.execute(
            "UPDATE deliveries SET status = 'superseded', error = 'newer_reminder'"
            " WHERE status = 'pending' AND reason = 'RENOTIFY' AND EXISTS (SELECT 1 FROM"
            " deliveries n WHERE n.incident_id = deliveries.incident_id"
            " AND n.party = deliveries.party AND n.reason = 'RENOTIFY'"
            " AND n.status = 'pending' AND n.id > deliveries.id)")
        earlier = ("EXISTS (SELECT 1 FROM deliveries e WHERE e.incident_id = d.incident_id"
                   " AND e.party = d.party AND e.id < d.id AND e.status = 'pending')")
        found = self.rows(
            f"SELECT d.*, p.failing_since AS failing_since, {earlier} AS behind"
            " FROM deliveries d LEFT JOIN delivery_progress p ON p.delivery_id = d.id"
            " WHERE d.status IN ('pending', 'queued') AND d.next_attempt_at <= ?"
            f" AND (d.status = 'queued' OR NOT {earlier}"
            " OR (p.failing_since IS NOT NULL AND p.failing_since <= ?))"
            " ORDER BY d.id LIMIT ?", (ts(now), ts(failing_before) or "", limit))
        if not found:
            return []
        ids = [r["id"] for r in found]
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            self.execute(
                "UPDATE deliveries SET claims = claims + 1, status = CASE status"
                " WHEN 'pending' THEN 'sending' ELSE 'checking' END"
                f" WHERE status IN ('pending', 'queued') AND id IN ({_marks(chunk)})", chunk)
        incidents = self.incidents_by_id({int(r["incident_id"]) for r in found})
        claimed = []
        for r in found:
            if int(r["incident_id"]) not in incidents:
                continue
            move = Move.CLAIM if r["status"] == Status.PENDING else Move.CLAIM_HELD
            row = DeliveryRow.from_row({**r, "status": target(move, r["status"]).value,
                                        "claims": int(r["claims"] or 0) + 1,
                                        "behind": move is Move.CLAIM and bool(r["behind"])})
            claimed.append((row, incidents[int(r["incident_id"])], dt(r["failing_since"])))
        return claimed

    def incidents_by_id(self, ids: Iterable[int]) -> dict[int, Incident]:
        wanted, found = list(ids), {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            for r in self.rows("SELECT * FROM incidents WHERE id IN"
                               f" ({','.join('?' * len(chunk))})", chunk):
                found[int(r["id"])] = incident_from_row(r)
        return found

    def set_failing_since(self, delivery_id: int, at: datetime | None) -> None:
        """Start of the current contact's run of failures (None: it is not failing)."""
        if at is None:
            self.execute("DELETE FROM delivery_progress WHERE delivery_id = ?", (delivery_id,))
            return
        self.execute("INSERT INTO delivery_progress (delivery_id, failing_since) VALUES (?, ?)"
                     " ON CONFLICT (delivery_id) DO UPDATE SET"
                     " failing_since = excluded.failing_since", (delivery_id, ts(at)))

    def release_in_flight(self, now: datetime) -> int:
        """At start (`recover`): rows a crash left claimed are due again, now: SENDING
        ones go out again (at most one duplicate), CHECKING ones are checked again."""
        count = 0
        for status, back in RULES[Move.RECOVER].edges.items():
            cur = self.execute("UPDATE deliveries SET status = ?, next_attempt_at = ?"
                               " WHERE status = ?", (back.value, ts(now), status.value))
            count += int(cur.rowcount or 0)
        return count

    def maybe_sent_due(self) -> int:
        """Rows cut at a shutdown while their peer had the request, not yet sent again."""
        row = self.one("SELECT COUNT(*) AS n FROM deliveries WHERE status = 'pending'"
                       " AND maybe_sent = 1")
        return int(row["n"]) if row else 0

    def mark_delivery_sent(self, delivery_id: int, at: datetime, channel: str) -> bool:
        """A channel that held a notice in its own queue has sent it now (`carry`): only
        the queue's owner calls this, in the transaction that takes it out of the queue."""
        moved = self.move_delivery(delivery_id, Move.CARRY, now=at, sent_at=at,
                                   channel=channel, error=None)
        if moved:  # "sent" is in the chain, as the dispatcher's outcomes are
            audit.record_sent(self, delivery_id, channel, at)
        return moved

    def move_delivery(self, delivery_id: int, move: Move, *, now: datetime,
                      current: Status | str | None = None, claim: int | None = None,
                      **fields: Any) -> bool:
        """Apply one move of the delivery state machine, if the row is still where the
        mover saw it: in `current` (default: any state the move starts from) and, for
        the outcome of a claim, under that same claim. Otherwise nothing is written,
        the refusal is logged and audited, and False returned: a fallback, an outcome
        written by someone else, or a newer claim is never overwritten."""
        rule = RULES[move]
        check_fields(move, fields)
        edges = rule.edges if current is None else {Status(current): target(move, current)}
        if rule.claimed and claim is None:
            raise Refused(f"{move} is the outcome of a claim: which claim?")
        values = [ts(v) if isinstance(v, datetime) else v for v in fields.values()]
        sets = "".join(f", {k} = ?" for k in fields)
        case = " ".join("WHEN ? THEN ?" for _ in edges)
        params: list[Any] = [x for e in edges.items() for x in (e[0].value, e[1].value)]
        where = f"id = ? AND status IN ({_marks(edges)})"
        wanted: list[Any] = [delivery_id, *(s.value for s in edges)]
        if claim is not None:
            where += " AND claims = ?"
            wanted.append(claim)
        cur = self.execute(f"UPDATE deliveries SET status = CASE status {case} END{sets}"
                           f" WHERE {where}", (*params, *values, *wanted))
        if cur.rowcount:
            if move in LEAVE_QUEUES and Status.SENDING in edges:
                # an attempt cut by its timeout while the channel was queueing the notice
                # leaves no queue entry behind: only a held notice is in a channel's queue
                self.execute("DELETE FROM telegram_queue WHERE delivery_id = ?", (delivery_id,))
            return True
        found = self.one("SELECT status, claims FROM deliveries WHERE id = ?", (delivery_id,))
        log.warning("delivery %s: %s refused (expected %s, claim %s; found %s)", delivery_id,
                    move.value, "/".join(sorted(s.value for s in edges)), claim, found)
        audit.record(self, audit.DELIVERY + "refused", at=now, actor=audit.SYSTEM,
                     payload={"delivery": delivery_id, "move": move.value, "claim": claim,
                              "expected": sorted(s.value for s in edges),
                              "found": found["status"] if found else None})
        return False

    def deliveries(self, incident_id: int) -> list[DeliveryRow]:
        found = self.rows("SELECT * FROM deliveries WHERE incident_id = ? ORDER BY id",
                          (incident_id,))
        return [DeliveryRow.from_row(r) for r in found]

    def delivery_counts(self) -> dict[tuple[str, str], int]:
        found = self.rows("SELECT COALESCE(channel, '') AS channel, status, COUNT(*) AS n"
                          " FROM deliveries GROUP BY channel, status")
        return {(r["channel"], r["status"]): int(r["n"]) for r in found}

    def safety_incident_count(self) -> int:
        row = self.one("SELECT COUNT(*) AS n FROM safety_incidents")
        return int(row["n"]) if row else 0

    # -- sources --------------------------------------------------------------
    def source(self, source_id: str) -> dict[str, Any] | None:
        return self.one("SELECT * FROM sources WHERE id = ?", (source_id,))

    def touch_source(self, source_id: str, at: datetime) -> None:
        self.execute("INSERT INTO sources (id, last_seen_at) VALUES (?, ?) ON CONFLICT (id)"
                     " DO UPDATE SET last_seen_at = excluded.last_seen_at", (source_id, ts(at)))

    def shift_source_heartbeats(self, by: timedelta, now: datetime) -> None:
        """The wall clock jumped forward `by`: move each source's last sign of life with
        it (never past `now`), so a heartbeat timeout counts only time that passed."""
        for row in self.rows("SELECT id, last_seen_at FROM sources"):
            seen = dt(row["last_seen_at"])
            if seen is not None:
                self.execute("UPDATE sources SET last_seen_at = ? WHERE id = ?",
                             (ts(min(seen + by, now)), row["id"]))

    def set_source_silent(self, source_id: str, incident_id: int | None) -> None:
        self.execute("UPDATE sources SET silent_incident_id = ? WHERE id = ?",
                     (incident_id, source_id))


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
                 lock: FileLock | None = None) -> None:
        self._connect = connect
        self.dialect = dialect
        self.label = label
        self._conn: Any = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")
        self._file_lock = lock
        self._schema_ready = False
        self._failures = 0
        self._retry_at = 0.0
        self._last_probe = float("-inf")
        self._leader = False
        self._busy_until = 0.0
        self.write_blocked: str | None = None  # the last write probe met another's lock
        self.healthy = False
        # the live dispatcher's intake of new outbox rows (already `sending`), called on
        # the event loop after each commit that made some; None: the waker claims them
        self.fresh_sink: Callable[[list[Any], dict[int, bytes]], None] | None = None
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
        return time.monotonic() < self._busy_until

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
        if time.monotonic() - self._last_probe < min_interval:
            return self.healthy
        self._last_probe = time.monotonic()
        try:
            await self._run(self._transaction_sync, self._heartbeat, None)
        except StorageBusy as exc:  # another writer holds the lock intake would need
            self.write_blocked = _first_line(exc)
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
        if self.dialect is POSTGRES:  # the table locks intake's writes take: a writer
            tx.execute("LOCK TABLE events, incidents, timeline, deliveries"  # holding any
                       " IN ROW EXCLUSIVE MODE")  # of them makes intake (and this) busy
        tx.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key)"
                   " DO UPDATE SET value = excluded.value",
                   (f"heartbeat {socket.gethostname()}", ts(datetime.now(UTC))))

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
        if time.monotonic() < self._retry_at:
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
            self._retry_at = time.monotonic() + min(
                RECONNECT_MAX_S, RECONNECT_FIRST_S * 2 ** (self._failures - 1))
            raise
        self._conn, self._failures, self._retry_at = conn, 0, 0.0
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
            _quietly(conn.close)
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
            _quietly(conn.close)

    def _transaction_sync(self, fn: Callable[[Tx], T], deadline: float | None) -> T:
        if deadline is not None:
            if self.busy:
                raise StorageBusy(f"{self.label}: busy, another writer holds the database")
            if time.monotonic() > deadline:
                raise StorageBusy(f"{self.label}: busy, the store is backed up; retry shortly")
        conn = self._ensure_sync()
        sink = self.fresh_sink
        try:
            tx = Tx(conn, self.dialect, claim_fresh=sink is not None)
            result = fn(tx)
            tx.finish()
            if self.dialect is POSTGRES and not self._leader and tx.wakes_leader:
                tx.execute(f"NOTIFY {DUE_CHANNEL}")  # sent at the commit, only if it commits
            conn.commit()
            if tx.fresh and sink is not None and self._loop is not None:
                self._loop.call_soon_threadsafe(sink, list(tx.fresh), dict(tx.fresh_nonces))
            changed = self.changed_sink
            if changed is not None and tx.changed_incidents and self._loop is not None:
                self._loop.call_soon_threadsafe(changed, tx.changed_incidents)
        except BaseException as exc:
            _quietly(conn.rollback)
            self._after_error(exc)
            raise
        return result

    def _after_error(self, exc: BaseException) -> None:
        """Drop the connection when the error says it is no longer any good
        (never an in-memory database: dropping it would drop the data)."""
        if self.label != "sqlite :memory:" and _connection_lost(exc, self._conn):
            self._drop_sync()

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, fn, *args)
        except StorageError:
            raise
        except Exception as exc:
            if _is_unstorable(exc):  # the data, not the store: retrying cannot help
                raise UnstorableError(f"{self.label}: {exc}") from exc
            if not _is_database_error(exc):
                raise
            if _is_busy(exc):
                self._busy_until = time.monotonic() + BUSY_HOLD_S
                raise StorageBusy(f"{self.label}: busy ({exc}); retry shortly") from exc
            if _is_conflict(exc):
                raise StorageConflict(f"{self.label}: {exc}") from exc
            self.healthy, self.last_error = False, _first_line(exc)
            raise StorageError(f"{self.label}: {exc}") from exc


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _quietly(fn: Callable[[], Any]) -> None:
    try:
        fn()
    except Exception:  # noqa: BLE001 - the original error is what matters
        pass


def _is_database_error(exc: BaseException) -> bool:
    return isinstance(exc, (sqlite3.Error, OSError)) or \
        type(exc).__module__.startswith("psycopg")


def _is_unstorable(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.DataError | UnicodeError):
        return True
    return any(k.__name__ == "DataError" and k.__module__.startswith("psycopg")
               for k in type(exc).__mro__)


def _is_busy(exc: BaseException) -> bool:
    """Someone else holds a lock: SQLITE_BUSY/LOCKED, PostgreSQL lock_timeout."""
    if isinstance(exc, sqlite3.Error):
        name = getattr(exc, "sqlite_errorname", "") or ""
        return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(exc)
    return getattr(exc, "sqlstate", None) in ("55P03",)  # lock_not_available


def _is_conflict(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.IntegrityError):
        return "UNIQUE" in str(exc)
    return getattr(exc, "sqlstate", None) == "23505"  # unique_violation


def _connection_lost(exc: BaseException, conn: Any) -> bool:
    """SQLite: anything but a lock or a constraint (a read-only file, disk full, I/O
    error) is worth a fresh connection; PostgreSQL: a closed or broken session."""
    if isinstance(exc, sqlite3.OperationalError | sqlite3.DatabaseError) and not isinstance(
            exc, sqlite3.IntegrityError | sqlite3.ProgrammingError | sqlite3.DataError):
        return not _is_busy(exc)
    if type(exc).__module__.startswith("psycopg"):
        if conn is not None and (getattr(conn, "closed", False) or getattr(conn, "broken", False)):
            return True
        import psycopg

        return isinstance(exc, psycopg.InterfaceError | psycopg.OperationalError) \
            and not _is_busy(exc) and getattr(exc, "sqlstate", None) != "57014"
    return isinstance(exc, OSError)


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


def _marks(values: Collection[Any]) -> str:
    return ",".join("?" * len(values))


def _sqlite_connect(path: str) -> Callable[[], Any]:
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


def _postgres_connect(url: str) -> Callable[[], Any]:
    def connect() -> Any:
        import psycopg  # optional dependency, only needed for postgresql:// URLs

        return psycopg.connect(url, autocommit=False, **PG_CONNECT_OPTIONS)
    return connect


def open_store(url: str, *, exclusive: bool = False) -> SqlStore:
    """`sqlite:///rel.db`, `sqlite:////abs.db`, `sqlite:///:memory:`, `postgresql://...`.

    `exclusive`: the running service's store; on SQLite it refuses to open a file
    another service already has (a reader such as a backup script needs no lock)."""
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        lock = FileLock(path) if exclusive and path != ":memory:" else None
        return SqlStore(_sqlite_connect(path), SQLITE, f"sqlite {path}", lock)
    if url.startswith(("postgresql://", "postgres://")):
        return SqlStore(_postgres_connect(url), POSTGRES, "postgresql")
    raise StorageError(f"unsupported storage URL {url!r}")


__all__ = ["DeliveryRow", "SqlStore", "Tx", "open_store", "State"]
