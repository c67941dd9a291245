"""Answers that promise a time: "on my way, there by T" and "on site, fixed by T".

"Olemme matkalla, 08:34" used to become "not resolved in time" at 08:35: the arrival
time only shortened the ack timeout, and a technician on site had no answer at all.
Here a promise moves the taken alarm's deadline and says what missing it means:

- EN_ROUTE (or "we take it" with an arrival time): the deadline is the arrival time
  plus the route's `eta_grace`; missed, it is a late arrival (`arrival_late`).
- ON_SITE: the deadline is the promised fix time, or without one the ladder's
  `ack_timeout` again from the arrival; missed, it is "not resolved in time".
- The one who promised is reminded once, `REMIND_BEFORE` the deadline.

Pure functions over `now`; escalator/domain/policy.py applies them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from escalator.domain.guards import promised_time
from escalator.domain.ladder import FollowUp
from escalator.domain.model import Action, Incident, Reason, SafetyCause, State, params

REMIND_BEFORE = timedelta(minutes=10)  # the one who promised hears this much before
NONE: dict[str, Any] = dict(promise=None, promised_at=None, fix_by=None,
                            promise_reminded_at=None)


def deadline(promise: Action, now: datetime, follow: FollowUp,
             arrive_by: datetime | None = None, fix_by: datetime | None = None) -> datetime:
    """When a promise given at `now` runs out: the arrival time plus the grace, the fix
    time, or (on site without one) the ladder's ack timeout again from the arrival."""
    if promise is Action.EN_ROUTE:
        return max(arrive_by or now, now) + follow.eta_grace
    return fix_by if fix_by is not None and fix_by > now else now + follow.ack_timeout


def reminder_at(inc: Incident) -> datetime | None:
    """When to remind the one who promised (once per promise), before it runs out;
    None when nobody is to be reminded (no promise, already reminded, an operator)."""
    if inc.promise is None or inc.promise_reminded_at is not None or inc.acked_party is None \
            or inc.ack_deadline is None or inc.promised_at is None:
        return None
    at = max(inc.promised_at, inc.ack_deadline - REMIND_BEFORE)
    return at if at < inc.ack_deadline else None


def detail(inc: Incident) -> str:
    """The promise as parameters: who, which promise, the times (never a sentence)."""
    return params(promise=inc.promise, by=inc.acked_by, at=inc.promised_at or inc.acked_at,
                  arrive_by=inc.eta, fix_by=inc.fix_by, until=inc.ack_deadline)


def give(inc: Incident, promise: Action, who: str, party: str | None, at: datetime | None,
         now: datetime, follow: FollowUp) -> dict[str, Any]:
    """The incident's fields after a promise: it takes the alarm if nobody has (the one
    who promises holds it from now on; taken is still when it was first taken)."""
    en_route = promise is Action.EN_ROUTE
    due = deadline(promise, now, follow, arrive_by=at if en_route else None,
                   fix_by=None if en_route else at)
    taken = inc.state is State.ACKNOWLEDGED and inc.acked_at is not None
    return dict(state=State.ACKNOWLEDGED, acked_by=who, acked_party=party,
                acked_at=inc.acked_at if taken else now, eta=at if en_route else inc.eta,
                fix_by=None if en_route else at, ack_deadline=due, snoozed_until=None,
                promise=promise.value, promised_at=now, promise_reminded_at=None)


def take(inc: Incident, action: Action, who: str, party: str | None, now: datetime,
         follow: FollowUp, *, minutes: int | None = None, eta: datetime | None = None,
         fix_by: datetime | None = None) -> dict[str, Any]:
    """The fields after "I'll take it" (`ack_timeout`; with an arrival time, an arrival
    promise), "on my way" or "on site" (a promise's time may come as `minutes`)."""
    if action is Action.ACKNOWLEDGE and eta is None:
        return dict(state=State.ACKNOWLEDGED, acked_by=who, acked_at=now, acked_party=party,
                    eta=None, snoozed_until=None, ack_deadline=now + follow.ack_timeout,
                    **NONE)
    promise = Action.ON_SITE if action is Action.ON_SITE else Action.EN_ROUTE
    at = promised_time(promise, minutes, fix_by if action is Action.ON_SITE else eta, now)
    return give(inc, promise, who, party, at, now, follow)


def given(action: Action, who: str, after: Incident, note: str, said: str
          ) -> tuple[Reason, str]:
    """The timeline entry and notice of an answer that takes the alarm: its reason code
    and parameters ("I'll take it" with an arrival time stays ACKED, as it was said)."""
    if action is Action.ACKNOWLEDGE:  # with an arrival time, its deadline means "late"
        late = after.ack_deadline if after.promise else None
        return Reason.ACKED, params(by=who, eta=after.eta, note=note, late=late, said=said,
                                    until=None if late else after.ack_deadline)
    en_route = action is Action.EN_ROUTE
    return (Reason.EN_ROUTE if en_route else Reason.ON_SITE,
            params(by=who, arrive_by=after.eta if en_route else None, fix_by=after.fix_by,
                   until=after.ack_deadline, note=note, said="" if said == "on_way" else said))


def broken(inc: Incident) -> tuple[SafetyCause, Reason, str, str]:
    """A taken alarm past its deadline: the safety cause, the notice's reason, the
    record's parameters and the timeline's. "On my way" not on site in time is a late
    arrival; taken, or on site and not fixed in time, is "not resolved"."""
    if inc.promise == Action.EN_ROUTE.value:
        return (SafetyCause.ARRIVAL_LATE, Reason.ARRIVAL_LATE, detail(inc),
                params(cause=SafetyCause.ARRIVAL_LATE.value, by=inc.acked_by,
                       arrive_by=inc.eta))
    record = detail(inc) if inc.promise else params(by=inc.acked_by, at=inc.acked_at,
                                                    eta=inc.eta)
    return (SafetyCause.ACK_NOT_RESOLVED, Reason.ACK_OVERDUE, record,
            params(cause=SafetyCause.ACK_NOT_RESOLVED.value, by=inc.acked_by))
