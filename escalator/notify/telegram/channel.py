"""The Telegram channel: one card per incident per chat, edited in place.

`send` is what the dispatcher calls for each delivery:

- the chat has a card for the incident: edit it to the incident's state, and
  for a call to action (reminder, escalated to you, safety incident) add a
  short reply, because an edit does not make a phone ring;
- no card yet: post one, with its buttons;
- the chat's budget (20 messages a minute in a group) cannot take it, or a
  storm digest is already waiting: queue it durably for the next digest and
  raise `Held`: the notice is not delivered until the digest is sent (then
  the digest marks the delivery sent); if Telegram is down when the
  dispatcher checks after `fallback_after`, it is taken back for the next
  contact (`release`). A critical or high-severity alarm (a fire, a
  fire-loop fault) is never a digest line: it gets its own card at once.

Returning means Telegram accepted the notice; failures are raised as
NotifyError so the dispatcher retries or falls back.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from escalator.clock import Clock
from escalator.config.model import Config
from escalator.domain.availability import Contact, Directory
from escalator.domain.model import AlarmEvent, Reason
from escalator.errors import StorageError
from escalator.i18n.codes import is_urgent, severity_rank
from escalator.metrics import DOOR
from escalator.notify.base import Held, Message, Notifier
from escalator.notify.telegram import layout, records
from escalator.notify.telegram.budget import ChatBudget
from escalator.notify.telegram.cards import CardDesk
from escalator.notify.telegram.commands import Commands
from escalator.notify.telegram.connection import Connection
from escalator.notify.telegram.digest import DigestQueue
from escalator.notify.telegram.failures import to_notify_error
from escalator.notify.telegram.health import Reachability
from escalator.notify.telegram.notes import NoteDesk
from escalator.notify.telegram.outage import CODE as OUTAGE_CODE
from escalator.notify.telegram.outage import POINT as OUTAGE_POINT
from escalator.notify.telegram.outage import SOURCE as OUTAGE_SOURCE
from escalator.notify.telegram.outage import OutageAlarm
from escalator.notify.telegram.presses import PressHandler
from escalator.notify.telegram.settings import TelegramSettings
from escalator.service import EscalationService
from escalator.storage.sql import SqlStore
from escalator.usecases.answering import Command, Outcome

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
        # the answer use case, handed in by the composition root once it is built
        self.answer_with: Callable[[Command], Awaitable[Outcome]] | None = None
        self.presses = PressHandler(self.desk, self._answer, clock, config)
        self.commands = Commands(self.desk, clock, config, directory)
        self._chat_locks: dict[str, asyncio.Lock] = {}
        self._direct: dict[str, deque[tuple[datetime, int]]] = {}  # cards this minute: (at, rank)
        self.outage = OutageAlarm(self.reach, settings, clock, service.ingest,
                                  self._outage_open)

    async def _outage_open(self) -> bool:
        """Is a `telegram_down` incident still open (say, from before a restart)?"""
        key = AlarmEvent(source=OUTAGE_SOURCE, code=OUTAGE_CODE, state="clear",
                         received_at=self.clock.now(), point=OUTAGE_POINT).dedup_key
        found = await self.store.transaction(lambda tx: tx.incidents.open_one(key))
        return found is not None

    async def _answer(self, command: Command) -> Outcome:
        if self.answer_with is None:
            raise StorageError("telegram: presses are not wired to the answer use case yet")
        return await self.answer_with(command)

    # -- lifecycle ------------------------------------------------------------
    async def start(self) -> None:
        await self.digests.load()
        await self.connection.start()

    async def stop(self) -> None:
        await self.connection.stop()

    def _install(self, app: Application) -> None:
        app.add_handler(CallbackQueryHandler(self._pressed))
        for name, handler in self.commands.handlers().items():
            app.add_handler(CommandHandler(name, handler))

    async def _pressed(self, update: Any, context: Any) -> None:
        """A button press is an answer through Telegram's door (`metrics.DOOR`)."""
        DOOR.set("telegram")
        await self.presses(update, context)

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
        chat = contact.address
        lock = self._chat_locks.setdefault(chat, asyncio.Lock())
        async with lock:  # the budget is checked and spent without another send in between
            if await self._send_now(chat, message):
                return
        await self.digests.add(chat, message)
        raise Held()  # in the digest queue: not delivered until the digest goes out

    async def _send_now(self, chat: str, message: Message) -> bool:
        """Card (and ping) now, if the budget allows; False: it belongs in the digest."""
        incident = message.incident
        ref = await self.store.transaction(lambda tx: records.card(tx, incident.id, chat))
        if message.reason == Reason.NOTE.value:  # never from the alarms' budget
            await self.notes.send(chat, message, ref)
            return True
        ping = message.reason in PING_REASONS and not message.update
        own_card = ref is not None and not ref.digest
        if own_card:
            cost = 2 if ping else 1
        else:  # informational news about a digest-listed alarm goes to the next digest
            cost = 1 if ping or ref is None else 0
        now = self.clock.now()
        rank = severity_rank(incident.severity, incident.code)
        urgent = ping and is_urgent(incident.severity, incident.code) \
            and rank < self._flood_rank(chat, now)
        if not urgent and not (cost and not self.digests.pending(chat)
                               and self.budget.room(chat, now, self.budget.direct_limit) >= cost):
            return False
        lang = await self.desk.language(chat, message.language)
        try:  # the budget is spent by what Telegram accepts (CardDesk), not by attempts
            shown = await self.desk.show(chat, incident, lang, ref)  # a digest ref: new card
            if ping and not shown.posted:
                await self.desk.send_text(chat, layout.ping_text(incident, message.reason, lang),
                                          reply_to=shown.message_id)
        except TelegramError as exc:
            error = to_notify_error(exc, chat)
            log.warning("telegram delivery %s to %s failed (%s): %s", message.delivery_id,
                        chat, "will retry" if error.recoverable else "next contact", error)
            raise error from exc
        self._direct.setdefault(chat, deque()).append((now, rank))
        return True

    def _flood_rank(self, chat: str, now: datetime) -> int:
        """How severe what crowds the chat is: the digest queue, else this minute's cards.

        A critical or high alarm more severe than that (a fire during a flood of door
        alarms) gets its own card at once; one as severe as the flood (a storm of
        fire-loop faults) joins the digest like the rest.
        """
        if self.digests.pending(chat):
            return self.digests.rank(chat)
        recent = self._direct.get(chat, deque())
        while recent and recent[0][0] <= now - timedelta(minutes=1):
            recent.popleft()
        return min((r for _, r in recent), default=99)

    async def release(self, contact: Contact, delivery_id: int) -> str:
        """The dispatcher's check on a notice waiting in a digest (see notify.base.Holder),
        at the contact's fallback deadline: still waiting then (Telegram down, or the
        chat's budget full for that long), it is taken out for the next contact."""
        chat = contact.address
        taken = await self.store.transaction(
            lambda tx: records.take_back(tx, delivery_id, chat))
        return "released" if taken else "sent"
