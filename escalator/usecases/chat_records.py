"""What the Telegram channel and Telegram's way in keep in and read from the store.

Named operations, one transaction each, so `notify/telegram/` (which sends) and
`entrypoints/telegram/` (presses, commands) never hold a transaction or import the
store: they say what they want ("the card this chat shows for incident 17", "the
digest went out") and the SQL stays in `escalator.storage.telegram` and `Tx`.

The per-transaction functions are re-exported for tests that compose them with other
writes in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any

from escalator.domain.model import Incident
from escalator.storage.protocol import Store
from escalator.storage.sql import Tx
from escalator.storage.telegram import (
    CardRef,
    Queued,
    card,
    chat_language,
    enqueue,
    is_queued,
    queued,
    queued_chats,
    save_card,
    set_chat_language,
    take_back,
    unqueue,
    unqueue_one,
)

__all__ = ["CardRef", "ChatRecords", "Queued", "card", "chat_language", "enqueue", "is_queued",
           "queued", "queued_chats", "save_card", "set_chat_language", "take_back", "unqueue",
           "unqueue_one"]


class ChatRecords:
    """The Telegram side's port to the store: cards, chat languages, the digest queue,
    and the few incident reads a card, a command or a press needs."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # -- cards and languages --------------------------------------------------
    async def card(self, incident_id: int, chat: str) -> CardRef | None:
        """The message showing this incident in this chat (or the digest listing it)."""
        return await self._store.transaction(lambda tx: card(tx, incident_id, chat))

    async def save_card(self, incident_id: int, chat: str, message_id: int,
                        now: datetime) -> None:
        """Later edits for this incident in this chat go to this message."""
        await self._store.transaction(
            lambda tx: save_card(tx, incident_id, chat, message_id, now))

    async def chat_language(self, chat: str) -> str | None:
        return await self._store.transaction(lambda tx: chat_language(tx, chat))

    async def set_chat_language(self, chat: str, language: str) -> None:
        await self._store.transaction(lambda tx: set_chat_language(tx, chat, language))

    # -- the digest queue -----------------------------------------------------
    async def enqueue(self, chat: str, incident_id: int, delivery_id: int, reason: str,
                      detail: str, now: datetime) -> None:
        """Durably waiting for the chat's next digest (the delivery is not sent yet)."""
        await self._store.transaction(
            lambda tx: enqueue(tx, chat, incident_id, delivery_id, reason, detail, now))

    async def queued_chats(self) -> list[str]:
        return await self._store.transaction(queued_chats)

    async def digest(self, chat: str) -> tuple[list[Queued], dict[int, Incident]]:
        """What waits for this chat's digest, with the incidents it is about."""
        return await self._store.transaction(partial(_digest, chat=chat))

    async def digest_sent(self, chat: str, carried: Sequence[Queued], message_id: int,
                          now: datetime) -> None:
        """The notices are out: dequeued and their deliveries sent, in one transaction."""
        await self._store.transaction(partial(_digest_sent, chat=chat, carried=carried,
                                              message_id=message_id, now=now))

    async def take_back(self, delivery_id: int, chat: str) -> bool:
        """Out of the digest queue for the next contact; False: the digest carried it."""
        return await self._store.transaction(lambda tx: take_back(tx, delivery_id, chat))

    # -- incidents, as a card or a command shows them ---------------------------
    async def incident(self, incident_id: int) -> Incident | None:
        return await self._store.transaction(lambda tx: tx.incidents.get(incident_id))

    async def open_incidents(self, limit: int = 500) -> list[Incident]:
        return await self._store.transaction(lambda tx: tx.incidents.listed("open", limit=limit))

    async def timeline(self, incident_id: int) -> list[dict[str, Any]]:
        return await self._store.transaction(lambda tx: tx.timeline.of_incident(incident_id))

    async def is_open(self, dedup_key: str) -> bool:
        """Is an incident with this key open (say, from before a restart)?"""
        found = await self._store.transaction(lambda tx: tx.incidents.open_one(dedup_key))
        return found is not None


def _digest(tx: Tx, chat: str) -> tuple[list[Queued], dict[int, Incident]]:
    items = queued(tx, chat)
    incidents = {}
    for incident_id in {q.incident_id for q in items}:
        incident = tx.incidents.get(incident_id)
        if incident is not None:
            incidents[incident_id] = incident
    return items, incidents


def _digest_sent(tx: Tx, chat: str, carried: Sequence[Queued], message_id: int,
                 now: datetime) -> None:
    """Only a notice this digest still held is marked sent (`unqueue_one`): one the
    dispatcher took back for the next contact meanwhile is that contact's now. An
    incident without a card of its own in this chat points at the digest."""
    for q in carried:  # delivered now, not when it was queued
        if unqueue_one(tx, q.id):
            tx.deliveries.mark_sent(q.delivery_id, now, "telegram")
    for incident_id in {q.incident_id for q in carried}:
        if card(tx, incident_id, chat) is None:
            save_card(tx, incident_id, chat, message_id, now, digest=True)
