"""`escalator roster show`: who is on duty when, per roster, from weekly entries and calendars.

    escalator roster show --config escalator.yaml --from "2027-03-27 00:00" --to "2027-04-03"

The spans are computed from the same `Directory` the ladders use (so a gap
here is a gap in the calls), at every moment the answer can change: a
shift's start or end, a weekly window's edge, a party's opening hours or
absence. A calendar at a URL is fetched once, with the service's timeout and
size cap; names in a calendar that match nobody are listed with their line.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TextIO
from zoneinfo import ZoneInfo

from escalator.config import build_directory
from escalator.config.model import Config
from escalator.domain.availability import Directory, Roster
from escalator.domain.shifts import ShiftCalendar
from escalator.i18n import dates
from escalator.i18n.rosters import t
from escalator.rosters.feeds import RosterFeeds, host_of
from escalator.runtime.clock import SystemClock
from escalator.security.outbound import guarded_session

DEFAULT_SPAN = timedelta(days=7)
MAX_SPAN = timedelta(days=92)
MAX_CHANGES = 20_000  # per roster and span: a guard, never reached by a real roster


@dataclass(frozen=True)
class Span:
    """From `start` to `end` (UTC), these names are reachable; `away` are on shift but not."""

    start: datetime
    end: datetime
    names: tuple[str, ...]
    away: tuple[str, ...] = ()


def _changes(
    roster: Roster, directory: Directory, start: datetime, end: datetime,
) -> list[datetime]:
    """Every moment in [start, end) at which who is on duty may change."""
    found = {start}
    if roster.calendar is not None:
        for s in roster.calendar.between(start, end):
            found.update(e for e in (s.start, s.end) if start < e < end)
    tz = directory.tz
    for entry in roster.entries:
        at = start
        for _ in range(MAX_CHANGES):
            at = entry.when.next_change(at.astimezone(tz) if tz else at).astimezone(UTC)
            if at >= end:
                break
            found.add(at)
    for pid in roster.members:
        at = start
        for _ in range(MAX_CHANGES):
            step = directory.next_change(pid, at)
            if step is None or step >= end:
                break
            at = step.astimezone(UTC)
            found.add(at)
    return sorted(found)


def spans(directory: Directory, roster_id: str, start: datetime, end: datetime) -> list[Span]:
    """Who is on duty from `start` to `end`, as consecutive spans of equal answers."""
    roster = directory.rosters[roster_id]
    out: list[Span] = []
    moments = _changes(roster, directory, start, end)
    for at, until in zip(moments, [*moments[1:], end], strict=True):
        reaches = directory.resolve(roster_id, at)
        names = tuple(dict.fromkeys(directory.name(r.party) for r in reaches
                                    if r.available))
        away = tuple(dict.fromkeys(directory.name(r.party) for r in reaches
                                   if not r.available and r.party != roster_id))
        if out and (out[-1].names, out[-1].away) == (names, away):
            out[-1] = Span(out[-1].start, until, names, away)
        else:
            out.append(Span(at, until, names, away))
    return out


def _when(moment: datetime, tz: ZoneInfo, lang: str) -> str:
    """ma 24.11.2026 9.00 / mån 24.11.2026 9.00 / Mon 24/11/2026 09:00 (i18n.dates)."""
    return f"{dates.weekday(moment, tz.key, lang)} {dates.stamp(moment, tz.key, lang)}"


def render(config: Config, directory: Directory, roster_ids: list[str], start: datetime,
           end: datetime, lang: str, failures: dict[str, str] | None = None) -> list[str]:
    """The text `roster show` prints, in `lang`."""
    tz = ZoneInfo(config.facility.timezone)
    lines: list[str] = []
    for rid in roster_ids:
        roster = directory.rosters[rid]
        sources = _sources(config, roster, lang)
        lines.append(t("roster.heading", lang, roster=rid, start=_when(start, tz, lang),
                       end=_when(end, tz, lang), tz=config.facility.timezone)
                     + (f" – {', '.join(sources)}" if sources else ""))
        if rid in (failures or {}):
            lines.append((failures or {})[rid])
        rows: list[tuple[str, str]] = []
        for span in spans(directory, rid, start, end):
            away = [t("roster.unreachable", lang, name=n) for n in span.away]
            if span.names:
                who = ", ".join([*span.names, *away])
            elif away:  # on shift but away (absent, closed): still a gap in the calls
                who = f"!! {t('roster.nobody_reachable', lang)}: {', '.join(away)}"
            else:
                who = "!! " + t("roster.nobody", lang)
            until = _when(span.end, tz, lang)
            if span.end.astimezone(tz).date() == span.start.astimezone(tz).date():
                until = dates.clock(span.end, tz.key, lang)
            rows.append((f"{_when(span.start, tz, lang)} – {until}", who))
        width = max((len(when) for when, _ in rows), default=0)  # times vary in width (9.00)
        lines += [f"  {when:<{width}}  {who}" for when, who in rows]
        if roster.calendar is not None and roster.calendar.unmatched:
            lines.append(t("roster.unmatched_heading", lang))
            for u in roster.calendar.unmatched:
                where = f"{roster.calendar.source}:{u.line}" if u.line else roster.calendar.source
                lines.append(t("roster.unmatched", lang, where=where, uid=u.uid,
                               names=", ".join(f'"{n}"' for n in u.names)))
        lines.append("")
    return lines


def _sources(config: Config, roster: Roster, lang: str) -> list[str]:
    found = [t("roster.weekly", lang)] if roster.entries else []
    feed = config.roster_feeds.get(roster.id)
    if feed is not None:
        found.append(t("roster.from_url", lang, host=host_of(feed.url)))
    elif roster.calendar is not None:
        found.append(t("roster.from_file", lang, source=roster.calendar.source))
    return found


async def fetched_calendars(
    config: Config, lang: str,
) -> tuple[dict[str, ShiftCalendar], dict[str, str]]:
    """The calendars at URLs, fetched once now; why not, per roster, for those that failed."""
    if not config.roster_feeds:
        return {}, {}
    async with guarded_session(config.http.outbound_allow) as session:
        feeds = RosterFeeds(lambda: config, lambda: session, SystemClock(), lambda: None)
        await feeds.fetch_now()
    failures = {}
    for rid, feed in config.roster_feeds.items():
        error = feeds.states[feed.url].error
        if error is not None:
            why = t(error.code, lang, **error.params)
            failures[rid] = "!! " + t("roster.fetch_failed", lang, host=host_of(feed.url), why=why)
    return feeds.calendars(config), failures


def _local(option: str, value: str, tz: ZoneInfo, lang: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip().replace(" ", "T"))
    except ValueError:
        raise ValueError(t("roster.bad_time", lang, option=option, value=value)) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=tz)).astimezone(UTC)


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    roster = sub.add_parser("roster", help="who is on duty when (weekly entries and calendars)")
    roster_sub = roster.add_subparsers(dest="roster_command", required=True)
    show = roster_sub.add_parser("show", help="print who is on duty, per roster")
    show.add_argument("--config", required=True)
    show.add_argument("--roster", action="append", help="only this roster (may repeat)")
    show.add_argument("--from", dest="start", help='local time, e.g. "2027-03-27 00:00" '
                                                   "(default: now)")
    show.add_argument("--to", dest="end", help="local time (default: a week after --from)")
    show.add_argument("--lang", choices=("fi", "sv", "en"),
                      help="language (default: the facility's)")


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    from escalator.config import load_config

    out, err = out or sys.stdout, err or sys.stderr
    from escalator.domain.errors import ConfigError

    try:
        config, _ = load_config(args.config)  # a calendar's unknown names are listed below
    except ConfigError as exc:
        print(exc, file=err)
        return 1
    lang = args.lang or config.facility.language
    tz = ZoneInfo(config.facility.timezone)
    try:
        start = _local("--from", args.start, tz, lang) if args.start else SystemClock().now()
        end = _local("--to", args.end, tz, lang) if args.end else start + DEFAULT_SPAN
    except ValueError as exc:
        print(exc, file=err)
        return 2
    if not start < end <= start + MAX_SPAN:
        print(t("roster.bad_span", lang, days=MAX_SPAN.days), file=err)
        return 2
    wanted = args.roster or list(config.rosters)
    unknown = [r for r in wanted if r not in config.rosters]
    if unknown or not wanted:
        print(t("roster.unknown", lang, roster=unknown[0], known=", ".join(config.rosters))
              if unknown else t("roster.none", lang), file=err)
        return 2
    calendars, failures = asyncio.run(fetched_calendars(config, lang))
    directory = build_directory(config, calendars)
    print("\n".join(render(config, directory, wanted, start, end, lang, failures)).rstrip(),
          file=out)
    return 0
