"""What the Telegram channel keeps in the store (the SQL is in `escalator.storage.telegram`).

Kept as the channel's import point so its modules read `records.card(...)`.
"""

from __future__ import annotations

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

__all__ = ["CardRef", "Queued", "card", "chat_language", "enqueue", "is_queued", "queued",
           "queued_chats", "save_card", "set_chat_language", "take_back", "unqueue",
           "unqueue_one"]
