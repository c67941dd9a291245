"""Cover shifts as a rule table: who may say it, which periods, and what the directory
reaches while one is in force (domain/covers.py, domain/availability.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from escalator.domain.availability import Directory, Party, Roster, RosterEntry
from escalator.domain.covers import (
    MAX_COVER,
    Asker,
    Cover,
    CoverProblem,
    check_cover,
    party_named,
    tonight,
)
from escalator.domain.hours import WeeklyHours

HEL = ZoneInfo("Europe/Helsinki")
NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # Tue 09:00 in Helsinki
ROLES = {"anna": "staff", "ben": "staff", "cara": "staff", "buyer": "viewer"}
TONIGHT = Cover("anna", "ben", datetime(2026, 11, 24, 16, 0, tzinfo=UTC),
                datetime(2026, 11, 25, 6, 0, tzinfo=UTC))
BEN = Asker("Ben", "nurse", "ben")
MANAGER = Asker("Maija", "manager")
H = timedelta(hours=1)


def shifted(**kw: object) -> Cover:
    return Cover(**{**TONIGHT.__dict__, **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize("asker,draft,others,problem", [
    (BEN, TONIGHT, [], None),  # the person taking the shift
    (MANAGER, TONIGHT, [], None),  # a manager for anyone
    (Asker("op", "operator"), TONIGHT, [], None),  # an operator token on the API
    (Asker("Cara", "nurse", "cara"), TONIGHT, [], CoverProblem.ROLE),  # not for someone else
    (Asker("Anna", "nurse", "anna"), TONIGHT, [], CoverProblem.ROLE),  # not the covered one
    (Asker("Nobody", "nurse", None), TONIGHT, [], CoverProblem.ROLE),
    (Asker("Viewer", "viewer", "ben"), TONIGHT, [], CoverProblem.ROLE),
    (MANAGER, shifted(covered="zed"), [], CoverProblem.UNKNOWN),
    (MANAGER, shifted(cover="anna"), [], CoverProblem.SAME),
    (MANAGER, shifted(cover="buyer"), [], CoverProblem.VIEWER),
    (BEN, shifted(end=TONIGHT.start), [], CoverProblem.ENDS_BEFORE_START),
    (BEN, shifted(end=TONIGHT.start + MAX_COVER + H), [], CoverProblem.TOO_LONG),
    (BEN, shifted(start=NOW - 3 * H, end=NOW), [], CoverProblem.PAST),  # over already
    (BEN, shifted(start=NOW - H, end=NOW + H), [], CoverProblem.PAST),  # started an hour ago
    (BEN, shifted(start=NOW - timedelta(minutes=10), end=NOW + H), [], None),  # grace
    (BEN, shifted(start=NOW + timedelta(days=61), end=NOW + timedelta(days=61, hours=8)), [],
     CoverProblem.TOO_FAR),
    (BEN, TONIGHT, [shifted(cover="cara", start=TONIGHT.end - H, end=TONIGHT.end + H)],
     CoverProblem.CLASH),
    (BEN, TONIGHT, [shifted(start=TONIGHT.end, end=TONIGHT.end + H)], None),  # just after
    (BEN, TONIGHT, [shifted(start=NOW - 2 * H, end=NOW - H)], None),  # ended one: ignored
    (BEN, TONIGHT, [shifted(covered="cara", start=NOW + timedelta(days=i), end=NOW + timedelta(
        days=i, hours=1)) for i in range(200)], CoverProblem.FULL),
])
def test_who_may_cover_and_for_which_period(asker, draft, others, problem):
    assert check_cover(asker, draft, NOW, ROLES, others) is problem


@pytest.mark.parametrize("local_now,start,end", [
    ("2026-11-24 09:00", "2026-11-24 18:00", "2026-11-25 08:00"),  # said in the morning
    ("2026-11-24 22:30", "2026-11-24 22:30", "2026-11-25 08:00"),  # under way: from now
    ("2026-11-25 03:00", "2026-11-25 03:00", "2026-11-25 08:00"),  # after midnight: this night
    ("2026-03-28 12:00", "2026-03-28 18:00", "2026-03-29 08:00"),  # the night clocks go on
])
def test_tonight_is_this_evening_until_the_morning(local_now, start, end):
    at = datetime.fromisoformat(local_now).replace(tzinfo=HEL).astimezone(UTC)
    got = tonight(at, HEL)
    assert [f"{g.astimezone(HEL):%Y-%m-%d %H:%M}" for g in got] == [start, end]
    assert all(g.tzinfo is UTC for g in got)


def test_a_person_is_named_by_id_or_by_a_unique_name():
    names = {"anna": "Anna Virtanen", "ben": "Ben", "ben2": "Ben"}
    assert party_named("ANNA", names) == "anna"
    assert party_named("anna virtanen", names) == "anna"
    assert party_named("Ben", names) == "ben"  # its id wins over two equal names
    assert party_named("ben2", names) == "ben2"
    assert party_named("Cara", names) is None
    assert party_named("  ", names) is None
    assert party_named("Virtanen", {"a": "Virtanen", "b": "virtanen"}) is None  # ambiguous


def _directory(covers: tuple[Cover, ...]) -> Directory:
    parties = {p: Party(p, p.title()) for p in ("anna", "ben", "cara")}
    night = Roster("nights", (RosterEntry("anna", WeeklyHours.parse("Mon-Sun 21:00-07:00")),
                              RosterEntry("cara", WeeklyHours.parse("Mon-Sun 21:00-07:00"))))
    return Directory(parties, {"nights": night}, tz=HEL).with_covers(covers)


@pytest.mark.parametrize("at,roster,direct", [
    (datetime(2026, 11, 24, 15, 0, tzinfo=UTC), [], "anna"),  # 17:00: before the cover
    (datetime(2026, 11, 24, 20, 0, tzinfo=UTC), ["ben", "cara"], "ben"),  # 22:00: the cover
    (datetime(2026, 11, 25, 5, 59, tzinfo=UTC), [], "ben"),  # 07:59: off shift, still covered
    (datetime(2026, 11, 25, 6, 0, tzinfo=UTC), [], "anna"),  # 08:00: ended by itself
    (datetime(2026, 11, 25, 20, 0, tzinfo=UTC), ["anna", "cara"], "anna"),  # next night
])
def test_the_cover_replaces_the_covered_person_only_during_the_period(at, roster, direct):
    d = _directory((TONIGHT,))
    assert [r.party for r in d.resolve("nights", at) if r.available] == roster
    assert [r.party for r in d.resolve("anna", at)] == [direct]  # a step naming her directly
    assert all(r.via == "nights" for r in d.resolve("nights", at))


def test_without_covers_the_roster_is_as_written():
    at = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)
    assert [r.party for r in _directory(()).resolve("nights", at)] == ["anna", "cara"]


def test_one_person_covering_two_is_told_once():
    d = _directory((TONIGHT, Cover("cara", "ben", TONIGHT.start, TONIGHT.end)))
    at = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)
    assert [r.party for r in d.resolve("nights", at)] == ["ben"]  # covers both: told once
