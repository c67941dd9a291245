"""Escalation ladders and the routes that pick one for an event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Step:
    notify: tuple[str, ...]  # party or roster ids
    escalate_after: timedelta
    repeat_every: timedelta | None = None


@dataclass(frozen=True)
class Ladder:
    id: str
    steps: tuple[Step, ...]
    loops: int = 0  # extra walks after the first (PagerDuty's "repeat N times")
    on_exhausted: tuple[str, ...] = ()
    ack_timeout: timedelta | None = None  # the route's value wins
    rewalk_every: timedelta = timedelta(hours=1)  # exhausted: walk the whole ladder again


@dataclass(frozen=True)
class Route:
    ladder: str
    codes: tuple[str, ...] = ()  # empty: matches every code
    sources: tuple[str, ...] = ()  # empty: every source
    false_alarm_clear_within: timedelta | None = None
    ack_timeout: timedelta | None = None
    eta_grace: timedelta | None = None
    clears: tuple[str, ...] = ()  # parties who can clear the alarm at the terminal
    reopen_within: timedelta | None = None
    urgency: str = "high"  # picks the parties' contact rules (domain/contact_rules.py)

    def matches(self, source: str, code: str) -> bool:
        if self.codes and code.lower() not in {c.lower() for c in self.codes}:
            return False
        return not (self.sources and source not in self.sources)


DEFAULT_FALSE_ALARM_CLEAR_WITHIN = timedelta(hours=4)
DEFAULT_ACK_TIMEOUT = timedelta(hours=4)
DEFAULT_ETA_GRACE = timedelta(minutes=30)
DEFAULT_REOPEN_WITHIN = timedelta(hours=24)
DEFAULT_CLEAR_REMIND_EVERY = timedelta(minutes=30)


@dataclass(frozen=True)
class FollowUp:
    """How an incident is followed after someone answers: one object from route + ladder.

    Read at every decision from the current configuration, so a reload applies
    to open incidents too (the clear deadline already promised stays as it was).
    """

    ack_timeout: timedelta = DEFAULT_ACK_TIMEOUT
    eta_grace: timedelta = DEFAULT_ETA_GRACE
    clears: tuple[str, ...] = ()
    reopen_within: timedelta = DEFAULT_REOPEN_WITHIN
    rewalk_every: timedelta = timedelta(hours=1)
    clear_remind_every: timedelta = DEFAULT_CLEAR_REMIND_EVERY
    sends_clear: bool = False  # the incident's source reports clears

    @classmethod
    def of(cls, route: Route | None, ladder: Ladder, *, sends_clear: bool) -> FollowUp:
        r = route or Route(ladder=ladder.id)
        return cls(
            ack_timeout=_first(r.ack_timeout, ladder.ack_timeout, DEFAULT_ACK_TIMEOUT),
            eta_grace=_first(r.eta_grace, DEFAULT_ETA_GRACE),
            clears=r.clears,
            reopen_within=_first(r.reopen_within, DEFAULT_REOPEN_WITHIN),
            rewalk_every=ladder.rewalk_every,
            sends_clear=sends_clear,
        )


def route_for(routes: tuple[Route, ...], source: str, code: str) -> Route | None:
    """First match wins, like Alertmanager's routing tree read top to bottom."""
    for route in routes:
        if route.matches(source, code):
            return route
    return None


def _first(*values: timedelta | None) -> timedelta:
    """The first value that is set (a set zero counts: `reopen_within: 0s` turns it off)."""
    for v in values:
        if v is not None:
            return v
    raise ValueError("no default given")
