"""Storm coalescing: notices a chat's budget cannot take now go out together, later.

`add` stores the notice durably (the delivery is `queued`, not delivered);
`flush` sends each chat's queue as one digest message (more
only when it exceeds 4096 characters) as soon as the chat's budget has
room, and says when to try again otherwise. Nothing is dropped: a notice
leaves the queue only in the transaction that records the message that
carried it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from telegram.error import TelegramError

from escalator.clock import Clock
from escalator.config.model import Config
from escalator.domain.model import Incident
from escalator.i18n.codes import severity_rank
from escalator.notify.base import Message
from escalator.notify.telegram import layout, records
from escalator.notify.telegram.budget import ChatBudget
from escalator.notify.telegram.cards import CardDesk
from escalator.notify.telegram.records import Queued
from escalator.storage.sql import SqlStore, Tx

log = logging.getLogger(__name__)

RETRY_AFTER_FAILURE = timedelta(seconds=30)


class DigestQueue:
    def __init__(self, store: SqlStore, clock: Clock, budget: ChatBudget, desk: CardDesk,
                 config: Callable[[], Config]) -> None:
        self.store = store
        self.clock = clock
        self.budget = budget
        self.desk = desk
        self.config = config
        self._pending: dict[str, int] = {}  # chat -> generation, bumped by every add
        self._rank: dict[str, int] = {}  # chat -> most severe rank waiting (0: critical)
        self._lock = asyncio.Lock()

    async def load(self) -> None:
        """After a restart: chats that still have notices waiting."""
        chats = await self.store.transaction(records.queued_chats)
        self._pending = {chat: 0 for chat in chats}

    def pending(self, chat: str) -> bool:
        return chat in self._pending

    def waiting(self) -> list[str]:
        """Chats with notices waiting for a digest (shown in /healthz)."""
        return sorted(self._pending)

    async def add(self, chat: str, message: Message) -> None:
        now = self.clock.now()

        def work(tx: Tx) -> None:
            records.enqueue(tx, chat, message.incident.id, message.delivery_id, message.reason,
                            message.detail, now)

        await self.store.transaction(work)
        self._pending[chat] = self._pending.get(chat, 0) + 1
        inc = message.incident
        self._rank[chat] = min(self._rank.get(chat, 99), severity_rank(inc.severity, inc.code))

    def rank(self, chat: str) -> int:
        """Severity rank of the most severe notice waiting for this chat's digest."""
        return self._rank.get(chat, 99)

    async def flush(self) -> datetime | None:
        """Send what the budgets allow; the earliest time another flush can send more."""
        async with self._lock:
            due: datetime | None = None
            for chat in sorted(self._pending):
                nxt = await self._flush_chat(chat, self.clock.now())
                if nxt is not None:
                    due = nxt if due is None else min(due, nxt)
            return due

    async def _flush_chat(self, chat: str, now: datetime) -> datetime | None:
        room = self.budget.room(chat, now)
        if room <= 0:
            return self.budget.free_at(chat, now)
        generation = self._pending[chat]
        items, incidents = await self.store.transaction(lambda tx: _load(tx, chat))
        if not items:  # taken back for a fallback contact meanwhile
            if self._pending.get(chat) == generation:
                del self._pending[chat]
                self._rank.pop(chat, None)
            return None
        lang = await self.desk.language(chat)
        parts = layout.digest_parts(items, incidents, lang)
        timeout = self.config().delivery.send_timeout.total_seconds()
        for part in parts[:room]:
            try:  # bounded like any send: a hanging Bot API must not hold the pump
                message_id = await asyncio.wait_for(self.desk.send_text(chat, part.text),
                                                    timeout)
            except (TelegramError, TimeoutError) as exc:
                log.warning("telegram digest to %s not sent: %r", chat, exc)
                return now + RETRY_AFTER_FAILURE
            carried = [q for q in items if q.id in set(part.item_ids)]
            await self.store.transaction(partial(_sent, chat=chat, carried=carried,
                                                 message_id=message_id, now=self.clock.now()))
        if len(parts) > room:
            return self.budget.free_at(chat, now)
        if self._pending.get(chat) == generation:  # nothing was added while we were sending
            del self._pending[chat]
            self._rank.pop(chat, None)
            return None
        return now


def _load(tx: Tx, chat: str) -> tuple[list[Queued], dict[int, Incident]]:
    items = records.queued(tx, chat)
    incidents = {}
    for incident_id in {q.incident_id for q in items}:
        incident = tx.incidents.get(incident_id)
        if incident is not None:
            incidents[incident_id] = incident
    return items, incidents


def _sent(tx: Tx, chat: str, carried: list[Queued], message_id: int, now: datetime) -> None:
    """The notices are out: dequeue them; incidents without a card point at the digest.

    Only a notice this digest still held is marked sent (`carry`): one the dispatcher
    took back for the next contact meanwhile is that contact's now."""
    for q in carried:  # delivered now, not when it was queued
        if records.unqueue_one(tx, q.id):
            tx.deliveries.mark_sent(q.delivery_id, now, "telegram")
    for incident_id in {q.incident_id for q in carried}:
        if records.card(tx, incident_id, chat) is None:
            records.save_card(tx, incident_id, chat, message_id, now, digest=True)
