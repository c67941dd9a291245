"""A batch of the service's decisions written in a few statements (the waker's round).

`tx.decisions` of an open transaction. A decision touches four aggregates (the
incident, its timeline, its outbox rows and its safety records); this is the one
place that writes them together, as `EscalationService._persist` writes one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from escalator.domain.model import Decision
from escalator.storage.deliveries import Deliveries
from escalator.storage.incidents import Incidents
from escalator.storage.safety import Safety
from escalator.storage.timeline import Timeline


class Decisions:
    def __init__(self, incidents: Incidents, timeline: Timeline, deliveries: Deliveries,
                 safety: Safety) -> None:
        self._incidents = incidents
        self._timeline = timeline
        self._deliveries = deliveries
        self._safety = safety

    def save(self, decisions: Iterable[Decision], now: datetime) -> None:
        """Many decisions: their incidents in one statement, then each one's rows in
        order (each row joins the audit chain in order)."""
        ds = list(decisions)
        self._incidents.save_many((d.incident, d.next_due) for d in ds)
        for d in ds:
            self._timeline.add(d.incident.id, d.entries)
            self._deliveries.add(d.incident.id, d.notices, now, d.incident)
            self._safety.add(d.incident.id, d.safety)
