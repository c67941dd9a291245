"""The answer rules every entry point shares, table by table (escalator.domain.answering)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from escalator.domain.answering import (
    Call,
    Correlation,
    Handled,
    already_handled,
    correlate,
    may_escalate,
    superseded,
)
from escalator.domain.model import Action, Escalation, Incident, State

T = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


def incident(state: State = State.OPEN, step: int = 1, loop: int = 0) -> Incident:
    return Incident(1, "terminal", "FT", "B", "", "", "fault", state, T, T,
                    escalation=Escalation(loop=loop, step=step, step_started_at=T),
                    acked_by="Vendor", acked_at=T, resolved_by="source", resolved_at=T,
                    false_alarm_by="Anna")


@pytest.mark.parametrize("reason, update, state, expected", [
    ("FIRST", False, State.OPEN, False),
    ("FIRST", False, State.ACKNOWLEDGED, True),
    ("RENOTIFY", False, State.FALSE_ALARM, True),
    ("ESCALATED", False, State.AWAITING_CLEAR, True),
    ("REWALK", False, State.RESOLVED, True),
    ("ESCALATED", True, State.ACKNOWLEDGED, False),  # news, not a call: always sent
    ("ACKED", False, State.ACKNOWLEDGED, False),
    ("CLEAR_REQUESTED", False, State.FALSE_ALARM, False),  # still needed while waiting
    ("CLEAR_REQUESTED", False, State.RESOLVED, True),
    ("SAFETY_INCIDENT", False, State.RESOLVED, False),
])
def test_superseded(reason, update, state, expected):
    assert superseded(reason, update, state) is expected


@pytest.mark.parametrize("calls, party, expected", [
    ([Call("vendor", "ESCALATED", 1, 0, False)], "vendor", True),  # on the current step
    ([Call("ward", "FIRST", 0, 0, False)], "ward", True),  # the first step may always
    ([Call("vendor", "ESCALATED", 1, 0, False)], "ward", False),  # never called
    ([Call("vendor", "ESCALATED", 1, 0, True)], "vendor", False),  # only told news
    ([Call("vendor", "ACKED", 1, 0, False)], "vendor", False),  # not a call
])
def test_may_escalate_from_the_current_step(calls, party, expected):
    assert may_escalate(incident(step=1), party, calls) is expected


def test_a_party_the_ladder_has_passed_may_not_skip_a_step():
    calls = [Call("vendor", "ESCALATED", 1, 0, False)]
    assert not may_escalate(incident(step=2), "vendor", calls)
    assert not may_escalate(incident(step=1, loop=1), "vendor", calls)


@pytest.mark.parametrize("state, action, kind", [
    (State.RESOLVED, Action.ACKNOWLEDGE, Handled.RESOLVED),
    (State.RESOLVED, Action.ESCALATE, Handled.RESOLVED),
    (State.ACKNOWLEDGED, Action.ACKNOWLEDGE, Handled.TAKEN),
    (State.ACKNOWLEDGED, Action.SNOOZE, Handled.TAKEN),
    (State.ACKNOWLEDGED, Action.RESOLVE, None),
    (State.ACKNOWLEDGED, Action.ESCALATE, None),
    (State.FALSE_ALARM, Action.FALSE_ALARM, Handled.FALSE_ALARM),
    (State.FALSE_ALARM, Action.RESOLVE, None),
    (State.AWAITING_CLEAR, Action.RESOLVE, Handled.AWAITING_CLEAR),
    (State.AWAITING_CLEAR, Action.ESCALATE, None),
    (State.OPEN, Action.ACKNOWLEDGE, None),
])
def test_already_handled(state, action, kind):
    found = already_handled(incident(state), action)
    assert (found.kind if found else None) == kind


def test_already_taken_names_who_and_when():
    found = already_handled(incident(State.ACKNOWLEDGED), Action.ACKNOWLEDGE)
    assert found is not None and (found.who, found.at) == ("Vendor", T)


OPEN, DONE = incident(), replace(incident(State.RESOLVED))


@pytest.mark.parametrize("state, current, recent, expected", [
    ("heartbeat", OPEN, None, Correlation.HEARTBEAT),
    ("clear", OPEN, None, Correlation.CLEAR),
    ("clear", None, DONE, Correlation.CLEAR_UNKNOWN),
    ("alarm", OPEN, None, Correlation.REPEAT),
    ("alarm", None, DONE, Correlation.REOPEN),
    ("alarm", None, None, Correlation.NEW),
])
def test_correlate(state, current, recent, expected):
    assert correlate(state, current, recent) is expected


def test_the_same_news_to_several_parties_is_one_timeline_line():
    from escalator.entrypoints.http.views import told_together

    at, later = "2026-11-24T07:10:00+00:00", "2026-11-24T07:20:00+00:00"
    rows = [
        {"at": at, "reason": "ACKED", "party": "vendor", "detail": '{"by": "V"}'},
        {"at": at, "reason": "ACKED", "party": "ward", "detail": '{"by": "V"}'},
        {"at": at, "reason": "ACKED", "party": None, "detail": '{"by": "V"}'},
        {"at": later, "reason": "ACKED", "party": "ward", "detail": '{"by": "V"}'},
        {"at": later, "reason": "NOTE", "party": "ward", "detail": '{"by": "V"}'},
    ]
    assert [(e["reason"], parties) for e, parties in told_together(rows)] == [
        ("ACKED", ["vendor", "ward"]), ("ACKED", []), ("ACKED", ["ward"]), ("NOTE", ["ward"])]
