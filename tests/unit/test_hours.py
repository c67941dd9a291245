"""Opening hours, periods and durations as people write them."""

from __future__ import annotations

import re
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


@pytest.mark.parametrize("spec", ["", "Mon 7", "Xyz 07:00-16:00", "Mon 25:00-26:00",
                                  "Mon 07:00-24:30", "Mon-Fri", "ma-pe 7.5-16", "ma-pe 7-16 la 9",
                                  "Mon 07:60-08:00", "ti,, to 8-12"])
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


# --- as people write them: Finnish, Swedish, dots for minutes, bare hours ----------------

MON, TUE, WED, THU, FRI, SAT, SUN = (datetime(2026, 11, 23 + d) for d in range(7))


def _open_at(spec: str) -> set[tuple[int, int]]:
    """(weekday, minute) pairs of every open quarter hour: the whole week, read brute force."""
    hours = WeeklyHours.parse(spec)
    return {(d, q) for d in range(7) for q in range(0, 1440, 15)
            if hours.contains(MON + timedelta(days=d, minutes=q))}


@pytest.mark.parametrize(("spoken", "written"), [
    ("ma-pe 07.00-16.00", "Mon-Fri 07:00-16:00"),
    ("la-su 9-15", "Sat-Sun 09:00-15:00"),
    ("må-fre 07.00-16.00", "Mon-Fri 07:00-16:00"),
    ("lö-sö 10-14", "Sat-Sun 10:00-14:00"),
    ("ti,to 8.30-12", "Tue 08:30-12:00, Thu 08:30-12:00"),
    ("ti, to 8.30-12, pe 8-10", "Tue 08:30-12:00, Thu 08:30-12:00, Fri 08:00-10:00"),
    ("ma-pe klo 7-16", "Mon-Fri 07:00-16:00"),
    ("må–fre kl. 7–16", "Mon-Fri 07:00-16:00"),
    ("MA-PE 7-16; LA 9-12", "Mon-Fri 07:00-16:00, Sat 09:00-12:00"),
    ("maanantai-perjantai 7-16", "Mon-Fri 07:00-16:00"),
    ("måndag-fredag 7-16", "Mon-Fri 07:00-16:00"),
    ("pe-ma 22-6", "Fri-Mon 22:00-06:00"),
    ("su 0-24", "Sun 00:00-24:00"),
])
def test_finnish_and_swedish_hours_mean_the_same_as_english(spoken, written):
    assert _open_at(spoken) == _open_at(written)
    assert _open_at(spoken)  # not vacuously equal


def test_finnish_hours_open_and_close_where_written():
    hours = WeeklyHours.parse("ma-pe 07.00-16.00, la-su 9-15")
    assert hours.contains(MON.replace(hour=7))
    assert not hours.contains(MON.replace(hour=6, minute=59))
    assert not hours.contains(FRI.replace(hour=16))
    assert hours.contains(SAT.replace(hour=9)) and not hours.contains(SUN.replace(hour=15))
    assert hours.text == "ma-pe 07.00-16.00, la-su 9-15"  # shown as written


@pytest.mark.parametrize(("spec", "says"), [
    ("ma-pe", "has days but no times"),
    ("xx-pe 7-16", "unknown day 'xx' (days are Mon..Sun, ma..su or må..sö)"),
    ("ma-pe 7.00-25.00", "impossible time '25.00'"),
])
def test_unreadable_spoken_hours_say_why(spec, says):
    with pytest.raises(ValueError, match=re.escape(says)):
        WeeklyHours.parse(spec)


@pytest.mark.parametrize(("text", "expected"), [
    ("5 min", timedelta(minutes=5)), ("5 min 30 s", timedelta(minutes=5, seconds=30)),
    ("2 h", timedelta(hours=2)), ("1 h 30 min", timedelta(minutes=90)),
    ("10 s", timedelta(seconds=10)), ("90 sek", timedelta(seconds=90)),
    ("2 t", timedelta(hours=2)), ("1,5 h", timedelta(minutes=90)),
    ("15 minuuttia", timedelta(minutes=15)), ("2 timmar", timedelta(hours=2)),
    ("1 vrk", timedelta(days=1)), ("5 MIN", timedelta(minutes=5)), ("5m", timedelta(minutes=5)),
])
def test_durations_as_spoken(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize(("bad", "says"), [
    ("5 minits", "unknown unit 'minits'"), ("5 kk", "unknown unit 'kk'"),
    ("min 5", "expected a duration like"), ("5 min,", "expected a duration like"),
    ("0 min", "longer than zero"),
])
def test_bad_spoken_durations_say_why(bad, says):
    with pytest.raises(ValueError, match=re.escape(says)):
        parse_duration(bad)


@given(st.text(max_size=30))
def test_duration_parser_never_crashes_on_garbage(text):
    try:
        assert parse_duration(text).total_seconds() > 0
    except ValueError:
        pass
