"""`escalator simulate`: a dry run of the ladder for one alarm at a given moment.

Answers the facility manager's question "who is reached, when, at 02:00 on
Christmas Eve?" from the pure policy, without storage, network or waiting. Cover
shifts live in the database: the caller that has read them passes them in (`covers`:
the config editor's Simulate, `escalator simulate --covers`), and the dry run then
reaches the cover where the roster names the covered person, as the service would.
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
from escalator.domain.contact_rules import DEFAULT_URGENCY, is_act
from escalator.domain.covers import Cover
from escalator.domain.ladder import FollowUp, Ladder, route_for
from escalator.domain.maintenance import MaintenanceWindow, covering, released
from escalator.domain.model import (
    Action,
    Decision,
    Entry,
    Incident,
    Reason,
    SafetyRecord,
    State,
    params,
    read_params,
)
from escalator.domain.shifts import ShiftCalendar
from escalator.i18n import code_label, dates, t
from escalator.i18n.explain import explain, values


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


@dataclass(frozen=True)
class Run:
    """One dry run: the policy's decisions and what is needed to tell them."""

    config: Config
    code: str
    at: datetime
    ladder_id: str
    ladder: Ladder
    directory: Directory
    follow: FollowUp
    held: MaintenanceWindow | None
    decisions: list[Decision]
    horizon: timedelta

    def entries(self) -> list[Entry]:
        return [e for d in self.decisions for e in d.entries]

    def causes(self) -> list[str]:
        return list(dict.fromkeys(s.cause.value for d in self.decisions for s in d.safety))

    def records(self) -> list[SafetyRecord]:
        return [s for d in self.decisions for s in d.safety]

    def next_due(self) -> datetime | None:
        last = self.decisions[-1].incident
        return None if last.escalation.exhausted else policy.next_due(last, self.ladder,
                                                                       self.follow)

    def reaches_nobody(self) -> bool:
        return not any(e.reason is not Reason.SKIPPED_UNAVAILABLE for e in self.entries())


def run(
    config: Config, code: str, at: datetime, *, source: str = "terminal", point: str = "",
    horizon: timedelta = timedelta(days=2), taken: Taken | None = None,
    calendars: Mapping[str, ShiftCalendar] | None = None, covers: tuple[Cover, ...] = (),
) -> Run:
    """`calendars`: shifts of rosters whose calendar is at a URL, fetched by the caller;
    `covers`: the cover shifts kept in the store (read by the caller)."""
    at = at.astimezone(UTC)  # all arithmetic in UTC; local time only when shown
    route = route_for(config.routes, source, code)
    ladder_id = route.ladder if route else config.routes[0].ladder
    ladder = config.ladders[ladder_id]
    incident = Incident(0, source, code, point, "", "", ladder_id, State.OPEN, at, at)
    directory = build_directory(config, calendars).with_covers(covers)
    follow = follow_up(config, source, code, ladder_id)
    held = covering(config.maintenance, source, code, point, at)
    if held is None:
        decisions = walk(incident, ladder, directory, at + horizon, follow, taken)
    else:  # recorded now; the ladder starts when the window ends
        decisions = walk(replace(incident, opened_at=held.ends), ladder, directory,
                         held.ends + horizon, follow, taken)
        decisions[0] = released(decisions[0], params(work=held.reason))
    return Run(config, code, at, ladder_id, ladder, directory, follow, held, decisions, horizon)


def timeline(
    config: Config, code: str, at: datetime, *, source: str = "terminal", point: str = "",
    horizon: timedelta = timedelta(days=2), taken: Taken | None = None,
    calendars: Mapping[str, ShiftCalendar] | None = None, covers: tuple[Cover, ...] = (),
) -> list[str]:
    """The command line's table (English, reason codes in a column, like a log)."""
    r = run(config, code, at, source=source, point=point, horizon=horizon, taken=taken,
            calendars=calendars, covers=covers)
    tz = ZoneInfo(config.facility.timezone)
    route = route_for(config.routes, source, code)
    urgency = route.urgency if route else DEFAULT_URGENCY
    lines = [f"Alarm {code} at {r.at.astimezone(tz):%a %Y-%m-%d %H:%M} "
             f"({config.facility.timezone}) -> ladder {r.ladder_id}"]
    lines += [f"Cover: {r.directory.name(c.cover)} for {r.directory.name(c.covered)}, "
              f"{c.start.astimezone(tz):%a %H:%M} - {c.end.astimezone(tz):%a %H:%M}"
              for c in covers if c.end > r.at]
    if r.held is not None:
        lines.append(_held_line(r.held, r.at, config))
    for e in r.entries():
        when = e.at.astimezone(tz)
        who = r.directory.name(e.party) if e.party else ""
        tag = f"step {e.step + 1}" if e.step is not None else ""
        lines.append(f"{when:%a %H:%M}  +{_fmt(e.at - r.at):>7}  {tag:<7} {e.reason.value:<20}"
                     f" {who}{_groups(e, config, urgency)}"
                     f"{' – ' + _said(e, config) if e.detail else ''}")
    if r.causes():
        lines.append(f"Recorded as a safety incident ({', '.join(r.causes())}).")
    due = r.next_due()
    if r.decisions[-1].incident.escalation.exhausted:
        lines.append(f"Ladder exhausted: walked again every {_fmt(r.follow.rewalk_every)} until "
                     "someone takes it.")
    elif due is not None:
        lines.append(f"... still escalating at the end of the {_fmt(horizon)} horizon"
                     f" (next at {due.astimezone(tz):%a %H:%M}).")
    if r.reaches_nobody():
        lines.append("Nobody would be reached.")
    return lines


