"""What the board keeps while the service runs: sessions, sign-in limits, change signals.

Built by the composition root (`Escalator.board`) so the demo can print a
one-time sign-in link and attach its outbox; the web handlers read it.
"""

from __future__ import annotations

import asyncio

from escalator.entrypoints.http.board.auth import LoginLimiter, Sessions
from escalator.notify.outbox import Outbox


class Changes:
    """A version number that goes up on every change; live pages wait on it."""

    def __init__(self) -> None:
        self.version = 0
        self.closing = False
        self._waiters: set[asyncio.Event] = set()

    def notify(self) -> None:
        self.version += 1
        for event in self._waiters:
            event.set()

    def close(self) -> None:
        """The server is stopping: live streams end now instead of holding shutdown."""
        self.closing = True
        self.notify()

    async def wait(self, seen: int, timeout: float) -> int:
        """The version once it differs from `seen`, or after `timeout` seconds."""
        if self.version != seen or self.closing:
            return self.version
        event = asyncio.Event()
        self._waiters.add(event)
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            pass
        finally:
            self._waiters.discard(event)
        return self.version


class BoardState:
    def __init__(self) -> None:
        self.sessions = Sessions()
        self.limiter = LoginLimiter()
        self.changes = Changes()
        self.outbox: Outbox | None = None  # only the demo has one
