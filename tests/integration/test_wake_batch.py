"""A new alarm waits for one small batch of reminders, not for all that are due.

The waker decides due incidents in batches, one transaction each, and gives the
service lock up between them, so an event that arrives while thousands of reminders
fall due is stored after the batch under way. On a one-core box with 10,000 open
incidents on a 10 s reminder (issue 23), a batch of 50 kept intake's p99 at 75-85 ms
against a 100 ms target; batches of 20 brought it to about 40 ms at the same CPU per
reminder (tests/perf/bench_small_box.py, docs/performance.md "the small box").
"""

from __future__ import annotations

import asyncio

from escalator.domain.model import AlarmEvent

DUE = 45  # more than two batches


def alarm(clock, point: str) -> AlarmEvent:
    return AlarmEvent(source="terminal", code="FT", state="alarm", received_at=clock.now(),
                      point=point)


async def test_an_alarm_arriving_during_a_wake_waits_for_one_batch_of_at_most_20(
        make_app, clock):
    app = await make_app()
    for n in range(DUE):
        await app.service.ingest(alarm(clock, f"loop {n}"))
    await app.tick()  # the first notices
    clock.advance(minutes=5)  # every one is due a reminder now

    reminded_before: list[int] = []
    real = app.store.transaction

    async def spy(fn, *args, **kwargs):  # what the waker had decided when the alarm's turn came
        if getattr(fn, "func", None) == app.service._ingest_all:
            def counted(tx):
                row = tx.one("SELECT COUNT(*) AS n FROM deliveries WHERE reason = 'RENOTIFY'")
                reminded_before.append(int(row["n"]))
                return fn(tx)
            return await real(counted, *args, **kwargs)
        return await real(fn, *args, **kwargs)

    app.store.transaction = spy
    waking = asyncio.create_task(app.service.wake())
    await asyncio.sleep(0)  # the waker holds the lock for its first batch
    stored = await app.service.ingest(alarm(clock, "new loop"))
    await waking
    app.store.transaction = real

    assert stored.new_incident
    assert reminded_before and 0 < reminded_before[0] <= 20, (
        f"the new alarm was stored after {reminded_before} reminders were decided; the"
        " waker's batch (WAKE_BATCH) is what a new alarm waits for at most")
    total = await app.store.transaction(lambda tx: tx.one(
        "SELECT COUNT(*) AS n FROM deliveries WHERE reason = 'RENOTIFY'"))
    assert int(total["n"]) == DUE  # the wake still reminded every one of them
