"""The source's row is written last in an intake transaction, once per source.

Why: on PostgreSQL the upsert of `sources` (a sign of life per event) locks the
source's row until the commit. Written first, as it was, it held every other
instance's intake from the same terminal for the whole transaction: two instances
on one database carried under 100-200 alarms a second (the lock waits showed in
`pg_stat_activity`). Written last, the lock lasts from the end of the events'
work to the commit.
"""

from __future__ import annotations

import asyncio

from escalator.domain.model import AlarmEvent


def _alarm(clock, n: int) -> AlarmEvent:
    return AlarmEvent(source="terminal", code="FT", state="alarm", received_at=clock.now(),
                      point=f"loop {n}", event_id=f"late-{n}")


async def _statements(app, events: list[AlarmEvent]) -> list[str]:
    conn = await app.store._run(app.store._ensure_sync)
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    try:
        await asyncio.gather(*(app.service.ingest(e) for e in events))
    finally:
        conn.set_trace_callback(None)
    return [" ".join(s.split()) for s in seen]


def _writes(statements: list[str]) -> list[str]:
    return [s for s in statements if s.startswith(("INSERT", "UPDATE", "DELETE"))]


async def test_the_source_is_touched_after_the_events_work_once_per_batch(make_app, clock):
    app = await make_app()
    writes = _writes(await _statements(app, [_alarm(clock, n) for n in range(5)]))
    touches = [i for i, s in enumerate(writes) if s.startswith("INSERT INTO sources")]
    assert len(touches) == 1, "one sign of life per source and transaction"
    events = [i for i, s in enumerate(writes) if s.startswith("INSERT INTO events")]
    assert events and touches[0] > max(events), writes


async def test_the_sign_of_life_is_the_batchs_latest_event(make_app, clock):
    """(A silent source cleared by an event: tests/integration/test_service.py.)"""
    app = await make_app()
    first = _alarm(clock, 1)
    clock.advance(seconds=30)
    await asyncio.gather(app.service.ingest(first), app.service.ingest(_alarm(clock, 2)))
    row = await app.store.transaction(lambda tx: tx.sources.get("terminal"))
    assert row is not None and str(row["last_seen_at"]).startswith(
        clock.now().isoformat()[:19])
