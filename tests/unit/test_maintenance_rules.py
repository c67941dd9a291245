"""Maintenance windows as pure rules: which alarm a window covers, how long it may be,
how renewal works, and local time to UTC across daylight saving."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from escalator.domain.maintenance import (
    DEFAULT_MAINTENANCE_MAX,
    MaintenanceWindow,
    WindowProblem,
    check_renewal,
    check_window,
    covering,
    local_to_utc,
    released,
    renew,
)
from escalator.domain.model import Decision, Entry, Incident, Notice, Reason, State

HKI = ZoneInfo("Europe/Helsinki")
T0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # 08:00 in Helsinki


def window(wid="w", *, hours=(0, 24), sources=(), codes=(), point="", reason="work"):
    return MaintenanceWindow(wid, T0 + timedelta(hours=hours[0]), T0 + timedelta(hours=hours[1]),
                             reason, tuple(sources), tuple(codes), point)


B_WING = window(sources=["terminal"], codes=["FT"], point="B-wing*")

# (window, source, code, point, hours after T0, covered?)
COVERING = [
    (B_WING, "terminal", "FT", "B-wing 2nd floor", 1, True),
    (B_WING, "terminal", "ft", "b-WING", 1, True),  # codes and points ignore case
    (B_WING, "terminal", "FT", "A-wing 1st floor", 1, False),  # point outside the glob
    (B_WING, "terminal", "YX", "B-wing 2nd floor", 1, False),  # another code
    (B_WING, "bms", "FT", "B-wing 2nd floor", 1, False),  # another source
    (B_WING, "terminal", "FT", "B-wing", 0, True),  # from is inclusive
    (B_WING, "terminal", "FT", "B-wing", 24, False),  # until is exclusive: the window ended
    (B_WING, "terminal", "FT", "B-wing", -1, False),  # not started yet
    (window(), "any", "ANY", "", 5, True),  # no match keys: every alarm
    (window(point="B-wing ?"), "t", "FT", "B-wing 2", 5, True),
    (window(point="B-wing ?"), "t", "FT", "B-wing 22", 5, False),
    (window(point="loop 2"), "t", "FT", "loop 2", 5, True),  # a plain point is exact
    (window(point="loop 2"), "t", "FT", "loop 21", 5, False),
]


@pytest.mark.parametrize("w,source,code,point,after,covered", COVERING)
def test_covering(w, source, code, point, after, covered):
    now = T0 + timedelta(hours=after)
    assert (covering([w], source, code, point, now) == w) is covered


def test_of_two_windows_the_one_ending_last_holds():
    short, long = window("a", hours=(0, 2)), window("b", hours=(0, 5))
    assert covering([short, long], "t", "FT", "x", T0 + timedelta(hours=1)) == long
    assert covering([short, long], "t", "FT", "x", T0 + timedelta(hours=3)) == long
    assert covering([short, long], "t", "FT", "x", T0 + timedelta(hours=5)) is None


DAY = timedelta(days=1)
# (length of the window, maximum, problem)
LENGTHS = [
    (DAY, DEFAULT_MAINTENANCE_MAX, None),
    (7 * DAY, DEFAULT_MAINTENANCE_MAX, None),  # exactly the maximum is allowed
    (7 * DAY + timedelta(minutes=1), DEFAULT_MAINTENANCE_MAX, WindowProblem.TOO_LONG),
    (30 * DAY, DEFAULT_MAINTENANCE_MAX, WindowProblem.TOO_LONG),
    (3 * DAY, 2 * DAY, WindowProblem.TOO_LONG),  # maintenance_max from the config
    (timedelta(0), DEFAULT_MAINTENANCE_MAX, WindowProblem.ENDS_BEFORE_START),
    (-DAY, DEFAULT_MAINTENANCE_MAX, WindowProblem.ENDS_BEFORE_START),
]


@pytest.mark.parametrize("length,maximum,problem", LENGTHS)
def test_a_window_may_not_be_longer_than_maintenance_max(length, maximum, problem):
    assert check_window(T0, T0 + length, maximum) is problem


# A 7-day window renewed on day 6 (now): until moves at most 7 days from now.
RENEWALS = [
    (timedelta(days=6), timedelta(days=13), None),  # exactly now + max
    (timedelta(days=6), timedelta(days=8), None),
    (timedelta(days=6), timedelta(days=13, minutes=1), WindowProblem.RENEWAL_TOO_LONG),
    (timedelta(days=6), timedelta(days=5), WindowProblem.ALREADY_ENDED),  # until in the past
    (timedelta(days=6), timedelta(days=6), WindowProblem.ALREADY_ENDED),
]


@pytest.mark.parametrize("now_after,until_after,problem", RENEWALS)
def test_renewal_extends_until_at_most_maintenance_max_from_now(now_after, until_after, problem):
    w = window(hours=(0, 7 * 24))
    now, until = T0 + now_after, T0 + until_after
    assert check_renewal(w, until, now, DEFAULT_MAINTENANCE_MAX) is problem
    result = renew(w, until, now, DEFAULT_MAINTENANCE_MAX)
    if problem is None:
        # the window as a whole may now exceed the maximum: each renewal was a decision
        assert result == MaintenanceWindow(w.id, w.starts, until, w.reason)
    else:
        assert result is problem


# (facility wall-clock text, UTC it means)
LOCAL_TIMES = [
    ("2026-12-01 08:00", datetime(2026, 12, 1, 6, 0, tzinfo=UTC)),  # winter: UTC+2
    ("2026-07-01 08:00", datetime(2026, 7, 1, 5, 0, tzinfo=UTC)),  # summer: UTC+3
    ("2026-03-29 02:59", datetime(2026, 3, 29, 0, 59, tzinfo=UTC)),  # just before the jump
    ("2026-03-29 04:00", datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),  # just after it
    ("2026-10-25 03:30", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # twice: the first one
    ("2026-10-25 04:30", datetime(2026, 10, 25, 2, 30, tzinfo=UTC)),
    ("2026-12-01T08:00", datetime(2026, 12, 1, 6, 0, tzinfo=UTC)),
    ("2026-12-01 08:00+00:00", datetime(2026, 12, 1, 8, 0, tzinfo=UTC)),  # explicit offset
]


@pytest.mark.parametrize("text,utc", LOCAL_TIMES)
def test_local_time_to_utc_across_daylight_saving(text, utc):
    assert local_to_utc(text, HKI) == utc


@pytest.mark.parametrize("text,message", [
    ("2026-03-29 03:30", "does not exist in Europe/Helsinki"),  # the hour clocks skip
    ("1.12.2026 08:00", "expected a local time"),
    ("tomorrow", "expected a local time"),
])
def test_bad_local_times_say_why(text, message):
    with pytest.raises(ValueError, match=message):
        local_to_utc(text, HKI)


def test_released_relabels_the_first_notices_and_keeps_the_rest():
    inc = Incident(1, "terminal", "FT", "B-wing", "", "", "l", State.OPEN, T0, T0)
    start = Decision(inc, notices=(Notice("ward-a", Reason.FIRST, 0),
                                   Notice("x", Reason.ESCALATED, 0, detail="to y")),
                     entries=(Entry(T0, Reason.SKIPPED_UNAVAILABLE, "c", "closed"),
                              Entry(T0, Reason.FIRST, "ward-a", "", 0)))
    out = released(start, "installation work")
    assert [(n.party, n.reason, n.detail) for n in out.notices] == [
        ("ward-a", Reason.MAINTENANCE_ENDED, "installation work"),
        ("x", Reason.ESCALATED, "to y")]
    assert [(e.reason, e.detail) for e in out.entries] == [
        (Reason.SKIPPED_UNAVAILABLE, "closed"),
        (Reason.MAINTENANCE_ENDED, "installation work")]
