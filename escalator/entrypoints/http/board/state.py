"""What the board keeps while the service runs: sessions, sign-in limits, change signals.

Built by the composition root (`Escalator.board`) so the demo can print a
one-time sign-in link and attach its outbox; the web handlers read it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable

from escalator.domain.signin import SignInThrottle
from escalator.entrypoints.http.board.auth import Sessions
from escalator.notify.outbox import Outbox


class Changes:
    """A version number that goes up on every change, and which incidents each changed.

    Live pages wait on it and then read only the incidents named since the version
    they last saw (`since`), not the whole open list: a poke or a new alarm costs each
    open board one row, however many alarms are open. `notify()` without incidents
    means "anything may have changed" (a new config, new rosters): read it all again;
    `notify(())` wakes the pages without naming an incident (the outbox count, a
    signed-out session)."""

    KEEP = 1024  # changes remembered; a page further behind reads everything again

    def __init__(self) -> None:
        self.version = 0
        self.closing = False
        self._log: deque[tuple[int, frozenset[int] | None]] = deque(maxlen=self.KEEP)
        self._waiters: set[asyncio.Event] = set()

    def notify(self, incidents: Iterable[int] | None = None) -> None:
        self.version += 1
        self._log.append((self.version, None if incidents is None else frozenset(incidents)))
        for event in self._waiters:
            event.set()

    def since(self, seen: int) -> frozenset[int] | None:
        """The incidents changed after version `seen`; None: read everything again."""
        if seen >= self.version:
            return frozenset()
        if not self._log or self._log[0][0] > seen + 1:
            return None  # forgotten already
        found: set[int] = set()
        for version, incidents in reversed(self._log):
            if version <= seen:
                break
            if incidents is None:
                return None
            found |= incidents
        return frozenset(found)

    def close(self) -> None:
        """The server is stopping: live streams end now instead of holding shutdown."""
        self.closing = True
        self.notify(())

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
        self.limiter = SignInThrottle()
        self.changes = Changes()
        self.outbox: Outbox | None = None  # only the demo has one
