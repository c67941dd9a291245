"""Times and dates as each reader writes them, the kept (cached) formats included."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from escalator.i18n import dates

TZ = "Europe/Helsinki"


def test_times_read_as_each_language_writes_them_in_the_facility_zone():
    at = datetime(2026, 12, 24, 12, 5, 30, tzinfo=UTC)  # 14.05 in Helsinki
    assert dates.clock(at, TZ, "fi") == "14.05"
    assert dates.clock(at, TZ, "sv") == "14.05"
    assert dates.clock(at, TZ, "en") == "14:05"
    assert dates.stamp(at, TZ, "fi") == "24.12.2026 14.05"
    assert dates.stamp(at, TZ, "en") == "24/12/2026 14:05"


def test_kept_formats_follow_the_minute_the_zone_and_the_language():
    at = datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC)  # 02.59 EET, a second before DST
    assert dates.clock(at, TZ, "fi") == "2.59"
    assert dates.clock(at + timedelta(seconds=1), TZ, "fi") == "4.00"  # EEST from here
    assert dates.clock(at, "UTC", "fi") == "0.59"
    assert dates.clock(at, TZ, "en") == "02:59"
    assert dates.clock(at - timedelta(seconds=59), TZ, "fi") == "2.59"  # same minute
    assert dates.day(date(2026, 3, 29), "fi") == "29.3.2026"
    assert dates.day(date(2026, 3, 30), "fi") == "30.3.2026"
