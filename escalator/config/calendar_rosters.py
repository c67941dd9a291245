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
service (escalator/rosters/feeds.py), which keeps its last good copy. Events
naming nobody we know are warnings at their line of the calendar.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from escalator.config.ical import MAX_CALENDAR_BYTES, CalendarError, read_calendar
from escalator.config.problem import phrase
from escalator.config.validators import (
    DURATION,
    At,
    Problems,
    duration,
    http_url,
    mapping,
    reference,
    text,
    why_of,
)
from escalator.domain.availability import Party, Roster, RosterEntry
from escalator.domain.shifts import ShiftCalendar

CALENDAR_ROSTER_KEYS = ("ical", "match", "entries")
CALENDAR_ROSTER_REQUIRED = ("ical",)
ICAL_KEYS = ("file", "url", "refresh", "timeout")
ICAL_EXPECTED = phrase("cfg.want.ical")
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
        problems.error(ical_at, "cfg.ical_file_or_url")
        return None
    refresh = _bounded(problems, ical_at.key("refresh"), DEFAULT_REFRESH, MIN_REFRESH, None)
    timeout = _bounded(problems, ical_at.key("timeout"), DEFAULT_TIMEOUT, None, MAX_TIMEOUT)
    calendar = None
    for key in ("refresh", "timeout"):
        if file_at is not None and (unused := ical_at.key(key)) is not None:
            problems.warn(unused, "cfg.ical_url_only", keyname=repr(key))
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
        problems.bad(at, phrase("cfg.want.calendar_match"))
        return {}
    found = {}
    for key, entry in at.entries():
        name = text(problems, At(key, entry.line, at.path), phrase("cfg.want.name_or_email"))
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
        span = phrase("cfg.want.seconds_at_least", n=int(least.total_seconds())) \
            if least and value < least \
            else phrase("cfg.want.seconds_at_most", n=int(most.total_seconds())) if most \
            else DURATION
        problems.bad(at, span)
        return None
    return value


def calendar_file(base_dir: Path, name: str) -> Path | None:
    """The calendar file `name` names, if it is an `.ics` file inside `base_dir` (the
    config's folder, symbolic links resolved); None otherwise.

    A roster file is a staffing export someone put beside the config. Anything else
    (`/proc/self/environ`, the secrets file beside the config, `../../etc/...`) must not
    be read: the check would show its first bytes, or whether it exists."""
    try:
        folder = base_dir.resolve()
        path = (folder / name).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    if path.suffix.lower() != ".ics" or not path.is_relative_to(folder) or path == folder:
        return None
    return path


def _from_file(
    problems: Problems, file_at: At, ical_at: At, parties: Mapping[str, Party],
    match: Mapping[str, str], base_dir: Path, timezone: str,
) -> ShiftCalendar | None:
    name = text(problems, file_at, phrase("cfg.want.ics_name"))
    if name is None:
        return None
    path = calendar_file(base_dir, name)
    try:
        if path is None:
            raise OSError("not an .ics file beside the config")
        if path.stat().st_size > MAX_CALENDAR_BYTES:
            problems.bad(file_at, phrase("cfg.want.calendar_size", most=f"{MAX_CALENDAR_BYTES:,}"),
                         phrase("cfg.why.bytes", size=f"{path.stat().st_size:,}"))
            return None
        data = path.read_bytes()
    except OSError:  # one answer for missing, forbidden and unreadable: no file probing
        problems.bad(file_at, phrase("cfg.want.ics_beside", folder=str(base_dir)),
                     phrase("cfg.why.ics_not_read", file=name))
        return None
    try:
        calendar = read_calendar(data, source=name, parties=parties, match=match,
                                 zone=ZoneInfo(timezone))
    except CalendarError as exc:
        problems.bad(file_at, phrase("cfg.want.ics"),
                     phrase("cfg.why.in_file", file=name, why=why_of(exc)))
        return None
    for u in calendar.unmatched:
        problems.warn(ical_at, "cfg.ical_unmatched", where=f"{name}:{u.line}" if u.line else name,
                      uid=u.uid, names=", ".join(f'"{n}"' for n in u.names),
                      first=u.names[0])
    return replace(calendar, path=str(path))
