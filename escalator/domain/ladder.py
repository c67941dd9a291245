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


@dataclass(frozen=True)
class Route:
    ladder: str
    codes: tuple[str, ...] = ()  # empty: matches every code
    sources: tuple[str, ...] = ()  # empty: every source
    false_alarm_clear_within: timedelta | None = None

    def matches(self, source: str, code: str) -> bool:
        if self.codes and code.lower() not in {c.lower() for c in self.codes}:
            return False
        return not (self.sources and source not in self.sources)


DEFAULT_FALSE_ALARM_CLEAR_WITHIN = timedelta(hours=4)


def route_for(routes: tuple[Route, ...], source: str, code: str) -> Route | None:
    """First match wins, like Alertmanager's routing tree read top to bottom."""
    for route in routes:
        if route.matches(source, code):
            return route
    return None
