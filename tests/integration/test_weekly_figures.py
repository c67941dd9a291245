"""The weekly summary's figures from generated histories whose right answers are known.

The histories are made by the real service (ingest, act, the ladder's own timers
under a fake clock); the expected figures are worked out by hand in the comments
of `report_support.generate_week_48` and below.
"""

from __future__ import annotations

from datetime import timedelta

from report_support import alarm, generate_week_48, local, report_yaml, run_until

from escalator.reports import data
from escalator.reports.weekly import summarize, week

M = timedelta(minutes=1)


async def summary_for(app, label, now, threshold=2):
    tz = app.config.facility.timezone
    staff = data.care_staff(app.config)
    w = week(label, tz)
    history = await app.store.transaction(lambda tx: data.history(tx, w, tz, staff, now,
                                                                   app.config.maintenance))
    return summarize(w, history, staff, threshold)


async def test_week_48_figures(make_app, clock, recorder, tmp_path):
    app = await make_app(report_yaml(f"sqlite:///{tmp_path}/r.db"))
    clock.set(local(2026, 11, 23, 0))
    ids = await generate_week_48(app, clock)
    s = await summary_for(app, "2026-W48", clock.now())

    assert ids["loop1"] == ids["loop2"] == ids["loop3"]  # reopened: one incident, 3 alarms
    assert s.total == 6
    assert s.by_code == (("FT", 4), ("YX", 2))
    assert s.by_point[0] == ("FT", "Loop 2, wing B", 3)
    assert [r.lasted for r in s.rows if r.point == "Loop 2, wing B"] == [
        64 * M, 30 * M, 6 * 60 * M]  # each alarm its own duration
    # the service started on Monday 23.11.: the 11 weeks before it are not monitored, not 0
    assert s.trend[-1] == ("2026-W48", 6) and [n for _, n in s.trend[:-1]] == [None] * 11
    assert s.monitored_from == local(2026, 11, 23, 0) and s.complete
    parties = {p.party: p for p in s.parties}
    ward = parties["ward-a"]
    # called in the three loop alarms, the leak and the night (the 07:00 re-walk)
    assert (ward.incidents, ward.no_answer) == (5, 2)
    assert (ward.to_ack.n, ward.to_ack.median, ward.to_ack.p90) == (3, 2 * M, 4 * M)
    assert ward.to_clear.median == 60 * M and ward.to_clear.p90 == 5 * 60 * M + 59 * M
    assert (ward.promises, ward.promises_kept) == (2, 1)
    vendor = parties["alarm-vendor"]
    # the leak, the broken promise (14:01), the night, the Sunday fault (escalated at 23:10)
    assert (vendor.incidents, vendor.no_answer) == (4, 3)
    assert (vendor.to_ack.median, vendor.to_clear.median) == (10 * M, 120 * M)
    calls = {"FIRST", "RENOTIFY", "ESCALATED", "REOPENED", "REWALK", "NOW_AVAILABLE"}
    for party in ("alarm-vendor", "night-nurse", "ward-a"):  # what the channel was given
        assert parties[party].contacted == sum(
            1 for m in recorder.to(party) if m.reason in calls and not m.update), party
    contractor = parties["contractor"]
    assert (contractor.skipped, contractor.contacted, contractor.no_answer) == (1, 1, 1)
    # both are called when they open at 07:00; maintenance's webhook never answers
    maintenance = parties["maintenance"]
    assert (maintenance.skipped, maintenance.contacted, maintenance.no_answer) == (1, 1, 1)
    night = parties["night-nurse"]
    assert (night.incidents, night.no_answer, night.to_ack.median) == (2, 1, 10 * M)

    assert [(v.incident.id, v.safety.cause) for v in s.safety] == [
        (ids["loop3"], "false_alarm_not_cleared"), (ids["night"], "nobody_acknowledged")]
    assert [r.incident_id for r in s.still_open] == [ids["span"]]
    assert s.still_open[0].lasted == 60 * M  # Sun 23:00 to the end of the week
    assert s.longest[0].incident_id == ids["night"] and s.longest[0].lasted == 10 * 60 * M
    assert s.repeated_false == ()  # two false alarms on loop 2: not more than 2
    assert (s.key.alarms.this, s.key.alarms.last, s.key.alarms.average) == (6, None, 6.0)
    # called and answered in time: loop1 (4 min), loop2 (2), loop3 (1); the leak (20 min),
    # the night (nobody) and the Sunday fault (10 min, by the night nurse) ...
    assert (s.key.answered.this, s.key.answered.of) == (4, 6)
    assert (s.key.safety.this, s.key.safety.last) == (2, None)
    # the loop fault of wing B came three times this week: recurring, with its history
    assert [(r.code, r.point, r.history, r.this_week) for r in s.recurring] == [
        ("FT", "Loop 2, wing B", (local(2026, 11, 24, 9), local(2026, 11, 24, 15),
                                  local(2026, 11, 25, 10)), 3)]
    assert (s.key.recurring.this, s.key.recurring.last) == (1, None)
    staff = {"ward-a", "night-nurse"}
    messages = sum(1 for _, m in recorder.sent if m.party in staff)
    assert (s.attention.taps, s.attention.one_tap, s.attention.messages) == (5, 3, messages)

    strict = await summary_for(app, "2026-W48", clock.now(), threshold=1)
    assert strict.repeated_false == (("FT", "Loop 2, wing B", 2),)
    nxt = await summary_for(app, "2026-W49", clock.now())
    assert nxt.total == 0 and nxt.still_open == ()  # the Sunday fault counts in W48 only
    assert nxt.trend[-2] == ("2026-W48", 6)
    # not this week: a fault that does not come back in the week is not flagged again
    assert nxt.recurring == () and nxt.key.recurring.last == 1