def in_words(r: Run, lang: str) -> list[str]:
    """The same run for a reader (the config editor): every line in `lang`, times as
    that language writes them, each entry as the sentence a timeline shows."""
    tz = r.config.facility.timezone
    lines = [t(lang, "sim.header", what=code_label(lang, r.code), code=r.code,
               when=f"{dates.weekday(r.at, tz, lang)} {dates.stamp(r.at, tz, lang)}", tz=tz,
               ladder=r.ladder_id)]
    if r.held is not None:
        lines.append(explain(lang, Reason.MAINTENANCE_HELD.value,
                             params(work=r.held.reason, until=r.held.ends), tz=tz, now=r.at))
    for e in r.entries():
        who = r.directory.name(e.party) if e.party else ""
        step = t(lang, "sim.step", n=e.step + 1) if e.step is not None else ""
        said = explain(lang, e.reason.value, e.detail, tz=tz, now=r.at, timeline=True)
        lines.append(f"{dates.weekday(e.at, tz, lang)} {dates.clock(e.at, tz, lang)}  "
                     f"+{_span(e.at - r.at)}  {step}  {who + ': ' if who else ''}{said}")
    if r.records():
        causes = "; ".join(dict.fromkeys(
            t(lang, f"cause.{s.cause.value}", **values(lang, read_params(s.detail), tz, r.at))
            for s in r.records()))
        lines.append(t(lang, "sim.safety", causes=causes))
    due = r.next_due()
    if r.decisions[-1].incident.escalation.exhausted:
        lines.append(t(lang, "sim.exhausted", every=_span(r.follow.rewalk_every)))
    elif due is not None:
        lines.append(t(lang, "sim.still", horizon=_span(r.horizon),
                       next=f"{dates.weekday(due, tz, lang)} {dates.clock(due, tz, lang)}"))
    if r.reaches_nobody():
        lines.append(t(lang, "sim.nobody"))
    return lines


def _held_line(window: MaintenanceWindow, at: datetime, config: Config) -> str:
    """Only the file's windows: those set through the API live in the database."""
    tz = config.facility.timezone
    said = explain("en", Reason.MAINTENANCE_HELD.value,
                   params(work=window.reason, until=window.ends), tz=tz)
    return (f"{at.astimezone(ZoneInfo(tz)):%a %H:%M}  +{_fmt(timedelta(0)):>7}  {'':<7} "
            f"{Reason.MAINTENANCE_HELD.value:<20} {said} (window {window.id})")


def _groups(e: Entry, config: Config, urgency: str) -> str:
    """How a call reaches a party with contact rules: ` [voice+sms, then email +2m]`."""
    party = config.parties.get(e.party or "")
    if party is None or party.rules is None or not is_act(e.reason.value, False):
        return ""
    shown, offset = [], timedelta(0)
    for n, group in enumerate(party.rules.groups(urgency)):
        offset += group.after if n else timedelta(0)
        names = "+".join(dict.fromkeys(party.contacts[i].channel for i in group.contacts
                                       if i < len(party.contacts)))
        shown.append(f"{names} +{_fmt(offset)}" if n else names)
    return f" [{', then '.join(shown)}]"


def _said(e: Entry, config: Config) -> str:
    """The entry's parameters in words (the dry run speaks English, like the CLI)."""
    return explain("en", e.reason.value, e.detail, tz=config.facility.timezone, timeline=True)


def _fmt(td: timedelta) -> str:
    minutes = int(td.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m"


def _span(td: timedelta) -> str:
    """A stretch of time as all three languages write it: 1 h 05 min, 40 min."""
    minutes = int(td.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"
