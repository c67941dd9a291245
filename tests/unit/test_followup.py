"""Follow-through rules, table by table: nothing is left hanging once someone answered.

Pure policy over a hand-moved clock: each rule of issue 8 (taken is not done,
resolved means cleared, a false alarm goes to whoever can clear it, nobody
answered is not the end, the same alarm again is the same problem).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from escalator.domain import policy
from escalator.domain.availability import Directory, Party
from escalator.domain.hours import WeeklyHours
from escalator.domain.ladder import FollowUp, Ladder, Route, Step
from escalator.domain.model import Action, Incident, Reason, SafetyCause, State, read_params

HEL = ZoneInfo("Europe/Helsinki")
T9 = datetime(2026, 11, 24, 9, 0, tzinfo=HEL).astimezone(UTC)  # a Tuesday, 09:00
M = timedelta(minutes=1)
H = timedelta(hours=1)


def directory() -> Directory:
    parties = {
        "ward": Party("ward", "Ward A"),
        "vendor": Party("vendor", "Vendor hotline"),
        "contractor": Party("contractor", "Contractor",
                            hours=WeeklyHours.parse("Mon-Fri 07:00-16:00")),
        "manager": Party("manager", "Manager"),
    }
    return Directory(parties, {}, HEL)


LADDER = Ladder("fault", (
    Step(("ward",), 10 * M, 5 * M),
    Step(("vendor",), 30 * M),
    Step(("contractor",), 60 * M),
), loops=0, on_exhausted=("manager",))
FOLLOW = FollowUp(clears=("vendor",))


def incident(at: datetime = T9) -> Incident:
    return Incident(1, "terminal", "FT", "Loop 2", "", "", "fault", State.OPEN, at, at)


def at_vendor(follow: FollowUp = FOLLOW) -> Incident:
    """The incident after the ward's 10 minutes: the vendor has been called."""
    d = directory()
    inc = policy.start(incident(), LADDER, d, T9, follow).incident
    for due in (T9 + 5 * M, T9 + 10 * M):
        inc = policy.decide(inc, LADDER, d, due, follow).incident
    assert inc.escalation.step == 1
    return inc


def told(decision) -> set[tuple[str, Reason, bool]]:
    return {(n.party, n.reason, n.update) for n in decision.notices}


# -- rule 1: taken is not done ----------------------------------------------------------

@pytest.mark.parametrize("ack_timeout, eta, deadline", [
    (4 * H, None, T9 + 12 * M + 4 * H),  # no arrival time: the ack timeout
    (4 * H, T9 + 60 * M, T9 + 90 * M),  # an arrival time: ETA + 30 min grace, sooner
    (1 * H, T9 + 3 * H, T9 + 3 * H + 30 * M),  # an arrival promise beyond the timeout: kept
    (4 * H, T9 + 5 * M, T9 + 12 * M + 30 * M),  # an ETA already past: grace from now
])
def test_a_taken_alarm_has_a_deadline(ack_timeout, eta, deadline):
    follow = replace(FOLLOW, ack_timeout=ack_timeout)
    dec = policy.apply_action(at_vendor(follow), Action.ACKNOWLEDGE, "Vendor hotline", LADDER,
                              directory(), T9 + 12 * M, party="vendor", eta=eta, follow=follow)
    assert dec.incident.ack_deadline == deadline
    # an arrival time is a promise: its giver is reminded 10 min before it runs out
    assert dec.next_due == (deadline - 10 * M if eta else deadline)
    # said as what missing it means: "late unless on site by" for an arrival time
    assert read_params(dec.notices[0].detail).get("late" if eta else "until") == \
        deadline.isoformat()


def test_overdue_ack_reminds_the_taker_tells_the_others_records_and_resumes():
    d = directory()
    taken = policy.apply_action(at_vendor(), Action.ACKNOWLEDGE, "Vendor hotline", LADDER, d,
                                T9 + 12 * M, party="vendor", eta=T9 + 60 * M, follow=FOLLOW)
    quiet = policy.decide(taken.incident, LADDER, d, T9 + 79 * M, FOLLOW)
    assert quiet.notices == () and quiet.incident.state is State.ACKNOWLEDGED
    overdue = policy.decide(taken.incident, LADDER, d, T9 + 90 * M, FOLLOW)
    # taken with an arrival time: missing it is a late arrival, not "not resolved"
    assert told(overdue) == {("vendor", Reason.ARRIVAL_LATE, False),
                             ("ward", Reason.ARRIVAL_LATE, True)}
    assert [s.cause for s in overdue.safety] == [SafetyCause.ARRIVAL_LATE]
    inc = overdue.incident
    assert inc.state is State.OPEN and inc.acked_by is None and inc.ack_deadline is None
    assert inc.escalation.step == 1  # the taker's step, with its full time again
    assert overdue.next_due == T9 + 90 * M + 30 * M
    later = policy.decide(inc, LADDER, d, T9 + 120 * M, FOLLOW)
    assert ("contractor", Reason.ESCALATED, False) in told(later)


