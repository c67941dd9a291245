"""The weekly summary's figures: pure functions of stored records.

A week is an ISO week in the facility's time zone: Monday 00:00 to the next
Monday 00:00 local time, so a DST week is 167 or 169 hours long. An alarm
belongs to the week it opened in; one that spans weeks is counted once
there and listed as "still open" at the end of every week it stays open.
A reopened alarm (the same point again after it was resolved) is a new
incident and counts again.

Per party, from the incidents of the week:
- contacted: calls (first call, reminders, escalations) that were made;
- time to acknowledge: from the party's first call in an incident to its
  first answer; time to clear: from that answer to the incident's end;
  median and 90th percentile (nearest rank);
- no answer: incidents where the party was called and never answered;
- skipped: incidents where it was skipped as closed or away;
- promises: "false alarm, we clear it by T" answers; kept when the terminal
  cleared the alarm without a safety record after the answer.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from escalator.domain.model import Incident, Reason
from escalator.domain.register import (
    CALL_REASONS,
    DeliveryItem,
    SafetyView,
    TimelineItem,
    actions,
)

TREND_WEEKS = 12
FALSE_ALARM_WINDOW = timedelta(days=365)
LONGEST_SHOWN = 5
# Timeline reasons of an alarm held back by a maintenance window (named by that feature).
HELD_BACK_REASONS = ("HELD_BACK", "MAINTENANCE", "SUPPRESSED", "MAINTENANCE_HELD")
PROMISE_BROKEN_CAUSES = frozenset({"false_alarm_not_cleared", "resolved_not_cleared"})


@dataclass(frozen=True)
class Week:
    """An ISO week in a time zone, with its UTC-aware bounds."""

    year: int
    number: int
    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)


def week(label: str, tz: str) -> Week:
    """`2026-W48` -> its bounds in `tz`. Raises ValueError for anything else."""
    year_text, sep, num_text = label.strip().upper().partition("-W")
    if not sep or not year_text.isdigit() or not num_text.isdigit():
        raise ValueError(f"a week like 2026-W48, got {label!r}")
    monday = date.fromisocalendar(int(year_text), int(num_text), 1)
    zone = ZoneInfo(tz)
    # In UTC: subtracting two times of one ZoneInfo ignores a DST change between them.
    start = datetime.combine(monday, time(0, 0), zone).astimezone(UTC)
    end = datetime.combine(monday + timedelta(days=7), time(0, 0), zone).astimezone(UTC)
    return Week(int(year_text), int(num_text), start, end)


def week_of(at: datetime, tz: str) -> Week:
    local = at.astimezone(ZoneInfo(tz))
    iso = local.isocalendar()
    return week(f"{iso.year}-W{iso.week:02d}", tz)


def previous(w: Week, tz: str, n: int = 1) -> Week:
    monday = w.monday - timedelta(days=7 * n)
    iso = monday.isocalendar()
    return week(f"{iso.year}-W{iso.week:02d}", tz)


def trend_weeks(w: Week, tz: str) -> list[Week]:
    """The 12 weeks ending with `w`, oldest first."""
    return [previous(w, tz, n) for n in range(TREND_WEEKS - 1, -1, -1)]


@dataclass(frozen=True)
class Durations:
    n: int
    median: timedelta | None
    p90: timedelta | None


def durations(values: Sequence[timedelta]) -> Durations:
    if not values:
        return Durations(0, None, None)
    ordered = sorted(values)
    rank = max(1, math.ceil(0.9 * len(ordered)))
    median = timedelta(seconds=statistics.median(v.total_seconds() for v in ordered))
    return Durations(len(ordered), median, ordered[rank - 1])


@dataclass(frozen=True)
class PartyFigures:
    party: str
    contacted: int  # calls made
    incidents: int  # incidents in which the party was called
    to_ack: Durations
    to_clear: Durations
    no_answer: int
    skipped: int
    promises: int
    promises_kept: int


@dataclass(frozen=True)
class Row:
    """An alarm as listed in the summary."""

    incident_id: int
    code: str
    point: str
    opened_at: datetime
    ended_at: datetime | None
    lasted: timedelta  # until it ended, or until the end of the week
    state: str


@dataclass(frozen=True)
class Attention:
    alarms: int
    taps: int
    messages: int
    one_tap: int  # alarms handled with exactly one tap

    def per_alarm(self, value: int) -> float:
        return value / self.alarms if self.alarms else 0.0


@dataclass(frozen=True)
class History:
    """What the store holds for one week's summary (see storage/register.py)."""

    incidents: Sequence[Incident]  # opened in the week, or open at its start
    timeline: Mapping[int, Sequence[TimelineItem]]
    deliveries: Mapping[int, Sequence[DeliveryItem]]
    trend: Sequence[tuple[str, int]]  # (week label, alarms opened), oldest first
    false_alarms: Sequence[tuple[str, str, int]]  # (code, point, incident id), 12 months
    held_back: Sequence[tuple[str, str, int]]  # (code, point, incident id) in the week
    safety: Sequence[SafetyView]  # records written in the week


@dataclass(frozen=True)
class Summary:
    week: Week
    total: int
    by_code: tuple[tuple[str, int], ...]
    by_point: tuple[tuple[str, str, int], ...]
    trend: tuple[tuple[str, int], ...]
    parties: tuple[PartyFigures, ...]
    safety: tuple[SafetyView, ...]
    longest: tuple[Row, ...]
    still_open: tuple[Row, ...]
    repeated_false: tuple[tuple[str, str, int], ...]
    false_alarm_threshold: int
    held_back: tuple[tuple[str, str, int], ...]
    attention: Attention
    rows: tuple[Row, ...]  # every alarm of the week (the CSV)


