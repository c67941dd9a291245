"""Small measures of the weekly summary: durations, key figures against last week and the
12 weeks, a week of the trend. Pure; split from `weekly.py`, which re-exports them."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

ANSWER_WITHIN = timedelta(minutes=15)  # "answered in time" on the first page


@dataclass(frozen=True)
class Durations:
    n: int
    median: timedelta | None
    p90: timedelta | None


def durations(values: Sequence[timedelta]) -> Durations:
    if not values:
        return Durations(0, None, None)
    ordered = sorted(values)
    rank = max(1, math.ceil(0.9 * len(ordered)))
    median = timedelta(seconds=statistics.median(v.total_seconds() for v in ordered))
    return Durations(len(ordered), median, ordered[rank - 1])


@dataclass(frozen=True)
class WeekCount:
    """One week of the trend. `monitored`: the service watched at least part of it;
    a week it never watched has no figures at all (not zeros)."""

    label: str
    monitored: bool
    alarms: int = 0
    safety: int = 0


@dataclass(frozen=True)
class Compared:
    """A key figure this week, last week and as the average of the monitored weeks of
    the 12; None where the service was not watching."""

    this: int | None
    last: int | None
    average: float | None
    of: int | None = None  # "this of N" (answered in time: of the alarms that called)
    last_of: int | None = None
    average_of: float | None = None  # the average's N (answered in time: per week)


@dataclass(frozen=True)
class KeyFigures:
    alarms: Compared
    answered: Compared  # alarms answered within ANSWER_WITHIN of their first call
    safety: Compared
    recurring: Compared  # faults flagged as recurring (no 12-week average)


def _average(values: Sequence[int]) -> float | None:
    return sum(values) / len(values) if values else None


def key_figures(weeks: Sequence[WeekCount], answered: tuple[int, int],
                answered_last: tuple[int, int] | None,
                recurring_now: int = 0, recurring_last: int = 0,
                answered_weeks: Sequence[tuple[int, int]] = ()) -> KeyFigures:
    """`answered_weeks`: (answered in time, alarms that called) of each of `weeks`; the
    average is of the monitored ones (none given: no average)."""
    this = weeks[-1]
    last = weeks[-2] if len(weeks) > 1 and weeks[-2].monitored else None
    seen = [x for x in weeks if x.monitored]
    return KeyFigures(
        alarms=Compared(this.alarms if this.monitored else None,
                        last.alarms if last else None, _average([x.alarms for x in seen])),
        answered=Compared(answered[0] if this.monitored else None,
                          answered_last[0] if answered_last and last else None,
                          _average([n for (n, _), x in zip(answered_weeks, weeks, strict=False)
                                    if x.monitored]),
                          answered[1], answered_last[1] if answered_last else None,
                          _average([of for (_, of), x in zip(answered_weeks, weeks,
                                                             strict=False) if x.monitored])),
        safety=Compared(this.safety if this.monitored else None,
                        last.safety if last else None, _average([x.safety for x in seen])),
        recurring=Compared(recurring_now if this.monitored else None,
                           recurring_last if last else None, None))
