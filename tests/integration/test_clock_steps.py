"""A stepped wall clock stops no timer: the service's clock never goes back, and what
is due is waited for on the monotonic clock (escalator/runtime/clock.py,
escalator/runtime/waker.py).

The fake clock moves the wall clock and the monotonic clock separately: `advance`
is time passing, `step_wall` an NTP correction or a VM restored with its clock behind.
Real SQLite; the ladder: reminder every 5 min, next step after 10 min.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from support import TOKENS, FakeClock

from escalator.app import Escalator
from escalator.domain.model import AlarmEvent


def alarm(app, point: str = "loop 2") -> AlarmEvent:
    return AlarmEvent(source="terminal", code="FT", state="alarm",
                      received_at=app.clock.now(), point=point)


async def test_wall_clock_stepped_back_an_hour_delays_no_reminder_or_escalation(
        make_app, clock, recorder, caplog):
    app = await make_app()
    res = await app.service.ingest(alarm(app))
    await app.tick()
    assert recorder.reasons() == [("ward-a", "FIRST")]
    recorder.clear()

    with caplog.at_level(logging.WARNING, logger="escalator.runtime.clock"):
        clock.step_wall(hours=-1)  # NTP correction; the monotonic clock does not move
        due = await app.tick()
    assert recorder.sent == []
    assert due is not None and due - app.clock.now() <= timedelta(minutes=5), \
        "the waker would wait an hour more for the reminder"

    clock.advance(minutes=5)  # five minutes on the monotonic clock
    await app.tick()
    assert recorder.reasons() == [("ward-a", "RENOTIFY")]
    recorder.clear()
    clock.advance(minutes=5)
    await app.tick()
    assert recorder.reasons() == [("alarm-vendor", "ESCALATED"), ("ward-a", "ESCALATED")]

    rows = await app.store.transaction(lambda tx: tx.timeline.of_incident(res.incident_id))
    times = [r["at"] for r in rows]
    assert times == sorted(times), "the timeline went back in time"
    assert clock.wall() < app.clock.now()  # the wall clock is still an hour behind
    assert "stepped back by 3600 s" in caplog.text


async def test_wall_clock_stepped_forward_an_hour_escalates_once_like_a_short_outage(
        make_app, clock, recorder):
    app = await make_app()
    res = await app.service.ingest(alarm(app))
    await app.tick()

    async def told() -> list[tuple[str, str]]:
        rows = await app.store.transaction(lambda tx: tx.deliveries.of_incident(res.incident_id))
        return [(r.party, r.reason) for r in rows if r.status == "sent"]

    clock.step_wall(hours=1)
    for _ in range(3):  # the waker may tick again at once: still one step at a time
        await app.tick()
    assert await told() == [("ward-a", "FIRST"), ("alarm-vendor", "ESCALATED"),
                            ("ward-a", "ESCALATED")]

    clock.advance(minutes=14)  # the new step's reminder every 15 min, from the jump
    await app.tick()
    assert len(await told()) == 3
    # the terminal (heartbeat timeout 15 min) spoke just before the jump: the jump
    # is not an hour of its silence
    opened = await app.store.transaction(lambda tx: tx.incidents.listed("open"))
    assert [i.code for i in opened] == ["FT"]
    clock.advance(minutes=1)
    await app.tick()
    assert (await told())[3:] == [("alarm-vendor", "RENOTIFY")]
    opened = await app.store.transaction(lambda tx: tx.incidents.listed("open"))
    assert sorted(i.code for i in opened) == ["FT", "source_silent"]  # now it is silent


async def test_a_step_back_then_forward_again_neither_repeats_nor_skips(
        make_app, clock, recorder):
    """A VM restored with its clock behind, then NTP puts it right: the reminders go on
    at their pace throughout, and the catch-up is not a second jump."""
    app = await make_app()
    await app.service.ingest(alarm(app))
    await app.tick()
    recorder.clear()
    clock.step_wall(hours=-1)
    clock.advance(minutes=3)
    await app.tick()
    clock.step_wall(hours=1)  # the wall clock is right again
    await app.tick()
    assert recorder.sent == []
    clock.advance(minutes=2)
    await app.tick()
    assert recorder.reasons() == [("ward-a", "RENOTIFY")]
    assert app.clock.now() == clock.wall()


async def test_restart_with_the_wall_clock_behind_the_store_runs_on_from_the_store(
        make_app, clock, recorder):
    """A VM restored from a backup boots with its clock an hour behind: the timers the
    last run stored are in that run's time, so the new run starts from it."""
    first = await make_app()
    await first.service.ingest(alarm(first))
    await first.tick()
    await first.stop()
    recorder.clear()

    clock.step_wall(hours=-1)
    restarted = FakeClock(clock.wall())  # a new process: no memory of the old clock
    app = Escalator(first.config, clock=restarted, env=TOKENS,
                    notifiers={"telegram": recorder, "email": recorder, "sms": recorder})
    await app.start(serve_http=False, schedule=False)
    try:
        assert app.clock.now() >= clock.now()
        restarted.advance(minutes=5)
        await app.tick()
        assert recorder.reasons() == [("ward-a", "RENOTIFY")]
    finally:
        await app.stop()


async def test_the_store_keeper_pokes_the_waker_when_the_wall_clock_jumps_forward(
        make_app, clock, monkeypatch):
    """What fell due in the jump is done within a keeper round, not when the waker's
    timer (set on the monotonic clock before the jump) would have fired."""
    import asyncio

    import escalator.runtime.keeper

    class Pokes:
        count = 0

        def poke(self) -> None:
            self.count += 1

    monkeypatch.setattr(escalator.runtime.keeper, "KEEP_EVERY_S", 0.01)
    app = await make_app()  # SQLite: the keeper pokes nothing on its own
    pokes = Pokes()
    app.waker = pokes  # type: ignore[assignment]
    keeper = asyncio.create_task(app.keeper.run())
    try:
        for _ in range(5):
            await asyncio.sleep(0.02)
        assert pokes.count == 0
        clock.step_wall(hours=1)
        for _ in range(500):
            if pokes.count:
                break
            await asyncio.sleep(0.01)
        assert pokes.count == 1
    finally:
        keeper.cancel()
        app.waker = None
