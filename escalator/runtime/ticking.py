"""The tick: apply due timers, then send due deliveries, and say when the next is due.

Kept apart from the composition root so that what one tick does, and what it asks
of the waker, reads in one place. The waker (runtime/waker.py) runs `tick` when
something is due and at nothing else; the tick answers with the earliest next due
time. Telegram's digests and outage check are pumped off the tick (a hanging Bot
API never holds up timers) and report their own due time to the waker.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from escalator.runtime.clock import Clock
from escalator.runtime.waker import Waker
from escalator.storage import SqlStore

if TYPE_CHECKING:  # the Telegram library loads only when Telegram is configured
    from escalator.notify.telegram import TelegramChannel

log = logging.getLogger(__name__)

ROUNDS = 5  # a failed delivery may escalate, which may queue more at once
SEND_PAUSE_WHILE_UNRECORDABLE = timedelta(seconds=5)


class Wakes(Protocol):
    """What the tick asks of a waker (the real one, or a test's stand-in)."""

    @property
    def running(self) -> bool: ...

    def poke(self) -> None: ...

    def due_by(self, at: datetime | None) -> None: ...

    async def stop(self, timeout: float = 30.0) -> None: ...


class Ticking:
    """One tick over the service's parts, and the waker that runs it."""

    def __init__(self, clock: Clock, *, wake: Callable[[], Awaitable[datetime | None]],
                 send: Callable[[], Awaitable[datetime | None]], store: SqlStore,
                 pump: TelegramChannel | None, kicks: tuple[Callable[[], datetime | None], ...],
                 settle: Callable[[], bool]) -> None:
        """`wake`: the service's due timers; `send`: the dispatcher's due deliveries;
        `pump`: Telegram's channel (or None); `kicks`: jobs in their own tasks (the
        weekly summary, roster calendars) that answer their next due time;
        `settle`: True when tests drive the tick (the pump then runs inside it)."""
        self.clock = clock
        self._wake = wake
        self._send = send
        self._store = store
        self._channel = pump
        self._kicks = kicks
        self._settle = settle
        self.waker: Wakes | None = None
        self.pump: asyncio.Task[None] | None = None  # Telegram's pump under way, live

    def poke(self) -> None:
        """Run a tick now."""
        if self.waker:
            self.waker.poke()

    def due_by(self, at: datetime | None) -> None:
        """Something new is due at `at`: the waker's timer is set no later than that."""
        if self.waker:
            self.waker.due_by(at)

    def start(self) -> None:
        waker = Waker(self.tick, self.clock)
        self.waker = waker
        waker.start()

    async def tick(self) -> datetime | None:
        """Apply due timers, then send due deliveries; the earliest next due time."""
        due: datetime | None = None
        for _ in range(ROUNDS):
            due_incidents = await self._wake()
            if not await self.can_record():
                return self.clock.now() + SEND_PAUSE_WHILE_UNRECORDABLE
            found = [due_incidents, await self._send(),
                     await self._pump_channel(), *(kick() for kick in self._kicks)]
            due = min((d for d in found if d is not None), default=None)
            if due is None or due > self.clock.now():
                return due
        return due

    async def _pump_channel(self) -> datetime | None:
        """Digests and the outage check; live, off the tick. The pump tells the waker
        its next due time itself when done, and only that: a pump with nothing due asks
        for no tick (before, every pump poked the next tick, whose pump poked the next:
        a busy loop whenever Telegram was on)."""
        if self._channel is None:
            return None
        if self._settle():
            return await self._channel.pump()
        if self.pump is None or self.pump.done():
            self.pump = asyncio.get_running_loop().create_task(self._pump_once())
        return None

    async def _pump_once(self) -> None:
        assert self._channel is not None
        try:
            due = await self._channel.pump()
        except Exception:  # noqa: BLE001 - logged; the next tick pumps again
            log.exception("telegram pump failed")
            due = self.clock.now() + timedelta(seconds=5)
        if due is not None:
            self.due_by(due)

    async def can_record(self) -> bool:
        """Send only while the store can write down what was sent: a store that cannot
        must not make the same message go out on every tick. Free while healthy; once
        a write failed, a real write probe decides."""
        store = self._store
        if store.healthy or await store.probe(min_interval=0):
            return True
        log.warning("not sending: the store cannot record sends (%s)", store.last_error)
        return False

    async def stop(self, timeout: float) -> None:
        """Stop the waker: no new ticks; a tick under way finishes."""
        if self.waker is not None:
            await self.waker.stop(timeout=timeout)

    async def stop_pump(self, timeout: float) -> None:
        if self.pump is not None:
            self.pump.cancel()
            await asyncio.wait({self.pump}, timeout=timeout)
