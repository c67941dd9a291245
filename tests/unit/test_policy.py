"""The escalation policy, pinned semantic by semantic over a hand-moved clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from escalator.domain import policy
from escalator.domain.availability import Directory, Party, Roster, RosterEntry
from escalator.domain.hours import Period, WeeklyHours
from escalator.domain.ladder import Ladder, Step
from escalator.domain.model import Action, Incident, Reason, SafetyCause, State, read_params

HEL = ZoneInfo("Europe/Helsinki")
TUESDAY_9 = datetime(2026, 11, 24, 9, 0, tzinfo=HEL).astimezone(UTC)
M = timedelta(minutes=1)


def party(pid: str, hours: str | None = None, absent: tuple[str, ...] = ()) -> Party:
    return Party(pid, pid.title(), hours=WeeklyHours.parse(hours) if hours else None,
                 absent=tuple(Period.parse(a) for a in absent))


def directory(holiday=lambda d: None, **overrides: Party) -> Directory:
    parties = {p.id: p for p in [
        party("ward-a"), party("night-nurse"), party("vendor", "Mon-Sun 00:00-24:00"),
        party("contractor", "Mon-Fri 07:00-16:00"),
        party("maintenance", "Mon-Fri 07:00-15:00", ("2026-12-24..2026-12-26",)),
        party("manager"),
    ]}
    parties.update(overrides)
    roster = Roster("nurse-on-duty", (
        RosterEntry("ward-a", WeeklyHours.parse("Mon-Sun 07:00-21:00")),
        RosterEntry("night-nurse", WeeklyHours.parse("Mon-Sun 21:00-07:00")),
    ))
    return Directory(parties, {"nurse-on-duty": roster}, HEL, holiday)


LADDER = Ladder("technical-fault", (
    Step(("nurse-on-duty",), 10 * M, 5 * M),
    Step(("vendor",), 30 * M, 15 * M),
    Step(("contractor",), 60 * M),
    Step(("maintenance",), 120 * M),
), loops=2, on_exhausted=("manager",))


def incident(at: datetime = TUESDAY_9) -> Incident:
    return Incident(1, "terminal", "FT", "loop 2", "", "", "technical-fault", State.OPEN, at, at)


MAX_DECISIONS = 5_000  # a week of 5-minute reminders is ~2,000


def run_until(inc: Incident, d: Directory, until: datetime, ladder: Ladder = LADDER):
    """Drive decide() at each due time, like the waker would; return all notices with times.

    Bounded: a policy whose next due time stops moving forward (a mutation, a bug)
    fails the test at once instead of hanging it."""
    first = policy.start(inc, ladder, d, inc.opened_at)
    log = [(inc.opened_at, n) for n in first.notices]
    current, decisions = first.incident, [first]
    last = None
    while (due := policy.next_due(current, ladder)) is not None and due <= until:
        assert last is None or due > last, f"next_due did not move on from {last}"
        assert len(decisions) < MAX_DECISIONS, "the ladder never settles"
        last = due
        dec = policy.decide(current, ladder, d, due)
        log += [(due, n) for n in dec.notices]
        decisions.append(dec)
        current = dec.incident
    return current, log, decisions


def test_first_notice_goes_to_whoever_is_on_shift_at_once():
    dec = policy.start(incident(), LADDER, directory(), TUESDAY_9)
    assert [(n.party, n.reason) for n in dec.notices] == [("ward-a", Reason.FIRST)]
    assert dec.incident.escalation.step == 0
    assert dec.next_due == TUESDAY_9 + 5 * M


def test_night_shift_reaches_the_night_nurse():
    night = datetime(2026, 11, 24, 23, 30, tzinfo=HEL).astimezone(UTC)
    dec = policy.start(incident(night), LADDER, directory(), night)
    assert [n.party for n in dec.notices] == ["night-nurse"]


def test_renotify_then_escalate_with_one_update_to_earlier_parties():
    _, log, _ = run_until(incident(), directory(), TUESDAY_9 + 10 * M)
    got = [(at - TUESDAY_9, n.party, n.reason, n.update) for at, n in log]
    assert got == [
        (0 * M, "ward-a", Reason.FIRST, False),
        (5 * M, "ward-a", Reason.RENOTIFY, False),
        (10 * M, "vendor", Reason.ESCALATED, False),
        (10 * M, "ward-a", Reason.ESCALATED, True),
    ]
    assert read_params(log[-1][1].detail) == {"to": "Vendor"}


def test_whole_ladder_walked_loops_times_then_exhausted_safety_incident():
    exhausted_at = TUESDAY_9 + timedelta(hours=8)  # the third walk ends at 17:00
    current, log, decisions = run_until(incident(), directory(), exhausted_at)
    firsts = [n.party for _, n in log if n.reason in (Reason.FIRST, Reason.ESCALATED)
              and not n.update]
    # 1 + loops(2) = 3 walks; the third starts at 16:20, after the contractor (16:00)
    # and maintenance (15:00) have closed, so they are skipped rather than waited for.
    walk = ["ward-a", "vendor", "contractor", "maintenance"]
    assert firsts == walk + walk + ["ward-a", "vendor"]
    skipped = [e.party for dec in decisions for e in dec.entries
               if e.reason is Reason.SKIPPED_UNAVAILABLE]
    assert skipped == ["contractor", "maintenance"]
    assert current.escalation.exhausted
    exhausted = [n for _, n in log if n.reason is Reason.EXHAUSTED]
    assert [n.party for n in exhausted] == ["manager"]
    safety = [s for dec in decisions for s in dec.safety]
    assert [s.cause for s in safety] == [SafetyCause.NOBODY_ACKNOWLEDGED]
    # not the end: the contractor (closed) is looked for at 07:00, the ladder walked hourly
    assert current.escalation.exhausted_at == exhausted_at
    assert policy.next_due(current, LADDER) == exhausted_at + timedelta(hours=1)


def test_closed_party_is_skipped_at_once_with_reason_and_never_waited_for():
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=HEL).astimezone(UTC)
    inc = incident(saturday)
    _, log, decisions = run_until(inc, directory(), saturday + 45 * M)
    entries = [e for dec in decisions for e in dec.entries]
    skipped = [(e.party, e.reason) for e in entries if e.reason is Reason.SKIPPED_UNAVAILABLE]
    assert ("contractor", Reason.SKIPPED_UNAVAILABLE) in skipped
    assert ("maintenance", Reason.SKIPPED_UNAVAILABLE) in skipped
    # after the vendor's 30 minutes the ladder went straight round to the nurse again
    assert [(at - saturday, n.party) for at, n in log if not n.update
            and n.reason is Reason.ESCALATED] == [(10 * M, "vendor"), (40 * M, "ward-a")]
    why = next(e.detail for e in entries if e.party == "contractor")
    assert "Mon-Fri 07:00-16:00" in why


def test_absence_and_public_holiday_close_a_party():
    def holiday(d: date) -> str | None:
        return "Itsenäisyyspäivä" if d == date(2026, 12, 7) else None

    d = directory(holiday)
    absent_day = datetime(2026, 12, 24, 10, 0, tzinfo=HEL).astimezone(UTC)  # Thursday
    reach = d.availability("maintenance", absent_day)
    assert not reach.available and "absent" in (reach.why or "")
    holiday_monday = datetime(2026, 12, 7, 10, 0, tzinfo=HEL).astimezone(UTC)
    reach = d.availability("contractor", holiday_monday)
    assert not reach.available and "Itsenäisyyspäivä" in (reach.why or "")
    # a 24/7 hotline is not closed by a holiday
    assert d.availability("vendor", holiday_monday).available


def test_whole_ladder_unavailable_tells_on_exhausted_immediately():
    nobody = Ladder("closed", (Step(("contractor",), 10 * M), Step(("maintenance",), 10 * M)),
                    loops=3, on_exhausted=("manager",))
    sunday = datetime(2026, 11, 29, 12, 0, tzinfo=HEL).astimezone(UTC)
    dec = policy.start(incident(sunday), nobody, directory(), sunday)
    assert [(n.party, n.reason) for n in dec.notices] == [("manager", Reason.EXHAUSTED)]
    assert [s.cause for s in dec.safety] == [SafetyCause.NOBODY_AVAILABLE]
    assert dec.incident.escalation.exhausted


def test_acknowledge_stops_timers_and_tells_the_others_once():
    d = directory()
    cur, _, _ = run_until(incident(), d, TUESDAY_9 + 10 * M)  # vendor reached
    dec = policy.apply_action(cur, Action.ACKNOWLEDGE, "Vendor", LADDER, d,
                              TUESDAY_9 + 12 * M, party="vendor")
    assert dec.incident.state is State.ACKNOWLEDGED
    assert [(n.party, n.reason) for n in dec.notices] == [("ward-a", Reason.ACKED)]
    assert read_params(dec.notices[0].detail)["by"] == "Vendor"
    assert dec.next_due == TUESDAY_9 + 12 * M + timedelta(hours=4)  # the ack timeout
    later = policy.decide(dec.incident, LADDER, d, TUESDAY_9 + timedelta(hours=4))
    assert later.notices == ()


def test_clear_from_source_resolves_and_tells_everyone_notified_once():
    d = directory()
    cur, _, _ = run_until(incident(), d, TUESDAY_9 + 10 * M)
    dec = policy.apply_clear(cur, LADDER, d, TUESDAY_9 + 11 * M)
    assert dec.incident.state is State.RESOLVED
    assert sorted((n.party, n.reason) for n in dec.notices) == [
        ("vendor", Reason.CLEARED), ("ward-a", Reason.CLEARED)]
    assert policy.apply_clear(dec.incident, LADDER, d, TUESDAY_9 + 12 * M).notices == ()


def test_false_alarm_waits_for_clear_then_safety_incident_and_resumes():
    d = directory()
    cur, _, _ = run_until(incident(), d, TUESDAY_9 + 10 * M)
    fa = policy.apply_action(cur, Action.FALSE_ALARM, "Vendor", LADDER, d, TUESDAY_9 + 12 * M,
                             party="vendor", false_alarm_clear_within=timedelta(hours=4))
    assert fa.incident.state is State.FALSE_ALARM
    assert fa.next_due == TUESDAY_9 + 12 * M + timedelta(hours=4)
    quiet = policy.decide(fa.incident, LADDER, d, TUESDAY_9 + timedelta(hours=3))
    assert quiet.notices == () and quiet.incident.state is State.FALSE_ALARM
    overdue = policy.decide(fa.incident, LADDER, d, TUESDAY_9 + timedelta(hours=4, minutes=13))
    assert [s.cause for s in overdue.safety] == [SafetyCause.FALSE_ALARM_NOT_CLEARED]
    assert overdue.incident.state is State.OPEN
    told = {(n.party, n.reason) for n in overdue.notices}
    assert ("manager", Reason.SAFETY_INCIDENT) in told
    assert {("ward-a", Reason.SAFETY_INCIDENT), ("vendor", Reason.SAFETY_INCIDENT)} <= told
    # whoever called it false could not get it cleared: the ladder goes on up
    assert ("contractor", Reason.ESCALATED) in told


def test_false_alarm_cleared_in_time_is_no_safety_incident():
    d = directory()
    cur, _, _ = run_until(incident(), d, TUESDAY_9 + 10 * M)
    fa = policy.apply_action(cur, Action.FALSE_ALARM, "Vendor", LADDER, d, TUESDAY_9 + 12 * M,
                             party="vendor")
    cleared = policy.apply_clear(fa.incident, LADDER, d, TUESDAY_9 + timedelta(hours=1))
    assert cleared.incident.state is State.RESOLVED
    assert cleared.next_due is None and cleared.safety == ()


def test_snooze_pauses_then_reminds_and_restarts_the_step():
    d = directory()
    start = policy.start(incident(), LADDER, d, TUESDAY_9)
    sn = policy.apply_action(start.incident, Action.SNOOZE, "Nurse", LADDER, d,
                             TUESDAY_9 + 1 * M, party="ward-a", minutes=60)
    assert sn.incident.state is State.SNOOZED and sn.next_due == TUESDAY_9 + 61 * M
    assert policy.decide(sn.incident, LADDER, d, TUESDAY_9 + 30 * M).notices == ()
    woke = policy.decide(sn.incident, LADDER, d, TUESDAY_9 + 61 * M)
    assert woke.incident.state is State.OPEN
    assert [(n.party, n.reason) for n in woke.notices] == [("ward-a", Reason.RENOTIFY)]
    assert woke.next_due == TUESDAY_9 + 66 * M  # renotify again; escalation 10 min later


def test_escalate_now_moves_to_the_next_step_even_when_acknowledged():
    d = directory()
    start = policy.start(incident(), LADDER, d, TUESDAY_9)
    ack = policy.apply_action(start.incident, Action.ACKNOWLEDGE, "Nurse", LADDER, d,
                              TUESDAY_9 + M, party="ward-a")
    esc = policy.apply_action(ack.incident, Action.ESCALATE, "Nurse", LADDER, d,
                              TUESDAY_9 + 2 * M, party="ward-a", note="not ours")
    assert esc.incident.state is State.OPEN and esc.incident.escalation.step == 1
    assert ("vendor", Reason.ESCALATED) in [(n.party, n.reason) for n in esc.notices]


def test_catching_up_after_downtime_does_not_burst():
    """A service that was down for 3 hours resumes: one transition, full window for the step."""
    d = directory()
    start = policy.start(incident(), LADDER, d, TUESDAY_9)
    late = policy.decide(start.incident, LADDER, d, TUESDAY_9 + timedelta(hours=3))
    assert [(n.party, n.reason, n.update) for n in late.notices] == [
        ("vendor", Reason.ESCALATED, False), ("ward-a", Reason.ESCALATED, True)]
    assert late.next_due == TUESDAY_9 + timedelta(hours=3, minutes=15)


def test_shift_change_during_a_step_reminds_the_new_shift():
    d = directory()
    evening = datetime(2026, 11, 24, 20, 58, tzinfo=HEL).astimezone(UTC)
    start = policy.start(incident(evening), LADDER, d, evening)
    assert [n.party for n in start.notices] == ["ward-a"]
    rem = policy.decide(start.incident, LADDER, d, evening + 5 * M)  # 21:03
    assert [n.party for n in rem.notices] == ["night-nurse"]


@pytest.mark.parametrize("action", [Action.ACKNOWLEDGE, Action.SNOOZE, Action.ESCALATE,
                                    Action.FALSE_ALARM, Action.RESOLVE])
def test_actions_on_a_resolved_incident_change_nothing(action):
    d = directory()
    start = policy.start(incident(), LADDER, d, TUESDAY_9)
    done = policy.apply_clear(start.incident, LADDER, d, TUESDAY_9 + M)
    again = policy.apply_action(done.incident, action, "x", LADDER, d, TUESDAY_9 + 2 * M)
    assert again.incident == done.incident and again.notices == ()


def test_simulate_runs_two_days_of_ladder_in_one_call():
    decisions = policy.simulate(incident(), LADDER, directory(), TUESDAY_9 + timedelta(days=2))
    assert any(d.incident.escalation.exhausted for d in decisions)
    assert sum(len(d.notices) for d in decisions) > 12
