"""SQL of the safety register and the weekly summary: reads, notes, closing, report runs.

Functions over an open `Tx`, so a caller groups them in one transaction. They
return the domain's plain records (`escalator.domain.register`); the figures
are computed from those, never in SQL, except the 12-week counts, which are
index range counts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from escalator.domain.model import Incident, Reason, State
from escalator.domain.register import DeliveryItem, Note, Review, SafetyRow, TimelineItem
from escalator.storage import audit
from escalator.storage.rows import dt, incident_from_row, ts
from escalator.storage.sql import Tx

CHUNK = 500  # ids per IN (...) list: well under SQLite's parameter limit


def _at(value: str | None) -> datetime:
    found = dt(value)
    assert found is not None
    return found


def _safety(row: dict[str, Any]) -> SafetyRow:
    return SafetyRow(int(row["id"]), int(row["incident_id"]), row["cause"], _at(row["at"]),
                     row["detail"])


def safety_page(tx: Tx, *, start: datetime | None = None, end: datetime | None = None,
                cause: str | None = None, state: str | None = None,
                before_id: int | None = None, limit: int = 100) -> list[SafetyRow]:
    """Newest first; `before_id` is the cursor (the last id of the previous page)."""
    where, params = ["1 = 1"], []
    for clause, value in (("s.at >= ?", ts(start)), ("s.at < ?", ts(end)),
                          ("s.cause = ?", cause), ("s.id < ?", before_id)):
        if value is not None:
            where.append(clause)
            params.append(value)
    if state == "open":
        where.append("r.safety_id IS NULL")
    elif state == "closed":
        where.append("r.safety_id IS NOT NULL")
    rows = tx.rows("SELECT s.* FROM safety_incidents s LEFT JOIN safety_reviews r"
                   f" ON r.safety_id = s.id WHERE {' AND '.join(where)}"
                   " ORDER BY s.id DESC LIMIT ?", (*params, limit))
    return [_safety(r) for r in rows]


def safety_row(tx: Tx, safety_id: int) -> SafetyRow | None:
    row = tx.one("SELECT * FROM safety_incidents WHERE id = ?", (safety_id,))
    return _safety(row) if row else None


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]


def _in(ids: Sequence[object]) -> str:
    return ",".join("?" * len(ids))


def incidents(tx: Tx, ids: Sequence[int]) -> dict[int, Incident]:
    found: dict[int, Incident] = {}
    for part in _chunks(sorted(set(ids))):
        for row in tx.rows(f"SELECT * FROM incidents WHERE id IN ({_in(part)})", part):
            found[int(row["id"])] = incident_from_row(row)
    return found


def timelines(tx: Tx, ids: Sequence[int]) -> dict[int, list[TimelineItem]]:
    found: dict[int, list[TimelineItem]] = {i: [] for i in ids}
    for part in _chunks(sorted(set(ids))):
        for r in tx.rows("SELECT incident_id, at, reason, party, detail, step FROM timeline"
                         f" WHERE incident_id IN ({_in(part)}) ORDER BY id", part):
            found[int(r["incident_id"])].append(
                TimelineItem(_at(r["at"]), r["reason"], r["party"], r["detail"], r["step"]))
    return found


def deliveries(tx: Tx, ids: Sequence[int]) -> dict[int, list[DeliveryItem]]:
    found: dict[int, list[DeliveryItem]] = {i: [] for i in ids}
    for part in _chunks(sorted(set(ids))):
        for r in tx.rows("SELECT incident_id, party, reason, step, is_update, status,"
                         " created_at, sent_at, channel, error FROM deliveries"
                         f" WHERE incident_id IN ({_in(part)}) ORDER BY id", part):
            found[int(r["incident_id"])].append(DeliveryItem(
                r["party"], r["reason"], r["step"], bool(r["is_update"]), r["status"],
                _at(r["created_at"]), dt(r["sent_at"]), r["channel"], r["error"]))
    return found


def notes(tx: Tx, safety_ids: Sequence[int]) -> dict[int, list[Note]]:
    found: dict[int, list[Note]] = {i: [] for i in safety_ids}
    for part in _chunks(sorted(set(safety_ids))):
        for r in tx.rows("SELECT safety_id, at, by_name, note FROM safety_notes"
                         f" WHERE safety_id IN ({_in(part)}) ORDER BY id", part):
            found[int(r["safety_id"])].append(Note(_at(r["at"]), r["by_name"], r["note"]))
    return found


def reviews(tx: Tx, safety_ids: Sequence[int]) -> dict[int, Review]:
    found: dict[int, Review] = {}
    for part in _chunks(sorted(set(safety_ids))):
        for r in tx.rows("SELECT * FROM safety_reviews"
                         f" WHERE safety_id IN ({_in(part)})", part):
            found[int(r["safety_id"])] = Review(_at(r["closed_at"]), r["closed_by"],
                                                r["closing_cause"], r["measures"])
    return found


def add_note(tx: Tx, safety_id: int, at: datetime, by: str, note: str) -> None:
    tx.execute("INSERT INTO safety_notes (safety_id, at, by_name, note) VALUES (?,?,?,?)",
               (safety_id, ts(at), by, note))
    audit.record(tx, "safety_note", at=at, actor=by, payload={"safety": safety_id, "note": note})


def close(tx: Tx, safety_id: int, at: datetime, by: str, cause: str, measures: str) -> bool:
    """Close a record once; False if it was already closed (the first closing stands)."""
    if tx.one("SELECT safety_id FROM safety_reviews WHERE safety_id = ?", (safety_id,)):
        return False
    tx.execute("INSERT INTO safety_reviews (safety_id, closed_at, closed_by, closing_cause,"
               " measures) VALUES (?,?,?,?,?)", (safety_id, ts(at), by, cause, measures))
    audit.record(tx, "safety_closed", at=at, actor=by,
                 payload={"safety": safety_id, "cause": cause, "measures": measures})
    return True


# -- the weekly summary's reads ----------------------------------------------------------

SUMMARY_COLUMNS = "id, source, code, point, state, opened_at, resolved_at, resolved_by"


def _summary_incident(row: dict[str, Any]) -> Incident:
    """What a report reads of an incident, without the escalation state it does not need
    (parsing that for ten thousand incidents was a third of a large report's time)."""
    opened = _at(row["opened_at"])
    return Incident(id=int(row["id"]), source=row["source"], code=row["code"],
                    point=row["point"], text="", severity="", ladder="",
                    state=State(row["state"]), opened_at=opened, last_seen_at=opened,
                    resolved_at=dt(row["resolved_at"]), resolved_by=row["resolved_by"])


def incidents_during(tx: Tx, start: datetime, end: datetime) -> list[Incident]:
    """Incidents opened in [start, end), and those opened earlier still open at `start`
    (for the figures: code, point, state and times only)."""
    cols = SUMMARY_COLUMNS
    opened = tx.rows(f"SELECT {cols} FROM incidents WHERE opened_at >= ? AND opened_at < ?",
                     (ts(start), ts(end)))
    carried = tx.rows(f"SELECT {cols} FROM incidents WHERE resolved_at >= ? AND opened_at < ?",
                      (ts(start), ts(start)))
    unresolved = tx.rows(f"SELECT {cols} FROM incidents WHERE state <> 'resolved'"
                         " AND opened_at < ?", (ts(start),))
    rows = {int(r["id"]): r for r in (*opened, *carried, *unresolved)}
    return [_summary_incident(rows[k]) for k in sorted(rows)]


def count_opened(tx: Tx, start: datetime, end: datetime) -> int:
    row = tx.one("SELECT COUNT(*) AS n FROM incidents WHERE opened_at >= ? AND opened_at < ?",
                 (ts(start), ts(end)))
    return int(row["n"]) if row else 0


def count_reason(tx: Tx, reason: str, start: datetime, end: datetime) -> int:
    """Timeline entries of `reason` logged for the incident itself (not a notice's copy)."""
    row = tx.one("SELECT COUNT(*) AS n FROM timeline WHERE reason = ? AND at >= ? AND at < ?"
                 " AND party IS NULL",
                 (reason, ts(start), ts(end)))
    return int(row["n"]) if row else 0


def incidents_with_reason(tx: Tx, reasons: Sequence[str], start: datetime,
                          end: datetime) -> list[tuple[str, str, int, datetime]]:
    """(code, point, incident id, at) of timeline entries of `reasons`, once per moment
    (one action's entry and the notices it sent share their time)."""
    if not reasons:
        return []
    rows = tx.rows(
        "SELECT DISTINCT t.incident_id, t.at, i.code, i.point FROM timeline t"
        " JOIN incidents i ON i.id = t.incident_id"
        f" WHERE t.reason IN ({_in(reasons)}) AND t.at >= ? AND t.at < ?",
        (*reasons, ts(start), ts(end)))
    return [(r["code"], r["point"], int(r["incident_id"]), _at(r["at"])) for r in rows]


def count_by_point(tx: Tx, reasons: Sequence[str], start: datetime,
                   end: datetime) -> list[tuple[str, str, int]]:
    """(code, point, n): how many times entries of `reasons` were logged per point, each
    moment once (an action's own entry and the notices it sent share their time)."""
    if not reasons:
        return []
    rows = tx.rows(
        "SELECT i.code, i.point, COUNT(*) AS n FROM (SELECT DISTINCT incident_id, at"
        f" FROM timeline WHERE reason IN ({_in(reasons)}) AND at >= ? AND at < ?) t"
        " JOIN incidents i ON i.id = t.incident_id GROUP BY i.code, i.point",
        (*reasons, ts(start), ts(end)))
    return [(r["code"], r["point"], int(r["n"])) for r in rows]


def held_back(tx: Tx, start: datetime, end: datetime) -> list[tuple[str, str, int, datetime, str]]:
    """(code, point, incident id, at, detail) of each hold by a maintenance window in
    [start, end); the detail names the work, the window and its end."""
    rows = tx.rows(
        "SELECT DISTINCT t.incident_id, t.at, t.detail, i.code, i.point FROM timeline t"
        " JOIN incidents i ON i.id = t.incident_id"
        " WHERE t.reason = ? AND t.at >= ? AND t.at < ? AND t.party IS NULL",
        (Reason.MAINTENANCE_HELD.value, ts(start), ts(end)))
    return [(r["code"], r["point"], int(r["incident_id"]), _at(r["at"]), r["detail"])
            for r in rows]


def occurrences(tx: Tx, start: datetime, end: datetime) -> list[tuple[str, str, datetime]]:
    """(code, point, at) of every alarm that began in [start, end): each opening, and each
    time an incident came back (REOPENED, logged for the incident itself)."""
    opened = tx.rows("SELECT code, point, opened_at AS at FROM incidents"
                     " WHERE opened_at >= ? AND opened_at < ?", (ts(start), ts(end)))
    back = tx.rows("SELECT i.code, i.point, t.at FROM timeline t JOIN incidents i"
                   " ON i.id = t.incident_id WHERE t.reason = ? AND t.at >= ? AND t.at < ?"
                   " AND t.party IS NULL", (Reason.REOPENED.value, ts(start), ts(end)))
    return [(r["code"], r["point"], _at(r["at"])) for r in (*opened, *back)]


def count_safety(tx: Tx, start: datetime, end: datetime) -> int:
    row = tx.one("SELECT COUNT(*) AS n FROM safety_incidents WHERE at >= ? AND at < ?",
                 (ts(start), ts(end)))
    return int(row["n"]) if row else 0


# -- when monitoring began -----------------------------------------------------------------

MONITORING_SINCE = "monitoring_since"


def record_start(tx: Tx, now: datetime) -> None:
    """The service's first start, written once: later starts leave it as it is."""
    tx.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
               (MONITORING_SINCE, ts(now)))


