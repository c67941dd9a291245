"""Rules about people's answers and the messages that ask for them, in one place.

Each entry point (the ack page, Telegram, the operator API, the outbox) asks
these pure functions instead of deciding for itself, so the same question
always gets the same answer: may this party pass the alarm on, is this
press a second answer to something already handled, is this call still
worth sending, and what does a new event mean for the incidents we have.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from escalator.domain.model import WAITING_FOR_CLEAR, Action, Incident, Reason, State

# Messages that ask someone to act on an open alarm ("come", "take it").
CALLS = frozenset(r.value for r in (
    Reason.FIRST, Reason.RENOTIFY, Reason.ESCALATED, Reason.REOPENED, Reason.REWALK,
    Reason.NOW_AVAILABLE, Reason.ACK_OVERDUE, Reason.ARRIVAL_LATE, Reason.MAINTENANCE_ENDED))


def superseded(reason: str, is_update: bool, state: State) -> bool:
    """A call not yet sent when someone has already taken the alarm (or it is over) is
    not sent: "come now" after "taken by the vendor" only confuses. A request to clear
    the terminal stands until the alarm is resolved."""
    if is_update:
        return False
    if reason == Reason.CLEAR_REQUESTED.value:
        return state is State.RESOLVED
    return reason in CALLS and state in (State.ACKNOWLEDGED, State.RESOLVED, *WAITING_FOR_CLEAR)


@dataclass(frozen=True)
class Call:
    """One call-to-action delivered to a party: the facts `may_escalate` needs."""

    party: str
    reason: str
    step: int | None
    loop: int
    is_update: bool


def may_escalate(incident: Incident, party: str, calls: Iterable[Call]) -> bool:
    """"Not ours, pass it on" skips a step only when said by a party called on the current
    step, or by the facility's own first step (the nurse may always hand it on)."""
    esc = incident.escalation
    for c in calls:
        if c.party != party or c.is_update or c.reason not in CALLS:
            continue
        if c.step == 0 or (c.step, c.loop) == (esc.step, esc.loop):
            return True
    return False


class Handled(StrEnum):
    RESOLVED = "resolved"
    TAKEN = "taken"
    FALSE_ALARM = "false_alarm"
    AWAITING_CLEAR = "awaiting_clear"


@dataclass(frozen=True)
class AlreadyHandled:
    """Why a press does nothing: who answered first, and when."""

    kind: Handled
    who: str | None
    at: datetime | None


def already_handled(incident: Incident, action: Action) -> AlreadyHandled | None:
    """A second answer that would change nothing (two nurses tap "I'll take it"); None when
    the action applies. Passing the alarm on is never "already handled"."""
    inc = incident
    if inc.state is State.RESOLVED:
        return AlreadyHandled(Handled.RESOLVED, inc.resolved_by, inc.resolved_at)
    if inc.state is State.ACKNOWLEDGED and action in (Action.ACKNOWLEDGE, Action.SNOOZE):
        return AlreadyHandled(Handled.TAKEN, inc.acked_by, inc.acked_at)
    if inc.state is State.FALSE_ALARM and action in (
            Action.ACKNOWLEDGE, Action.FALSE_ALARM, Action.SNOOZE):
        return AlreadyHandled(Handled.FALSE_ALARM, inc.false_alarm_by, None)
    if inc.state is State.AWAITING_CLEAR and action in (
            Action.ACKNOWLEDGE, Action.RESOLVE, Action.SNOOZE):
        return AlreadyHandled(Handled.AWAITING_CLEAR, inc.resolved_by, None)
    return None


class Correlation(StrEnum):
    """What an incoming event means for the incidents we have."""

    HEARTBEAT = "heartbeat"  # a sign of life only
    CLEAR = "clear"  # the open incident is over
    CLEAR_UNKNOWN = "clear_unknown"  # a clear for nothing open: recorded, nothing else
    REPEAT = "repeat"  # the same alarm while open: counted
    REOPEN = "reopen"  # the same alarm soon after it was resolved
    NEW = "new"


def correlate(state: str, open_incident: Incident | None,
              recently_resolved: Incident | None) -> Correlation:
    """Event correlation (like Alertmanager's grouping by labels, here by dedup key)."""
    if state == "heartbeat":
        return Correlation.HEARTBEAT
    if state == "clear":
        return Correlation.CLEAR if open_incident is not None else Correlation.CLEAR_UNKNOWN
    if open_incident is not None:
        return Correlation.REPEAT
    if recently_resolved is not None:
        return Correlation.REOPEN
    return Correlation.NEW
