"""The timeline: what happened to each incident, in order, for people and the records.

`tx.timeline` of an open transaction. Each entry joins the audit chain in the
same transaction that writes it, so a changed or missing entry is noticed.

The rows are kept on the transaction and written together, in order, by one
multi-row INSERT just before the commit (`flush`, from `sql.Tx.finish`), or
earlier if a statement of the same transaction reads the timeline: a new alarm
writes two or three entries, a reminder round hundreds, and each statement costs
the store thread a hand-over of the GIL while the event loop is busy.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from escalator.domain.model import Entry
from escalator.storage import audit
from escalator.storage.rows import dt, ts
from escalator.storage.txbase import TxBase

COLUMNS = ("incident_id", "at", "reason", "party", "detail", "step")


class Timeline:
    def __init__(self, tx: TxBase) -> None:
        self._tx = tx

    def add(self, incident_id: int, entries: Iterable[Entry]) -> None:
        kept = self._tx.timeline_rows
        for e in entries:
            kept.append((incident_id, ts(e.at), e.reason.value, e.party, e.detail, e.step))
            audit.record_entries(self._tx, incident_id, (e,))  # same transaction: tamper-evident

    def flush(self) -> None:
        """Write the entries kept since the last flush, in the order they were added."""
        kept, self._tx.timeline_rows = self._tx.timeline_rows, []
        if kept:
            self._tx.insert_rows("timeline", COLUMNS, kept)

    def latest_at(self) -> datetime | None:
        """When the newest timeline entry was written (the clock's floor at start)."""
        row = self._tx.one("SELECT at FROM timeline ORDER BY id DESC LIMIT 1")
        return dt(row["at"]) if row else None

    def of_incident(self, incident_id: int) -> list[dict[str, Any]]:
        return self._tx.rows("SELECT at, reason, party, detail, step FROM timeline"
                             " WHERE incident_id = ? ORDER BY id", (incident_id,))
