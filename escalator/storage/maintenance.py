"""SQL of maintenance windows set through the API, and of the incidents they hold.

`tx.maintenance` of an open transaction, so they join the caller's transaction: a
held incident and its hold row are committed together or not at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from escalator.domain.maintenance import MaintenanceWindow
from escalator.storage import audit
from escalator.storage.not_ended import NotEndedAt
from escalator.storage.rows import dt, ts
from escalator.storage.txbase import TxBase

# Audit kinds of windows set through the API (the file's windows: config.reloaded).
SET, RENEWED, ENDED = "maintenance.set", "maintenance.renewed", "maintenance.ended"


@dataclass(frozen=True)
class StoredWindow:
    """A window from the API with who set it and who last changed it."""

    window: MaintenanceWindow
    created_by: str
    created_at: datetime
    updated_by: str | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Hold:
    incident_id: int
    window_id: str
    reason: str  # the window's reason, kept for the notice when the hold ends
    until: datetime


def _window(row: dict[str, Any]) -> StoredWindow:
    starts, ends, created = dt(row["starts_at"]), dt(row["until"]), dt(row["created_at"])
    assert starts is not None and ends is not None and created is not None
    window = MaintenanceWindow(str(row["id"]), starts, ends, row["reason"],
                               tuple(json.loads(row["sources"])), tuple(json.loads(row["codes"])),
                               row["point"])
    return StoredWindow(window, row["created_by"], created, row["updated_by"],
                        dt(row["updated_at"]))


class Maintenance:
    """`tx.maintenance` of an open transaction."""

    def __init__(self, tx: TxBase) -> None:
        self._tx = tx
        self._current = NotEndedAt[MaintenanceWindow](
            lambda now: (s.window for s in self.windows_ending_after(now)), lambda w: w.ends)

    def add_window(self, window: MaintenanceWindow, by: str, now: datetime) -> int:
        """Stored and written to the audit chain in one transaction: who hid what, until when."""
        tx = self._tx
        self._current.forget()
        window_id = tx.insert(
            "INSERT INTO maintenance_windows (starts_at, until, reason, sources, codes, point,"
            " created_by, created_at) VALUES (?,?,?,?,?,?,?,?)",
            (ts(window.starts), ts(window.ends), window.reason, json.dumps(list(window.sources)),
             json.dumps(list(window.codes)), window.point, by, ts(now)))
        audit.record(tx, SET, at=now, actor=by, payload={
            "window": window_id, "from": ts(window.starts), "until": ts(window.ends),
            "work": window.reason, "source": list(window.sources), "code": list(window.codes),
            "point": window.point})
        return window_id

    def open_windows(self, now: datetime) -> int:
        """How many windows set through the API are current or planned."""
        tx = self._tx
        row = tx.one("SELECT COUNT(*) AS n FROM maintenance_windows WHERE until > ?", (ts(now),))
        return int(row["n"]) if row else 0

    def window(self, window_id: int) -> StoredWindow | None:
        tx = self._tx
        row = tx.one("SELECT * FROM maintenance_windows WHERE id = ?", (window_id,))
        return _window(row) if row else None

    def windows_ending_after(self, now: datetime) -> list[StoredWindow]:
        """Current and planned windows (ended ones are kept as a record, not returned)."""
        tx = self._tx
        rows = tx.rows("SELECT * FROM maintenance_windows WHERE until > ? ORDER BY starts_at, id",
                       (ts(now),))
        return [_window(r) for r in rows]

    def current(self, now: datetime) -> tuple[MaintenanceWindow, ...]:
        """The windows not ended at `now`, read once per transaction: intake asks for each
        new incident, and a batch's events each come with their own time (a later time's
        windows are among an earlier one's)."""
        return self._current.at(now)

    def set_until(self, window_id: int, until: datetime, by: str, now: datetime) -> None:
        """Renew (a later until) or end (until = now); audited like the window itself."""
        tx = self._tx
        self._current.forget()
        tx.execute("UPDATE maintenance_windows SET until = ?, updated_by = ?, updated_at = ?"
                   " WHERE id = ?", (ts(until), by, ts(now), window_id))
        audit.record(tx, ENDED if until <= now else RENEWED, at=now, actor=by,
                     payload={"window": window_id, "until": ts(until)})

    def add_hold(self, incident_id: int, window: MaintenanceWindow) -> None:
        """Replaces an earlier hold of the same incident (held, cleared, back again)."""
        tx = self._tx
        self.drop_hold(incident_id)
        tx.execute("INSERT INTO incident_holds (incident_id, window_id, reason, until)"
                   " VALUES (?,?,?,?)", (incident_id, window.id, window.reason, ts(window.ends)))

    def update_hold(self, incident_id: int, window: MaintenanceWindow) -> None:
        tx = self._tx
        tx.execute("UPDATE incident_holds SET window_id = ?, reason = ?, until = ?"
                   " WHERE incident_id = ?",
                   (window.id, window.reason, ts(window.ends), incident_id))

    def drop_hold(self, incident_id: int) -> None:
        tx = self._tx
        tx.execute("DELETE FROM incident_holds WHERE incident_id = ?", (incident_id,))

    def holds(self) -> list[Hold]:
        tx = self._tx
        rows = tx.rows("SELECT incident_id, window_id, reason, until FROM incident_holds"
                       " ORDER BY incident_id")
        found = []
        for r in rows:
            until = dt(r["until"])
            assert until is not None
            found.append(Hold(int(r["incident_id"]), r["window_id"], r["reason"], until))
        return found
