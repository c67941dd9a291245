"""Holidays and closed days, and the Directory built from a loaded config."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from escalator.config import build_directory, load_config
from escalator.config.calendar import CLOSED_DAY, holiday_lookup
from escalator.config.model import Facility
from escalator.domain.model import read_params
from escalator.i18n.explain import explain

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "example.yaml"


def test_public_holidays_in_the_facility_language():
    fi = holiday_lookup(Facility("x", "X", holidays="FI", language="fi"))
    en = holiday_lookup(Facility("x", "X", holidays="FI", language="en"))
    sv = holiday_lookup(Facility("x", "X", holidays="FI", language="sv"))
    assert fi(date(2026, 12, 6)) == "Itsenäisyyspäivä"
    assert en(date(2026, 12, 25)) == "Christmas Day"
    assert sv(date(2026, 12, 6)) == "Självständighetsdagen"
    assert fi(date(2026, 12, 8)) is None


def test_years_are_looked_up_on_demand():
    lookup = holiday_lookup(Facility("x", "X", holidays="SE", language="en"))
    assert lookup(date(2031, 12, 25)) == "Christmas Day"
    assert lookup(date(1999, 1, 1)) == "New Year's Day"


def test_closed_days_and_no_country():
    lookup = holiday_lookup(Facility("x", "X", closed_days=(date(2026, 6, 1),)))
    assert lookup(date(2026, 6, 1)) == CLOSED_DAY
    assert lookup(date(2026, 12, 25)) is None


def test_directory_from_the_example():
    config, _ = load_config(EXAMPLE, env={})
    directory = build_directory(config)
    assert directory.tz == ZoneInfo("Europe/Helsinki")
    assert set(directory.parties) == set(config.parties)
    assert directory.rosters == config.rosters
    # Christmas Day 10:00: the contractor (Mon-Fri, not 24/7) is closed for the holiday.
    reach = directory.availability("contractor", datetime(2026, 12, 25, 8, tzinfo=ZoneInfo("UTC")))
    assert not reach.available
    assert read_params(reach.why or "") == {"why": "holiday", "holiday": "Joulupäivä"}
    assert explain("fi", "SKIPPED_UNAVAILABLE", reach.why or "") == \
        "Ohitettu: suljettu pyhäpäivänä (Joulupäivä)"
    [night] = directory.resolve("nurse-on-duty", datetime(2026, 12, 25, 1, tzinfo=ZoneInfo("UTC")))
    assert (night.party, night.available) == ("night-nurse", True)