async def test_dst_weeks_have_167_and_169_hours_and_bounds_in_local_time(make_app, clock,
                                                                         tmp_path):
    spring, autumn = week("2026-W13", "Europe/Helsinki"), week("2026-W43", "Europe/Helsinki")
    assert spring.end - spring.start == timedelta(hours=167)
    assert autumn.end - autumn.start == timedelta(hours=169)
    app = await make_app(report_yaml(f"sqlite:///{tmp_path}/r.db"))
    clock.set(local(2026, 3, 28, 12))
    early = await alarm(app, clock, local(2026, 3, 29, 1), point="before DST")  # UTC+2
    await alarm(app, clock, local(2026, 3, 29, 23, 30), point="Sunday night")  # UTC+3
    await alarm(app, clock, local(2026, 3, 30, 0, 30), point="Monday")  # next week
    await run_until(app, clock, local(2026, 3, 30, 1))
    s = await summary_for(app, "2026-W13", clock.now())
    assert [r.point for r in s.rows] == ["before DST", "Sunday night"]
    # open from 01:00 (UTC+2) to Monday 00:00 (UTC+3): 22 hours, not 23
    age = {r.incident_id: r.lasted for r in s.still_open}
    assert age[early] == timedelta(hours=22)
    assert [label for label, _ in s.trend][-2:] == ["2026-W12", "2026-W13"]


async def test_alarms_held_back_by_a_maintenance_window_are_counted_per_point(
        make_app, clock, tmp_path):
    window = """
maintenance:
  - match: {point: "Sprinkler*"}
    from: "2026-11-24 08:00"
    until: "2026-11-24 12:00"
    reason: sprinkler service
"""
    app = await make_app(report_yaml(f"sqlite:///{tmp_path}/r.db", window))
    clock.set(local(2026, 11, 24, 9))
    await alarm(app, clock, local(2026, 11, 24, 9), point="Sprinkler room")
    await alarm(app, clock, local(2026, 11, 24, 9, 30), point="Sprinkler room", state="clear")
    await alarm(app, clock, local(2026, 11, 24, 10), point="Sprinkler pump")
    await alarm(app, clock, local(2026, 11, 24, 10, 5), point="Kitchen")  # not in the window
    await run_until(app, clock, local(2026, 11, 24, 13))
    s = await summary_for(app, "2026-W48", clock.now())
    assert [(h.point, h.work, h.window_from, h.until, h.alarms) for h in s.held_back] == [
        ("Sprinkler pump", "sprinkler service", local(2026, 11, 24, 8), local(2026, 11, 24, 12),
         1),
        ("Sprinkler room", "sprinkler service", local(2026, 11, 24, 8), local(2026, 11, 24, 12),
         1)]
    assert s.total == 3


async def test_current_week_measures_open_alarms_to_now_and_says_still_open(
        make_app, clock, tmp_path):
    """Run on Monday 08:45 for the week that began at 00:00: an alarm open 15 minutes
    lasted 15 minutes (not "6 d 15 h" to Sunday 24:00), in every table."""
    from escalator.reports import render

    app = await make_app(report_yaml(f"sqlite:///{tmp_path}/r.db"))
    clock.set(local(2026, 12, 7, 0))
    await run_until(app, clock, local(2026, 12, 7, 0))
    opened = await alarm(app, clock, local(2026, 12, 7, 8, 30), point="Loop 1")
    await run_until(app, clock, local(2026, 12, 7, 8, 45))
    s = await summary_for(app, "2026-W50", clock.now())
    assert not s.complete and s.until == local(2026, 12, 7, 8, 45)
    assert [(r.incident_id, r.lasted, r.state) for r in s.still_open] == [
        (opened, 15 * M, "open")]
    assert [(r.lasted, r.state) for r in s.longest] == [(15 * M, "open")]
    assert [(r.lasted, r.ended_at) for r in s.rows] == [(15 * M, None)]
    m = render.model(s, "fi", app.config.facility.timezone, {}, "Lehtioja")
    page = render.html(m)
    assert "6 d" not in page and page.count("15 min (hälytys on yhä auki)") == 2
    assert "Yhä auki (7.12.2026 8.45)" in page
    assert "Viikko on vielä kesken" in page


def test_a_safety_records_alarm_is_measured_to_the_end_of_the_week_too():
    """A record whose alarm ended on the next Monday reads "still open" at Sunday 24:00
    in that week's summary, like the alarm's own rows."""
    from escalator.domain.model import Incident, State
    from escalator.domain.register import Attention, SafetyRow, SafetyView
    from escalator.reports.weekly import as_of

    w = week("2026-W48", "Europe/Helsinki")
    start = local(2026, 11, 29, 22)
    inc = Incident(id=1, source="t", code="FT", point="P", text="", severity="", ladder="",
                   state=State.RESOLVED, opened_at=start, last_seen_at=start)
    v = SafetyView(SafetyRow(1, 1, "nobody_acknowledged", start, "{}"), inc, start,
                   local(2026, 11, 30, 3), timedelta(hours=5), (), (), Attention(0, 0), (),
                   None)
    seen = as_of(v, w.end)
    assert (seen.ended_at, seen.duration) == (None, timedelta(hours=2))
    assert as_of(v, local(2026, 11, 30, 8)) == v  # ended by then: as it was
