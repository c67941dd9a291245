"""How many SQL statements one alarm event costs on SQLite: a shrink-only pin.

Why count them: every statement runs on the store thread, and each one gives the GIL
away and waits to get it back while the event loop is busy, so at load a statement
costs latency on intake's critical path, not just CPU (issue 23). A change that adds
a statement to intake must show up here and be argued for; a change that saves one
lowers the number. The numbers only ever go down.

Counted with SQLite's trace hook on the store's own connection: each statement the
engine starts (BEGIN and COMMIT included; an executemany counts once per row).
"""

from __future__ import annotations

import asyncio

from escalator.domain.model import AlarmEvent

# The most each kind of event may cost (statements in its one transaction).
# Before (21/13/18) each timeline entry and audit row had an INSERT of its own, a new
# incident was inserted "due now" and saved again with its timer, and the source's row
# and the open and the recently resolved incident were each read by a statement apart.
NEW_ALARM = 14  # was 21
REPEAT = 11  # was 13
CLEAR = 13  # was 18
DUPLICATE = 1  # the events look-up; nothing is written, so no BEGIN and no COMMIT
# Ten new alarms arriving together share one transaction (group commit): the cover
# shifts and the maintenance windows are read once for them all, the audit head and
# the timeline and audit rows are written once.
BATCH_OF_TEN = 68  # was 174

WHY = ("intake runs more SQL statements per event than the pin allows: each statement "
       "waits for the GIL on the store thread while the loop is busy (issue 23); write "
       "the audit and timeline rows once per transaction (Tx.finish) and read each row once")


async def _traced(app, clock, event: AlarmEvent) -> list[str]:
    conn = await app.store._run(app.store._ensure_sync)
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    try:
        await app.service.ingest(event)
    finally:
        conn.set_trace_callback(None)
    return seen


async def _traced_batch(app, events: list[AlarmEvent]) -> list[str]:
    conn = await app.store._run(app.store._ensure_sync)
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    try:
        results = await asyncio.gather(*(app.service.ingest(e) for e in events))
    finally:
        conn.set_trace_callback(None)
    assert all(r.new_incident for r in results)
    return seen


def _event(clock, state: str, event_id: str) -> AlarmEvent:
    return AlarmEvent(source="terminal", code="FT", state=state, received_at=clock.now(),
                      point="room 12", event_id=event_id)


def _shown(statements: list[str]) -> str:
    return "\n".join(s.split(" VALUES")[0][:110] for s in statements)


async def test_a_new_alarm_a_repeat_a_clear_and_a_duplicate_cost_few_statements(
        make_app, clock):
    app = await make_app()
    new = await _traced(app, clock, _event(clock, "alarm", "e1"))
    clock.advance(seconds=5)
    repeat = await _traced(app, clock, _event(clock, "alarm", "e2"))
    clock.advance(seconds=5)
    duplicate = await _traced(app, clock, _event(clock, "alarm", "e2"))
    clear = await _traced(app, clock, _event(clock, "clear", "e3"))
    assert len(new) <= NEW_ALARM, f"{WHY}\n{_shown(new)}"
    assert not [s for s in new if s.startswith("UPDATE incidents")], (
        "a new incident is inserted once, with its real timer, not saved over again")
    assert len(repeat) <= REPEAT, f"{WHY}\n{_shown(repeat)}"
    assert len(clear) <= CLEAR, f"{WHY}\n{_shown(clear)}"
    assert len(duplicate) <= DUPLICATE, f"{WHY}\n{_shown(duplicate)}"


async def test_ten_new_alarms_in_one_batch_read_covers_and_windows_once(make_app, clock):
    app = await make_app()
    events = []
    for n in range(10):
        clock.advance(seconds=0.01)  # each event comes with its own time
        events.append(AlarmEvent(source="terminal", code="FT", state="alarm",
                                 received_at=clock.now(), point=f"bed {n}", event_id=f"b{n}"))
    seen = await _traced_batch(app, events)
    assert sum(s.startswith("BEGIN") for s in seen) == 1, "one transaction for the batch"
    assert len(seen) <= BATCH_OF_TEN, f"{WHY}\n{_shown(seen)}"
