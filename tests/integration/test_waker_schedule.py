"""The waker runs ticks when they are due, and a new alarm does not cost a tick.

The real loop on the real clock; the tests wait for something to happen
(with a generous limit) and look at the schedule, never at elapsed time.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from escalator.runtime.clock import SteadyClock
from escalator.runtime.waker import IDLE_RECHECK, Waker


async def test_a_tick_that_finds_more_due_runs_again_without_a_poke():
    """A tick returning "due now" schedules its successor while it still runs; that
    successor used to be skipped (one instance at most), and reminders stopped until
    the next event poked the waker."""
    calls = 0
    done = asyncio.Event()

    async def tick() -> datetime | None:
        nonlocal calls
        calls += 1
        if calls >= 5:
            done.set()
            return None
        return datetime.now(UTC)  # more is due at once

    waker = Waker(tick)
    waker.start()
    try:
        await asyncio.wait_for(done.wait(), 20)
    finally:
        await waker.stop()
    assert calls == 5


async def test_due_by_moves_the_next_tick_earlier_and_never_later():
    ticks = 0
    idle = asyncio.Event()

    async def tick() -> datetime | None:
        nonlocal ticks
        ticks += 1
        idle.set()
        return None  # nothing due: the waker looks again after IDLE_RECHECK

    waker = Waker(tick)
    waker.start()
    try:
        await asyncio.wait_for(idle.wait(), 20)
        while waker.next_tick_at is None:  # the tick's successor is being scheduled
            await asyncio.sleep(0.01)
        recheck = waker.next_tick_at
        assert recheck > datetime.now(UTC) + IDLE_RECHECK - timedelta(minutes=1)
        soon = datetime.now(UTC) + timedelta(minutes=1)
        waker.due_by(soon)
        assert waker.next_tick_at == soon
        waker.due_by(soon + timedelta(hours=1))  # later than what is set: nothing changes
        waker.due_by(None)
        assert waker.next_tick_at == soon
        assert ticks == 1  # none of this ran a tick
    finally:
        await waker.stop()


async def test_a_wall_clock_step_back_holds_no_tick():
    """The wall clock is stepped back an hour while a tick is awaited in 0.3 s, and again
    inside a tick: the waker waits on the loop's monotonic clock, so the ticks come."""
    shift = timedelta(0)
    clock = SteadyClock(lambda: datetime.now(UTC) + shift, time.monotonic)
    ticks = 0
    done = asyncio.Event()

    async def tick() -> datetime | None:
        nonlocal ticks, shift
        ticks += 1
        if ticks == 2:
            shift -= timedelta(hours=1)  # stepped inside the tick, after reading `now`
        if ticks == 3:
            done.set()
        return clock.now() + timedelta(seconds=0.3)

    waker = Waker(tick, clock)
    waker.start()
    try:
        while waker.next_tick_at is None:
            await asyncio.sleep(0.01)
        loop = asyncio.get_running_loop()
        wait = waker.next_tick_loop_time
        assert wait is not None and wait - loop.time() < 1.0
        shift -= timedelta(hours=1)  # stepped back while the timer runs
        await asyncio.wait_for(done.wait(), 10)
    finally:
        await waker.stop()
    assert ticks == 3
