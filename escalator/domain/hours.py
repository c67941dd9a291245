"""Weekly opening hours and date ranges, written the way people write them.

`Mon-Fri 07:00-16:00, Sat 09:00-12:00` or an overnight shift
`Mon-Sun 21:00-07:00`. An overnight window belongs to the day it starts
(Friday 21:00-07:00 covers Saturday morning), as a roster is read on a
notice board.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_ALIASES = {
    # English, Finnish and Swedish abbreviations, so a manager can write her own.
    "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
    "ma": 0, "ti": 1, "ke": 2, "to": 3, "pe": 4, "la": 5, "su": 6,
    "mån": 0, "tis": 1, "ons": 2, "tor": 3, "fre": 4, "lör": 5, "sön": 6,
}
_WINDOW = re.compile(
    r"^\s*(?P<d1>[^\W\d_]+)(?:\s*-\s*(?P<d2>[^\W\d_]+))?\s+"
    r"(?P<h1>\d{1,2}):(?P<m1>\d{2})\s*-\s*(?P<h2>\d{1,2}):(?P<m2>\d{2})\s*$"
)
HOURS_EXPECTED = 'opening hours like "Mon-Fri 07:00-16:00" (several joined with ",")'


def _day(token: str) -> int:
    key = token.strip().lower()[:3]
    if key in _DAY_ALIASES:
        return _DAY_ALIASES[key]
    key2 = token.strip().lower()[:2]
    if key2 in _DAY_ALIASES:
        return _DAY_ALIASES[key2]
    raise ValueError(f"unknown day {token!r}")


@dataclass(frozen=True)
class Window:
    """One weekday's window in minutes from that day's midnight; end may pass 24:00."""

    weekday: int
    start: int
    end: int


@dataclass(frozen=True)
class WeeklyHours:
    windows: tuple[Window, ...]
    text: str = ""

    @classmethod
    def parse(cls, text: str) -> WeeklyHours:
        """Parse `Mon-Fri 07:00-16:00, Sat 10:00-14:00`; ValueError says what is wrong."""
        windows: list[Window] = []
        parts = [p for p in str(text).split(",") if p.strip()]
        if not parts:
            raise ValueError("empty opening hours")
        for part in parts:
            m = _WINDOW.match(part)
            if not m:
                raise ValueError(f"cannot read {part.strip()!r}")
            d1 = _day(m["d1"])
            d2 = _day(m["d2"]) if m["d2"] else d1
            h1, m1, h2, m2 = (int(m[k]) for k in ("h1", "m1", "h2", "m2"))
            if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2 != 0):
                raise ValueError(f"impossible time in {part.strip()!r}")
            start, end = h1 * 60 + m1, h2 * 60 + m2
            if end <= start:
                end += 24 * 60  # overnight: runs into the next morning
            day = d1
            while True:
                windows.append(Window(day, start, end))
                if day == d2:
                    break
                day = (day + 1) % 7
        return cls(tuple(windows), str(text))

    @cached_property
    def always(self) -> bool:
        """True when the windows cover every minute of the week (a 24/7 hotline)."""
        covered = [False] * (7 * 24 * 60)
        week = len(covered)
        for w in self.windows:
            for minute in range(w.start, w.end):
                covered[(w.weekday * 1440 + minute) % week] = True
        return all(covered)

    def contains(self, local: datetime) -> bool:
        """Is the wall-clock time `local` inside a window (its own day's or last night's)?"""
        minute = local.hour * 60 + local.minute
        wd = local.weekday()
        for w in self.windows:
            if w.weekday == wd and w.start <= minute < w.end:
                return True
            if w.weekday == (wd - 1) % 7 and w.end > 1440 and minute < w.end - 1440:
                return True
        return False

    def started_on(self, local: datetime) -> date | None:
        """The date the window holding `local` started on (an overnight shift: yesterday)."""
        minute = local.hour * 60 + local.minute
        wd = local.weekday()
        for w in self.windows:
            if w.weekday == wd and w.start <= minute < w.end:
                return local.date()
        for w in self.windows:
            if w.weekday == (wd - 1) % 7 and w.end > 1440 and minute < w.end - 1440:
                return local.date() - timedelta(days=1)
        return None

    def next_change(self, local: datetime) -> datetime:
        """The next minute boundary at which `contains` may change (for timelines)."""
        base = local.replace(second=0, microsecond=0)
        day0 = datetime.combine(base.date(), time(0), tzinfo=base.tzinfo)
        candidates = []
        for offset in (-1, 0, 1, 2, 3, 4, 5, 6, 7):
            d = day0 + timedelta(days=offset)
            for w in self.windows:
                if w.weekday == d.weekday():
                    for edge in (w.start, w.end):
                        t = d + timedelta(minutes=edge)
                        if t > local:
                            candidates.append(t)
        return min(candidates) if candidates else local + timedelta(days=7)


@dataclass(frozen=True)
class Period:
    """A closed span of local time: whole days (`2026-12-24..2026-12-26`) or datetimes."""

    start: datetime  # naive local wall-clock time
    end: datetime  # exclusive
    text: str = ""

    @classmethod
    def parse(cls, text: str) -> Period:
        raw = str(text).strip()
        first, sep, last = raw.partition("..")
        if not sep:
            last = first
        start = _parse_point(first, end=False)
        end = _parse_point(last, end=True)
        if end <= start:
            raise ValueError(f"{raw!r} ends before it starts")
        return cls(start, end, raw)

    def contains(self, local_naive: datetime) -> bool:
        return self.start <= local_naive < self.end


def _parse_point(text: str, *, end: bool) -> datetime:
    t = text.strip()
    try:
        if len(t) == 10:
            d = date.fromisoformat(t)
            moment = datetime.combine(d, time(0))
            return moment + timedelta(days=1) if end else moment
        return datetime.fromisoformat(t.replace(" ", "T")).replace(tzinfo=None)
    except ValueError:
        raise ValueError(
            f"cannot read {t!r}: expected a date 2026-12-24 or a time 2026-12-24T08:00"
        ) from None


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DURATION_EXPECTED = "a duration like 30s, 5m, 2h or 1d"


def parse_duration(value: object) -> timedelta:
    """`5m` -> 5 minutes. Several parts (`1h30m`) are accepted too."""
    if isinstance(value, bool):
        raise ValueError(f"expected {DURATION_EXPECTED}")
    if isinstance(value, int | float):
        raise ValueError(f"a bare number {value!r} has no unit; expected {DURATION_EXPECTED}")
    text = str(value).strip().lower()
    parts = re.findall(r"\d+(?:\.\d+)?\s*[smhd]", text)
    if not parts or "".join(p.replace(" ", "") for p in parts) != text.replace(" ", ""):
        raise ValueError(f"expected {DURATION_EXPECTED}")
    total = 0.0
    for p in parts:
        m = _DURATION.match(p)
        assert m is not None
        total += float(m[1]) * _UNITS[m[2]]
    if total <= 0:
        raise ValueError("a duration must be longer than zero")
    return timedelta(seconds=total)


def format_duration(td: timedelta) -> str:
    seconds = int(td.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
