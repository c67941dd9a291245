"""A staffing system's iCalendar export -> dated shifts of our parties.

What such systems publish: one VEVENT per shift or per series of shifts
(RRULE, EXDATE, a moved occurrence with RECURRENCE-ID), times in a VTIMEZONE
or X-WR-TIMEZONE, all-day events for on-call days, and the person in an
ATTENDEE (name and e-mail), in the SUMMARY ("Yövuoro: Mikko Korhonen") or in
the DESCRIPTION. Each event is matched to a party by the roster's `match:`
table first, then by a party's id, name or e-mail address; an event that
names nobody we know is kept as `Unmatched` with its line and UID, so it is
reported, never silently dropped.

Pure: text in, a `ShiftCalendar` out. Reading a file or fetching a URL is
done by the callers (escalator/config/calendar_rosters.py, escalator/rosters/feeds.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

import icalendar
import recurring_ical_events

from escalator.domain.availability import Party
from escalator.domain.hours import Unreadable
from escalator.domain.shifts import Shift, ShiftCalendar, Unmatched

MAX_CALENDAR_BYTES = 5 * 1024 * 1024  # a year of a ward's shifts is a few hundred KB
MIN_NAME = 4  # shorter names are not searched for inside a SUMMARY ("A" is in every word)


class CalendarError(Unreadable):
    """Not an iCalendar we can read; the message says what was found."""


def normal(text: Any) -> str:
    """How names and addresses are compared: case, spaces and "mailto:" do not matter."""
    value = re.sub(r"\s+", " ", str(text or "")).strip().casefold()
    return value[7:] if value.startswith("mailto:") else value


def name_index(parties: Mapping[str, Party], match: Mapping[str, str]) -> dict[str, str]:
    """Normalised name or e-mail -> party id: `match:` first, then ids, names, e-mails.

    A name two parties share is left out (it would pick one at random); `match:`
    can still say which one is meant."""
    found: dict[str, str] = {}
    shared: set[str] = set()
    for pid, party in parties.items():
        keys = [pid, party.name, *(c.address for c in party.contacts if c.channel == "email")]
        for key in map(normal, keys):
            if key and found.setdefault(key, pid) != pid:
                shared.add(key)
    for key in shared:
        del found[key]
    found.update({normal(key): pid for key, pid in match.items() if normal(key)})
    return found


def _attendees(event: Any) -> list[tuple[str, str]]:
    """(CN, e-mail) of each ATTENDEE."""
    raw = event.get("ATTENDEE")
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    return [(str(getattr(a, "params", {}).get("CN", "")), normal(a)) for a in items]


def _named_in(text: str, index: Mapping[str, str]) -> list[str]:
    """Parties whose whole name (or e-mail) appears in `text`: "Yövuoro: Mikko Korhonen"."""
    hay = normal(text)
    if not hay:
        return []
    if hay in index:
        return [index[hay]]
    return [pid for key, pid in index.items()
            if len(key) >= MIN_NAME and re.search(rf"(?<!\w){re.escape(key)}(?!\w)", hay)]


def people_of(event: Any, index: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """(party ids the event names, names in it that match nobody)."""
    found: list[str] = []
    unknown: list[str] = []
    for cn, email in _attendees(event):
        pid = index.get(email) or index.get(normal(cn))
        if pid:
            found.append(pid)
        else:
            unknown.append(cn or email)
    if not found:
        for key in ("SUMMARY", "DESCRIPTION"):
            found = _named_in(str(event.get(key, "")), index)
            if found:
                break
    if not found and not unknown:
        unknown.append(str(event.get("SUMMARY", "")).strip() or "(no SUMMARY)")
    return list(dict.fromkeys(found)), unknown


def _instant(value: date | datetime, zone: tzinfo) -> datetime:
    """A DTSTART/DTEND as a UTC instant: dates are the facility's midnight, floating times
    the facility's wall clock."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def _span(event: Any, zone: tzinfo) -> tuple[datetime, datetime] | None:
    try:
        start, end = event.start, event.end
    except (icalendar.InvalidCalendar, KeyError, ValueError, TypeError):
        return None
    return _instant(start, zone), _instant(end, zone)


