"""The demo's outbox: every message kept, as its reader would see it, instead of sent.

`escalator demo` has no Telegram bot, no mail server and no SMS account, but
the point of the demo is to see what the nurse, the vendor, the contractor
and maintenance would get. This notifier accepts every channel, renders the
message with the same functions the real channels use (the Telegram card and
its buttons, the e-mail's subject and body, the SMS text fitted to GSM-7
segments, the webhook's JSON) and keeps the last few hundred in memory for
the board's outbox page. Nothing leaves the machine.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, cast

from escalator.config.model import Config
from escalator.domain.availability import Contact, Directory
from escalator.domain.model import Incident
from escalator.notify.base import Message, Notifier
from escalator.notify.sms import sms_text
from escalator.notify.speech import call_text
from escalator.notify.telegram.layout import Button, ping_text
from escalator.notify.voice import VoiceNotifier
from escalator.notify.webhook import payload
from escalator.runtime.clock import Clock
from escalator.usecases.chat_records import ChatRecords

if TYPE_CHECKING:
    from telegram import Bot

KEEP = 300  # a demo left running for a day stays small

CardRenderer = Callable[[Incident, str], Awaitable[tuple[str, list[list[Button]]]]]


@dataclass(frozen=True)
class Kept:
    """One message as its reader got it."""

    id: int
    at: datetime
    channel: str
    party: str
    party_name: str
    address: str
    incident_id: int
    reason: str
    language: str
    update: bool
    title: str  # the e-mail's subject, the chat's ping, the SMS's sender
    text: str  # the body, as shown
    link: str  # the ack link in the message (e-mail, SMS, webhook)


class Outbox:
    """A Notifier for every channel; `on_new` is told about each kept message."""

    def __init__(self, clock_now: Callable[[], datetime], facility: Callable[[], str],
                 on_new: Callable[[], None] | None = None,
                 sms_replies: Callable[[], bool] = lambda: False) -> None:
        self._now = clock_now
        self._facility = facility
        self._sms_replies = sms_replies  # the SMS channel takes replies: its texts say how
        self.on_new = on_new or (lambda: None)
        self._kept: deque[Kept] = deque(maxlen=KEEP)
        self._next = 1
        self.card: CardRenderer | None = None  # set once the app exists (it renders cards)

    @property
    def count(self) -> int:
        """Messages kept so far (the newest one's number)."""
        return self._next - 1

    def messages(self) -> list[Kept]:
        """Newest first."""
        return list(reversed(self._kept))

    def get(self, kept_id: int) -> Kept | None:
        return next((k for k in self._kept if k.id == kept_id), None)

    def channels(self, names: Iterable[str]) -> dict[str, Notifier]:
        """One notifier per channel, each taking what the real channel takes: the
        dispatcher gives an update the real voice channel would not phone to the party's
        next contact, and so it does for the outbox's voice (`carries_updates`)."""
        return {name: _Channel(self, CARRIES_UPDATES.get(name, True)) for name in names}

    async def send(self, contact: Contact, message: Message) -> None:
        title, text = render(contact.channel, message, self._facility(), self._now(),
                             sms_replies=self._sms_replies())
        self._kept.append(Kept(
            id=self._next, at=self._now(), channel=contact.channel, party=message.party,
            party_name=message.party_name, address=contact.address,
            incident_id=message.incident.id, reason=message.reason,
            language=message.language, update=message.update, title=title, text=text,
            link=message.ack_url))
        self._next += 1
        self.on_new()


# Channels that carry only calls to act, as the real ones declare it.
CARRIES_UPDATES = {"voice": VoiceNotifier.carries_updates}


class _Channel:
    """The outbox seen as one channel (see `Outbox.channels`)."""

    def __init__(self, outbox: Outbox, carries_updates: bool) -> None:
        self.outbox = outbox
        self.carries_updates = carries_updates

    async def send(self, contact: Contact, message: Message) -> None:
        await self.outbox.send(contact, message)


def render(channel: str, message: Message, facility: str, now: datetime, *,
           sms_replies: bool = False) -> tuple[str, str]:
    """(title, text) exactly as the channel would put it in front of its reader."""
    if channel == "telegram":  # the card is rendered live, as Telegram edits it; news
        from escalator.notify.telegram.channel import PING_REASONS  # loaded only if in use

        if message.reason in PING_REASONS and not message.update:  # that rings: a ping
            return ping_text(message.incident, message.reason, message.language), ""
        return "", ""
    if channel == "sms":
        return facility, sms_text(message, facility, replies=sms_replies)
    if channel == "voice":  # the words the phone call speaks
        return message.party_name, call_text(message.incident, message.reason, message.language,
                                             facility, message.tz, now, message.detail)
    if channel == "webhook":
        return "POST application/json", json.dumps(payload(message), ensure_ascii=False,
                                                   indent=2)
    return message.subject, message.text  # e-mail (plain-text part) and anything else


def card_renderer(records: ChatRecords, clock: Clock, config: Callable[[], Config],
                  directory: Callable[[], Directory]) -> CardRenderer:
    """The Telegram card and its buttons for an incident, from the channel's own desk
    (which never calls Telegram to render). Imported here: a service without
    Telegram never loads its library."""
    from escalator.notify.telegram.budget import ChatBudget
    from escalator.notify.telegram.cards import CardDesk

    desk = CardDesk(cast("Callable[[], Bot]", lambda: None), records, clock, config, directory,
                    ChatBudget())

    async def card(incident: Incident, lang: str) -> tuple[str, list[list[Button]]]:
        text, keys = await desk.render(incident, lang)
        rows = [[(b.text, str(b.callback_data)) for b in row]
                for row in keys.inline_keyboard] if keys else []
        return text, rows

    return card
