"""`escalator simulate`: a dry run of the ladder for one alarm at a given moment.

Answers the facility manager's question "who is reached, when, at 02:00 on
Christmas Eve?" from the pure policy, without storage, network or waiting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from escalator.config import build_directory
from escalator.config.followup import follow_up
from escalator.config.model import Config
from escalator.domain import policy
from escalator.domain.availability import Directory
from escalator.domain.ladder import FollowUp, Ladder, route_for
from escalator.domain.maintenance import MaintenanceWindow, covering, released
from escalator.domain.model import Action, Decision, Entry, Incident, Reason, State, params
from escalator.domain.shifts import ShiftCalendar
from escalator.i18n.explain import explain


def parse_at(text: str | None, tz: ZoneInfo, now: datetime) -> datetime:
    """Local wall-clock time ("2026-12-24 02:00") as a UTC instant; default: now."""
    if not text:
        return now
    try:
        local = datetime.fromisoformat(text.strip().replace(" ", "T"))
    except ValueError:
        expected = 'expected a local time like "2026-12-24 02:00"'
        raise ValueError(f"--at {text!r}: {expected}") from None
    # Arithmetic is done in UTC: Python adds wall-clock time to a zoned datetime, which
    # across a DST change gives the wrong instant or a local time that does not exist.
    return (local if local.tzinfo else local.replace(tzinfo=tz)).astimezone(UTC)


@dataclass(frozen=True)
class Taken:
    """`--taken-at`: someone takes the alarm then (and perhaps gives an arrival time)."""

    at: datetime
    party: str
    eta: datetime | None = None


def walk(incident: Incident, ladder: Ladder, directory: Directory, until: datetime,
         follow: FollowUp, taken: Taken | None = None) -> list[Decision]:
    """The pure policy forward in time, with one person's "I'll take it" if asked."""
    if taken is None or taken.at >= until:
        return policy.simulate(incident, ladder, directory, until, follow)
    decisions = policy.simulate(incident, ladder, directory, taken.at, follow)
    who = directory.name(taken.party)
    d = policy.apply_action(decisions[-1].incident, Action.ACKNOWLEDGE, who, ladder, directory,
                            taken.at, party=taken.party, eta=taken.eta, follow=follow)
    decisions.append(d)
    current = d.incident
    for _ in range(10_000):
        due = policy.next_due(current, ladder, follow)
        if due is None or due > until:
            break
        d = policy.decide(current, ladder, directory, due, follow)
        decisions.append(d)
        current = d.incident
    return decisions


def timeline(
    config: Config, code: str, at: datetime, *, source: str = "terminal", point: str = "",
    horizon: timedelta = timedelta(days=2), taken: Taken | None = None,
    calendars: Mapping[str, ShiftCalendar] | None = None,
) -> list[str]:
    """`calendars`: shifts of rosters whose calendar is at a URL, fetched by the caller."""
    tz = ZoneInfo(config.facility.timezone)
    at = at.astimezone(UTC)  # all arithmetic in UTC; local time only when shown
    route = route_for(config.routes, source, code)
    ladder_id = route.ladder if route else config.routes[0].ladder
    ladder = config.ladders[ladder_id]
    incident = Incident(0, source, code, point, "", "", ladder_id, State.OPEN, at, at)
    directory = build_directory(config, calendars)
    lines = [f"Alarm {code} at {at.astimezone(tz):%a %Y-%m-%d %H:%M} ({config.facility.timezone})"
             f" -> ladder {ladder_id}"]
    follow = follow_up(config, source, code, ladder_id)
    held = covering(config.maintenance, source, code, point, at)
    if held is None:
        decisions = walk(incident, ladder, directory, at + horizon, follow, taken)
    else:  # recorded now; the ladder starts when the window ends
        lines.append(_held_line(held, at, config))
        decisions = walk(replace(incident, opened_at=held.ends), ladder, directory,
                         held.ends + horizon, follow, taken)
        decisions[0] = released(decisions[0], params(work=held.reason))
    for d in decisions:
        for e in d.entries:
            when = e.at.astimezone(tz)
            offset = e.at - at
            who = directory.name(e.party) if e.party else ""
            tag = f"step {e.step + 1}" if e.step is not None else ""
            lines.append(f"{when:%a %H:%M}  +{_fmt(offset):>7}  {tag:<7} {e.reason.value:<20}"
                         f" {who}{' – ' + _said(e, config) if e.detail else ''}")
    last = decisions[-1].incident
    if any(d.safety for d in decisions):
        causes = ", ".join(dict.fromkeys(s.cause.value for d in decisions for s in d.safety))
        lines.append(f"Recorded as a safety incident ({causes}).")
    if last.escalation.exhausted:
        lines.append(f"Ladder exhausted: walked again every {_fmt(follow.rewalk_every)} until "
                     "someone takes it.")
    elif (due := policy.next_due(last, ladder, follow)) is not None:
        lines.append(f"... still escalating at the end of the {_fmt(horizon)} horizon"
                     f" (next at {due.astimezone(tz):%a %H:%M}).")
    if not any(e.reason is not Reason.SKIPPED_UNAVAILABLE for d in decisions for e in d.entries):
        lines.append("Nobody would be reached.")
    return lines


def _held_line(window: MaintenanceWindow, at: datetime, config: Config) -> str:
    """Only the file's windows: those set through the API live in the database."""
    tz = config.facility.timezone
    said = explain("en", Reason.MAINTENANCE_HELD.value,
                   params(work=window.reason, until=window.ends), tz=tz)
    return (f"{at.astimezone(ZoneInfo(tz)):%a %H:%M}  +{_fmt(timedelta(0)):>7}  {'':<7} "
            f"{Reason.MAINTENANCE_HELD.value:<20} {said} (window {window.id})")


def _said(e: Entry, config: Config) -> str:
    """The entry's parameters in words (the dry run speaks English, like the CLI)."""
    return explain("en", e.reason.value, e.detail, tz=config.facility.timezone, timeline=True)


def _fmt(td: timedelta) -> str:
    minutes = int(td.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m"
