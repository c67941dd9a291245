"""Maintenance windows: planned work during which matching alarms are recorded, not escalated.

The care home's story is an alarm explained away as "installation work" that
then hung for days. So a window always has an end, and a window may not be
longer than `maintenance_max` (default 7 days) unless someone deliberately
renews it: renewing moves `until` to at most `maintenance_max` from now. When
a window ends, every alarm it held that is still active starts its ladder
(reason MAINTENANCE_ENDED).

Pure: times are aware datetimes passed in, nothing here reads the clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from fnmatch import fnmatchcase
from zoneinfo import ZoneInfo

from escalator.domain.hours import Unreadable
from escalator.domain.model import Decision, Reason

DEFAULT_MAINTENANCE_MAX = timedelta(days=7)
# Windows at once: in the file, and current or planned through the API. Every alarm is
# checked against each window (20,000 of them made each new alarm take 0.3-1.4 s).
MAX_WINDOWS = 200
LOCAL_TIME_EXPECTED = 'a local time like "2026-12-01 08:00"'


@dataclass(frozen=True)
class MaintenanceWindow:
    """One planned window. `sources`, `codes` empty: any; `point` empty: any point.

    `id` is "config-N" for the N-th window of the file, or the stored row's
    number for a window set through the operator API.
    """

    id: str
    starts: datetime  # aware
    ends: datetime  # aware, after `starts`
    reason: str
    sources: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    point: str = ""  # a glob like "B-wing*", matched ignoring case

    def matches(self, source: str, code: str, point: str) -> bool:
        if self.sources and source not in self.sources:
            return False
        if self.codes and code.lower() not in {c.lower() for c in self.codes}:
            return False
        return not self.point or fnmatchcase(point.lower(), self.point.lower())

    def active(self, now: datetime) -> bool:
        return self.starts <= now < self.ends


def covering(
    windows: Iterable[MaintenanceWindow], source: str, code: str, point: str, now: datetime,
) -> MaintenanceWindow | None:
    """The active window matching this alarm; of several, the one ending last (it holds longest)."""
    found = [w for w in windows if w.active(now) and w.matches(source, code, point)]
    return max(found, key=lambda w: (w.ends, w.id)) if found else None


class WindowProblem(StrEnum):
    """Why a window (or its renewal) is refused; `explain` words it for config and API errors."""

    ENDS_BEFORE_START = "ends_before_start"
    TOO_LONG = "too_long"
    ALREADY_ENDED = "already_ended"
    RENEWAL_TOO_LONG = "renewal_too_long"


def check_window(starts: datetime, ends: datetime, maximum: timedelta) -> WindowProblem | None:
    """A new window: it must end after it starts, and last at most `maximum`."""
    if ends <= starts:
        return WindowProblem.ENDS_BEFORE_START
    if ends - starts > maximum:
        return WindowProblem.TOO_LONG
    return None


def check_renewal(
    window: MaintenanceWindow, until: datetime, now: datetime, maximum: timedelta,
) -> WindowProblem | None:
    """Renewing moves the end to at most `maximum` from now: a person decides again each time."""
    if until <= now or until <= window.starts:
        return WindowProblem.ALREADY_ENDED
    if until - now > maximum:
        return WindowProblem.RENEWAL_TOO_LONG
    return None


def renew(
    window: MaintenanceWindow, until: datetime, now: datetime, maximum: timedelta,
) -> MaintenanceWindow | WindowProblem:
    problem = check_renewal(window, until, now, maximum)
    return problem if problem is not None else replace(window, ends=until)


def explain(problem: WindowProblem, maximum: timedelta, max_text: str) -> str:
    """The error message of a refused window (config check and the API speak English)."""
    return {
        WindowProblem.ENDS_BEFORE_START: "must be later than from",
        WindowProblem.TOO_LONG:
            f"the window is longer than maintenance_max ({max_text}); a window must end, "
            "so an alarm cannot hide behind it for weeks: split the work or renew it later",
        WindowProblem.ALREADY_ENDED: "must be in the future",
        WindowProblem.RENEWAL_TOO_LONG:
            f"a renewal may extend until by at most maintenance_max ({max_text}) from now",
    }[problem]


def released(decision: Decision, detail: str) -> Decision:
    """`start`'s decision relabelled for an alarm a window held: its first notices say
    MAINTENANCE_ENDED with `detail` (the window's parameters). For the dry run, which
    walks the ordinary `policy.simulate`; the service asks `start` for the reason itself."""
    def relabel(reason: Reason, old: str) -> tuple[Reason, str]:
        if reason is Reason.FIRST:
            return Reason.MAINTENANCE_ENDED, old or detail
        return reason, old

    notices = []
    for n in decision.notices:
        reason, text = relabel(n.reason, n.detail)
        notices.append(replace(n, reason=reason, detail=text))
    entries = []
    for e in decision.entries:
        reason, text = relabel(e.reason, e.detail)
        entries.append(replace(e, reason=reason, detail=text))
    return replace(decision, notices=tuple(notices), entries=tuple(entries))


def local_to_utc(text: str, tz: ZoneInfo) -> datetime:
    """'2026-12-01 08:00' on the facility's wall clock -> aware UTC, correct across DST.

    A time with an explicit offset is taken as written. A wall time that does
    not exist (clocks spring forward) is refused; one that happens twice (clocks
    fall back) means its first occurrence. Raises ValueError with what was expected.
    """
    try:
        parsed = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError:
        raise Unreadable(f"expected {LOCAL_TIME_EXPECTED}", "cfg.why.expected_local_time") \
            from None
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    return wall_to_utc(parsed, tz)


def wall_to_utc(naive: datetime, tz: ZoneInfo) -> datetime:
    local = naive.replace(tzinfo=tz, fold=0)
    utc = local.astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) != naive:
        raise Unreadable(f"{naive:%Y-%m-%d %H:%M} does not exist in {tz.key} "
                         "(the clocks are moved forward then)", "cfg.why.clock_gap",
                         time=f"{naive:%Y-%m-%d %H:%M}", zone=tz.key)
    return utc
