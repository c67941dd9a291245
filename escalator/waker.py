"""APScheduler wakes the service when something is due, and at nothing else.

There is one job, `tick`, scheduled at the earliest due time the store knows
(incident timers, delivery retries, source heartbeats). A poke (new event,
action) runs it at once. The schedule is derived from storage after every
tick, so a restart simply rebuilds it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)

IDLE_RECHECK = timedelta(minutes=5)  # even with nothing due, look again now and then


class Waker:
    def __init__(self, tick: Callable[[], Awaitable[datetime | None]]) -> None:
        self._tick = tick
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._dirty = False
        self._running = False
        self._stopping = False
        self._idle = asyncio.Event()
        self._idle.set()
        self._scheduled_at: datetime | None = None  # when the next tick is set to run
        logging.getLogger("apscheduler").setLevel(logging.WARNING)  # one line per tick is noise

    def start(self) -> None:
        self._scheduler.start()
        self.poke()

    async def stop(self, timeout: float = 30.0) -> None:
        """Stop scheduling and let a tick in progress finish before storage closes."""
        self._stopping = True  # no new ticks; APScheduler's shutdown would cancel a running one
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            log.error("a tick was still running after %s s at shutdown", timeout)
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    @property
    def running(self) -> bool:
        return self._scheduler.running and not self._stopping

    def poke(self) -> None:
        """Run a tick as soon as possible; coalesces with a tick already running."""
        self._dirty = True
        if not self._running:
            self._schedule(datetime.now(UTC))

    @property
    def next_tick_at(self) -> datetime | None:
        """When the next tick is set to run (None: one is running or none is set)."""
        return self._scheduled_at

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
        if self._stopping or not self._scheduler.running:
            return
        self._scheduled_at = at
        self._scheduler.add_job(self._run, "date", run_date=at, id="tick",
                                replace_existing=True, misfire_grace_time=None,
                                coalesce=True, max_instances=2)
        # two: `_run` schedules its successor while APScheduler still counts it as
        # running; with one, a successor due at once was skipped, and (a date job
        # runs once) no tick came until the next poke. `_run` itself never overlaps.

    async def _run(self) -> None:
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
                    due = datetime.now(UTC) + timedelta(seconds=5)
                if not self._dirty:
                    break
                await asyncio.sleep(0)
        finally:
            self._running = False
            self._idle.set()
        now = datetime.now(UTC)
        self._schedule(min(due, now + IDLE_RECHECK) if due else now + IDLE_RECHECK)
