"""When the weekly summary is due: pure, in the facility's time zone, across DST."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from escalator.reports.scheduler import schedule
from escalator.reports.weekly import durations, week, week_of

HKI = ZoneInfo("Europe/Helsinki")


def at(y, mo, d, h, mi=0):
    return datetime(y, mo, d, h, mi, tzinfo=HKI).astimezone(UTC)


@pytest.mark.parametrize("now,due_week,next_local", [
    (at(2026, 11, 30, 7, 59), "2026-W47", (2026, 11, 30, 8)),  # one minute early
    (at(2026, 11, 30, 8, 0), "2026-W48", (2026, 12, 7, 8)),  # exactly on time
    (at(2026, 12, 3, 12), "2026-W48", (2026, 12, 7, 8)),  # down on Monday: still W48
    (at(2027, 1, 4, 8), "2026-W53", (2027, 1, 11, 8)),  # 2026 has 53 ISO weeks
    (at(2026, 3, 30, 8), "2026-W13", (2026, 4, 6, 8)),  # after the spring change, 08:00 EEST
    (at(2026, 10, 26, 8), "2026-W43", (2026, 11, 2, 8)),  # after the autumn change, 08:00 EET
])
def test_due_week_and_next_send(now, due_week, next_local):
    w, _, nxt = schedule(now, 0, time(8, 0), "Europe/Helsinki")
    assert w.label == due_week
    assert nxt == at(*next_local)


def test_another_day_and_time():
    w, due, nxt = schedule(at(2026, 12, 2, 6, 0), 2, time(6, 0), "Europe/Helsinki")
    assert (w.label, due, nxt) == ("2026-W48", at(2026, 12, 2, 6), at(2026, 12, 9, 6))


def test_week_bounds_and_labels():
    w = week("2026-w48", "Europe/Helsinki")
    assert (w.start, w.end, w.label) == (at(2026, 11, 23, 0), at(2026, 11, 30, 0), "2026-W48")
    assert week_of(at(2026, 11, 29, 23, 59), "Europe/Helsinki").label == "2026-W48"
    assert week_of(at(2026, 11, 30, 0, 0), "Europe/Helsinki").label == "2026-W49"
    for bad in ("48", "2026-48", "2026-W54", "W48-2026"):
        with pytest.raises(ValueError):
            week(bad, "Europe/Helsinki")


def test_percentiles_are_nearest_rank():
    m = timedelta(minutes=1)
    d = durations([m * x for x in (9, 1, 5, 3, 7, 2, 8, 4, 6, 10)])
    assert (d.n, d.median, d.p90) == (10, 5.5 * m, 9 * m)
    assert durations([]).median is None and durations([m]).p90 == m
