"""Per-chat message budget: Telegram allows about 20 messages a minute in a group.

Counted on the service's clock (a fake one in tests) over a sliding minute.
Every call that changes what a chat shows counts: new messages, replies and
edits. Routine sends may use only part of the budget (`direct_limit`), so
that a digest and the answers to people pressing buttons always find room.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=1)


class ChatBudget:
    def __init__(self, per_minute: int = 20) -> None:
        self.per_minute = per_minute
        self.direct_limit = max(1, per_minute // 2)
        self._calls: dict[str, deque[datetime]] = {}

    def used(self, chat: str, now: datetime) -> int:
        calls = self._calls.get(chat)
        if not calls:
            return 0
        while calls and calls[0] <= now - WINDOW:
            calls.popleft()
        return len(calls)

    def room(self, chat: str, now: datetime, limit: int | None = None) -> int:
        """How many more calls fit in this minute under `limit` (default: the full budget)."""
        return max(0, (limit or self.per_minute) - self.used(chat, now))

    def admit(self, chat: str, now: datetime, cost: int, limit: int | None = None) -> bool:
        """Take `cost` calls from the budget if they fit; nothing is taken otherwise."""
        if self.room(chat, now, limit) < cost:
            return False
        self.record(chat, now, cost)
        return True

    def record(self, chat: str, now: datetime, count: int = 1) -> None:
        calls = self._calls.setdefault(chat, deque())
        calls.extend([now] * count)

    def free_at(self, chat: str, now: datetime, cost: int = 1, limit: int | None = None
                ) -> datetime:
        """When `cost` more calls will fit: the moment enough old calls leave the window."""
        calls = self._calls.get(chat)
        excess = self.used(chat, now) + cost - (limit or self.per_minute)
        if not calls or excess <= 0:
            return now
        return calls[min(excess, len(calls)) - 1] + WINDOW
