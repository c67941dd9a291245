"""What every device receiver shares: the protocol and its context.

An adapter turns what a device says into `AlarmEvent`s and hands each one to
`ingest`, which returns only after the event is committed; only then does the
adapter acknowledge to the device (ACK, 250, ...), so an event the device was
told is received is never lost. Supervision is not done here: any event (a
heartbeat too) marks the source alive, and the service opens a "source silent"
incident when a source with `heartbeat_timeout` stays quiet.

`ingest` is `Intake.ingest` (escalator/usecases/intake.py), the one way in for events;
what a device's bytes mean is decoded by the pure codecs in escalator/codecs/.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from escalator.codecs import clean
from escalator.codecs.clean import multi_line, one_line
from escalator.config.model import SourceConfig
from escalator.domain.errors import StorageError
from escalator.domain.model import AlarmEvent
from escalator.i18n.codes import code_severity
from escalator.runtime.clock import Clock

log = logging.getLogger(__name__)

# Intake.ingest: returns once the event is committed (its result is not needed here)
Ingest = Callable[[AlarmEvent], Awaitable[object]]
LIMITS = {"code": 64, "point": 256, "text": 2000, "severity": 32, "id": 160}


class IntakeAdapter(Protocol):
    source_id: str

    async def start(self) -> None:
        """Open listeners or start polling; raise if that is impossible (port taken)."""

    async def stop(self) -> None:
        """Close listeners and wait for work in progress."""

    def health(self) -> dict[str, Any]:
        """`running` (listening / polling / connected or reconnecting) and details."""


@dataclass(frozen=True)
class IntakeContext:
    """Everything an adapter may use: its config, `Intake.ingest`, the clock, secrets."""

    source: SourceConfig
    ingest: Ingest
    clock: Clock
    secret: Callable[[str | None], str | None]
    # (code, point) of this source's open incidents, from storage (poll: no re-raise at start)
    open_alarms: Callable[[], Awaitable[set[tuple[str, str]]]] | None = None

    @property
    def options(self) -> Mapping[str, Any]:
        return self.source.options

    def event(self, code: str, state: str = "alarm", *, point: str = "", text: str = "",
              severity: str = "", occurred_at: datetime | None = None,
              event_id: str | None = None) -> AlarmEvent:
        """An event from this source, trimmed to the service's limits, severity from the codes.

        Every field is cleaned of control characters first (`codecs.clean`), so no
        channel or store can refuse an event a device was told we accepted."""
        code = _cut(one_line(code), "code") or "unknown"
        return AlarmEvent(
            source=self.source.id, code=code, state=state, received_at=self.clock.now(),
            point=_cut(one_line(point), "point"), text=_cut(multi_line(text), "text"),
            severity=_cut(one_line(severity), "severity") or code_severity(code),
            occurred_at=occurred_at,
            event_id=clean.event_id(event_id)[:LIMITS["id"]] if event_id else None)

    @staticmethod
    def stored_key(code: str, point: str) -> tuple[str, str]:
        """(code, point) as `event` stores them: what to compare with stored incidents."""
        return _cut(one_line(code), "code") or "unknown", _cut(one_line(point), "point")

    def heartbeat(self) -> AlarmEvent:
        return AlarmEvent(source=self.source.id, code="heartbeat", state="heartbeat",
                          received_at=self.clock.now())


def _cut(value: str, name: str) -> str:
    return value[:LIMITS[name]]


class Throttle:
    """At most one heartbeat per `every`: a panel polling each second must not flood storage."""

    def __init__(self, clock: Clock, every: timedelta) -> None:
        self.clock, self.every = clock, every
        self._last: datetime | None = None

    def due(self) -> bool:
        now = self.clock.now()
        if self._last is None or now - self._last >= self.every:
            self._last = now
            return True
        return False


def heartbeat_every(source: SourceConfig) -> timedelta:
    """How often link traffic is recorded as a sign of life: well inside the timeout."""
    if source.heartbeat_timeout is None:
        return timedelta(minutes=1)
    return min(timedelta(minutes=1), source.heartbeat_timeout / 4)


async def poll_forever(poll: Callable[[], Awaitable[bool]],
                       delay: Callable[[], timedelta]) -> None:
    """A poller's loop: poll, then wait `delay()` (its interval, or its backoff after a
    failure), for as long as the source runs."""
    while True:
        await poll()
        await asyncio.sleep(delay().total_seconds())


async def polled_alive(ctx: IntakeContext, throttle: Throttle, sent: int) -> None:
    """A good poll that sent no event is a sign of life (throttled); a store that cannot
    take the heartbeat now fails nothing: the next good poll tries again."""
    if not sent and throttle.due():
        with contextlib.suppress(StorageError):
            await ctx.ingest(ctx.heartbeat())
