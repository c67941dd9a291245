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
    signed-out session).

    The pages share the service's one event loop with the intake, so a change wakes
    them in turn, not together: first one page (the lead), which reads and renders the
    change for all of them (`BoardState.shared`); once it is back waiting (or after
    LEAD_S), the others one per turn of the loop. Between two pages' rounds the loop
    takes in whatever arrived meanwhile: an alarm posted while fifty boards update
    waits for one page's round, not for fifty."""

    KEEP = 1024  # changes remembered; a page further behind reads everything again
    GATHER_S = 0.1  # a burst of changes wakes the pages once, this long after its first
    LEAD_S = 0.05  # the others are woken after the lead's round, or after this at most

    def __init__(self) -> None:
        self.version = 0
        self.closing = False
        self._log: deque[tuple[int, frozenset[int] | None]] = deque(maxlen=self.KEEP)
        self._waiters: set[asyncio.Event] = set()
        self._wake: asyncio.TimerHandle | None = None
        self._lead: asyncio.Event | None = None  # woken first; the rest wait for it
        self._queue: deque[asyncio.Event] = deque()  # to be woken, one per loop turn
        self._lead_late: asyncio.TimerHandle | None = None
        self._turning = False  # a `_turn` is scheduled

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
            self._wake = loop.call_later(self.GATHER_S, self._wake_in_turn)

    def _wake_all(self) -> None:
        self._wake = None
        self._queue.clear()
        for event in self._waiters:
            event.set()

    def _wake_in_turn(self) -> None:
        """The lead now; the others once it is back (`wait`) or after LEAD_S."""
        self._wake = None
        pending = [e for e in self._waiters if not e.is_set() and e not in self._queue]
        if not pending:
            return
        if self._lead is None and not self._queue:
            self._lead, pending = pending[0], pending[1:]
            self._lead.set()
            loop = asyncio.get_running_loop()
            self._lead_late = loop.call_later(self.LEAD_S, self._lead_back)
        self._queue.extend(pending)
        if self._lead is None:
            self._schedule_turn()

    def _lead_back(self) -> None:
        """The lead's round is done (or took too long): the others' turns begin."""
        self._lead = None
        if self._lead_late is not None:
            self._lead_late.cancel()
            self._lead_late = None
        self._schedule_turn()

    def _schedule_turn(self) -> None:
        if self._queue and not self._turning:
            self._turning = True
            asyncio.get_running_loop().call_soon(self._turn)

    def _turn(self) -> None:
        """One page woken per turn of the event loop."""
        self._turning = False
        while self._queue:
            event = self._queue.popleft()
            if event in self._waiters and not event.is_set():
                event.set()
                break
        self._schedule_turn()

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
        """The version once it differs from `seen`, or after `timeout` seconds; a page
        woken by a change is woken in its turn (see the class)."""
        if self._lead is not None and self._lead not in self._waiters:
            self._lead_back()  # the lead's round is done: the others' turns now
        if self.version != seen or self.closing:
            return self.version
        event = asyncio.Event()
        self._waiters.add(event)
        loop = asyncio.get_running_loop()
        late = loop.call_later(timeout, event.set)  # no task per wait (as wait_for makes)
        try:
            await event.wait()
        finally:
            late.cancel()
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
