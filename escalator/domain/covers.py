"""Cover shifts: "I cover Anna's shift tonight", as a rule and a value.

Until now a swap could be said only by editing the roster file, so the ladder went
on calling the person who had swapped away. A cover names who is covered, who
covers and for which period; while it lasts, wherever the directory would reach
the covered person (a roster's shift, a ladder step naming them) it reaches the
cover instead. It only replaces: a cover never puts anyone on a shift the covered
person does not have, so a generous "tonight" is harmless.

Who may say it: the person who takes the shift, or a manager (an operator token on
the API). The period is bounded (MAX_COVER), not in the past, not too far ahead,
and one person is covered by one cover at a time. Pure: the use case asks
`check_cover` and stores what it allows; the store writes the audit record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from enum import StrEnum

MAX_COVER = timedelta(days=7)  # a cover longer than a week is a roster change: edit it
MAX_AHEAD = timedelta(days=60)  # said at most this far before it starts
PAST_GRACE = timedelta(minutes=15)  # "from 21:00" said at 21:10 still starts at 21:00
MAX_COVERS = 200  # current and planned at once: each reach is checked against all
TONIGHT_FROM, TONIGHT_UNTIL = time(18, 0), time(8, 0)  # local; only replaces a shift
MANAGER_ROLES = frozenset({"manager", "operator"})


@dataclass(frozen=True)
class Cover:
    """`cover` works instead of `covered` during [start, end) (UTC instants)."""

    covered: str  # party id
    cover: str  # party id
    start: datetime
    end: datetime
    id: int = 0  # given by the store

    def active(self, now: datetime) -> bool:
        return self.start <= now < self.end


class CoverProblem(StrEnum):
    """Why a cover was refused; each door says it in its reader's words."""

    ROLE = "role"  # neither the covering person nor a manager
    UNKNOWN = "unknown"  # no such person
    SAME = "same"  # nobody covers themselves
    VIEWER = "viewer"  # a read-only party cannot take a shift
    ENDS_BEFORE_START = "ends_before_start"
    TOO_LONG = "too_long"  # longer than MAX_COVER
    PAST = "past"  # ended already, or started too long ago
    TOO_FAR = "too_far"  # starts more than MAX_AHEAD from now
    CLASH = "clash"  # the covered person already has a cover then
    FULL = "full"  # MAX_COVERS current or planned


@dataclass(frozen=True)
class Asker:
    """Who says it: recorded under `name`; `party` is who they are (None: nobody)."""

    name: str
    role: str  # board: nurse|manager|viewer; API: operator|viewer; Telegram: staff|nurse
    party: str | None = None


def may_cover(asker: Asker, cover: str) -> bool:
    """The person taking the shift themself, or a manager; a viewer never."""
    if asker.role == "viewer":
        return False
    return asker.role in MANAGER_ROLES or (asker.party is not None and asker.party == cover)


def check_cover(asker: Asker, draft: Cover, now: datetime, roles: Mapping[str, str],
                others: Iterable[Cover]) -> CoverProblem | None:
    """None if `draft` may be kept. `roles`: every party's role by id; `others`: the
    covers that have not ended."""
    if draft.covered not in roles or draft.cover not in roles:
        return CoverProblem.UNKNOWN
    if not may_cover(asker, draft.cover):
        return CoverProblem.ROLE
    if draft.covered == draft.cover:
        return CoverProblem.SAME
    if roles[draft.cover] == "viewer":
        return CoverProblem.VIEWER
    if draft.end <= draft.start:
        return CoverProblem.ENDS_BEFORE_START
    if draft.end - draft.start > MAX_COVER:
        return CoverProblem.TOO_LONG
    if draft.end <= now or draft.start < now - PAST_GRACE:
        return CoverProblem.PAST
    if draft.start > now + MAX_AHEAD:
        return CoverProblem.TOO_FAR
    current = [c for c in others if c.end > now]
    if any(c.covered == draft.covered and c.start < draft.end and draft.start < c.end
           for c in current):
        return CoverProblem.CLASH
    if len(current) >= MAX_COVERS:
        return CoverProblem.FULL
    return None


def tonight(now: datetime, zone: tzinfo | None) -> tuple[datetime, datetime]:
    """Tonight's night in local time, as instants: 18:00 today (or now, if later) until
    08:00 tomorrow; before 08:00 it is the night already under way."""
    local = now.astimezone(zone) if zone else now
    day = local.date()
    if local.time() < TONIGHT_UNTIL:
        day -= timedelta(days=1)
    start = datetime.combine(day, TONIGHT_FROM, tzinfo=local.tzinfo)
    end = datetime.combine(day + timedelta(days=1), TONIGHT_UNTIL, tzinfo=local.tzinfo)
    return max(start, local).astimezone(now.tzinfo), end.astimezone(now.tzinfo)


def covering(covers: Iterable[Cover], party: str, now: datetime) -> Cover | None:
    """The cover in force for `party` at `now`, if any."""
    return next((c for c in covers if c.covered == party and c.active(now)), None)


def party_named(said: str, names: Mapping[str, str]) -> str | None:
    """The party id a person typed: its id or its name, in any case; None if none or
    several match (two "Anna"s must be told apart by id)."""
    key = said.strip().casefold()
    if not key:
        return None
    exact = [pid for pid in names if pid.casefold() == key]
    if exact:
        return exact[0]
    found = [pid for pid, name in names.items() if name.casefold() == key]
    return found[0] if len(found) == 1 else None
