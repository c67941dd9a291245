"""A new alarm whose notices went straight to their lanes asks the waker for no tick.

The incident used to be inserted due at once and saved with its real timer in the
same transaction, and the waker was told the placeholder ("due now"), so every new
alarm ran a whole tick (three store transactions) on intake's critical path. It is
now inserted once with its real timer; the waker must still hear only that timer.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from escalator.domain.model import AlarmEvent
from escalator.escalation.service import EscalationService


async def test_a_new_alarm_reports_its_real_timer_not_the_insert_placeholder(make_app, clock):
    app = await make_app()
    told: list[datetime | None] = []
    poked: list[bool] = []
    service = EscalationService(app.store, app.config, app.service.directory, clock,
                                on_change=lambda: poked.append(True), on_due=told.append)
    app.store.fresh_sink = lambda items, nonces, committed: None  # live hand-over: rows go to lanes
    event = AlarmEvent(source="terminal", code="FT", state="alarm", received_at=clock.now(),
                       point="loop 2", event_id="t1")
    result = await service.ingest(event)
    assert result.new_incident
    stored = await app.store.transaction(lambda tx: tx.incidents.get(result.incident_id))
    assert stored is not None
    due = await app.store.transaction(lambda tx: tx.incidents.earliest_due())
    assert due is not None and due > clock.now() + timedelta(seconds=30)
    assert poked == []  # no tick asked for
    assert told == [due]  # the ladder's real timer, not "now"


async def test_an_alarm_and_its_repeat_in_one_batch_report_the_last_save(make_app, clock):
    """The same incident opened and saved again in one transaction: its last timer counts."""
    app = await make_app()
    told: list[datetime | None] = []
    service = EscalationService(app.store, app.config, app.service.directory, clock,
                                on_due=told.append)
    app.store.fresh_sink = lambda items, nonces, committed: None
    events = [AlarmEvent(source="terminal", code="FT", state="alarm", received_at=clock.now(),
                         point="loop 3", event_id=f"r{n}") for n in range(2)]
    first, again = await asyncio.gather(*(service.ingest(e) for e in events))
    assert first.new_incident and again.incident_id == first.incident_id
    due = await app.store.transaction(lambda tx: tx.incidents.earliest_due())
    assert due is not None and due > clock.now()
    assert told and told[-1] == due
