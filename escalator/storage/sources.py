"""The sources table: each alarm source's last sign of life, for the heartbeat watch.

`tx.sources` of an open transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from escalator.storage.rows import dt, ts
from escalator.storage.txbase import TxBase


class Sources:
    def __init__(self, tx: TxBase) -> None:
        self._tx = tx

    def get(self, source_id: str) -> dict[str, Any] | None:
        return self._tx.one("SELECT * FROM sources WHERE id = ?", (source_id,))

    def touch(self, source_id: str, at: datetime) -> dict[str, Any]:
        """The source was heard from at `at`; returns its row as written (so intake reads
        a "source silent" incident from the same statement that notes the sign of life)."""
        found = self._tx.rows("INSERT INTO sources (id, last_seen_at) VALUES (?, ?)"
                              " ON CONFLICT (id) DO UPDATE SET last_seen_at ="
                              " excluded.last_seen_at RETURNING *", (source_id, ts(at)))
        return found[0]

    def shift_heartbeats(self, by: timedelta, now: datetime) -> None:
        """The wall clock jumped forward `by`: move each source's last sign of life with
        it (never past `now`), so a heartbeat timeout counts only time that passed."""
        for row in self._tx.rows("SELECT id, last_seen_at FROM sources"):
            seen = dt(row["last_seen_at"])
            if seen is not None:
                self._tx.execute("UPDATE sources SET last_seen_at = ? WHERE id = ?",
                                 (ts(min(seen + by, now)), row["id"]))

    def set_silent(self, source_id: str, incident_id: int | None) -> None:
        self._tx.execute("UPDATE sources SET silent_incident_id = ? WHERE id = ?",
                         (incident_id, source_id))
