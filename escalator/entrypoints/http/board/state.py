"""What the board keeps while the service runs: sessions, sign-in limits, change signals.

Built by the composition root (`Escalator.board`) so the demo can print a
one-time sign-in link and attach its outbox; the web handlers read it.
"""

from __future__ import annotations

import asyncio
from collections import Counter, OrderedDict, deque
from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import Any, TypeVar

from escalator.domain.limits import LIVE_STREAMS, STREAMS_PER_SESSION
from escalator.domain.signin import SignInThrottle
from escalator.entrypoints.http.board.auth import Sessions, check
from escalator.notify.outbox import Outbox

T = TypeVar("T")


class Changes:
    """A version number that goes up on every change, and which incidents each changed.

    Live pages wait on it and then read only the incidents named since the version
    they last saw (`since`), not the whole open list: a poke or a new alarm costs each
    open board one row, however many alarms are open. `notify()` without incidents
    means "anything may have changed" (a new config, new rosters): read it all again;
    `notify(())` wakes the pages without naming an incident (the outbox count, a
    signed-out session)."""

    KEEP = 1024  # changes remembered; a page further behind reads everything again
    GATHER_S = 0.1  # a burst of changes wakes the pages once, this long after its first

    def __init__(self) -> None:
        self.version = 0
        self.closing = False
        self._log: deque[tuple[int, frozenset[int] | None]] = deque(maxlen=self.KEEP)
        self._waiters: set[asyncio.Event] = set()
        self._wake: asyncio.TimerHandle | None = None

    def notify(self, incidents: Iterable[int] | None = None) -> None:
        """Note a change now; wake the pages a moment later (GATHER_S), once for a burst:
        the intake that made the change answers first, and fifty pages read twenty new
        alarms together instead of one by one."""
        self.version += 1
        self._log.append((self.version, None if incidents is None else frozenset(incidents)))
        if self._waiters and self._wake is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no loop (a script): nobody is waiting anyway
                self._wake_all()
                return
            self._wake = loop.call_later(self.GATHER_S, self._wake_all)

    def _wake_all(self) -> None:
        self._wake = None
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
        self._wake_all()

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


class Shared:
    """Work every open live stream would otherwise do for itself, done once.

    Fifty boards woken by one change all want the same incident read and the same
    row rendered: the first to ask starts it, the others await the same result.
    Keys name what was read and when (the change versions), so a result is never
    handed to a stream that needs a later one. A failed result is not kept."""

    def __init__(self, keep: int) -> None:
        self.keep = keep  # results held (the oldest go first)
        self._memo: OrderedDict[Hashable, asyncio.Future[Any]] = OrderedDict()

    async def get(self, key: Hashable, make: Callable[[], Awaitable[T]]) -> T:
        found = self._memo.get(key)
        if found is None:
            found = asyncio.ensure_future(make())
            found.add_done_callback(lambda f: self._forget_failed(key, f))
            self._memo[key] = found
            while len(self._memo) > self.keep:
                self._memo.popitem(last=False)
        # shielded: a reader that disconnects must not cancel the others' result
        return await asyncio.shield(found)

    def _forget_failed(self, key: Hashable, done: asyncio.Future[Any]) -> None:
        if (done.cancelled() or done.exception() is not None) \
                and self._memo.get(key) is done:
            del self._memo[key]


class BoardState:
    def __init__(self) -> None:
        self.sessions = Sessions()
        self.limiter = SignInThrottle()
        self.verify = check  # passwords: argon2 on the board's own two threads
        self.changes = Changes()
        self.streams = Streams()
        self.shared = Shared(keep=256)  # the live streams' reads and rows, once for all
        self.lists = Shared(keep=4)  # ... and their whole lists (up to 500 incidents each)
        self.outbox: Outbox | None = None  # only the demo has one
