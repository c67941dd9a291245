"""Answers as people give them: "on my way, there by", "on site", and what they promise.

Pure policy and guard, table by table: the deadline follows the promise that was made,
a missed arrival is a late arrival (not "not resolved"), on site restarts the clock (or
takes the fix time), and the one who promised is reminded before the promise runs out.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from escalator.domain import policy
from escalator.domain.availability import Directory, Party
from escalator.domain.guards import (
    ARRIVAL_CHOICES,
    FITS,
    FIX_CHOICES,
    Actor,
    Ask,
    Door,
    Facts,
    Past,
    Why,
    judge,
    promise_ok,
    version,
)
from escalator.domain.ladder import FollowUp, Ladder, Step
from escalator.domain.model import Action, Incident, Reason, SafetyCause, State, read_params

HEL = ZoneInfo("Europe/Helsinki")
T8 = datetime(2026, 12, 7, 8, 0, tzinfo=HEL).astimezone(UTC)  # a Monday, 08:00
M = timedelta(minutes=1)
H = timedelta(hours=1)
FOLLOW = FollowUp(ack_timeout=2 * H, eta_grace=15 * M)
LADDER = Ladder("fault", (Step(("ward",), 10 * M, 5 * M), Step(("vendor",), 30 * M)),
                loops=0, on_exhausted=("manager",))


def directory() -> Directory:
    return Directory({p: Party(p, p.title()) for p in ("ward", "vendor", "manager")}, {}, HEL)


def at_vendor() -> Incident:
    """The vendor has been called (08:10)."""
    d = directory()
    inc = Incident(1, "terminal", "FT", "Loop 2", "", "", "fault", State.OPEN, T8, T8)
    inc = policy.start(inc, LADDER, d, T8, FOLLOW).incident
    for due in (T8 + 5 * M, T8 + 10 * M):
        inc = policy.decide(inc, LADDER, d, due, FOLLOW).incident
    assert inc.escalation.step == 1
    return inc


def answer(inc: Incident, action: Action, at: datetime, **kw: object):
    return policy.apply_action(inc, action, "Vendor hotline", LADDER, directory(), at,
                               party="vendor", follow=FOLLOW, **kw)  # type: ignore[arg-type]


def told(decision) -> set[tuple[str, Reason, bool]]:
    return {(n.party, n.reason, n.update) for n in decision.notices}


def run(inc: Incident, until: datetime) -> list:
    """Every decision due up to `until`, as the scheduler would take them."""
    out = []
    for _ in range(100):
        due = policy.next_due(inc, LADDER, FOLLOW)
        if due is None or due > until:
            return out
        d = policy.decide(inc, LADDER, directory(), due, FOLLOW)
        out.append(d)
        inc = d.incident
    raise AssertionError("does not settle")


# -- the deadline follows the promise ------------------------------------------------

@pytest.mark.parametrize("action, kw, given_at, deadline", [
    # on my way, there by 08:34 (the issue's case): 08:34 + grace, not the 2 h timeout
    (Action.EN_ROUTE, dict(eta=T8 + 34 * M), T8 + 12 * M, T8 + 49 * M),
    # a choice of minutes from now: +1 h
    (Action.EN_ROUTE, dict(minutes=60), T8 + 12 * M, T8 + 12 * M + 75 * M),
    # an arrival beyond the ack timeout is still the promise
    (Action.EN_ROUTE, dict(minutes=240), T8 + 12 * M, T8 + 12 * M + 4 * H + 15 * M),
    # on site, fixed by 11:00: the fix time
    (Action.ON_SITE, dict(fix_by=T8 + 3 * H), T8 + 40 * M, T8 + 3 * H),
    # on site, fixed in about 2 h
    (Action.ON_SITE, dict(minutes=120), T8 + 40 * M, T8 + 40 * M + 2 * H),
    # on site without a fix time: the ladder's ack timeout again from the arrival
    (Action.ON_SITE, {}, T8 + 40 * M, T8 + 40 * M + 2 * H),
])
def test_the_deadline_is_the_promise(action, kw, given_at, deadline):
    dec = answer(at_vendor(), action, given_at, **kw)
    inc = dec.incident
    assert inc.state is State.ACKNOWLEDGED and inc.acked_by == "Vendor hotline"
    assert inc.acked_party == "vendor" and inc.promise == action.value
    assert inc.ack_deadline == deadline
    entry = dec.entries[-1]  # a reason code and parameters, never a sentence
    assert entry.reason is Reason(action.value.upper())
    assert read_params(entry.detail)["until"] == deadline.isoformat()
    assert told(dec) == {("ward", Reason(action.value.upper()), True)}


def test_on_site_after_on_my_way_restarts_the_clock_and_keeps_the_first_taking():
    way = answer(at_vendor(), Action.EN_ROUTE, T8 + 12 * M, eta=T8 + 34 * M).incident
    there = answer(way, Action.ON_SITE, T8 + 33 * M).incident
    assert there.acked_at == T8 + 12 * M  # taken when it was first taken
    assert there.eta == T8 + 34 * M  # the arrival promised stays on record
    assert there.promised_at == T8 + 33 * M and there.ack_deadline == T8 + 33 * M + 2 * H


def test_a_promise_from_a_second_party_moves_the_alarm_to_them():
    taken = answer(at_vendor(), Action.ACKNOWLEDGE, T8 + 12 * M).incident
    moved = policy.apply_action(taken, Action.EN_ROUTE, "Ward A", LADDER, directory(),
                                T8 + 15 * M, party="ward", minutes=30, follow=FOLLOW).incident
    assert moved.acked_party == "ward" and moved.acked_at == T8 + 12 * M


# -- what a broken promise is ---------------------------------------------------------

@pytest.mark.parametrize("action, kw, cause, reason", [
    (Action.EN_ROUTE, dict(eta=T8 + 34 * M), SafetyCause.ARRIVAL_LATE, Reason.ARRIVAL_LATE),
    (Action.ACKNOWLEDGE, dict(eta=T8 + 34 * M), SafetyCause.ARRIVAL_LATE,
     Reason.ARRIVAL_LATE),
    (Action.ON_SITE, dict(minutes=60), SafetyCause.ACK_NOT_RESOLVED, Reason.ACK_OVERDUE),
    (Action.ACKNOWLEDGE, {}, SafetyCause.ACK_NOT_RESOLVED, Reason.ACK_OVERDUE),
])
def test_a_missed_promise_is_recorded_as_the_promise_it_was(action, kw, cause, reason):
    inc = answer(at_vendor(), action, T8 + 12 * M, **kw).incident
    assert inc.ack_deadline is not None
    decisions = run(inc, inc.ack_deadline)
    overdue = decisions[-1]
    assert [s.cause for s in overdue.safety] == [cause]
    assert ("vendor", reason, False) in told(overdue) and ("ward", reason, True) in told(overdue)
    assert overdue.incident.state is State.OPEN and overdue.incident.promise is None
    assert all(not d.safety for d in decisions[:-1])


def test_the_issues_case_on_the_way_by_0834_is_no_safety_record_at_0835():
    inc = answer(at_vendor(), Action.EN_ROUTE, T8 + 12 * M, eta=T8 + 34 * M).incident
    assert not any(d.safety for d in run(inc, T8 + 35 * M))
    there = answer(inc, Action.ON_SITE, T8 + 36 * M).incident  # there in the grace
    assert not any(d.safety for d in run(there, T8 + 36 * M + 2 * H - M))


# -- the one who promised is reminded, before it runs out --------------------------------

@pytest.mark.parametrize("action, kw, remind_at", [
    (Action.EN_ROUTE, dict(eta=T8 + 34 * M), T8 + 39 * M),  # 10 min before 08:49
    (Action.ON_SITE, dict(fix_by=T8 + 3 * H), T8 + 3 * H - 10 * M),
    (Action.ON_SITE, {}, T8 + 12 * M + 2 * H - 10 * M),
    (Action.EN_ROUTE, dict(eta=T8 + 13 * M), T8 + 18 * M),  # 10 min before 08:28
])
def test_the_promiser_is_reminded_once_before_the_promise_runs_out(action, kw, remind_at):
    inc = answer(at_vendor(), action, T8 + 12 * M, **kw).incident
    assert policy.next_due(inc, LADDER, FOLLOW) == remind_at
    reminded = policy.decide(inc, LADDER, directory(), remind_at, FOLLOW)
    assert told(reminded) == {("vendor", Reason.PROMISE_DUE, False)}  # only the promiser
    assert reminded.safety == () and reminded.incident.state is State.ACKNOWLEDGED
    assert read_params(reminded.notices[0].detail)["promise"] == inc.promise
    assert reminded.next_due == inc.ack_deadline  # once: next is the deadline itself


def test_an_operators_promise_reminds_nobody():
    inc = policy.apply_action(at_vendor(), Action.ON_SITE, "operator", LADDER, directory(),
                              T8 + 12 * M, follow=FOLLOW).incident
    assert policy.next_due(inc, LADDER, FOLLOW) == inc.ack_deadline


# -- the guard: where they fit, which times may be promised --------------------------------

NOW = T8 + 12 * M


@pytest.mark.parametrize("action, minutes, until, ok", [
    (Action.EN_ROUTE, 60, None, True),
    (Action.EN_ROUTE, 45, None, False),  # not an offered choice
    (Action.EN_ROUTE, None, None, False),  # on my way needs a time
    (Action.EN_ROUTE, None, NOW + 34 * M, True),
    (Action.EN_ROUTE, None, NOW - M, False),  # in the past
    (Action.EN_ROUTE, None, NOW + 9 * H, False),  # further than 8 h: a typo
    (Action.EN_ROUTE, 60, NOW + H, False),  # both: which one?
    (Action.ON_SITE, None, None, True),  # on site, no fix time
    (Action.ON_SITE, 120, None, True),
    (Action.ON_SITE, 30, None, False),
    (Action.ON_SITE, None, NOW + 23 * H, True),
    (Action.ON_SITE, None, NOW + 25 * H, False),
    (Action.ACKNOWLEDGE, None, None, True),  # taken, no time
    (Action.ACKNOWLEDGE, None, NOW + H, True),  # taken, there in an hour: a promise
    (Action.ACKNOWLEDGE, None, NOW + 20 * H, False),  # "there tomorrow" is no promise
])
def test_which_times_may_be_promised(action, minutes, until, ok):
    assert promise_ok(action, minutes, until, NOW) is ok
    inc = at_vendor()
    actor = Actor(Door.ACK_PAGE, "Vendor", "vendor", scope="vendor", link_bound=True)
    facts = Facts(incident=inc, parties=("ward", "vendor"), viewers=(), version=version(inc))
    verdict = judge(actor, Ask(action, minutes, None, until), facts, NOW)
    assert verdict.why is (Why.OK if ok else Why.BAD_TIME)


def test_choices_are_bounded_and_fit_where_they_make_sense():
    assert ARRIVAL_CHOICES == (30, 60, 120, 240) and max(FIX_CHOICES) <= 24 * 60
    for state in (State.OPEN, State.SNOOZED, State.ACKNOWLEDGED):
        assert {Action.EN_ROUTE, Action.ON_SITE} <= set(FITS[state])
    for state in (State.FALSE_ALARM, State.AWAITING_CLEAR, State.RESOLVED):
        assert not {Action.EN_ROUTE, Action.ON_SITE} & set(FITS[state])


def test_the_same_promise_again_is_a_repeat_a_new_time_is_not():
    inc = answer(at_vendor(), Action.EN_ROUTE, NOW, minutes=60).incident
    actor = Actor(Door.ACK_PAGE, "Vendor", "vendor", scope="vendor", link_bound=True)
    facts = Facts(incident=inc, parties=("ward", "vendor"), viewers=(), version=version(inc),
                  past=(Past(Action.EN_ROUTE, 60, NOW),))
    assert judge(actor, Ask(Action.EN_ROUTE, 60), facts, NOW + M).why is Why.REPEAT
    assert judge(actor, Ask(Action.EN_ROUTE, 120), facts, NOW + M).why is Why.OK
    assert judge(actor, Ask(Action.ON_SITE), facts, NOW + M).why is Why.OK


def test_a_new_promise_makes_an_old_form_stale():
    way = answer(at_vendor(), Action.EN_ROUTE, NOW, minutes=60).incident
    there = answer(way, Action.ON_SITE, NOW + 30 * M).incident
    assert version(way) != version(there)
    assert version(replace(way, promise=None, promised_at=None)) == version(
        replace(there, promise=None, promised_at=None))


# -- storage: an upgraded database still verifies ----------------------------------------

def test_a_state_audited_before_promises_existed_still_verifies():
    import hashlib
    import json

    from escalator.storage import audit_records
    from escalator.storage.rows import INCIDENT_COLUMNS, incident_values

    inc = at_vendor()
    now = incident_values(inc, None)
    cut = INCIDENT_COLUMNS.index("promise")
    before = json.dumps(list(now[:cut]), separators=(",", ":"), ensure_ascii=False,
                        default=str)  # the earlier version's columns, as it digested them
    assert audit_records.digest(now) == hashlib.sha256(before.encode()).hexdigest()
    promised = incident_values(answer(inc, Action.ON_SITE, NOW).incident, None)
    assert audit_records.digest(promised) != audit_records.digest(now)
