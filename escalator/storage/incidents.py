"""The incidents table: one row per alarm instance, with its timer (`next_due`).

`tx.incidents` of an open transaction. It also remembers, for the commit, each
incident's timer and column values as the transaction leaves them: the waker is
woken for the earliest timer, the board shows the changed incidents anew, and
each incident's final state joins the audit chain once (`sql.Tx.finish`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from escalator.domain.model import Incident, State
from escalator.storage.rows import INCIDENT_COLUMNS, dt, incident_from_row, incident_values, ts
from escalator.storage.txbase import TxBase

CHUNK = 500  # ids per IN (...) list: well under SQLite's parameter limit


class Incidents:
    def __init__(self, tx: TxBase) -> None:
        self._tx = tx
        # each incident's timer as this transaction leaves it (a later save of the same
        # incident replaces an earlier one)
        self.timers: dict[int, datetime | None] = {}
        # each incident's column values as this transaction leaves it: one digest of each
        # joins the audit chain at finish() (escalator/storage/audit_records.py)
        self.written: dict[int, tuple[Any, ...]] = {}

    def add(self, inc: Incident, next_due: datetime | None) -> int:
        cols = ", ".join(INCIDENT_COLUMNS)
        marks = ",".join("?" * len(INCIDENT_COLUMNS))
        values = incident_values(inc, next_due)
        incident_id = self._tx.insert(f"INSERT INTO incidents ({cols}) VALUES ({marks})",
                                      values)
        self.timers[incident_id] = next_due
        self.written[incident_id] = values
        return incident_id

    def save(self, inc: Incident, next_due: datetime | None) -> None:
        self.timers[inc.id] = next_due
        sets = ", ".join(f"{c} = ?" for c in INCIDENT_COLUMNS)
        values = incident_values(inc, next_due)
        self.written[inc.id] = values
        self._tx.execute(f"UPDATE incidents SET {sets} WHERE id = ?", (*values, inc.id))

    def save_many(self, saved: Iterable[tuple[Incident, datetime | None]]) -> None:
        """Many incidents in one statement (the waker's batch, `tx.decisions.save`)."""
        pairs = list(saved)
        for inc, next_due in pairs:
            self.timers[inc.id] = next_due
        sets = ", ".join(f"{c} = ?" for c in INCIDENT_COLUMNS)
        written = [(incident_values(inc, next_due), inc.id) for inc, next_due in pairs]
        self.written.update((iid, values) for values, iid in written)
        self._tx.executemany(f"UPDATE incidents SET {sets} WHERE id = ?",
                             [(*values, iid) for values, iid in written])

    def get(self, incident_id: int) -> Incident | None:
        row = self._tx.one("SELECT * FROM incidents WHERE id = ?", (incident_id,))
        return incident_from_row(row) if row else None

    def by_id(self, ids: Iterable[int]) -> dict[int, Incident]:
        wanted, found = list(ids), {}
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start:start + CHUNK]
            for r in self._tx.rows("SELECT * FROM incidents WHERE id IN"
                                   f" ({','.join('?' * len(chunk))})", chunk):
                found[int(r["id"])] = incident_from_row(r)
        return found

    def open_or_resolved_since(self, dedup_key: str, since: datetime | None
                               ) -> tuple[Incident | None, Incident | None]:
        """The incident of this alarm not resolved yet, and if there is none, the latest
        one resolved at or after `since` (None: not looked for): what intake correlates
        an event with, read in one statement. COALESCE looks for the resolved one only
        when there is no open one, each by its index, and one row comes back."""
        if since is None:
            return self.open_one(dedup_key), None
        row = self._tx.one(
            "SELECT * FROM incidents WHERE id = COALESCE((SELECT id FROM incidents"
            " WHERE dedup_key = ? AND state <> 'resolved'), (SELECT id FROM incidents"
            " WHERE dedup_key = ? AND state = 'resolved' AND resolved_at >= ?"
            " ORDER BY resolved_at DESC LIMIT 1))", (dedup_key, dedup_key, ts(since)))
        if row is None:
            return None, None
        found = incident_from_row(row)
        return (None, found) if found.state is State.RESOLVED else (found, None)

    def open_one(self, dedup_key: str) -> Incident | None:
        """The incident of this alarm that is not resolved yet, if any."""
        row = self._tx.one("SELECT * FROM incidents WHERE dedup_key = ? AND state <> 'resolved'",
                           (dedup_key,))
        return incident_from_row(row) if row else None

    def listed(self, state: str | None = None, limit: int = 500) -> list[Incident]:
        if state == "open":  # "open" in a query means "not resolved yet"
            found = self._tx.rows("SELECT * FROM incidents WHERE state <> 'resolved'"
                                  " ORDER BY id DESC LIMIT ?", (limit,))
        elif state:
            found = self._tx.rows("SELECT * FROM incidents WHERE state = ?"
                                  " ORDER BY id DESC LIMIT ?", (state, limit))
        else:
            found = self._tx.rows("SELECT * FROM incidents ORDER BY id DESC LIMIT ?", (limit,))
        return [incident_from_row(r) for r in found]

    def page(self, state: str | None, limit: int, before: int | None) -> list[Incident]:
        """Newest first, ids below `before` (the API's cursor); "open": not resolved yet."""
        where: list[str] = ["id < ?"]
        params: list[Any] = [before if before is not None else 2**62]
        if state == "open":
            where.append("state <> 'resolved'")
        elif state:
            where.append("state = ?")
            params.append(state)
        found = self._tx.rows(f"SELECT * FROM incidents WHERE {' AND '.join(where)}"
                              " ORDER BY id DESC LIMIT ?", (*params, limit))
        return [incident_from_row(r) for r in found]

    def due(self, now: datetime, limit: int | None = None) -> list[Incident]:
        found = self._tx.rows("SELECT * FROM incidents WHERE next_due IS NOT NULL"
                              " AND next_due <= ? AND state <> 'resolved' ORDER BY next_due"
                              " LIMIT ?", (ts(now), -1 if limit is None else limit))
        return [incident_from_row(r) for r in found]

    def earliest_due(self) -> datetime | None:
        row = self._tx.one("SELECT MIN(next_due) AS due FROM incidents"
                           " WHERE next_due IS NOT NULL AND state <> 'resolved'")
        return dt(row["due"]) if row else None

    def count_by_state(self) -> dict[str, int]:
        return {r["state"]: int(r["n"]) for r in
                self._tx.rows("SELECT state, COUNT(*) AS n FROM incidents GROUP BY state")}