def _row(inc: Incident, end: datetime) -> Row:
    ended = inc.resolved_at if inc.resolved_at and inc.resolved_at < end else None
    if not inc.is_open and inc.resolved_at and inc.resolved_at >= end:
        ended = None  # resolved only after the week: open at its end
    return Row(inc.id, inc.code, inc.point, inc.opened_at, ended,
               (ended or end) - inc.opened_at, "resolved" if ended else "open")


def summarize(w: Week, history: History, care_staff: Collection[str],
              false_alarm_threshold: int = 2) -> Summary:
    opened = [i for i in history.incidents if w.start <= i.opened_at < w.end]
    rows = tuple(_row(i, w.end) for i in sorted(opened, key=lambda i: (i.opened_at, i.id)))
    by_code = Counter(i.code for i in opened)
    by_point = Counter((i.code, i.point) for i in opened)
    still_open = [_row(i, w.end) for i in history.incidents
                  if i.opened_at < w.end and (i.resolved_at is None or i.resolved_at >= w.end)]
    repeated = Counter((code, point) for code, point, _ in
                       {(c, p, i) for c, p, i in history.false_alarms})
    held = Counter((code, point) for code, point, _ in set(history.held_back))
    return Summary(
        week=w, total=len(opened),
        by_code=tuple(sorted(by_code.items(), key=lambda kv: (-kv[1], kv[0]))),
        by_point=tuple(sorted(((c, p, n) for (c, p), n in by_point.items()),
                              key=lambda x: (-x[2], x[0], x[1]))),
        trend=tuple(history.trend),
        parties=party_figures(opened, history, w.end),
        safety=tuple(history.safety),
        longest=tuple(sorted(rows, key=lambda r: (-r.lasted, r.incident_id))[:LONGEST_SHOWN]),
        still_open=tuple(sorted(still_open, key=lambda r: (r.opened_at, r.incident_id))),
        repeated_false=tuple(sorted(((c, p, n) for (c, p), n in repeated.items()
                                     if n > false_alarm_threshold),
                                    key=lambda x: (-x[2], x[0], x[1]))),
        false_alarm_threshold=false_alarm_threshold,
        held_back=tuple(sorted(((c, p, n) for (c, p), n in held.items()),
                               key=lambda x: (-x[2], x[0], x[1]))),
        attention=attention(opened, history, care_staff),
        rows=rows)


def party_figures(opened: Sequence[Incident], history: History,
                  end: datetime) -> tuple[PartyFigures, ...]:
    acc: dict[str, dict[str, list]] = {}

    def slot(party: str) -> dict[str, list]:
        return acc.setdefault(party, {k: [] for k in (
            "calls", "incidents", "ack", "clear", "no_answer", "skipped", "promises", "kept")})

    for inc in opened:
        timeline = history.timeline.get(inc.id, ())
        deliveries = history.deliveries.get(inc.id, ())
        calls = [d for d in deliveries if not d.is_update and d.reason in CALL_REASONS]
        answers = actions(timeline, deliveries)
        safety_at = [e.at for e in timeline if e.reason == Reason.SAFETY_INCIDENT.value]
        cleared = any(e.reason == Reason.CLEARED.value for e in timeline)
        for party in dict.fromkeys(d.party for d in calls):
            s = slot(party)
            mine = [d for d in calls if d.party == party]
            s["calls"].extend(mine)
            s["incidents"].append(inc.id)
            answered = [a for a in answers if a.party == party]
            if not answered:
                s["no_answer"].append(inc.id)
                continue
            first = answered[0]
            s["ack"].append(first.at - min(d.created_at for d in mine))
            if inc.resolved_at is not None and inc.resolved_at < end:
                s["clear"].append(inc.resolved_at - first.at)
        for party in dict.fromkeys(e.party for e in timeline
                                   if e.reason == Reason.SKIPPED_UNAVAILABLE.value and e.party):
            slot(party)["skipped"].append(inc.id)
        for a in answers:
            if a.reason == Reason.FALSE_ALARM.value:
                s = slot(a.party or "")
                s["promises"].append(inc.id)
                broken = any(at >= a.at for at in safety_at)
                if cleared and not broken:
                    s["kept"].append(inc.id)
    return tuple(PartyFigures(
        party=p, contacted=len(s["calls"]), incidents=len(s["incidents"]),
        to_ack=durations(s["ack"]), to_clear=durations(s["clear"]),
        no_answer=len(s["no_answer"]), skipped=len(s["skipped"]),
        promises=len(s["promises"]), promises_kept=len(s["kept"]))
        for p, s in sorted(acc.items()))


def attention(opened: Sequence[Incident], history: History,
              care_staff: Collection[str]) -> Attention:
    taps = messages = one = 0
    for inc in opened:
        timeline = history.timeline.get(inc.id, ())
        deliveries = history.deliveries.get(inc.id, ())
        mine = sum(1 for a in actions(timeline, deliveries) if a.party in care_staff)
        taps += mine
        one += mine == 1
        messages += sum(1 for d in deliveries if d.party in care_staff and d.status == "sent")
    return Attention(len(opened), taps, messages, one)
