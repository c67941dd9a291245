"""The `voice_calls` table: which call a delivery placed, and which key was pressed on it.

A gateway tells us twice about one call: the key press (while the call is on)
and the hang-up (always, answered or not). The hang-up alone cannot say
whether the hotline took the alarm, so the key press is written here first
and the hang-up reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from escalator.storage.rows import ts
from escalator.storage.sql import Tx


@dataclass(frozen=True)
class VoiceCall:
    delivery_id: int
    incident_id: int
    party: str
    address: str
    call_ref: str | None
    digit: str | None
    ended: bool


def placed(tx: Tx, delivery_id: int, incident_id: int, party: str, address: str,
           call_ref: str | None, at: datetime) -> None:
    """A new call for this delivery (a fallback to a second number replaces the first)."""
    tx.execute("DELETE FROM voice_calls WHERE delivery_id = ?", (delivery_id,))
    tx.execute("INSERT INTO voice_calls (delivery_id, incident_id, party, address, call_ref,"
               " placed_at) VALUES (?,?,?,?,?,?)",
               (delivery_id, incident_id, party, address, call_ref, ts(at)))


def call(tx: Tx, delivery_id: int) -> VoiceCall | None:
    row = tx.one("SELECT * FROM voice_calls WHERE delivery_id = ?", (delivery_id,))
    if row is None:
        return None
    return VoiceCall(int(row["delivery_id"]), int(row["incident_id"]), row["party"],
                     row["address"], row["call_ref"], row["digit"], row["ended_at"] is not None)


def pressed(tx: Tx, delivery_id: int, incident_id: int, party: str, digit: str,
            at: datetime) -> None:
    """The key, kept even if the call's own record was lost (it is what the hang-up asks)."""
    if call(tx, delivery_id) is None:
        tx.execute("INSERT INTO voice_calls (delivery_id, incident_id, party, address,"
                   " placed_at) VALUES (?,?,?,'',?)", (delivery_id, incident_id, party, ts(at)))
    tx.execute("UPDATE voice_calls SET digit = ?, pressed_at = ? WHERE delivery_id = ?",
               (digit, ts(at), delivery_id))


def ended(tx: Tx, delivery_id: int, outcome: str, at: datetime) -> VoiceCall | None:
    """Mark the call over; the call as it was before, so a repeated hang-up is seen."""
    before = call(tx, delivery_id)
    if before is not None and not before.ended:
        tx.execute("UPDATE voice_calls SET ended_at = ?, outcome = ? WHERE delivery_id = ?",
                   (ts(at), outcome[:100], delivery_id))
    return before
