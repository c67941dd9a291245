"""The waker runs the service's tick when something is due, and at nothing else.

There is one timer, set for the earliest due time the store knows (incident
timers, delivery retries, source heartbeats). A poke (new event, action) runs
the tick at once. The schedule is derived from storage after every tick, so a
restart simply rebuilds it.

Due times are the service clock's (escalator/runtime/clock.py), but the waiting is done
on the event loop's monotonic clock: the timer is set `due - clock.now()` from
now with `loop.call_later`, so a step of the wall clock while it waits neither
holds it back nor sets it off early. (APScheduler's date trigger, used before,
compared the due time with the wall clock and slept again after a step back.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from escalator.runtime.clock import Clock, SystemClock

log = logging.getLogger(__name__)

IDLE_RECHECK = timedelta(minutes=5)  # even with nothing due, look again now and then


class Waker:
    def __init__(self, tick: Callable[[], Awaitable[datetime | None]],
                 clock: Clock | None = None) -> None:
        self._tick = tick
        self._clock = clock or SystemClock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._dirty = False
        self._running = False
        self._stopping = False
        self._idle = asyncio.Event()
        self._idle.set()
        self._scheduled_at: datetime | None = None  # when the next tick is set to run

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.poke()

    async def stop(self, timeout: float = 30.0) -> None:
        """Stop scheduling and let a tick in progress finish before storage closes."""
        self._stopping = True  # no new ticks; a running one finishes
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            log.error("a tick was still running after %s s at shutdown", timeout)

    @property
    def running(self) -> bool:
        return self._loop is not None and not self._stopping

    def poke(self) -> None:
        """Run a tick as soon as possible; coalesces with a tick already running."""
        self._dirty = True
        if not self._running:
            self._schedule(self._clock.now())

    @property
    def next_tick_at(self) -> datetime | None:
        """When the next tick is set to run (None: one is running or none is set)."""
        return self._scheduled_at

    @property
    def next_tick_loop_time(self) -> float | None:
        """The same, on the event loop's monotonic clock (what the timer waits for)."""
        return self._timer.when() if self._timer is not None else None

    def due_by(self, at: datetime | None) -> None:
        """Something new is due at `at` and nothing else changed: make sure a tick runs
        by then, without running one now (a new alarm's notices are already on their
        way; its ladder's next step is what the waker must not miss)."""
        if at is None:
            return
        if self._running:  # the tick in progress may have read the earliest time already
            self._dirty = True
        elif self._scheduled_at is None or at < self._scheduled_at:
            self._schedule(at)

    def _schedule(self, at: datetime) -> None:
        if self._stopping or self._loop is None:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._scheduled_at = at
        wait = max(0.0, (at - self._clock.now()).total_seconds())
        self._timer = self._loop.call_later(wait, self._fire)

    def _fire(self) -> None:
        self._timer = None
        if self._stopping or self._loop is None:
            return
        task = self._loop.create_task(self._run(), name="waker-tick")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self) -> None:
        if self._stopping:  # fired just before stop(): no tick after it
            return
        if self._running:  # never two ticks at once: the one running ticks again
            self._dirty = True
            return
        self._running = True
        self._scheduled_at = None
        self._idle.clear()
        due: datetime | None = None
        try:
            while True:
                self._dirty = False
                try:
                    due = await self._tick()
                except Exception:  # the store may be down: try again shortly, never stop
                    log.exception("tick failed; retrying in 5 s")
                    due = self._clock.now() + timedelta(seconds=5)
                if not self._dirty:
                    break
                await asyncio.sleep(0)
        finally:
            self._running = False
            self._idle.set()
        now = self._clock.now()
        self._schedule(min(due, now + IDLE_RECHECK) if due else now + IDLE_RECHECK)
