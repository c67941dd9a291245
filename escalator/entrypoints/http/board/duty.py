"""Who is on duty now and who comes next, per roster and per ladder step; the gaps.

Pure functions of the config, the directory and `now`: the board shows the
same availability the policy uses when it walks a ladder, so a gap on the
screen is a gap in the calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from escalator.config.model import Config
from escalator.domain.availability import Directory

SCAN_STEP = timedelta(minutes=15)
SCAN_HORIZON = timedelta(days=7)


@dataclass(frozen=True)
class Duty:
    """One roster or one ladder step: who is reachable now, and the next change."""

    label: str
    now: tuple[str, ...]  # names reachable now
    closed: tuple[str, ...]  # names on the step but closed or away now
    next_names: tuple[str, ...] | None  # who is reachable after the next change
    next_at: datetime | None

    @property
    def gap(self) -> bool:
        return not self.now


@dataclass(frozen=True)
class LadderDuty:
    id: str
    steps: tuple[Duty, ...]

    @property
    def gap(self) -> bool:
        """Nobody on the first step, or nobody on any step: an alarm would wait."""
        return not self.steps or self.steps[0].gap or all(s.gap for s in self.steps)


def reachable(targets: tuple[str, ...], directory: Directory,
              at: datetime) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(available names, unavailable names) for a step's or a roster's targets at `at`."""
    yes: list[str] = []
    no: list[str] = []
    for target in targets:
        for reach in directory.resolve(target, at):
            name = directory.name(reach.party)
            (yes if reach.available else no).append(name)
    return tuple(dict.fromkeys(yes)), tuple(n for n in dict.fromkeys(no) if n not in yes)


def duty(label: str, targets: tuple[str, ...], directory: Directory, now: datetime) -> Duty:
    names, closed = reachable(targets, directory, now)
    step = int(SCAN_STEP.total_seconds())
    at = datetime.fromtimestamp((int(now.timestamp()) // step + 1) * step, now.tzinfo)
    while at <= now + SCAN_HORIZON:
        later, _ = reachable(targets, directory, at)
        if later != names:
            return Duty(label, names, closed, later, at)
        at += SCAN_STEP
    return Duty(label, names, closed, None, None)


def rosters(config: Config, directory: Directory, now: datetime) -> list[Duty]:
    return [duty(_roster_label(rid, config, directory), (rid,), directory, now)
            for rid in config.rosters]


def _roster_label(rid: str, config: Config, directory: Directory) -> str:
    """`nights (shifts.ics)`: where a calendar roster's shifts come from (a URL: its host)."""
    roster = directory.rosters.get(rid)
    feed = config.roster_feeds.get(rid)
    source = urlsplit(feed.url).hostname if feed else \
        roster.calendar.source if roster and roster.calendar else None
    return f"{rid} ({source})" if source else rid


def ladders(config: Config, directory: Directory, now: datetime) -> list[LadderDuty]:
    return [LadderDuty(lid, tuple(duty(str(n), step.notify, directory, now)
                                  for n, step in enumerate(ladder.steps, 1)))
            for lid, ladder in config.ladders.items()]
