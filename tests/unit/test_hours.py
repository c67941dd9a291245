"""Opening hours, periods and durations as people write them."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalator.domain.hours import Period, WeeklyHours, parse_duration


@pytest.mark.parametrize(("spec", "when", "expected"), [
    ("Mon-Fri 07:00-16:00", datetime(2026, 11, 23, 7, 0), True),    # Monday opening
    ("Mon-Fri 07:00-16:00", datetime(2026, 11, 23, 16, 0), False),  # closing is exclusive
    ("Mon-Fri 07:00-16:00", datetime(2026, 11, 28, 10, 0), False),  # Saturday
    ("Mon-Sun 21:00-07:00", datetime(2026, 11, 24, 3, 0), True),    # overnight, next morning
    ("Fri 21:00-07:00", datetime(2026, 11, 28, 6, 59), True),       # Friday night -> Sat 6:59
    ("Fri 21:00-07:00", datetime(2026, 11, 27, 6, 59), False),      # Friday morning: Thu's
    ("Mon-Fri 07:00-16:00, Sat 09:00-12:00", datetime(2026, 11, 28, 10, 0), True),
    ("ma-pe 07:00-16:00", datetime(2026, 11, 24, 8, 0), True),      # Finnish day names
    ("Mon-Sun 00:00-24:00", datetime(2026, 11, 29, 23, 59), True),
])
def test_contains(spec, when, expected):
    assert WeeklyHours.parse(spec).contains(when) is expected


def test_overnight_window_started_the_previous_day():
    hours = WeeklyHours.parse("Mon-Sun 21:00-07:00")
    assert hours.started_on(datetime(2026, 11, 24, 3, 0)) == datetime(2026, 11, 23).date()


@pytest.mark.parametrize("spec", ["", "Mon 7-16", "Xyz 07:00-16:00", "Mon 25:00-26:00",
                                  "Mon 07:00-24:30", "Mon-Fri"])
def test_unreadable_hours_are_refused(spec):
    with pytest.raises(ValueError):
        WeeklyHours.parse(spec)


def test_always_open_detection():
    assert WeeklyHours.parse("Mon-Sun 00:00-24:00").always
    assert not WeeklyHours.parse("Mon-Sat 00:00-24:00").always


def test_period_of_whole_days_includes_the_last_day():
    p = Period.parse("2026-12-24..2026-12-26")
    assert p.contains(datetime(2026, 12, 26, 23, 59))
    assert not p.contains(datetime(2026, 12, 27, 0, 0))
    assert Period.parse("2026-12-24T08:00..2026-12-24T12:00").contains(datetime(2026, 12, 24, 9))


@pytest.mark.parametrize(("text", "expected"), [
    ("30s", timedelta(seconds=30)), ("5m", timedelta(minutes=5)), ("2h", timedelta(hours=2)),
    ("1d", timedelta(days=1)), ("1h30m", timedelta(minutes=90)),
])
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("bad", ["5", 5, "5x", "", "0m", "m5", True, "-5m"])
def test_bad_durations(bad):
    with pytest.raises(ValueError):
        parse_duration(bad)


@given(st.text(max_size=40))
def test_hours_parser_never_crashes_on_garbage(text):
    try:
        WeeklyHours.parse(text)
    except ValueError:
        pass


@given(st.integers(0, 6), st.integers(0, 23), st.integers(0, 59),
       st.integers(0, 23), st.integers(0, 59), st.datetimes(
           min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1)))
def test_contains_agrees_with_a_brute_force_reading(day, h1, m1, h2, m2, when):
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    if (h1, m1) == (h2, m2):
        return
    hours = WeeklyHours.parse(f"{days[day]} {h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}")
    start = h1 * 60 + m1
    end = h2 * 60 + m2 if h2 * 60 + m2 > start else h2 * 60 + m2 + 1440
    minute_of_week = when.weekday() * 1440 + when.hour * 60 + when.minute
    window_start = day * 1440 + start
    inside = any(window_start <= minute_of_week + k * 10080 < window_start + (end - start)
                 for k in (0, 1))
    assert hours.contains(when) is inside
