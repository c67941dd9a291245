"""Safety records as decisions write them: an alarm nobody could be reached for, ...

`tx.safety` of an open transaction: the rows the service adds and the plain lists
the board and /metrics read. The register's pages, notes and reviews of these rows
are escalator/storage/register.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from escalator.domain.model import SafetyRecord
from escalator.storage.rows import ts
from escalator.storage.txbase import TxBase


class Safety:
    def __init__(self, tx: TxBase) -> None:
        self._tx = tx

    def add(self, incident_id: int, records: Iterable[SafetyRecord]) -> None:
        for r in records:
            self._tx.execute("INSERT INTO safety_incidents (incident_id, cause, at, detail)"
                             " VALUES (?,?,?,?)",
                             (incident_id, r.cause.value, ts(r.at), r.detail))

    def listed(self, limit: int = 500) -> list[dict[str, Any]]:
        return self._tx.rows(
            "SELECT s.id, s.incident_id, s.cause, s.at, s.detail, i.code, i.point, i.source,"
            " i.state FROM safety_incidents s JOIN incidents i ON i.id = s.incident_id"
            " ORDER BY s.id DESC LIMIT ?", (limit,))

    def count(self) -> int:
        row = self._tx.one("SELECT COUNT(*) AS n FROM safety_incidents")
        return int(row["n"]) if row else 0
