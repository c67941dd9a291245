"""The facility's calendar: public holidays and its own closed days.

Availability asks "is this a holiday?" for every party and notice, so the
lookup is a plain callable, and the `holidays` tables are built one year at a
time, only for years that are actually asked about.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from zoneinfo import ZoneInfo

import holidays

from escalator.config.model import Config, Facility
from escalator.domain.availability import Directory, HolidayLookup
from escalator.domain.shifts import ShiftCalendar

CLOSED_DAY = "closed day"


def holiday_lookup(facility: Facility) -> HolidayLookup:
    """date -> the holiday's name (in the facility's language when the tables have it)."""
    closed = frozenset(facility.closed_days)
    country = facility.holidays
    language = _holiday_language(country, facility.language) if country else None
    years: dict[int, holidays.HolidayBase] = {}

    def lookup(day: date) -> str | None:
        if day in closed:
            return CLOSED_DAY
        if country is None:
            return None
        table = years.get(day.year)
        if table is None:
            table = holidays.country_holidays(country, years=day.year, language=language)
            years[day.year] = table
        return table.get(day)

    return lookup


def _holiday_language(country: str, language: str) -> str | None:
    """`sv` -> `sv_FI` for Finland; None (the country's default) if there is no match."""
    available = holidays.list_localized_countries().get(country, [])
    if language in available:
        return language
    for code in available:
        if code.split("_")[0] == language:
            return code
    return None


def build_directory(
    config: Config, calendars: Mapping[str, ShiftCalendar] | None = None,
) -> Directory:
    """`calendars`: the shifts fetched for rosters whose calendar is at a URL
    (escalator/rosters/feeds.py), by roster id."""
    rosters = {rid: replace(r, calendar=calendars[rid]) if calendars and rid in calendars else r
               for rid, r in config.rosters.items()}
    return Directory(
        parties=config.parties,
        rosters=rosters,
        tz=ZoneInfo(config.facility.timezone),
        holiday=holiday_lookup(config.facility),
    )
