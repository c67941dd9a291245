"""The `maintenance:` list and `maintenance_max`: planned work that holds matching alarms.

Times are the facility's wall-clock time ("2026-12-01 08:00" in
Europe/Helsinki), converted to UTC here, correctly across daylight saving.
A window longer than `maintenance_max` is an error at its line: a window must
end, so "installation work" cannot hide a fault for weeks.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from escalator.config.ladders import _codes
from escalator.config.problem import phrase
from escalator.config.validators import (
    At,
    Problems,
    duration,
    mapping,
    names,
    reference,
    sequence,
    text,
    why_of,
)
from escalator.domain.hours import format_duration
from escalator.domain.maintenance import (
    DEFAULT_MAINTENANCE_MAX,
    MAX_WINDOWS,
    MaintenanceWindow,
    check_window,
    local_to_utc,
    wall_to_utc,
)

MAINTENANCE_KEYS = ("match", "from", "until", "reason")
MAINTENANCE_REQUIRED = ("from", "until", "reason")
MAINTENANCE_MATCH_KEYS = ("source", "code", "point")
WINDOW_EXPECTED = phrase("cfg.want.maintenance_window")


def parse_maintenance_max(problems: Problems, at: At | None) -> timedelta:
    if at is None or at.value is None:
        return DEFAULT_MAINTENANCE_MAX
    return duration(problems, at) or DEFAULT_MAINTENANCE_MAX


def parse_maintenance(
    problems: Problems, at: At | None, source_ids: Collection[str], timezone: str,
    maximum: timedelta,
) -> tuple[MaintenanceWindow, ...]:
    if at is None or at.value is None:
        return ()
    if not sequence(problems, at, phrase("cfg.want.maintenance_windows")):
        return ()
    if len(at.value) > MAX_WINDOWS:
        problems.error(at, "cfg.maintenance_too_many", count=len(at.value), most=MAX_WINDOWS)
        return ()
    tz = ZoneInfo(timezone)
    found = []
    for index, item in enumerate(at.items()):
        window = _window(problems, item, f"config-{index + 1}", source_ids, tz, maximum)
        if window is not None:
            found.append(window)
    return tuple(found)


def _window(
    problems: Problems, at: At, window_id: str, source_ids: Collection[str], tz: ZoneInfo,
    maximum: timedelta,
) -> MaintenanceWindow | None:
    if mapping(problems, at, MAINTENANCE_KEYS, MAINTENANCE_REQUIRED,
               expected=WINDOW_EXPECTED) is None:
        return None
    before = problems.count
    sources, codes, point = _match(problems, at.key("match"), source_ids)
    from_at, until_at = at.key("from"), at.key("until")
    starts = None if from_at is None else _local_time(problems, from_at, tz)
    ends = None if until_at is None else _local_time(problems, until_at, tz)
    reason_at = at.key("reason")
    reason = None if reason_at is None else text(problems, reason_at,
                                                 phrase("cfg.want.maintenance_reason"))
    if starts is not None and ends is not None and until_at is not None:
        problem = check_window(starts, ends, maximum)
        if problem is not None:
            problems.error(until_at, f"cfg.window.{problem.value}", max=format_duration(maximum))
    if problems.count > before or starts is None or ends is None or reason is None:
        return None
    return MaintenanceWindow(window_id, starts, ends, reason, sources, codes, point)


def _local_time(problems: Problems, at: At, tz: ZoneInfo) -> datetime | None:
    """Text in quotes, or what YAML made of an unquoted time (a datetime, or a bare date)."""
    value = at.value
    try:
        if isinstance(value, datetime):
            return local_to_utc(value.isoformat(), tz) if value.tzinfo else wall_to_utc(value, tz)
        if isinstance(value, date):
            return wall_to_utc(datetime(value.year, value.month, value.day), tz)
        if isinstance(value, str):
            return local_to_utc(value, tz)
    except ValueError as exc:
        problems.bad(at, phrase("cfg.want.local_time"), why_of(exc))
        return None
    problems.bad(at, phrase("cfg.want.local_time"))
    return None


def _match(
    problems: Problems, at: At | None, source_ids: Collection[str],
) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """Every key optional; no `match` at all holds every alarm of the facility."""
    if at is None or mapping(problems, at, MAINTENANCE_MATCH_KEYS,
                             expected=phrase("cfg.want.maintenance_match")) is None:
        return (), (), ""
    source_at, code_at, point_at = at.key("source"), at.key("code"), at.key("point")
    sources: tuple[str, ...] = ()
    if source_at is not None:
        sources = tuple(s for item in names(problems, source_at, "source_id")
                        if (s := reference(problems, item, source_ids, "source")))
    codes = () if code_at is None else _codes(problems, code_at)
    point = ""
    if point_at is not None:
        point = text(problems, point_at, phrase("cfg.want.point_pattern")) or ""
    return sources, codes, point
