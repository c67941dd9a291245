"""Telegram staying unreachable is an alarm like any other.

Deliveries already fall back to people's next contact; this is about the
channel itself. After `alert_after` of continuous outage (on the service
clock) an event from the internal source `escalator` with code
`telegram_down` is ingested: an ordinary, durable incident that walks the
ladder its route gives it (reminders, escalation, acknowledgement), reaching
people on whatever contact works. When Telegram answers again the incident
is cleared with a `clear` event, so everyone told hears it is over. Events
carry ids, so a retry or a restart never opens a second incident.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from escalator.domain.model import AlarmEvent
from escalator.notify.telegram.bot_settings import TelegramSettings
from escalator.notify.telegram.reachability import Reachability
from escalator.runtime.clock import Clock

log = logging.getLogger(__name__)

SOURCE, CODE, POINT = "escalator", "telegram_down", "Telegram"
RETRY = timedelta(minutes=1)


class OutageAlarm:
    def __init__(self, reach: Reachability, settings: TelegramSettings, clock: Clock,
                 ingest: Callable[[AlarmEvent], Awaitable[object]],
                 is_open: Callable[[], Awaitable[bool]]) -> None:
        self.reach = reach
        self.settings = settings
        self.clock = clock
        self._ingest = ingest
        self._is_open = is_open
        self.raised_for: datetime | None = None  # start of the outage the alarm is about
        self._checked_after_start = False

    async def check(self) -> datetime | None:
        """Raise or clear the alarm; return when to look again (None: only on change)."""
        now, down = self.clock.now(), self.reach.down_since
        try:
            if down is None:
                if self.raised_for is not None or not self._checked_after_start:
                    if self.raised_for is not None or await self._is_open():
                        await self._event("clear", now, self.raised_for or now)
                    self.raised_for = None
                    self._checked_after_start = True
                return None
            if self.raised_for == down:
                return None
            due = down + self.settings.alert_after
            if now < due:
                return due
            await self._event("alarm", now, down)
            self.raised_for = down
            log.warning("telegram unreachable since %s: alarm raised", down.isoformat())
            return None
        except Exception:  # the store may be down too: try again shortly
            log.exception("telegram outage alarm could not be recorded")
            return now + RETRY

    async def _event(self, state: str, now: datetime, since: datetime) -> None:
        stamp = since.isoformat()
        await self._ingest(AlarmEvent(
            source=SOURCE, code=CODE, state=state, received_at=now, point=POINT,
            severity="high", text=self.reach.last_error or "",
            event_id=f"{CODE}:{state}:{stamp}"))
