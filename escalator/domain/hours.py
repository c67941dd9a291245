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
_DAY_NAMES = (
    # English, Finnish and Swedish: a manager writes her own, whole or cut short
    # (`ma`, `mån`, `Mon`, `maanantai`); a cut must name one day only.
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    ("maanantai", "tiistai", "keskiviikko", "torstai", "perjantai", "lauantai", "sunnuntai"),
    ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"),
)
_DAY = r"[^\W\d_]+\.?"
_DAY_SPAN = rf"{_DAY}(?:\s*[-–]\s*{_DAY})?"
_TIME = r"\d{1,2}(?:[:.]\d{2})?"
# `ma-pe 07.00-16.00`, `ti,to 8.30-12`, `la-su klo 9-15`, `Mon-Fri 07:00-16:00`;
# windows are joined with "," or ";" (a "," between day names lists days instead).
_WINDOW = re.compile(
    rf"\s*(?P<days>{_DAY_SPAN}(?:\s*[,/&]\s*{_DAY_SPAN})*)\s+(?:(?:klo|kl)\.?\s*)?"
    rf"(?P<t1>{_TIME})\s*[-–]\s*(?P<t2>{_TIME})\s*(?:[,;]|$)",
    re.IGNORECASE,
)
HOURS_EXPECTED = ('opening hours like "Mon-Fri 07:00-16:00", "ma-pe 7.00-16.00" '
                  'or "må-fre 7-16" (several joined with ",")')
DAYS_KNOWN = "Mon..Sun, ma..su or må..sö"


class Unreadable(ValueError):
    """Text that cannot be read as hours, a period or a duration.

    The message is the English sentence; `code` (a `cfg.why.*` catalogue key) and
    `params` say the same for the config check, which shows it in the reader's language.
    """

    def __init__(self, message: str, code: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


def _day(token: str) -> int:
    word = token.strip().rstrip(".").lower()
    days = {i for names in _DAY_NAMES for i, name in enumerate(names)
            if len(word) >= 2 and name.startswith(word)}
    if len(days) == 1:
        return days.pop()
    raise Unreadable(f"unknown day {token.strip()!r} (days are {DAYS_KNOWN})",
                     "cfg.why.unknown_day", day=repr(token.strip()), days=DAYS_KNOWN)


def _minutes(token: str, part: str) -> int:
    """`7`, `07.00`, `7:30` -> minutes from midnight (24 or 24:00 allowed as an end)."""
    hour, _, minute = token.replace(".", ":").partition(":")
    h, m = int(hour), int(minute or 0)
    if h > 24 or m > 59 or (h == 24 and m != 0):
        raise Unreadable(f"impossible time {token!r} in {part!r}", "cfg.why.impossible_time",
                         time=repr(token), part=repr(part))
    return h * 60 + m


def _days(spec: str) -> list[int]:
    """`ma-pe` -> 0..4, `ti,to` -> 1, 3, `fre-mån` -> 4, 5, 6, 0."""
    found: list[int] = []
    for item in re.split(r"\s*[,/&]\s*", spec.strip()):
        first, last = ([part.strip() for part in re.split(r"[-–]", item, maxsplit=1)] + [""])[:2]
        day = _day(first)
        end = _day(last) if last else day
        while True:
            found.append(day)
            if day == end:
                break
            day = (day + 1) % 7
    return found


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
        raw = str(text)
        if not raw.strip():
            raise Unreadable("empty opening hours", "cfg.why.empty_hours")
        pos = 0
        while pos < len(raw) and raw[pos:].strip():
            m = _WINDOW.match(raw, pos)
            if not m:
                rest = re.split(r"[,;]", raw[pos:].strip(), maxsplit=1)[0]
                if not re.search(r"\d", rest):
                    raise Unreadable(f"{rest!r} has days but no times, like 07.00-16.00",
                                     "cfg.why.days_no_times", text=repr(rest))
                raise Unreadable(f"cannot read {rest!r}", "cfg.why.cannot_read", text=repr(rest))
            part = m.group(0).strip().rstrip(",;").strip()
            start, end = _minutes(m["t1"], part), _minutes(m["t2"], part)
            if start >= 24 * 60:
                raise Unreadable(f"impossible time {m['t1']!r} in {part!r}",
                                 "cfg.why.impossible_time", time=repr(m["t1"]), part=repr(part))
            if end <= start:
                end += 24 * 60  # overnight: runs into the next morning
            windows.extend(Window(day, start, end) for day in _days(m["days"]))
            pos = m.end()
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
            raise Unreadable(f"{raw!r} ends before it starts", "cfg.why.ends_before_start",
                             text=repr(raw))
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
        raise Unreadable(
            f"cannot read {t!r}: expected a date 2026-12-24 or a time 2026-12-24T08:00",
            "cfg.why.not_date_or_time", text=repr(t)) from None


# Units as people write them in English, Finnish and Swedish: `5 min`, `2 t`, `90 sek`.
_UNIT_WORDS = {
    "s": ("s", "sec", "secs", "second", "seconds", "sek", "sekunti", "sekuntia", "sekunnit",
          "sekund", "sekunder"),
    "m": ("m", "min", "mins", "minute", "minutes", "minuutti", "minuuttia", "minuutit",
          "minut", "minuter"),
    "h": ("h", "hr", "hrs", "hour", "hours", "t", "tunti", "tuntia", "tunnit", "tim", "timme",
          "timmar"),
    "d": ("d", "day", "days", "pv", "päivä", "päivää", "päivät", "vrk", "dygn", "dag", "dagar"),
}
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
UNIT_OF = {word: unit for unit, words in _UNIT_WORDS.items() for word in words}
_DURATION_PART = re.compile(r"(\d+(?:[.,]\d+)?)\s*([^\W\d_]+)\.?")
DURATION_EXPECTED = "a duration like 30s, 5m, 5 min, 1 h 30 min, 2 t or 1d"


def parse_duration(value: object) -> timedelta:
    """`5m`, `5 min`, `1 h 30 min`, `90 sek`, `2 t` -> a timedelta; ValueError says why not."""
    if isinstance(value, bool):
        raise ValueError(f"expected {DURATION_EXPECTED}")
    if isinstance(value, int | float):
        raise ValueError(f"a bare number {value!r} has no unit; expected {DURATION_EXPECTED}")
    text = str(value).strip().lower()
    total, pos = 0.0, 0
    while pos < len(text):
        m = _DURATION_PART.match(text, pos)
        if m is None:
            raise ValueError(f"expected {DURATION_EXPECTED}")
        unit = UNIT_OF.get(m[2])
        if unit is None:
            raise Unreadable(f"unknown unit {m[2]!r}: use s, min, h or d", "cfg.why.unknown_unit",
                             unit=repr(m[2]))
        total += float(m[1].replace(",", ".")) * _UNITS[unit]
        pos = m.end()
        while pos < len(text) and text[pos] in " \t":
            pos += 1
    if pos == 0:
        raise ValueError(f"expected {DURATION_EXPECTED}")
    if total <= 0:
        raise ValueError("a duration must be longer than zero")
    return timedelta(seconds=total)


def format_duration(td: timedelta) -> str:
    seconds = int(td.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
