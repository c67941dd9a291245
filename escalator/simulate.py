"""`escalator simulate`: a dry run of the ladder for one alarm at a given moment.

Answers the facility manager's question "who is reached, when, at 02:00 on
Christmas Eve?" from the pure policy, without storage, network or waiting.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from escalator.config import build_directory
from escalator.config.model import Config
from escalator.domain import policy
from escalator.domain.ladder import route_for
from escalator.domain.model import Entry, Incident, Reason, State
from escalator.i18n.explain import explain


def parse_at(text: str | None, tz: ZoneInfo, now: datetime) -> datetime:
    """Local wall-clock time ("2026-12-24 02:00"); default: now."""
    if not text:
        return now
    try:
        local = datetime.fromisoformat(text.strip().replace(" ", "T"))
    except ValueError:
        expected = 'expected a local time like "2026-12-24 02:00"'
        raise ValueError(f"--at {text!r}: {expected}") from None
    return local if local.tzinfo else local.replace(tzinfo=tz)


def timeline(
    config: Config, code: str, at: datetime, *, source: str = "terminal", point: str = "",
    horizon: timedelta = timedelta(days=2),
) -> list[str]:
    tz = ZoneInfo(config.facility.timezone)
    route = route_for(config.routes, source, code)
    ladder_id = route.ladder if route else config.routes[0].ladder
    ladder = config.ladders[ladder_id]
    incident = Incident(0, source, code, point, "", "", ladder_id, State.OPEN, at, at)
    directory = build_directory(config)
    lines = [f"Alarm {code} at {at.astimezone(tz):%a %Y-%m-%d %H:%M} ({config.facility.timezone})"
             f" -> ladder {ladder_id}"]
    decisions = policy.simulate(incident, ladder, directory, at + horizon)
    for d in decisions:
        for e in d.entries:
            when = e.at.astimezone(tz)
            offset = e.at - at
            who = directory.name(e.party) if e.party else ""
            tag = f"step {e.step + 1}" if e.step is not None else ""
            lines.append(f"{when:%a %H:%M}  +{_fmt(offset):>7}  {tag:<7} {e.reason.value:<20}"
                         f" {who}{' – ' + _said(e, config) if e.detail else ''}")
    last = decisions[-1].incident
    if last.escalation.exhausted:
        lines.append("Ladder exhausted: recorded as a safety incident.")
    elif (due := policy.next_due(last, ladder)) is not None:
        lines.append(f"... still escalating at the end of the {_fmt(horizon)} horizon"
                     f" (next at {due.astimezone(tz):%a %H:%M}).")
    if not any(e.reason is not Reason.SKIPPED_UNAVAILABLE for d in decisions for e in d.entries):
        lines.append("Nobody would be reached.")
    return lines


def _said(e: Entry, config: Config) -> str:
    """The entry's parameters in words (the dry run speaks English, like the CLI)."""
    return explain("en", e.reason.value, e.detail, tz=config.facility.timezone)


def _fmt(td: timedelta) -> str:
    minutes = int(td.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m"
