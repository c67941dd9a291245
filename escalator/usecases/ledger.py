"""What each actor answered lately, for the guards' "how often" and "the same again".

Kept in memory on the service's clock over the guards' window (escalator/domain/
guards.py `WINDOW`): a restart forgets the counts, which only ever lets more through,
and the state table still refuses what no longer fits.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta

from escalator.domain.guards import WINDOW, Past

Key = tuple[str, str]


class Ledger:
    def __init__(self, window: timedelta = WINDOW) -> None:
        self.window = window
        self._answers: dict[tuple[Key, int], deque[Past]] = {}
        self._notes: dict[Key, deque[datetime]] = {}
        self._lock = threading.Lock()  # recorded on the store's thread, read on the loop

    def past(self, key: Key, incident_id: int, now: datetime) -> tuple[Past, ...]:
        """This actor's answers on this incident within the window, oldest first."""
        with self._lock:
            found = self._answers.get((key, incident_id))
            while found and found[0].at <= now - self.window:
                found.popleft()
            return tuple(found or ())

    def notes(self, key: Key, now: datetime) -> tuple[datetime, ...]:
        """This actor's notes on every incident within the window."""
        with self._lock:
            found = self._notes.get(key)
            while found and found[0] <= now - self.window:
                found.popleft()
            return tuple(found or ())

    def record(self, key: Key, incident_id: int, past: Past, *, note: bool) -> None:
        with self._lock:
            self._forget(past.at)
            self._answers.setdefault((key, incident_id), deque()).append(past)
            if note:
                self._notes.setdefault(key, deque()).append(past.at)

    def _forget(self, now: datetime) -> None:
        """Drop actors whose last answer is older than the window (memory stays small)."""
        if len(self._answers) < 1000:
            return
        edge = now - self.window
        for k in [k for k, v in self._answers.items() if not v or v[-1].at <= edge]:
            del self._answers[k]
        for n in [n for n, v in self._notes.items() if not v or v[-1] <= edge]:
            del self._notes[n]
