"""The Telegram channel: one card per incident per chat, edited in place.

`send` is what the dispatcher calls for each delivery:

- the chat has a card for the incident: edit it to the incident's state, and
  for a call to action (reminder, escalated to you, safety incident) add a
  short reply, because an edit does not make a phone ring;
- no card yet: post one, with its buttons;
- the chat's budget (20 messages a minute in a group) cannot take it, or a
  storm digest is already waiting: queue it durably for the next digest.

Returning means Telegram (or the durable digest queue) has the notice;
failures are raised as NotifyError so the dispatcher retries or falls back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from escalator.clock import Clock
from escalator.config.model import Config
from escalator.domain.availability import Contact, Directory
from escalator.domain.model import Reason
from escalator.notify.base import Message, Notifier
from escalator.notify.telegram import layout, records
from escalator.notify.telegram.budget import ChatBudget
from escalator.notify.telegram.cards import CardDesk
from escalator.notify.telegram.commands import Commands
from escalator.notify.telegram.connection import Connection
from escalator.notify.telegram.digest import DigestQueue
from escalator.notify.telegram.failures import to_notify_error
from escalator.notify.telegram.health import Reachability
from escalator.notify.telegram.notes import NoteDesk
from escalator.notify.telegram.outage import OutageAlarm
from escalator.notify.telegram.presses import PressHandler
from escalator.notify.telegram.settings import TelegramSettings
from escalator.service import EscalationService
from escalator.storage.sql import SqlStore

log = logging.getLogger(__name__)

PING_REASONS = {Reason.FIRST.value, Reason.RENOTIFY.value, Reason.ESCALATED.value,
                Reason.EXHAUSTED.value, Reason.SAFETY_INCIDENT.value,
                Reason.MAINTENANCE_ENDED.value}


class TelegramChannel:
    def __init__(
        self,
        settings: TelegramSettings,
        store: SqlStore,
        clock: Clock,
        service: EscalationService,
        config: Callable[[], Config],
        directory: Callable[[], Directory],
        notifiers: Callable[[], Mapping[str, Notifier]],
        fallback: Notifier,
        poke: Callable[[], None],
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.config = config
        self.reach = Reachability(clock, on_down=poke, secret=settings.token)
        self.budget = ChatBudget(settings.per_chat_per_minute)
        self.connection = Connection(settings, self.reach, self._install,
                                     lambda: config().facility.language,
                                     lambda: config().http.public_url)
        self.desk = CardDesk(lambda: self.connection.bot, store, clock, config, directory,
                             self.budget)
        self.digests = DigestQueue(store, clock, self.budget, self.desk, config)
        self.notes = NoteDesk(self.desk, clock)
        self.presses = PressHandler(self.desk, service, clock, config)
        self.commands = Commands(self.desk, clock, config, directory)
        self.outage = OutageAlarm(self.reach, settings, clock, config, notifiers, fallback)

    # -- lifecycle ------------------------------------------------------------
    async def start(self) -> None:
        await self.digests.load()
        await self.connection.start()

    async def stop(self) -> None:
        await self.connection.stop()

    def _install(self, app: Application) -> None:
        app.add_handler(CallbackQueryHandler(self.presses))
        for name, handler in self.commands.handlers().items():
            app.add_handler(CommandHandler(name, handler))

    async def pump(self) -> datetime | None:
        """Called on every tick: send waiting digests, watch for an outage; next due time."""
        found = [await self.digests.flush(), await self.outage.check()]
        due = [d for d in found if d is not None]
        return min(due) if due else None

    def health(self) -> dict[str, Any]:
        """Telegram being down does not fail /healthz: deliveries fall back, the manager is told."""
        return {"ok": True, "mode": self.settings.mode, **self.reach.snapshot(),
                "digest_waiting": self.digests.waiting()}

    # -- Notifier -------------------------------------------------------------
    async def send(self, contact: Contact, message: Message) -> None:
        chat, incident = contact.address, message.incident
        ref = await self.store.transaction(lambda tx: records.card(tx, incident.id, chat))
        if message.reason == Reason.NOTE.value:  # never from the alarms' budget
            await self.notes.send(chat, message, ref)
            return
        ping = message.reason in PING_REASONS and not message.update
        own_card = ref is not None and not ref.digest
        if own_card:
            cost = 2 if ping else 1
        else:  # informational news about a digest-listed alarm goes to the next digest
            cost = 1 if ping or ref is None else 0
        now = self.clock.now()
        if cost and not self.digests.pending(chat) \
                and self.budget.room(chat, now, self.budget.direct_limit) >= cost:
            lang = await self.desk.language(chat, message.language)
            try:
                shown = await self.desk.show(chat, incident, lang, ref)
                if ping and not shown.posted:
                    await self.desk.send_text(chat, layout.ping_text(incident, message.reason,
                                                                     lang),
                                              reply_to=shown.message_id)
            except TelegramError as exc:
                error = to_notify_error(exc, chat)
                log.warning("telegram delivery %s to %s failed (%s): %s", message.delivery_id,
                            chat, "will retry" if error.recoverable else "next contact", error)
                raise error from exc
            return
        await self.digests.add(chat, message)
