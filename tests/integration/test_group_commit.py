"""Intake's group commit (escalator/escalation/commitqueue.py) on a real SQLite store.

Events arriving together share one transaction, each caller still returns
only after its own event is committed, the order of arrival is the order in
the store, and one event the database refuses costs no other event its place.
"""

from __future__ import annotations

import asyncio

from escalator.domain.errors import UnstorableError
from escalator.domain.model import AlarmEvent


def _event(clock, n: int, text: str = "") -> AlarmEvent:
    return AlarmEvent(source="terminal", code="FT", state="alarm", received_at=clock.now(),
                      point=f"loop {n}", text=text, event_id=f"g{n}")


async def test_events_arriving_together_share_one_transaction_in_their_order(make_app, clock):
    app = await make_app()
    queue = app.service._intake
    before = queue.batches
    results = await asyncio.gather(*(app.service.ingest(_event(clock, n)) for n in range(20)))
    assert all(r.new_incident for r in results)
    assert len({r.incident_id for r in results}) == 20
    assert queue.items == 20 and queue.batches - before < 20  # fewer commits than events
    stored = await app.store.transaction(
        lambda tx: tx.rows("SELECT event_id, incident_id FROM events ORDER BY id"))
    assert [r["event_id"] for r in stored] == [f"g{n}" for n in range(20)]
    assert [r["incident_id"] for r in stored] == [r.incident_id for r in results]


async def test_one_refused_event_in_a_batch_costs_the_others_nothing(make_app, clock):
    app = await make_app()
    events = [_event(clock, 0), _event(clock, 1, "bad \ud800 text"), _event(clock, 2)]
    results = await asyncio.gather(*(app.service.ingest(e) for e in events),
                                   return_exceptions=True)
    assert isinstance(results[1], UnstorableError)
    assert not isinstance(results[0], BaseException) and results[0].new_incident
    assert not isinstance(results[2], BaseException) and results[2].new_incident
    stored = await app.store.transaction(
        lambda tx: tx.rows("SELECT event_id FROM events ORDER BY id"))
    assert [r["event_id"] for r in stored] == ["g0", "g2"]
    assert app.store.healthy


async def test_a_repeat_in_the_same_batch_sees_the_incident_the_batch_opened(make_app, clock):
    app = await make_app()
    first = AlarmEvent(source="terminal", code="FT", state="alarm", received_at=clock.now(),
                       point="door 3", event_id="a")
    again = AlarmEvent(source="terminal", code="FT", state="alarm", received_at=clock.now(),
                       point="door 3", event_id="b")
    resent = AlarmEvent(source="terminal", code="FT", state="alarm", received_at=clock.now(),
                        point="door 3", event_id="a")
    r1, r2, r3 = await asyncio.gather(*(app.service.ingest(e) for e in (first, again, resent)))
    assert r1.new_incident and not r2.new_incident and r2.incident_id == r1.incident_id
    assert r3.duplicate and r3.incident_id == r1.incident_id
