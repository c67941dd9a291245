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


def test_another_days_moment_matches_the_locale_once_a_day_not_per_row(monkeypatch):
    """"Next: 8.12. 10.40" on a board row: Babel matched the "dM" skeleton against the
    locale's patterns on every call (0.13 ms of CPU), per row and per change, on the loop
    the intake shares. The day's text is kept, as the time's is."""
    calls = []
    real = dates.format_skeleton

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(dates, "format_skeleton", counted)
    now = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    tomorrow = datetime(2026, 12, 8, 8, 40, tzinfo=UTC)
    fresh = datetime(2031, 3, 9, 8, 40, tzinfo=UTC)  # a day no other test formats
    shown = {dates.moment(fresh + timedelta(minutes=m), TZ, "fi", now) for m in range(100)}
    assert len(shown) == 100 and all(s.startswith("9.3. ") for s in shown)
    assert len(calls) == 1
    assert dates.moment(tomorrow, TZ, "fi", now) == "8.12. 10.40"
    assert dates.moment(tomorrow, TZ, "sv", now) == "8.12 10.40"
    assert dates.moment(tomorrow, TZ, "en", now) == "08/12 10:40"
