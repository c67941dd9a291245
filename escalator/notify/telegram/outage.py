"""Tell the facility manager, through another channel, when Telegram stays unreachable.

Deliveries already fall back to people's next contact; this is about the
channel itself. After `alert_after` of continuous outage (on the service
clock) the parties in `channels.telegram.alert_to` (default: every ladder's
`on_exhausted` parties) get one notice on their first non-Telegram contact
that accepts it, and another when Telegram works again. A notice that no
channel accepted is tried again a minute later.

The notice is not about an incident, so the Message carries a stand-in
incident with id 0 and code `telegram_unreachable` (or `telegram_recovered`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from escalator.clock import Clock
from escalator.config.model import Config
from escalator.domain.availability import Party
from escalator.domain.model import Incident, State
from escalator.errors import NotifyError
from escalator.notify.base import Message, Notifier
from escalator.notify.telegram.health import Reachability
from escalator.notify.telegram.settings import TelegramSettings
from escalator.notify.telegram.texts import t

log = logging.getLogger(__name__)

RETRY = timedelta(minutes=1)


class OutageAlarm:
    def __init__(self, reach: Reachability, settings: TelegramSettings, clock: Clock,
                 config: Callable[[], Config], notifiers: Callable[[], Mapping[str, Notifier]],
                 fallback: Notifier) -> None:
        self.reach = reach
        self.settings = settings
        self.clock = clock
        self.config = config
        self.notifiers = notifiers
        self.fallback = fallback
        self.told_since: datetime | None = None  # start of the outage the manager heard of

    async def check(self) -> datetime | None:
        """Tell whoever needs telling; return when to look again (None: only on change)."""
        now, down = self.clock.now(), self.reach.down_since
        if down is None:
            if self.told_since is not None:
                if not await self._tell("recovered", self.told_since, now):
                    return now + RETRY
                self.told_since = None
            return None
        if self.told_since == down:
            return None
        due = down + self.settings.alert_after
        if now < due:
            return due
        if not await self._tell("outage", down, now):
            return now + RETRY
        self.told_since = down
        return None

    def recipients(self) -> list[Party]:
        config = self.config()
        ids = self.settings.alert_to or tuple(
            dict.fromkeys(p for ladder in config.ladders.values() for p in ladder.on_exhausted))
        return [config.parties[p] for p in ids if p in config.parties]

    async def _tell(self, kind: str, since: datetime, now: datetime) -> bool:
        parties = self.recipients()
        if not parties:
            log.error("telegram %s: nobody to tell (set channels.telegram.alert_to)", kind)
            return True
        told = [await self._tell_party(p, kind, since, now) for p in parties]
        return any(told)

    async def _tell_party(self, party: Party, kind: str, since: datetime, now: datetime) -> bool:
        message = self._message(party, kind, since, now)
        for contact in party.contacts:
            if contact.channel == "telegram":
                continue
            notifier = self.notifiers().get(contact.channel) or self.fallback
            try:
                await notifier.send(contact, message)
            except NotifyError as exc:
                log.warning("telegram %s notice to %s via %s failed: %s", kind, party.id,
                            contact.channel, exc)
                continue
            log.warning("telegram %s: told %s via %s", kind, party.id, contact.channel)
            return True
        return False

    def _message(self, party: Party, kind: str, since: datetime, now: datetime) -> Message:
        config = self.config()
        lang = party.language or config.facility.language
        zone = ZoneInfo(config.facility.timezone)

        def fmt(d: datetime) -> str:
            return d.astimezone(zone).strftime("%d.%m.%Y %H:%M")

        minutes = int((now - since).total_seconds() // 60)
        text = t(lang, f"{kind}.text", since=fmt(since), until=fmt(now), minutes=minutes,
                 error=self.reach.last_error or "-")
        subject = t(lang, f"{kind}.subject", facility=config.facility.name)
        code = "telegram_unreachable" if kind == "outage" else "telegram_recovered"
        stand_in = Incident(
            id=0, source="escalator", code=code, point="Telegram", text=text, severity="high",
            ladder="", state=State.OPEN if kind == "outage" else State.RESOLVED,
            opened_at=since, last_seen_at=now)
        return Message(delivery_id=0, incident=stand_in, party=party.id, party_name=party.name,
                       reason=code.upper(), step=None, detail=self.reach.last_error or "",
                       update=kind != "outage", language=lang, subject=subject, text=text,
                       ack_url="")
