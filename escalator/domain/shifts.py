"""Dated shifts, as a staffing system's calendar has them: who works from when to when.

A weekly roster ("Mon-Sun 21:00-07:00") repeats; a calendar names this
Saturday's night nurse. Both answer "who is on shift at `now`?", purely. The
calendar is read (and its recurrences expanded) outside the domain, in
`escalator.config.ical`; here it is only a function from a span of time to
the shifts overlapping it, asked one day at a time and remembered, because
the board and the policy ask about the same days over and over.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

DAY = timedelta(days=1)
DAYS_KEPT = 64  # expanded days remembered (a week's board scan asks for eight)


@dataclass(frozen=True)
class Shift:
    """One occurrence: `who` (a party id) works [start, end); UTC instants."""

    who: str
    start: datetime
    end: datetime
    uid: str = ""  # the calendar event it came from
    label: str = ""  # its SUMMARY, to show

    def covers(self, now: datetime) -> bool:
        return self.start <= now < self.end


@dataclass(frozen=True)
class Unmatched:
    """A calendar event naming nobody in `people` (or `match`): reported, never dropped."""

    line: int  # of its BEGIN:VEVENT in the calendar text; 0: not known
    uid: str
    names: tuple[str, ...]  # what the event called the person (ATTENDEE, SUMMARY)


Expand = Callable[[datetime, datetime], tuple[Shift, ...]]


def _no_shifts(_: datetime, __: datetime) -> tuple[Shift, ...]:
    return ()


@dataclass(frozen=True)
class ShiftCalendar:
    """Shifts from one calendar (a file or a URL), looked up by instant."""

    source: str  # "shifts.ics" or the URL, to show where a shift came from
    expand: Expand = _no_shifts  # (start, end) -> the shifts overlapping it, UTC
    unmatched: tuple[Unmatched, ...] = ()
    people: tuple[str, ...] = ()  # every party some event names
    path: str = ""  # the file it was read from (watched for edits); "" for a URL
    _days: OrderedDict[datetime, tuple[Shift, ...]] = field(
        default_factory=OrderedDict, compare=False, hash=False, repr=False)

    def _day(self, now: datetime) -> tuple[Shift, ...]:
        """The shifts overlapping the UTC day of `now` (expanded once, then remembered)."""
        start = datetime.combine(now.astimezone(UTC).date(), time(0), tzinfo=UTC)
        found = self._days.get(start)
        if found is None:
            found = tuple(sorted(self.expand(start, start + DAY), key=lambda s: s.start))
            self._days[start] = found
            while len(self._days) > DAYS_KEPT:
                self._days.popitem(last=False)
        return found

    def on_duty(self, now: datetime) -> tuple[str, ...]:
        """Who is on shift at `now`, in calendar order, each once."""
        return tuple(dict.fromkeys(s.who for s in self._day(now) if s.covers(now)))

    def between(self, start: datetime, end: datetime) -> tuple[Shift, ...]:
        """Every shift overlapping [start, end), each once, by start."""
        seen: dict[tuple[str, datetime, datetime, str], Shift] = {}
        day = start
        while day < end + DAY:
            for s in self._day(day):
                if s.start < end and s.end > start:
                    seen.setdefault((s.who, s.start, s.end, s.uid), s)
            day += DAY
        return tuple(sorted(seen.values(), key=lambda s: (s.start, s.who)))

    def next_change(self, now: datetime, horizon: timedelta = timedelta(days=2)) -> datetime | None:
        """The first shift start or end after `now` within `horizon`."""
        edges = [e for s in self.between(now, now + horizon) for e in (s.start, s.end) if e > now]
        return min(edges) if edges else None
