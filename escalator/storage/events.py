"""The events table: every alarm event as it came in, by source and the source's id.

`tx.events` of an open transaction; a repeat of a (source, event id) is found here
before it can open or update an incident twice.
"""

from __future__ import annotations

from typing import Any

from escalator.domain.model import AlarmEvent
from escalator.storage.rows import ts
from escalator.storage.txbase import TxBase


class Events:
    def __init__(self, tx: TxBase) -> None:
        self._tx = tx

    def find(self, source: str, event_id: str) -> dict[str, Any] | None:
        return self._tx.one("SELECT * FROM events WHERE source = ? AND event_id = ?",
                            (source, event_id))

    def add(self, e: AlarmEvent, incident_id: int | None) -> int:
        return self._tx.insert(
            "INSERT INTO events (source, event_id, code, state, point, text, severity,"
            " occurred_at, received_at, incident_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (e.source, e.event_id, e.code, e.state, e.point, e.text, e.severity,
             ts(e.occurred_at), ts(e.received_at), incident_id),
        )

    def of_incident(self, incident_id: int) -> list[dict[str, Any]]:
        return self._tx.rows("SELECT * FROM events WHERE incident_id = ? ORDER BY id",
                             (incident_id,))
