"""Idle is idle: with Telegram configured and nothing due, the service runs no tick.

The live waker runs on APScheduler's wall clock, so here a stand-in waker on the
test clock does what it does: a poke asks for a tick now, `due_by` and a tick's
answer set the next one. The Telegram pump runs off the tick as it does live
(`dispatcher.settle = False`). Before the fix every pump poked the next tick, whose
pump poked the next: a tick (and its store transactions) every round, for ever.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from tg_support import fake_tg, tg_app  # noqa: F401 - fixtures

from escalator.app import Escalator


class SimWaker:
    """What the live waker is asked, on the test clock."""

    def __init__(self) -> None:
        self.asked = False
        self.at: datetime | None = None
        self.running = True

    def poke(self) -> None:
        self.asked = True

    def due_by(self, at: datetime | None) -> None:
        if at is not None and (self.at is None or at < self.at):
            self.at = at

    async def stop(self, timeout: float = 3.0) -> None:
        self.running = False


async def settle(app: Escalator) -> None:
    """Let the pump the last tick started finish (it runs in its own task)."""
    for _ in range(3):
        pump = app.ticking.pump
        if pump is not None:
            await asyncio.gather(pump, return_exceptions=True)
        await asyncio.sleep(0)


async def test_an_idle_service_with_telegram_runs_no_tick(tg_app, clock):  # noqa: F811
    app = await tg_app()
    app.dispatcher.settle = False  # live: the pump runs off the tick
    waker = SimWaker()
    app.waker = waker  # type: ignore[assignment]
    ticks = 0
    transactions = 0
    real = app.store.transaction

    async def counted(fn, *args, **kwargs):
        nonlocal transactions
        transactions += 1
        return await real(fn, *args, **kwargs)

    async def tick() -> None:
        nonlocal ticks
        ticks += 1
        waker.asked, waker.at = False, None
        waker.due_by(await app.tick())
        await settle(app)

    await tick()  # the start's tick: the pump looks at Telegram once
    assert ticks == 1
    app.store.transaction = counted  # type: ignore[method-assign]
    ticks = 0
    for _ in range(6 * 30):  # 30 simulated minutes, 10 s a round
        clock.advance(seconds=10)
        if waker.asked or (waker.at is not None and waker.at <= clock.now()):
            await tick()
        await settle(app)
    assert ticks == 0, f"{ticks} ticks in 30 idle minutes"
    assert transactions == 0, f"{transactions} store transactions in 30 idle minutes"


async def test_a_pump_with_something_due_tells_the_waker_when(tg_app, fake_tg, clock):  # noqa: F811
    """Telegram down: the pump's outage check is due at down + alert_after. It says so
    with `due_by` (no poke), and the tick at that time raises the alarm."""
    app = await tg_app()
    app.dispatcher.settle = False
    waker = SimWaker()
    app.waker = waker  # type: ignore[assignment]
    assert app.telegram is not None
    await fake_tg.outage("503")
    await fake_tg.wait_for(lambda: app.telegram.reach.down_since is not None)
    waker.asked = False
    assert await app.tick() is None  # the pump reports for itself
    await settle(app)
    due = app.telegram.reach.down_since + app.telegram.settings.alert_after
    assert waker.at == due and not waker.asked
    clock.set(due)
    await app.tick()
    await settle(app)
    assert app.telegram.outage.raised_for is not None
