"""Generated histories for the report tests: the real service, a fake clock, known answers.

Times are written in Helsinki time (`local(...)`) because that is how the right
answers are worked out by hand. `run_until` moves the clock from one due time
to the next, exactly as the waker would, so hours of ladder take milliseconds.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from support import BASE_YAML

from escalator.domain.model import Action, AlarmEvent

HELSINKI = ZoneInfo("Europe/Helsinki")


def local(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=HELSINKI).astimezone(UTC)


def report_yaml(storage: str, extra: str = "", *, heartbeat: bool = False) -> str:
    """The standard test facility, with no source heartbeat unless asked (a silent
    terminal would open incidents of its own all week) and extra top-level YAML."""
    text = BASE_YAML.format(storage=storage, hook_url="http://127.0.0.1:9/hook")
    if not heartbeat:
        text = text.replace("    heartbeat_timeout: 15m\n", "")
    return text + extra


async def watched_since(storage: str, at: datetime) -> None:
    """A store whose service first started at `at` (as if it had run since then)."""
    from escalator.storage import open_store

    store = open_store(storage)
    await store.open()
    try:
        await store.transaction(lambda tx: tx.register.record_start(at))
    finally:
        await store.close()


async def tick(app) -> datetime | None:
    """A tick, and the weekly summary it may have started (sent in its own task)."""
    due = await app.tick()
    await app.reports.wait()
    return due


async def run_until(app, clock, until: datetime) -> None:
    """Tick at every due time up to `until`, then at `until` itself."""
    while True:
        due = await tick(app)
        if due is None or due > until:
            break
        clock.set(max(due, clock.now()))
        if due <= clock.now() and due == until:
            break
    clock.set(until)
    await tick(app)


async def alarm(app, clock, at, code="FT", point="Loop 2, wing B", state="alarm") -> int | None:
    await run_until(app, clock, at)
    res = await app.service.ingest(AlarmEvent(source="terminal", code=code, state=state,
                                              received_at=clock.now(), point=point))
    await app.tick()
    return res.incident_id


async def act(app, clock, at, incident_id, action, party, by=None, **kw):
    await run_until(app, clock, at)
    name = by or app.config.parties[party].name  # as a link or a button press records it
    await app.service.act(incident_id, Action(action), name, party=party, **kw)
    await app.tick()


async def generate_week_48(app, clock) -> dict[str, int]:
    """Week 2026-W48 (Mon 23.11. - Sun 29.11., UTC+2) at Lehtioja; answers in the tests."""
    ids: dict[str, int] = {}
    # 1. Tue 09:00 loop fault; the ward takes it at 09:04; the terminal clears at 10:04.
    ids["loop1"] = await alarm(app, clock, local(2026, 11, 24, 9))
    await act(app, clock, local(2026, 11, 24, 9, 4), ids["loop1"], "acknowledge", "ward-a")
    await alarm(app, clock, local(2026, 11, 24, 10, 4), state="clear")
    # 2. Tue 12:00 earth leakage; the ward does not answer; at 12:10 it goes to the vendor,
    #    who takes it at 12:20; the terminal clears at 14:20.
    ids["leak"] = await alarm(app, clock, local(2026, 11, 24, 12), code="YX", point="Kitchen")
    await act(app, clock, local(2026, 11, 24, 12, 20), ids["leak"], "acknowledge",
              "alarm-vendor")
    await alarm(app, clock, local(2026, 11, 24, 14, 20), code="YX", point="Kitchen",
                state="clear")
    # 3. Tue 15:00 the same loop again: within 24 h of its clear, so the same incident is
    #    reopened (a second alarm of it); the ward calls it false at 15:02, the terminal
    #    clears at 15:30 (a promise kept).
    ids["loop2"] = await alarm(app, clock, local(2026, 11, 24, 15))
    await act(app, clock, local(2026, 11, 24, 15, 2), ids["loop2"], "false_alarm", "ward-a")
    await alarm(app, clock, local(2026, 11, 24, 15, 30), state="clear")
    # 4. Wed 10:00 the loop a third time (reopened again): false at 10:01, not cleared within
    #    4 h: a safety record at 14:01 (a promise broken) and the ladder moves on to the
    #    vendor; the ward takes it at 14:05; the terminal clears at 16:00.
    ids["loop3"] = await alarm(app, clock, local(2026, 11, 25, 10))
    await act(app, clock, local(2026, 11, 25, 10, 1), ids["loop3"], "false_alarm", "ward-a")
    await act(app, clock, local(2026, 11, 25, 14, 5), ids["loop3"], "acknowledge", "ward-a")
    await alarm(app, clock, local(2026, 11, 25, 16), state="clear")
    # 5. Thu 22:00 a fault at night nobody takes: contractor and maintenance are closed
    #    (skipped), the ladder is walked three times and is exhausted: a safety record; it
    #    is walked again every hour; at 07:00 the contractor and maintenance open and are
    #    called (NOW_AVAILABLE), the day nurse from the 07:40 re-walk. The manager resolves
    #    it at 08:00.
    ids["night"] = await alarm(app, clock, local(2026, 11, 26, 22), code="YX",
                               point="Basement")
    await act(app, clock, local(2026, 11, 27, 8), ids["night"], "resolve", "manager")
    # 6. Sun 23:00 a loop fault in wing C taken at 23:10, still open when the week ends,
    #    cleared Mon 02:00 (the next week).
    ids["span"] = await alarm(app, clock, local(2026, 11, 29, 23), point="Loop 3, wing C")
    await act(app, clock, local(2026, 11, 29, 23, 10), ids["span"], "acknowledge",
              "night-nurse")
    await alarm(app, clock, local(2026, 11, 30, 2), point="Loop 3, wing C", state="clear")
    return ids


PURCHASER = """  purchaser:
    name: Kunnan tilaaja
    role: viewer
    contact:
      - email: tilaaja@kunta.example
"""


def weekly_yaml(storage: str, port: int) -> str:
    """The facility with the purchaser (a viewer), e-mail over `port` and the weekly summary."""
    text = report_yaml(storage, f"""
channels:
  email: {{host: 127.0.0.1, port: {port}, security: none,
          from: "Lehtioja alarms <alarms@lehtioja.example>"}}
reports:
  weekly: {{to: [purchaser, hallitus@kunta.example], day: mon, at: "08:00", language: fi}}
""")
    return text.replace("  manager:\n", PURCHASER + "  manager:\n", 1)
