"""Taking an alarm event in: durable first, counted, then escalated by the service."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from escalator.domain.model import AlarmEvent
from escalator.escalation.service import IngestResult
from escalator.monitoring.metrics import Metrics
from escalator.usecases.context import Context

RECEIVED = "escalator_events_received_total"
REJECTED = "escalator_events_rejected_total"


@dataclass(frozen=True)
class Intake:
    context: Context
    ingest_event: Callable[[AlarmEvent], Awaitable[IngestResult]]
    metrics: Metrics
    # False while the service stops: an alarm taken then could not be sent before the
    # exit, so the sender is told to retry (it reaches this or another instance later)
    accepting: Callable[[], bool] = lambda: True

    def source_for(self, token: str) -> str | None:
        """The webhook source whose token this is; every token is compared, in constant
        time, so timing does not tell which sources exist."""
        found = None
        for sid, src in self.context.config.sources.items():
            secret = self.context.secret(src.token_env) if src.kind == "webhook" else None
            if secret and hmac.compare_digest(token.encode(), secret.encode()):
                found = sid
        return found

    async def ingest(self, event: AlarmEvent) -> IngestResult:
        """Stored and escalating when this returns, and counted (RECEIVED); StorageError
        if it could not be. The one way in for events: the HTTP intake and every
        listener and poller (SIA, ESPA, SMTP, MQTT, poll) call this."""
        result = await self.ingest_event(event)
        self.metrics.received(event.source, event.state)
        return result

    def rejected(self, reason: str) -> None:
        self.metrics.rejected(reason)
