"""Who can be reached right now: opening hours, rosters, holidays, absences.

Principle 2: never route to someone who is not there. Every answer carries
the reason, because "skipped: closed (Mon-Fri 07:00-16:00)" in a timeline is
what lets a facility manager trust the ladder.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, tzinfo

from escalator.domain.contact_rules import ContactRules
from escalator.domain.covers import Cover, covering
from escalator.domain.hours import Period, WeeklyHours
from escalator.domain.model import params
from escalator.domain.service_promises import Promise
from escalator.domain.shifts import ShiftCalendar

HolidayLookup = Callable[[date], str | None]


def no_holidays(_: date) -> str | None:
    return None


@dataclass(frozen=True)
class Contact:
    """One way to reach a party: `channel` is telegram, email, sms or webhook."""

    channel: str
    address: str
    options: tuple[tuple[str, str], ...] = ()

    def option(self, key: str, default: str | None = None) -> str | None:
        return dict(self.options).get(key, default)


@dataclass(frozen=True)
class Party:
    id: str
    name: str
    contacts: tuple[Contact, ...] = ()
    hours: WeeklyHours | None = None
    absent: tuple[Period, ...] = ()
    open_on_holidays: bool | None = None  # None: closed on holidays unless hours are 24/7
    language: str | None = None
    telegram_users: tuple[int, ...] = ()
    role: str = "staff"  # "viewer": reads what it is sent, may not act (the purchaser)
    promise: Promise | None = None  # what its contract promises (answer, on site, cleared)
    # contacts in groups per urgency (domain/contact_rules.py); None: one after another
    rules: ContactRules | None = None


@dataclass(frozen=True)
class RosterEntry:
    who: str
    when: WeeklyHours


@dataclass(frozen=True)
class Roster:
    """Weekly entries, dated shifts from a calendar (escalator/domain/shifts.py), or both."""

    id: str
    entries: tuple[RosterEntry, ...]
    calendar: ShiftCalendar | None = None
    people: tuple[str, ...] = ()  # parties a calendar may name (its `match:` targets)

    def on_shift(self, local: datetime) -> list[str]:
        """Who works at `local` (a zoned time): weekly entries first, then the calendar's."""
        found = [e.who for e in self.entries if e.when.contains(local)]
        if self.calendar is not None:
            found.extend(self.calendar.on_duty(local))
        return list(dict.fromkeys(found))

    @property
    def members(self) -> tuple[str, ...]:
        """Everyone this roster may put on shift."""
        calendar = self.calendar.people if self.calendar else ()
        return tuple(dict.fromkeys((*(e.who for e in self.entries), *calendar, *self.people)))


@dataclass(frozen=True)
class Reach:
    """One resolved target: a party and whether it can be notified now (and why not)."""

    party: str
    available: bool
    why: str | None = None
    via: str | None = None  # the roster it was found through


@dataclass(frozen=True)
class Directory:
    """Parties and rosters with the facility's calendar; answers "who, now?" purely."""

    parties: Mapping[str, Party]
    rosters: Mapping[str, Roster] = field(default_factory=dict)
    tz: tzinfo | None = None
    holiday: HolidayLookup = no_holidays
    covers: tuple[Cover, ...] = ()  # shifts taken over (domain/covers.py), from the store

    def with_covers(self, covers: tuple[Cover, ...]) -> Directory:
        """The same directory with these covers in force (read per transaction)."""
        return replace(self, covers=covers)

    def stand_in(self, party_id: str, now: datetime) -> str:
        """Who is reached for `party_id` at `now`: the cover while one is in force."""
        found = covering(self.covers, party_id, now) if self.covers else None
        return found.cover if found is not None and found.cover in self.parties else party_id

    def local(self, now: datetime) -> datetime:
        return now.astimezone(self.tz) if self.tz else now

    def availability(self, party_id: str, now: datetime) -> Reach:
        party = self.parties[party_id]
        local = self.local(now)
        naive = local.replace(tzinfo=None)
        for period in party.absent:
            if period.contains(naive):
                return Reach(party_id, False, params(why="absent", period=period.text))
        if party.hours is not None:
            if not party.hours.contains(local):
                return Reach(party_id, False, params(why="closed", hours=party.hours.text))
            opened_on = party.hours.started_on(local) or local.date()
            holiday = self.holiday(opened_on)
            closes_on_holiday = (
                not party.open_on_holidays
                if party.open_on_holidays is not None
                else not party.hours.always
            )
            if holiday and closes_on_holiday:
                return Reach(party_id, False, params(why="holiday", holiday=holiday))
        return Reach(party_id, True)

    def resolve(self, target: str, now: datetime) -> list[Reach]:
        """A step's target (a party or a roster) -> the parties to notify, with availability."""
        if target in self.rosters:
            local = self.local(now)
            on_shift = self.rosters[target].on_shift(local)
            if not on_shift:
                return [Reach(target, False, params(why="no_shift"), via=target)]
            reaches = []
            for who in dict.fromkeys(self.stand_in(p, now) for p in on_shift):
                r = self.availability(who, now)
                reaches.append(Reach(r.party, r.available, r.why, via=target))
            return reaches
        return [self.availability(self.stand_in(target, now) if target in self.parties
                                  else target, now)]

    def next_change(self, party_id: str, now: datetime) -> datetime | None:
        """The earliest moment after `now` when the party's availability may change.

        A hint for waking up (opening time, end of an absence, midnight for
        holidays); the availability itself is checked again at that moment.
        """
        party = self.parties.get(party_id)
        roster = self.rosters.get(party_id)
        if party is None and roster is not None and roster.calendar is not None:
            return roster.calendar.next_change(now)  # nobody on shift: the next one starts
        if party is None:
            return None
        local = self.local(now)
        naive = local.replace(tzinfo=None)
        found: list[datetime] = []
        for period in party.absent:
            for edge in (period.start, period.end):
                if edge > naive:
                    found.append(_aware(edge, local.tzinfo))
        if party.hours is not None and not party.hours.always:
            found.append(party.hours.next_change(local))
            midnight = (naive + timedelta(days=1)).replace(hour=0, minute=0, second=0,
                                                           microsecond=0)
            found.append(_aware(midnight, local.tzinfo))
        later = [f.astimezone(now.tzinfo) for f in found if f > now]
        return min(later) if later else None

    def name(self, party_or_roster: str) -> str:
        if party_or_roster in self.parties:
            return self.parties[party_or_roster].name
        return party_or_roster


def _aware(naive: datetime, zone: tzinfo | None) -> datetime:
    return naive.replace(tzinfo=zone) if zone else naive