# -- rule 2: resolved means cleared at the terminal ------------------------------------

@pytest.mark.parametrize("sends_clear, state", [
    (True, State.AWAITING_CLEAR), (False, State.RESOLVED)])
def test_resolve_waits_for_the_terminal_only_where_the_terminal_sends_clears(sends_clear, state):
    follow = replace(FOLLOW, sends_clear=sends_clear)
    dec = policy.apply_action(at_vendor(follow), Action.RESOLVE, "Vendor hotline", LADDER,
                              directory(), T9 + 12 * M, party="vendor",
                              false_alarm_clear_within=2 * H, follow=follow)
    assert dec.incident.state is state
    if sends_clear:
        assert dec.incident.false_alarm_deadline == T9 + 12 * M + 2 * H
        assert ("ward", Reason.AWAITING_CLEAR, True) in told(dec)


def test_resolved_but_never_cleared_is_a_safety_record_and_the_calls_resume():
    follow = replace(FOLLOW, sends_clear=True, clears=())
    d = directory()
    fixed = policy.apply_action(at_vendor(follow), Action.RESOLVE, "Vendor hotline", LADDER, d,
                                T9 + 12 * M, party="vendor", false_alarm_clear_within=2 * H,
                                follow=follow)
    late = policy.decide(fixed.incident, LADDER, d, T9 + 12 * M + 2 * H, follow)
    assert [s.cause for s in late.safety] == [SafetyCause.RESOLVED_NOT_CLEARED]
    assert late.incident.state is State.OPEN
    assert late.incident.safety == ("resolved_not_cleared",)
    assert ("contractor", Reason.ESCALATED, False) in told(late)


def test_resolved_then_cleared_closes_with_the_person_who_fixed_it():
    follow = replace(FOLLOW, sends_clear=True)
    d = directory()
    fixed = policy.apply_action(at_vendor(follow), Action.RESOLVE, "Vendor hotline", LADDER, d,
                                T9 + 12 * M, party="vendor", follow=follow)
    cleared = policy.apply_clear(fixed.incident, LADDER, d, T9 + 40 * M)
    assert cleared.incident.state is State.RESOLVED
    assert cleared.incident.resolved_by == "Vendor hotline" and cleared.safety == ()


# -- rule 3: a false alarm is sent to whoever can clear it ------------------------------

def test_a_false_alarm_asks_the_clearers_at_once_and_reminds_them_until_the_deadline():
    d = directory()
    inc = policy.start(incident(), LADDER, d, T9, FOLLOW).incident  # the nurse has it
    fa = policy.apply_action(inc, Action.FALSE_ALARM, "Ward A", LADDER, d, T9 + 2 * M,
                             party="ward", false_alarm_clear_within=2 * H, follow=FOLLOW)
    assert ("vendor", Reason.CLEAR_REQUESTED, False) in told(fa)
    asked = next(n for n in fa.notices if n.party == "vendor")
    assert read_params(asked.detail)["deadline"] == (T9 + 2 * M + 2 * H).isoformat()
    assert fa.next_due == T9 + 32 * M  # a reminder before the deadline
    again = policy.decide(fa.incident, LADDER, d, T9 + 32 * M, FOLLOW)
    assert told(again) == {("vendor", Reason.CLEAR_REQUESTED, False)}
    assert again.safety == ()


def test_a_false_alarm_not_cleared_is_recorded_and_every_reader_is_told():
    d = directory()
    inc = policy.start(incident(), LADDER, d, T9, FOLLOW).incident
    fa = policy.apply_action(inc, Action.FALSE_ALARM, "Ward A", LADDER, d, T9 + 2 * M,
                             party="ward", false_alarm_clear_within=1 * H, follow=FOLLOW)
    current = fa.incident
    while (due := policy.next_due(current, LADDER, FOLLOW)) and due < T9 + 2 * M + 1 * H:
        current = policy.decide(current, LADDER, d, due, FOLLOW).incident
    late = policy.decide(current, LADDER, d, T9 + 62 * M, FOLLOW)
    assert [s.cause for s in late.safety] == [SafetyCause.FALSE_ALARM_NOT_CLEARED]
    got = told(late)
    assert {("ward", Reason.SAFETY_INCIDENT, True), ("vendor", Reason.SAFETY_INCIDENT, True),
            ("manager", Reason.SAFETY_INCIDENT, False)} <= got
    # the nurse called it and could not get it cleared: the ladder goes up, not back to her
    assert ("vendor", Reason.ESCALATED, False) in got
    assert late.incident.safety == ("false_alarm_not_cleared",)


