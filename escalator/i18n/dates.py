"""Dates and times as the reader writes them, in the facility's timezone (Babel, CLDR).

Times are stored in UTC; every card, page, e-mail, SMS, call and report shows
them in the facility's zone and in the reader's locale: a Finnish reader sees
"klo 14.05" and "24.12.2026", a Finland-Swedish one "kl. 14.05", an English
one "14:05" and "24/12/2026". The sentences around them ("klo {time}") are in
the catalogues; only the numbers are formatted here.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton, format_time, get_day_names
from babel.numbers import format_decimal

from escalator.i18n.catalogs import normalise

# The reader's language -> the locale whose conventions they read (a Finnish facility's).
LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}


def locale_of(lang: str) -> str:
    return LOCALES.get(normalise(lang), "en_GB")


def _local(at: datetime, tz: str) -> datetime:
    return at.astimezone(ZoneInfo(tz))


def clock(at: datetime, tz: str, lang: str) -> str:
    """The time of day: 14.05 (fi, sv) or 14:05 (en)."""
    return _clock(_local(at, tz).replace(second=0, microsecond=0, tzinfo=None), lang)


# Babel parses the locale's pattern on every call (about 10 µs): every reminder's text
# has a time in it, so the few hundred distinct minutes and days a day shows are kept.
# The key is the wall-clock minute without its zone: aware datetimes of one instant in
# two zones are equal (and hash alike), and would share one text.
@lru_cache(maxsize=4096)
def _clock(wall_minute: datetime, lang: str) -> str:
    return format_time(wall_minute, "short", locale=locale_of(lang))


def day_month(at: datetime | date, lang: str) -> str:
    """24.12. (fi), 24.12 (sv), 24/12 (en)."""
    return _day_month(date(at.year, at.month, at.day), lang)


# format_skeleton matches the skeleton against the locale's patterns on every call
# (0.13 ms of CPU, measured): a board row with "next: 8.12. 10.40" paid it per row and
# per change, on the event loop the intake shares. A day's text is the same all day:
# kept.
@lru_cache(maxsize=1024)
def _day_month(d: date, lang: str) -> str:
    return format_skeleton("dM", d, locale=locale_of(lang))


def moment(at: datetime, tz: str, lang: str, now: datetime | None = None) -> str:
    """The time alone on the day of `now` (in the facility's zone), else with the day."""
    local = _local(at, tz)
    if now is not None and local.date() == _local(now, tz).date():
        return clock(at, tz, lang)
    return f"{day_month(local, lang)} {clock(at, tz, lang)}"


def stamp(at: datetime, tz: str, lang: str) -> str:
    """Date and time in full: 24.12.2026 14.05 (fi), 24/12/2026 14:05 (en)."""
    local = _local(at, tz)
    return f"{day(local.date(), lang)} {clock(at, tz, lang)}"


def weekday(at: datetime, tz: str, lang: str) -> str:
    """The day's short name in the facility's zone: ma, mån, Mon."""
    return str(get_day_names("abbreviated", locale=locale_of(lang))[_local(at, tz).weekday()])


def day(d: date, lang: str) -> str:
    """A calendar date: 24.12.2026 (fi, sv), 24/12/2026 (en)."""
    return _day(date(d.year, d.month, d.day), lang)  # a datetime is a date too: its day


@lru_cache(maxsize=1024)
def _day(d: date, lang: str) -> str:
    return format_date(d, "short", locale=locale_of(lang))


def decimal(value: float, lang: str) -> str:
    """A figure with one decimal as the reader writes it: 1,5 (fi, sv), 1.5 (en)."""
    return format_decimal(value, format="0.0", locale=locale_of(lang))
