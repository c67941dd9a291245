"""The `reports:` section: the weekly summary to the purchaser.

    reports:
      weekly:
        to: [tilaaja@kunta.example, purchaser]   # e-mail addresses or party ids
        day: mon                                 # mon..sun (fi/sv day names work)
        at: "08:00"                              # in the facility's time zone
        language: fi                             # default: the facility's
        false_alarm_threshold: 2                 # flag points with more in 12 months

A party id must have an e-mail contact: a summary that cannot be delivered
is a configuration error found now, not a silent Monday.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import time

from escalator.config.model import LANGUAGES, ReportsConfig, WeeklyReport
from escalator.config.people import EMAIL
from escalator.config.problem import phrase
from escalator.config.validators import At, Problems, choice, integer, mapping, names
from escalator.domain.availability import Party
from escalator.domain.hours import DAYS

REPORTS_KEYS = ("weekly",)
WEEKLY_KEYS = ("to", "day", "at", "language", "false_alarm_threshold")
WEEKLY_REQUIRED = ("to",)
TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")
TIME_EXPECTED = phrase("cfg.want.time_of_day")
DAY_NAMES = {**{d: i for i, d in enumerate(DAYS)},
             **{d: i for i, d in enumerate(("ma", "ti", "ke", "to", "pe", "la", "su"))},
             **{d: i for i, d in enumerate(("mån", "tis", "ons", "tor", "fre", "lör", "sön"))}}


def parse_reports(problems: Problems, at: At | None,
                  parties: Mapping[str, Party]) -> ReportsConfig | None:
    if at is None or at.value is None:
        return None
    if mapping(problems, at, REPORTS_KEYS, expected=phrase("cfg.want.reports")) is None:
        return None
    weekly_at = at.key("weekly")
    return ReportsConfig(weekly=_weekly(problems, weekly_at, parties) if weekly_at else None)


def _weekly(problems: Problems, at: At, parties: Mapping[str, Party]) -> WeeklyReport | None:
    if mapping(problems, at, WEEKLY_KEYS, WEEKLY_REQUIRED,
               expected=phrase("cfg.want.weekly")) is None:
        return None
    before = problems.count
    to_at = at.key("to")
    to = tuple(r for item in (names(problems, to_at, "recipient") if to_at else [])
               if (r := _recipient(problems, item, parties)) is not None)
    day = _day(problems, at.key("day"))
    when = _time(problems, at.key("at"))
    lang_at = at.key("language")
    language = choice(problems, lang_at, LANGUAGES) if lang_at else None
    threshold_at = at.key("false_alarm_threshold")
    threshold = integer(problems, threshold_at, 0, 1000) if threshold_at else None
    if problems.count > before:
        return None
    return WeeklyReport(to, day if day is not None else 0, when or time(8, 0), language,
                        2 if threshold is None else threshold)


def _recipient(problems: Problems, at: At, parties: Mapping[str, Party]) -> str | None:
    value = str(at.value).strip()
    if EMAIL.match(value):
        return value
    party = parties.get(value)
    if party is None:
        problems.bad(at, phrase("cfg.want.report_recipient"))
        return None
    if not any(c.channel == "email" for c in party.contacts):
        problems.error(at, "cfg.report_no_email", party=repr(value))
        return None
    return value


def _day(problems: Problems, at: At | None) -> int | None:
    if at is None:
        return 0
    if isinstance(at.value, str) and at.value.strip().lower() in DAY_NAMES:
        return DAY_NAMES[at.value.strip().lower()]
    problems.bad(at, phrase("cfg.want.weekday", days=", ".join(DAYS)))
    return None


def _time(problems: Problems, at: At | None) -> time | None:
    if at is None:
        return time(8, 0)
    value = at.value
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return time(value // 60, value % 60)  # YAML 1.1 reads 08:00 unquoted as 480
    match = TIME.match(str(value).strip()) if isinstance(value, str) else None
    if match:
        return time(int(match.group(1)), int(match.group(2)))
    problems.bad(at, TIME_EXPECTED)
    return None