def _event_lines(text: str) -> list[int]:
    """Line numbers of each BEGIN:VEVENT, in file order (the order icalendar walks them)."""
    return [n for n, line in enumerate(text.splitlines(), 1)
            if line.strip().upper() == "BEGIN:VEVENT"]


def parse_calendar(text: str | bytes) -> Any:
    """The VCALENDAR in `text`, or CalendarError saying what was found instead."""
    if len(text) > MAX_CALENDAR_BYTES:
        raise CalendarError(f"{len(text):,} bytes, more than the {MAX_CALENDAR_BYTES:,} read",
                            "cfg.why.calendar_too_big", size=f"{len(text):,}",
                            most=f"{MAX_CALENDAR_BYTES:,}")
    raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    if "BEGIN:VCALENDAR" not in raw[:4096].upper():
        start = raw.strip()[:40].replace("\n", " ")
        raise CalendarError(f"not an iCalendar (it starts {start!r}, expected BEGIN:VCALENDAR)",
                            "cfg.why.not_ical", start=repr(start))
    try:
        return icalendar.Calendar.from_ical(raw)
    except (ValueError, IndexError, KeyError, TypeError) as exc:
        raise CalendarError(f"not a readable iCalendar ({exc})", "cfg.why.unreadable_ical",
                            reason=str(exc)) from None


def read_calendar(
    text: str | bytes, *, source: str, parties: Mapping[str, Party], match: Mapping[str, str],
    zone: tzinfo,
) -> ShiftCalendar:
    """The shifts of `text` for our parties; CalendarError if it is no iCalendar."""
    calendar = parse_calendar(text)
    raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    index = name_index(parties, match)
    lines = _event_lines(raw)
    unmatched: list[Unmatched] = []
    people: list[str] = []
    for n, event in enumerate(calendar.walk("VEVENT")):
        found, unknown = people_of(event, index)
        people.extend(found)
        if unknown:
            line = lines[n] if n < len(lines) else 0
            unmatched.append(Unmatched(line, str(event.get("UID", "")), tuple(unknown)))
    try:
        query = recurring_ical_events.of(calendar)
        for start in _starts(calendar, zone):  # a broken RRULE fails here, not at 3 a.m.
            query.between(start, start + timedelta(days=1))
    except Exception as exc:  # noqa: BLE001 - the library raises many kinds for one bad rule
        raise CalendarError(f"its recurrences cannot be read ({exc})", "cfg.why.bad_recurrence",
                            reason=str(exc)) from None

    def expand(start: datetime, end: datetime) -> tuple[Shift, ...]:
        try:
            return tuple(_shifts(query.between(start, end), index, zone))
        except Exception:  # noqa: BLE001 - checked at load; a lookup must never raise
            return ()

    return ShiftCalendar(source, expand, tuple(unmatched), tuple(dict.fromkeys(people)))


def _starts(calendar: Any, zone: tzinfo) -> list[datetime]:
    """The first DTSTART of every series, to try its recurrence once."""
    found = []
    for event in calendar.walk("VEVENT"):
        value = event.get("DTSTART")
        if value is not None and event.get("RRULE") is not None:
            found.append(_instant(value.dt, zone))
    return found


def _shifts(events: Iterable[Any], index: Mapping[str, str], zone: tzinfo) -> Iterable[Shift]:
    for event in events:
        span = _span(event, zone)
        if span is None or span[1] <= span[0]:
            continue
        uid, label = str(event.get("UID", "")), str(event.get("SUMMARY", ""))
        for pid in people_of(event, index)[0]:
            yield Shift(pid, span[0], span[1], uid, label)
