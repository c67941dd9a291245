"""Taking an alarm event in: durable first, counted, then escalated by the service."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from escalator.domain.model import AlarmEvent
from escalator.metrics import Metrics
from escalator.service import IngestResult
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
        """Stored and escalating when this returns; StorageError if it could not be."""
        return await self.ingest_event(event)

    def received(self, source: str, state: str) -> None:
        self.metrics.inc(RECEIVED, "Events accepted and stored, by source and state",
                         source=source, state=state)

    def rejected(self, reason: str) -> None:
        self.metrics.inc(REJECTED, "Events refused, by reason", reason=reason)
