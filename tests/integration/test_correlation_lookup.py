"""Intake reads the open and the recently resolved incident of an alarm in one query.

The two look-ups (`open_or_resolved_since`: COALESCE of the two indexed reads) were
two statements; the answers must stay what they were, on both databases: the open
incident when there is one, else the latest resolved within `reopen_within` (24 h by
default), else nothing (a new incident).
"""

from __future__ import annotations

from escalator.domain.model import AlarmEvent


def _event(clock, state: str, n: int) -> AlarmEvent:
    return AlarmEvent(source="terminal", code="FT", state=state, received_at=clock.now(),
                      point="room 3", event_id=f"c{n}")


async def test_repeat_reopen_and_new_incident_are_told_apart(make_app, clock, store_url):
    app = await make_app(storage=store_url)
    first = await app.service.ingest(_event(clock, "alarm", 1))
    assert first.new_incident
    clock.advance(minutes=1)
    again = await app.service.ingest(_event(clock, "alarm", 2))  # still open: a repeat
    assert again.incident_id == first.incident_id and not again.reopened
    await app.service.ingest(_event(clock, "clear", 3))
    clock.advance(hours=2)
    back = await app.service.ingest(_event(clock, "alarm", 4))  # resolved 2 h ago: reopened
    assert back.reopened and back.incident_id == first.incident_id
    await app.service.ingest(_event(clock, "clear", 5))
    clock.advance(hours=25)
    later = await app.service.ingest(_event(clock, "alarm", 6))  # past 24 h: a new one
    assert later.new_incident and later.incident_id != first.incident_id
    await app.service.ingest(_event(clock, "clear", 7))
    clock.advance(hours=1)
    last = await app.service.ingest(_event(clock, "alarm", 8))  # the latest resolved one
    assert last.reopened and last.incident_id == later.incident_id
