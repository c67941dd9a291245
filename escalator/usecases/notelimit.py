"""How many notes one link and one person may send: enough to talk, not to flood.

Every note from a link goes to every party told of the alarm, by chat, e-mail
and SMS. Without a limit one link (or a script holding it) can send hundreds
and bury the ward chat. Counted in memory on the service's clock over a
sliding window: a restart forgets the counts, which only ever lets more through.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=10)
PER_LINK = 5  # notes per link (one party on one incident) per window
PER_PERSON = 10  # notes per person (a party, or an API token's owner) per window
MAX_KEYS = 10_000  # links and people counted at once; expired ones are dropped past this


class NoteLimiter:
    def __init__(self, per_link: int = PER_LINK, per_person: int = PER_PERSON,
                 window: timedelta = WINDOW) -> None:
        self.limits = {"link": per_link, "person": per_person}
        self.window = window
        self._sent: dict[Hashable, deque[datetime]] = {}

    def admit(self, link: Hashable, person: Hashable, now: datetime) -> timedelta | None:
        """None, and the note is counted; else how long until one more is allowed."""
        keys = (("link", link), ("person", person))
        waits = [self._wait(key, now) for key in keys]
        blocked = [w for w in waits if w is not None]
        if blocked:
            return max(blocked)
        if len(self._sent) >= MAX_KEYS:
            self._forget(now)
        for key in keys:
            self._sent.setdefault(key, deque()).append(now)
        return None

    def _forget(self, now: datetime) -> None:
        """Drop the counts that no longer hold anyone back (memory stays bounded)."""
        stale = now - self.window
        for key in [k for k, sent in self._sent.items() if not sent or sent[-1] <= stale]:
            del self._sent[key]

    def _wait(self, key: tuple[str, Hashable], now: datetime) -> timedelta | None:
        sent = self._sent.get(key)
        if not sent:
            return None
        while sent and sent[0] <= now - self.window:
            sent.popleft()
        if len(sent) < self.limits[key[0]]:
            return None
        return sent[len(sent) - self.limits[key[0]]] + self.window - now
