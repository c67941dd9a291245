"""What the pages and the API are handed: plain values, not the store's row types.

A handler describes an incident, its timeline and the notices it caused; it never
imports `escalator.storage` to learn their shape (tests/unit/test_layers.py), so the
store may change how it keeps them and no door notices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from escalator.domain.model import Incident
from escalator.storage.rows import DeliveryRow

Entry = dict[str, Any]  # a timeline line: at (stored text, see `when`), reason, party, detail


def when(stored: str | None) -> datetime | None:
    """A timeline entry's `at` as a time (the store keeps ISO text, UTC)."""
    return datetime.fromisoformat(stored) if stored else None


@dataclass(frozen=True)
class Sent:
    """One notice in the delivery log, as a page or the API shows it."""

    id: int
    incident_id: int
    party: str
    reason: str
    status: str
    channel: str | None
    attempts: int
    error: str | None
    step: int | None
    loop: int
    is_update: bool
    detail: str
    created_at: datetime
    sent_at: datetime | None
    maybe_sent: bool

    @classmethod
    def of(cls, row: DeliveryRow) -> Sent:
        return cls(row.id, row.incident_id, row.party, row.reason, row.status, row.channel,
                   row.attempts, row.error, row.step, row.loop, row.is_update, row.detail,
                   row.created_at, row.sent_at, row.maybe_sent)


@dataclass(frozen=True)
class Story:
    """One alarm with what happened to it: the timeline, the notices, the events."""

    incident: Incident
    timeline: list[Entry]
    deliveries: list[Sent]
    events: list[dict[str, Any]]
