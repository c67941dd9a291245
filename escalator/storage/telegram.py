"""What the Telegram channel keeps in the store, as functions of a transaction.

- `telegram_messages`: which message shows an incident in a chat, so the
  card is edited in place, also after a restart.
- `telegram_queue`: notices held back by a chat's rate budget until they go
  out together in a digest. Such a notice is not delivered: its delivery row
  is held (`queued`) until the digest carrying it is sent (`Tx.deliveries.mark_sent`),
  or the dispatcher takes it back for the next contact (`take_back`): the queue
  row is the token of ownership, so exactly one of the two happens.
- `telegram_chats`: per-chat choices (`/language`).

SQL lives in the storage package; `escalator.usecases.chat_records` re-exports these.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from escalator.storage.rows import dt, ts
from escalator.storage.sql import Tx


@dataclass(frozen=True)
class CardRef:
    message_id: int
    digest: bool  # listed in a digest message, not a card of its own


@dataclass(frozen=True)
class Queued:
    id: int
    chat_id: str
    incident_id: int
    delivery_id: int
    reason: str
    detail: str
    queued_at: datetime


def card(tx: Tx, incident_id: int, chat_id: str) -> CardRef | None:
    row = tx.one("SELECT message_id, digest FROM telegram_messages"
                 " WHERE incident_id = ? AND chat_id = ?", (incident_id, chat_id))
    return CardRef(int(row["message_id"]), bool(row["digest"])) if row else None


def save_card(tx: Tx, incident_id: int, chat_id: str, message_id: int, now: datetime,
              *, digest: bool = False) -> None:
    tx.execute("INSERT INTO telegram_messages (incident_id, chat_id, message_id, digest,"
               " updated_at) VALUES (?,?,?,?,?) ON CONFLICT (incident_id, chat_id) DO UPDATE"
               " SET message_id = excluded.message_id, digest = excluded.digest,"
               " updated_at = excluded.updated_at",
               (incident_id, chat_id, message_id, int(digest), ts(now)))


def enqueue(tx: Tx, chat_id: str, incident_id: int, delivery_id: int, reason: str,
            detail: str, now: datetime) -> None:
    """Idempotent per delivery: a delivery re-sent after a crash is queued once."""
    tx.execute("INSERT INTO telegram_queue (chat_id, incident_id, delivery_id, reason, detail,"
               " queued_at) VALUES (?,?,?,?,?,?) ON CONFLICT (delivery_id, chat_id) DO NOTHING",
               (chat_id, incident_id, delivery_id, reason, detail, ts(now)))


def queued_chats(tx: Tx) -> list[str]:
    return [r["chat_id"] for r in
            tx.rows("SELECT DISTINCT chat_id FROM telegram_queue ORDER BY chat_id")]


def queued(tx: Tx, chat_id: str, limit: int = 5000) -> list[Queued]:
    found = tx.rows("SELECT * FROM telegram_queue WHERE chat_id = ? ORDER BY id LIMIT ?",
                    (chat_id, limit))
    return [Queued(int(r["id"]), r["chat_id"], int(r["incident_id"]), int(r["delivery_id"]),
                   r["reason"], r["detail"], dt(r["queued_at"]) or datetime.min)
            for r in found]


def unqueue(tx: Tx, ids: Iterable[int]) -> None:
    for item_id in ids:
        unqueue_one(tx, item_id)


def unqueue_one(tx: Tx, item_id: int) -> bool:
    """Out of the queue; False if it was no longer there (taken back for a fallback)."""
    return bool(tx.execute("DELETE FROM telegram_queue WHERE id = ?", (item_id,)).rowcount)


def chat_language(tx: Tx, chat_id: str) -> str | None:
    row = tx.one("SELECT language FROM telegram_chats WHERE chat_id = ?", (chat_id,))
    return row["language"] if row else None


def set_chat_language(tx: Tx, chat_id: str, language: str) -> None:
    tx.execute("INSERT INTO telegram_chats (chat_id, language) VALUES (?, ?)"
               " ON CONFLICT (chat_id) DO UPDATE SET language = excluded.language",
               (chat_id, language))


def is_queued(tx: Tx, delivery_id: int, chat_id: str) -> bool:
    return tx.one("SELECT 1 AS x FROM telegram_queue WHERE delivery_id = ? AND chat_id = ?",
                  (delivery_id, chat_id)) is not None


def take_back(tx: Tx, delivery_id: int, chat_id: str) -> bool:
    """Out of the digest queue (the dispatcher falls back); False if it was sent meanwhile."""
    cur = tx.execute("DELETE FROM telegram_queue WHERE delivery_id = ? AND chat_id = ?",
                     (delivery_id, chat_id))
    return bool(cur.rowcount)