# -- rule 4: nobody answered is not the end ---------------------------------------------

def evening() -> datetime:
    return datetime(2026, 11, 24, 20, 0, tzinfo=HEL).astimezone(UTC)


def test_exhausted_at_night_the_contractor_is_called_when_it_opens():
    d = directory()
    follow = replace(FOLLOW, rewalk_every=timedelta(hours=24))
    dec = policy.simulate(incident(evening()), LADDER, d, evening() + 12 * H, follow)
    exhausted = next(x for x in dec if x.incident.escalation.exhausted)
    assert exhausted.incident.escalation.skipped == ("contractor",)
    seven = datetime(2026, 11, 25, 7, 0, tzinfo=HEL).astimezone(UTC)
    assert exhausted.next_due is not None and exhausted.next_due <= seven  # a wake-up hint
    reached = [(x.entries[0].at, n.party, n.reason) for x in dec for n in x.notices
               if n.reason is Reason.NOW_AVAILABLE]
    assert reached == [(seven, "contractor", Reason.NOW_AVAILABLE)]


@pytest.mark.parametrize("rewalk", [timedelta(hours=1), timedelta(minutes=30)])
def test_the_whole_ladder_is_walked_again_and_the_safety_record_is_written_once(rewalk):
    d = directory()
    follow = replace(FOLLOW, rewalk_every=rewalk)
    dec = policy.simulate(incident(evening()), LADDER, d, evening() + 4 * H, follow)
    rewalks = [x.entries[0].at for x in dec if any(e.reason is Reason.REWALK for e in x.entries)]
    assert len(rewalks) >= 2
    first_exhaust = next(x.entries[-1].at for x in dec if x.incident.escalation.exhausted)
    assert rewalks[0] == first_exhaust + rewalk
    assert sum(len(x.safety) for x in dec) == 1
    assert sum(1 for x in dec for n in x.notices if n.reason is Reason.EXHAUSTED) == 1
    ward_calls = [n for x in dec for n in x.notices if n.party == "ward" and n.reason is
                  Reason.REWALK]
    assert len(ward_calls) == len(rewalks)


def test_taking_an_exhausted_alarm_stops_the_rewalks():
    d = directory()
    dec = policy.simulate(incident(evening()), LADDER, d, evening() + 2 * H, FOLLOW)
    inc = next(x.incident for x in dec if x.incident.escalation.exhausted)
    taken = policy.apply_action(inc, Action.ACKNOWLEDGE, "Manager", LADDER, d,
                                evening() + 2 * H, party="manager", follow=FOLLOW)
    assert not taken.incident.escalation.exhausted
    assert taken.next_due == taken.incident.ack_deadline


# -- rule 5: the same alarm again is the same problem -----------------------------------

def test_reopen_restarts_the_ladder_on_the_same_incident_and_counts_it():
    d = directory()
    inc = policy.start(incident(), LADDER, d, T9, FOLLOW).incident
    done = policy.apply_action(inc, Action.RESOLVE, "Ward A", LADDER, d, T9 + 3 * M,
                               party="ward", follow=FOLLOW).incident
    assert done.state is State.RESOLVED
    again = policy.reopen(done, LADDER, d, T9 + 2 * H, FOLLOW)
    assert again.incident.id == done.id and again.incident.state is State.OPEN
    assert again.incident.reopened == 1 and again.incident.acked_by is None
    assert [(n.party, n.reason) for n in again.notices] == [("ward", Reason.REOPENED)]
    assert read_params(again.notices[0].detail)["times"] == 1


@pytest.mark.parametrize("route, expected", [
    (Route("fault"), timedelta(hours=24)),
    (Route("fault", reopen_within=timedelta(hours=2)), timedelta(hours=2)),
    (Route("fault", reopen_within=timedelta(0)), timedelta(0)),  # 0s turns it off
])
def test_reopen_within_comes_from_the_route(route, expected):
    assert FollowUp.of(route, LADDER, sends_clear=False).reopen_within == expected


@pytest.mark.parametrize("route, ladder_timeout, expected", [
    (Route("fault"), None, timedelta(hours=4)),
    (Route("fault"), timedelta(hours=2), timedelta(hours=2)),
    (Route("fault", ack_timeout=timedelta(hours=1)), timedelta(hours=2), timedelta(hours=1)),
])
def test_the_routes_ack_timeout_wins_over_the_ladders(route, ladder_timeout, expected):
    ladder = replace(LADDER, ack_timeout=ladder_timeout)
    assert FollowUp.of(route, ladder, sends_clear=False).ack_timeout == expected
