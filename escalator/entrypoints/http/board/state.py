"""What the board keeps while the service runs: sessions, sign-in limits, change signals.

Built by the composition root (`Escalator.board`) so the demo can print a
one-time sign-in link and attach its outbox; the web handlers read it.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from escalator.domain.limits import LIVE_STREAMS, STREAMS_PER_SESSION
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


class Streams:
    """Live streams open at once, in all and per session: each holds a socket, a task
    and a render per change, so a script opening hundreds must not be served."""

    def __init__(self, total: int = LIVE_STREAMS, per_session: int = STREAMS_PER_SESSION
                 ) -> None:
        self.total, self.per_session = total, per_session
        self.open: Counter[str] = Counter()
        self.refused = 0

    def enter(self, session: str) -> bool:
        if sum(self.open.values()) >= self.total or self.open[session] >= self.per_session:
            self.refused += 1
            return False
        self.open[session] += 1
        return True

    def leave(self, session: str) -> None:
        self.open[session] -= 1
        if self.open[session] <= 0:
            del self.open[session]


class BoardState:
    def __init__(self) -> None:
        self.sessions = Sessions()
        self.limiter = LoginLimiter()
        self.changes = Changes()
        self.streams = Streams()
        self.outbox: Outbox | None = None  # only the demo has one
