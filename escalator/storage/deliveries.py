"""The outbox: one delivery row per notice to a party, and its way through the channels.

`tx.deliveries` of an open transaction. Every status change goes through a move of
escalator.domain.delivery.RULES (`move`); the dispatcher (escalator/dispatch/dispatcher.py)
claims due rows before it sends anything (`claim`), so two ticks never work on one
row at once.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from escalator.domain.channel_health import NO_INCIDENT, placeholder_incident
from escalator.domain.delivery import RULES, Move, Refused, Status, check_fields, target
from escalator.domain.model import Incident, Notice
from escalator.storage import audit, contact_health
from escalator.storage.incidents import Incidents
from escalator.storage.rows import DeliveryRow, dt, ts
from escalator.storage.txbase import TxBase, marks

log = logging.getLogger(__name__)
# outcomes of a failed attempt: the notice is in no channel's queue afterwards
LEAVE_QUEUES = frozenset({Move.RETRY, Move.FALL_BACK, Move.GIVE_UP})
CHUNK = 500  # ids per IN (...) list


class Deliveries:
    def __init__(self, tx: TxBase, incidents: Incidents) -> None:
        self._tx = tx
        self._incidents = incidents  # the claimed rows' incidents, the fresh rows' incident

    def add(self, incident_id: int, notices: Iterable[Notice], now: datetime,
            incident: Incident | None = None) -> None:
        """The outbox rows of a decision; `incident`: the incident as this transaction
        leaves it, if the caller has it (saves reading it back for the fresh hand-over)."""
        tx = self._tx
        # claimed in the transaction that makes them (the fresh hand-over): claim 1
        status = Status.SENDING if tx.claim_fresh else Status.PENDING
        claims = 1 if tx.claim_fresh else 0
        if not tx.claim_fresh:
            tx.needs_claim = True
        made: list[tuple[int, Notice]] = []
        for n in notices:
            made.append((tx.insert(
                "INSERT INTO deliveries (incident_id, party, reason, step, loop, detail,"
                " is_update, status, contact_index, attempts, next_attempt_at, created_at,"
                " claims) VALUES (?,?,?,?,?,?,?,?,0,0,?,?,?)",
                (incident_id, n.party, n.reason.value, n.step, n.loop, n.detail,
                 int(n.update), status.value, ts(now), ts(now), claims)), n))
            audit.record_notices(tx, incident_id, (n,), now)
        if tx.claim_fresh and made:  # the incident as this transaction leaves it
            inc = incident if incident is not None else self._incidents.get(incident_id)
            if inc is None:
                tx.needs_claim = True
            else:
                tx.nonces_wanted.append(incident_id)
                tx.fresh += [(DeliveryRow(
                    row_id, incident_id, n.party, n.reason.value, n.step, n.loop, n.detail,
                    n.update, Status.SENDING.value, 0, 0, now, now, None, None, None,
                    claims=1), inc,
                    None)
                    for row_id, n in made]

    def due(self, now: datetime, limit: int = 100) -> list[DeliveryRow]:
        found = self._tx.rows("SELECT * FROM deliveries WHERE status = 'pending' AND"
                              " next_attempt_at <= ? ORDER BY id LIMIT ?", (ts(now), limit))
        return [DeliveryRow.from_row(r) for r in found]

    def earliest(self) -> datetime | None:
        row = self._tx.one("SELECT MIN(next_attempt_at) AS due FROM deliveries"
                           " WHERE status IN ('pending', 'queued')")
        return dt(row["due"]) if row else None

    def claim(
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
        tx = self._tx
        if calls and closed:  # `calls`: reasons asking someone to act; `closed`: taken states
            tx.execute(
                "UPDATE deliveries SET status = 'superseded', error = 'incident_closed'"
                f" WHERE status = 'pending' AND is_update = 0 AND reason IN ({marks(calls)})"
                " AND EXISTS (SELECT 1 FROM incidents i WHERE i.id = deliveries.incident_id"
                f" AND i.state IN ({marks(closed)}))", (*calls, *closed))
        # a notice spread over contact rules is one message: its rows (one per contact,
        # a group at once) neither replace nor wait for each other
        same = ("EXISTS (SELECT 1 FROM delivery_spread s1 JOIN delivery_spread s2"
                " ON s2.notice_id = s1.notice_id WHERE s1.delivery_id = {a}"
                " AND s2.delivery_id = {b})")
        tx.execute(
            "UPDATE deliveries SET status = 'superseded', error = 'newer_reminder'"
            " WHERE status = 'pending' AND reason = 'RENOTIFY' AND EXISTS (SELECT 1 FROM"
            " deliveries n WHERE n.incident_id = deliveries.incident_id"
            " AND n.party = deliveries.party AND n.reason = 'RENOTIFY'"
            " AND n.status = 'pending' AND n.id > deliveries.id"
            f" AND NOT {same.format(a='n.id', b='deliveries.id')})")
        earlier = ("EXISTS (SELECT 1 FROM deliveries e WHERE e.incident_id = d.incident_id"
                   " AND e.party = d.party AND e.id < d.id AND e.status = 'pending'"
                   f" AND NOT {same.format(a='e.id', b='d.id')})")
        found = tx.rows(
            f"SELECT d.*, p.failing_since AS failing_since, {earlier} AS behind,"
            " s.notice_id AS spread_of"
            " FROM deliveries d LEFT JOIN delivery_progress p ON p.delivery_id = d.id"
            " LEFT JOIN delivery_spread s ON s.delivery_id = d.id"
            " WHERE d.status IN ('pending', 'queued') AND d.next_attempt_at <= ?"
            f" AND (d.status = 'queued' OR NOT {earlier}"
            " OR (p.failing_since IS NOT NULL AND p.failing_since <= ?))"
            " ORDER BY d.id LIMIT ?", (ts(now), ts(failing_before) or "", limit))
        if not found:
            return []
        ids = [r["id"] for r in found]
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            tx.execute(
                "UPDATE deliveries SET claims = claims + 1, status = CASE status"
                " WHEN 'pending' THEN 'sending' ELSE 'checking' END"
                f" WHERE status IN ('pending', 'queued') AND id IN ({marks(chunk)})", chunk)
        incidents = self._incidents.by_id({int(r["incident_id"]) for r in found})
        if any(int(r["incident_id"]) == NO_INCIDENT for r in found):  # test messages
            incidents[NO_INCIDENT] = placeholder_incident(now)
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

    def spread(self, row: DeliveryRow, sends: Iterable[tuple[int, datetime]],
               now: datetime) -> list[int]:
        """A notice spread over its party's contact rules: `row` is marked as spread,
        and one pending row is added per further contact, due at its time, the same
        notice (reason, step, detail, created_at) as `row`. Returns the new ids."""
        tx = self._tx
        tx.execute("INSERT INTO delivery_spread (delivery_id, notice_id) VALUES (?, ?)",
                   (row.id, row.id))
        made = []
        for contact, due in sends:
            new_id = tx.insert(
                "INSERT INTO deliveries (incident_id, party, reason, step, loop, detail,"
                " is_update, status, contact_index, attempts, next_attempt_at, created_at,"
                " claims) VALUES (?,?,?,?,?,?,?,'pending',?,0,?,?,0)",
                (row.incident_id, row.party, row.reason, row.step, row.loop, row.detail,
                 int(row.is_update), contact, ts(due), ts(row.created_at)))
            tx.execute("INSERT INTO delivery_spread (delivery_id, notice_id) VALUES (?, ?)",
                       (new_id, row.id))
            made.append(new_id)
        if made:
            tx.needs_claim = True
        return made

    def set_failing_since(self, delivery_id: int, at: datetime | None) -> None:
        """Start of the current contact's run of failures (None: it is not failing)."""
        if at is None:
            self._tx.execute("DELETE FROM delivery_progress WHERE delivery_id = ?",
                             (delivery_id,))
            return
        self._tx.execute("INSERT INTO delivery_progress (delivery_id, failing_since)"
                         " VALUES (?, ?) ON CONFLICT (delivery_id) DO UPDATE SET"
                         " failing_since = excluded.failing_since", (delivery_id, ts(at)))

    def release_in_flight(self, now: datetime) -> int:
        """At start (`recover`): rows a crash left claimed are due again, now: SENDING
        ones go out again (at most one duplicate), CHECKING ones are checked again."""
        count = 0
        for status, back in RULES[Move.RECOVER].edges.items():
            cur = self._tx.execute("UPDATE deliveries SET status = ?, next_attempt_at = ?"
                                   " WHERE status = ?", (back.value, ts(now), status.value))
            count += int(cur.rowcount or 0)
        return count

    def maybe_sent_due(self) -> int:
        """Rows cut at a shutdown while their peer had the request, not yet sent again."""
        row = self._tx.one("SELECT COUNT(*) AS n FROM deliveries WHERE status = 'pending'"
                           " AND maybe_sent = 1")
        return int(row["n"]) if row else 0

    def mark_sent(self, delivery_id: int, at: datetime, channel: str) -> bool:
        """A channel that held a notice in its own queue has sent it now (`carry`): only
        the queue's owner calls this, in the transaction that takes it out of the queue."""
        moved = self.move(delivery_id, Move.CARRY, now=at, sent_at=at, channel=channel,
                          error=None)
        if moved:  # "sent" is in the chain, as the dispatcher's outcomes are
            audit.record_sent(self._tx, delivery_id, channel, at)
            row = self._tx.one("SELECT party, contact_index FROM deliveries WHERE id = ?",
                               (delivery_id,))
            if row is not None:  # the contact got through: its health on the board
                contact_health.succeeded(self._tx, row["party"], int(row["contact_index"]),
                                         channel, at)
        return moved

    def move(self, delivery_id: int, move: Move, *, now: datetime,
             current: Status | str | None = None, claim: int | None = None,
             **fields: Any) -> bool:
        """Apply one move of the delivery state machine, if the row is still where the
        mover saw it: in `current` (default: any state the move starts from) and, for
        the outcome of a claim, under that same claim. Otherwise nothing is written,
        the refusal is logged and audited, and False returned: a fallback, an outcome
        written by someone else, or a newer claim is never overwritten."""
        tx = self._tx
        rule = RULES[move]
        check_fields(move, fields)
        edges = rule.edges if current is None else {Status(current): target(move, current)}
        if rule.claimed and claim is None:
            raise Refused(f"{move} is the outcome of a claim: which claim?")
        values = [ts(v) if isinstance(v, datetime) else v for v in fields.values()]
        sets = "".join(f", {k} = ?" for k in fields)
        case = " ".join("WHEN ? THEN ?" for _ in edges)
        params: list[Any] = [x for e in edges.items() for x in (e[0].value, e[1].value)]
        where = f"id = ? AND status IN ({marks(edges)})"
        wanted: list[Any] = [delivery_id, *(s.value for s in edges)]
        if claim is not None:
            where += " AND claims = ?"
            wanted.append(claim)
        cur = tx.execute(f"UPDATE deliveries SET status = CASE status {case} END{sets}"
                         f" WHERE {where}", (*params, *values, *wanted))
        if cur.rowcount:
            if move in LEAVE_QUEUES and Status.SENDING in edges:
                # an attempt cut by its timeout while the channel was queueing the notice
                # leaves no queue entry behind: only a held notice is in a channel's queue
                tx.execute("DELETE FROM telegram_queue WHERE delivery_id = ?", (delivery_id,))
            return True
        found = tx.one("SELECT status, claims FROM deliveries WHERE id = ?", (delivery_id,))
        log.warning("delivery %s: %s refused (expected %s, claim %s; found %s)", delivery_id,
                    move.value, "/".join(sorted(s.value for s in edges)), claim, found)
        audit.record(tx, audit.DELIVERY + "refused", at=now, actor=audit.SYSTEM,
                     payload={"delivery": delivery_id, "move": move.value, "claim": claim,
                              "expected": sorted(s.value for s in edges),
                              "found": found["status"] if found else None})
        return False

    def of_incident(self, incident_id: int) -> list[DeliveryRow]:
        found = self._tx.rows("SELECT * FROM deliveries WHERE incident_id = ? ORDER BY id",
                              (incident_id,))
        return [DeliveryRow.from_row(r) for r in found]

    def counts(self) -> dict[tuple[str, str], int]:
        found = self._tx.rows("SELECT COALESCE(channel, '') AS channel, status, COUNT(*) AS n"
                              " FROM deliveries GROUP BY channel, status")
        return {(r["channel"], r["status"]): int(r["n"]) for r in found}
