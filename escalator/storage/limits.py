"""Counts the service's caps are checked against (issue 19, point 8)."""

from __future__ import annotations

from escalator.domain.model import Reason
from escalator.storage.statements import Statements as Tx


def notes_on(tx: Tx, incident_id: int) -> int:
    """How many notes an incident's timeline holds."""
    row = tx.one("SELECT COUNT(*) AS n FROM timeline WHERE incident_id = ? AND reason = ?",
                 (incident_id, Reason.NOTE.value))
    return int(row["n"]) if row else 0
