"""A roster whose shifts come from a staffing system's calendar (iCalendar).

    rosters:
      night-nurses:
        ical: {file: shifts.ics}              # beside the config file
        # ical: {url: "https://vuorot.example/lehtioja.ics", refresh: 15 min}
        match:                                # names and e-mails in the calendar -> people
          "Anna Virtanen": night-nurse
          osasto-a@lehtioja.example: ward-a
        entries:                              # optional weekly entries on top
          - {who: ward-a, when: "ma-su 07.00-21.00"}

A file is read at load (and at every reload); a URL is fetched by the running
service (escalator/rosterfeeds.py), which keeps its last good copy. Events
naming nobody we know are warnings at their line of the calendar.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from escalator.config.check import (
    At,
    Problems,
    duration,
    http_url,
    mapping,
    reference,
    text,
)
from escalator.config.ical import MAX_CALENDAR_BYTES, CalendarError, read_calendar
from escalator.domain.availability import Party, Roster, RosterEntry
from escalator.domain.shifts import ShiftCalendar, Unmatched

CALENDAR_ROSTER_KEYS = ("ical", "match", "entries")
CALENDAR_ROSTER_REQUIRED = ("ical",)
ICAL_KEYS = ("file", "url", "refresh", "timeout")
ICAL_EXPECTED = 'a calendar like {file: shifts.ics} or {url: "https://...", refresh: 15 min}'
DEFAULT_REFRESH = timedelta(minutes=15)
MIN_REFRESH = timedelta(minutes=1)
DEFAULT_TIMEOUT = timedelta(seconds=10)
MAX_TIMEOUT = timedelta(seconds=60)


@dataclass(frozen=True)
class RosterFeed:
    """A roster's calendar at a URL: fetched every `refresh`, for at most `timeout`."""

    roster: str
    url: str
    refresh: timedelta = DEFAULT_REFRESH
    timeout: timedelta = DEFAULT_TIMEOUT
    match: tuple[tuple[str, str], ...] = ()


def unmatched_text(source: str, u: Unmatched) -> str:
    """`shifts.ics:62: event "uid": "Matti M" is nobody in people or match: ...`."""
    where = f"{source}:{u.line}" if u.line else source
    names = ", ".join(f'"{n}"' for n in u.names)
    return (f'{where}: event "{u.uid}": {names} matches nobody in people or match, so this '
            f'shift calls no one (add it to match:, e.g. "{u.names[0]}": party-id)')


def parse_calendar_roster(
    problems: Problems, rid: str, at: At, parties: Mapping[str, Party],
    party_ids: Collection[str], entries: tuple[RosterEntry, ...] | None, *,
    base_dir: Path, timezone: str, feeds: dict[str, RosterFeed],
) -> Roster | None:
    """The mapping form of a roster; `entries` are its weekly entries, already read."""
    if mapping(problems, at, CALENDAR_ROSTER_KEYS, CALENDAR_ROSTER_REQUIRED,
               expected=ICAL_EXPECTED) is None:
        return None
    before = problems.count
    match = _match(problems, at.key("match"), party_ids)
    ical_at = at.key("ical")
    if ical_at is None:  # reported as missing (or misspelt) by `mapping`
        return None
    if mapping(problems, ical_at, ICAL_KEYS, expected=ICAL_EXPECTED) is None:
        return None
    file_at, url_at = ical_at.key("file"), ical_at.key("url")
    if (file_at is None) == (url_at is None):
        problems.error(ical_at, "give one of 'file' or 'url'")
        return None
    refresh = _bounded(problems, ical_at.key("refresh"), DEFAULT_REFRESH, MIN_REFRESH, None)
    timeout = _bounded(problems, ical_at.key("timeout"), DEFAULT_TIMEOUT, None, MAX_TIMEOUT)
    calendar = None
    for key in ("refresh", "timeout"):
        if file_at is not None and (unused := ical_at.key(key)) is not None:
            problems.warn(unused, f"'{key}' is for a calendar at a url; a file is read at "
                                  "start and at every reload (SIGHUP)")
    if file_at is not None:
        calendar = _from_file(problems, file_at, ical_at, parties, match, base_dir, timezone)
    elif url_at is not None and (url := http_url(problems, url_at)) and refresh and timeout:
        feeds[rid] = RosterFeed(rid, url, refresh, timeout, tuple(match.items()))
    if problems.count > before or entries is None:
        return None
    return Roster(rid, entries, calendar, tuple(dict.fromkeys(match.values())))


def _match(problems: Problems, at: At | None, party_ids: Collection[str]) -> dict[str, str]:
    """`match:` a name or e-mail in the calendar -> a party id."""
    if at is None or at.value is None:
        return {}
    if not isinstance(at.value, dict):
        problems.bad(at, 'a mapping of calendar names to party ids, like {"Anna Virtanen": anna}')
        return {}
    found = {}
    for key, entry in at.entries():
        name = text(problems, At(key, entry.line, at.path), "a name or e-mail (text)")
        pid = reference(problems, entry, party_ids, "party") if name else None
        if name and pid:
            found[name] = pid
    return found


def _bounded(problems: Problems, at: At | None, default: timedelta,
             least: timedelta | None, most: timedelta | None) -> timedelta | None:
    if at is None:
        return default
    value = duration(problems, at)
    if value is None:
        return None
    if (least and value < least) or (most and value > most):
        span = f"at least {int(least.total_seconds())} s" if least and value < least \
            else f"at most {int(most.total_seconds())} s" if most else ""
        problems.bad(at, f"a duration of {span}")
        return None
    return value


def _from_file(
    problems: Problems, file_at: At, ical_at: At, parties: Mapping[str, Party],
    match: Mapping[str, str], base_dir: Path, timezone: str,
) -> ShiftCalendar | None:
    name = text(problems, file_at, "a file name like shifts.ics")
    if name is None:
        return None
    path = Path(name) if Path(name).is_absolute() else base_dir / name
    try:
        if path.stat().st_size > MAX_CALENDAR_BYTES:
            problems.bad(file_at, f"a calendar of at most {MAX_CALENDAR_BYTES:,} bytes",
                         f"{path.stat().st_size:,} bytes")
            return None
        data = path.read_bytes()
    except OSError as exc:
        problems.bad(file_at, "an iCalendar file to read", f"{path}: {exc.strerror or exc}")
        return None
    try:
        calendar = read_calendar(data, source=name, parties=parties, match=match,
                                 zone=ZoneInfo(timezone))
    except CalendarError as exc:
        problems.bad(file_at, "an iCalendar file (.ics)", f"{name}: {exc}")
        return None
    for u in calendar.unmatched:
        problems.warn(ical_at, unmatched_text(name, u))
    return replace(calendar, path=str(path))