def monitoring_since(tx: Tx) -> datetime | None:
    """Since when the service has been watching: its recorded first start, or the first
    alarm it took in if that is earlier (a store from before the start was recorded, or
    an imported history). None: it never ran on this store."""
    row = tx.one("SELECT value FROM meta WHERE key = ?", (MONITORING_SINCE,))
    first = tx.one("SELECT MIN(opened_at) AS at FROM incidents")
    found = [dt(v) for v in (row["value"] if row else None, first["at"] if first else None)
             if v]
    return min((f for f in found if f is not None), default=None)


def safety_between(tx: Tx, start: datetime, end: datetime) -> list[SafetyRow]:
    rows = tx.rows("SELECT * FROM safety_incidents WHERE at >= ? AND at < ? ORDER BY at, id",
                   (ts(start), ts(end)))
    return [_safety(r) for r in rows]


# -- report runs: each (kind, period) is sent once ------------------------------------------

def claim_run(tx: Tx, kind: str, period: str, now: datetime, by: str,
              recipients: Sequence[str], lease_expired_before: datetime) -> bool:
    """Take the right to send (kind, period). False if sent, or claimed by a live sender.

    A claim older than the lease whose sender never wrote `sent_at` (it crashed
    mid-send) may be taken again; the unique key makes two claimers race on one
    row, and only one UPDATE/INSERT wins.
    """
    who = json.dumps(list(recipients))
    # Write first: the transaction takes the write lock at once and a second claimer
    # waits for it (SQLite busy_timeout, PostgreSQL row lock) instead of deadlocking.
    cur = tx.execute("INSERT INTO report_runs (kind, period, claimed_at, claimed_by,"
                     " recipients) VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING",
                     (kind, period, ts(now), by, who))
    if cur.rowcount == 1:
        return True
    row = tx.one("SELECT * FROM report_runs WHERE kind = ? AND period = ?", (kind, period))
    if row is None or row["sent_at"] is not None or row["claimed_at"] >= ts(lease_expired_before):
        return False
    cur = tx.execute("UPDATE report_runs SET claimed_at = ?, claimed_by = ?, recipients = ?"
                     " WHERE kind = ? AND period = ? AND sent_at IS NULL AND claimed_at = ?",
                     (ts(now), by, who, kind, period, row["claimed_at"]))
    return bool(cur.rowcount == 1)


def finish_run(tx: Tx, kind: str, period: str, now: datetime, error: str | None) -> None:
    """Sent: record when. Failed: give the claim back (claimed_at in the past) with the error."""
    if error is None:
        tx.execute("UPDATE report_runs SET sent_at = ?, error = NULL WHERE kind = ?"
                   " AND period = ?", (ts(now), kind, period))
    else:
        tx.execute("UPDATE report_runs SET error = ?, claimed_at = ? WHERE kind = ?"
                   " AND period = ? AND sent_at IS NULL",
                   (error[:500], "0000-00-00", kind, period))


def run(tx: Tx, kind: str, period: str) -> dict[str, Any] | None:
    return tx.one("SELECT * FROM report_runs WHERE kind = ? AND period = ?", (kind, period))
