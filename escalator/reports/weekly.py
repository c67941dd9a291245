"""The weekly summary's figures: pure functions of stored records.

A week is an ISO week in the facility's time zone: Monday 00:00 to the next
Monday 00:00 local time, so a DST week is 167 or 169 hours long. An alarm
belongs to the week it opened in; one that spans weeks is counted once
there and listed as "still open" at the end of every week it stays open.
An incident that came back soon after it was resolved (REOPENED, the same
incident id) is split into its alarms ("cycles"): each counts in the week it
started, with its own calls, answers and duration.

Nothing is measured past `until`, the earlier of now and the week's end: an
alarm not over by then lasted until then and is "still open". Only time the
service watched counts (`monitoring_since`): a week that ended before it has
no figures (None, "not monitored"), never zeros.

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

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from escalator.domain.model import Incident, Reason, read_params
from escalator.domain.register import (
    CALL_REASONS,
    PROMISE_REASONS,
    DeliveryItem,
    SafetyView,
    TimelineItem,
    actions,
)
from escalator.domain.service_promises import Promise
from escalator.reports.measures import (
    ANSWER_WITHIN,
    Durations,
    KeyFigures,
    WeekCount,
    durations,
    key_figures,
)
from escalator.reports.promise_table import (
    Answered,
    Asked,
    PromiseRow,
    answered_per_week,
    from_alarm,
    promise_rows,
)

TREND_WEEKS = 12
RECURRING_TIMES, RECURRING_WEEKS = 3, 4  # the same fault at the same point 3 times in 4 weeks
# reasons as plain strings: an enum's `.value` costs a lookup each time, in loops over
# tens of thousands of entries
REOPENED, CLEARED = Reason.REOPENED.value, Reason.CLEARED.value
SAFETY_INCIDENT, SKIPPED = Reason.SAFETY_INCIDENT.value, Reason.SKIPPED_UNAVAILABLE.value
FALSE_ALARM_WINDOW = timedelta(days=365)
LONGEST_SHOWN = 5


@dataclass(frozen=True)
class Week:
    """An ISO week in a time zone, with its UTC-aware bounds."""

    year: int
    number: int
    start: datetime
    end: datetime
    zone: str = "UTC"

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
    return Week(int(year_text), int(num_text), start, end, tz)


def week_of(at: datetime, tz: str) -> Week:
    local = at.astimezone(ZoneInfo(tz))
    iso = local.isocalendar()
    return week(f"{iso.year}-W{iso.week:02d}", tz)


def previous(w: Week, tz: str, n: int = 1) -> Week:
    monday = w.monday - timedelta(days=7 * n)
    iso = monday.isocalendar()
    return week(f"{iso.year}-W{iso.week:02d}", tz)


def previous_week_of(w: Week) -> Week:
    return previous(w, w.zone)


def trend_weeks(w: Week, tz: str) -> list[Week]:
    """The 12 weeks ending with `w`, oldest first."""
    return [previous(w, tz, n) for n in range(TREND_WEEKS - 1, -1, -1)]


@dataclass(frozen=True)
class PartyFigures:
    party: str
    contacted: int  # calls made
    incidents: int  # alarms in which the party was called
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
class Held:
    """One hold of an alarm by a maintenance window, with the window's work and times."""

    code: str
    point: str
    incident_id: int
    at: datetime
    work: str
    window_from: datetime | None  # None: the window is no longer known
    until: datetime | None


@dataclass(frozen=True)
class HeldRow:
    """Alarms of one point held by one window in the week."""

    point: str
    code: str
    work: str
    window_from: datetime | None
    until: datetime | None
    alarms: int


@dataclass(frozen=True)
class Recurring:
    """The same code at the same point RECURRING_TIMES times or more in the
    RECURRING_WEEKS weeks ending with the summary's week, once at least in that week:
    "the same fault must not repeat". `history`: when each of them began."""

    code: str
    point: str
    history: tuple[datetime, ...]
    this_week: int


@dataclass(frozen=True)
class History:
    """What the store holds for one week's summary (see storage/register.py)."""

    incidents: Sequence[Incident]  # opened in the week or the one before, or open then
    timeline: Mapping[int, Sequence[TimelineItem]]
    deliveries: Mapping[int, Sequence[DeliveryItem]]
    weeks: Sequence[WeekCount]  # the 12 weeks ending with this one, oldest first
    false_alarms: Sequence[tuple[str, str, int]]  # (code, point, times called false), 12 mo
    held_back: Sequence[Held]  # holds by maintenance windows in the week
    safety: Sequence[SafetyView]  # records written in the week
    now: datetime  # when the summary is made: nothing is measured past it
    monitoring_since: datetime | None  # None: the service never watched this store
    # (code, point, began) of every alarm in the RECURRING_WEEKS weeks ending with this
    # one and the week before it (the first page compares with last week)
    occurrences: Sequence[tuple[str, str, datetime]] = ()
    # every alarm of the 12 weeks ending with this one, read lean (reports/promise_table.py)
    answered: Sequence[Answered] = ()  # those that called anybody
    asked: Sequence[Asked] = ()  # each promised party asked in them
    # (answered in time, alarms that called) of weeks kept whole, by week start
    # (`escalator.storage.report_weeks`): their alarms are in neither list above
    answered_counts: Mapping[datetime, tuple[int, int]] = field(default_factory=dict)
    # alarms begun at or after this are worked out from `incidents` (read whole anyway),
    # not in `answered` and `asked`; None: those hold every alarm of the 12 weeks
    recent_from: datetime | None = None


@dataclass(frozen=True)
class Summary:
    week: Week
    total: int
    by_code: tuple[tuple[str, int], ...]
    by_point: tuple[tuple[str, str, int], ...]
    trend: tuple[tuple[str, int | None], ...]  # None: not monitored
    parties: tuple[PartyFigures, ...]
    safety: tuple[SafetyView, ...]
    longest: tuple[Row, ...]
    still_open: tuple[Row, ...]
    repeated_false: tuple[tuple[str, str, int], ...]
    false_alarm_threshold: int
    held_back: tuple[HeldRow, ...]
    attention: Attention
    rows: tuple[Row, ...]  # every alarm of the week (the CSV)
    until: datetime  # the earlier of now and the week's end: every duration ends here
    monitored_from: datetime | None  # None: the service did not watch this week at all
    key: KeyFigures
    recurring: tuple[Recurring, ...] = ()
    promises: tuple[PromiseRow, ...] = ()  # per party and promise of its contract

    @property
    def complete(self) -> bool:
        """The week is over: figures are final (otherwise they are "so far")."""
        return self.until >= self.week.end

    @property
    def partly_monitored(self) -> bool:
        return self.monitored_from is not None and self.monitored_from > self.week.start


@dataclass(frozen=True)
class Cycle:
    """One alarm: an incident from its opening (or a reopening) to its resolution."""

    incident: Incident
    start: datetime
    end: datetime | None  # resolved at; None while open
    timeline: tuple[TimelineItem, ...]
    deliveries: tuple[DeliveryItem, ...]

    @cached_property
    def answers(self) -> list[TimelineItem]:
        """The parties' own actions in this alarm (worked out once, used by three figures)."""
        return actions(self.timeline, self.deliveries)


def _time(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def cycles(inc: Incident, timeline: Sequence[TimelineItem],
           deliveries: Sequence[DeliveryItem]) -> list[Cycle]:
    """Split at each REOPENED entry; the entry's `resolved_at` ends the cycle before it."""
    cuts = [e for e in timeline if e.reason == REOPENED and e.party is None]
    starts = [inc.opened_at, *(e.at for e in cuts)]
    ends: list[datetime | None] = [_time(read_params(e.detail).get("resolved_at")) or e.at
                                   for e in cuts]
    ends.append(inc.resolved_at if not inc.is_open else None)
    if not cuts:  # the usual case: one alarm, all of it
        return [Cycle(inc, inc.opened_at, ends[0], tuple(timeline), tuple(deliveries))]
    found = []
    for n, start in enumerate(starts):
        until = starts[n + 1] if n + 1 < len(starts) else None
        inside = (lambda at, start=start, until=until:  # noqa: E731
                  at >= start and (until is None or at < until))
        found.append(Cycle(inc, start, ends[n],
                           tuple(e for e in timeline if inside(e.at)),
                           tuple(d for d in deliveries if inside(d.created_at))))
    return found


def _row(c: Cycle, until: datetime) -> Row:
    """The alarm as of `until`: resolved by then, or still open and measured to it."""
    ended = c.end if c.end is not None and c.end <= until else None
    inc = c.incident
    return Row(inc.id, inc.code, inc.point, c.start, ended,
               max((ended or until) - c.start, timedelta(0)), "resolved" if ended else "open")


def monitored_from(w: Week, since: datetime | None) -> datetime | None:
    """From when the week was watched: its start, a later first start, or None."""
    if since is None or since >= w.end:
        return None
    return max(since, w.start)


def answered_in_time(alarms: Sequence[Cycle]) -> tuple[int, int]:
    """(alarms somebody answered within ANSWER_WITHIN of the first call, alarms that
    called anybody). An alarm held by maintenance and never called is in neither."""
    called = answered = 0
    for c in alarms:
        calls = [d.created_at for d in c.deliveries
                 if not d.is_update and d.reason in CALL_REASONS]
        if not calls:
            continue
        called += 1
        first = min(calls)
        answered += any(first <= a.at <= first + ANSWER_WITHIN
                        for a in c.answers)
    return answered, called


def recurring(w: Week, occurrences: Sequence[tuple[str, str, datetime]]
              ) -> tuple[Recurring, ...]:
    """Faults that came back: see `Recurring`. Most times first."""
    since = previous(w, w.zone, RECURRING_WEEKS - 1).start
    found: dict[tuple[str, str], list[datetime]] = {}
    for code, point, at in occurrences:
        if since <= at < w.end:
            found.setdefault((code, point), []).append(at)
    rows = [Recurring(code, point, tuple(sorted(ats)),
                      sum(w.start <= at for at in ats))
            for (code, point), ats in found.items()
            if len(ats) >= RECURRING_TIMES and any(w.start <= at for at in ats)]
    return tuple(sorted(rows, key=lambda r: (-len(r.history), r.code, r.point)))


def held_rows(held: Sequence[Held]) -> tuple[HeldRow, ...]:
    """Per point and window: how many alarms it held (one alarm held twice counts once)."""
    found: dict[tuple[str, str, str, datetime | None, datetime | None], set[int]] = {}
    for h in held:
        found.setdefault((h.point, h.code, h.work, h.window_from, h.until),
                         set()).add(h.incident_id)
    rows = [HeldRow(p, c, work, start, until, len(ids))
            for (p, c, work, start, until), ids in found.items()]
    far = datetime.max.replace(tzinfo=UTC)
    return tuple(sorted(rows, key=lambda r: (r.window_from or r.until or far, r.work, r.point,
                                             r.code)))


def as_of(v: SafetyView, until: datetime) -> SafetyView:
    """A safety record's alarm as the summary sees it: one that ended after `until` was
    still open then and is measured to it, like every other alarm of the summary."""
    if v.ended_at is not None and v.ended_at <= until:
        return v
    return replace(v, ended_at=None, duration=max(until - v.started_at, timedelta(0)))


def summarize(w: Week, history: History, care_staff: Collection[str],
              false_alarm_threshold: int = 2,
              contracts: Mapping[str, Promise] | None = None) -> Summary:
    """`contracts`: each party's promise (`config.parties[...].promise`)."""
    until = max(min(history.now, w.end), w.start)
    every = [c for i in history.incidents
             for c in cycles(i, history.timeline.get(i.id, ()), history.deliveries.get(i.id, ()))]
    alarms = sorted((c for c in every if w.start <= c.start < w.end),
                    key=lambda c: (c.start, c.incident.id))
    before = previous_week_of(w)
    last = [c for c in every if before.start <= c.start < before.end]
    rows = tuple(_row(c, until) for c in alarms)
    by_code = Counter(c.incident.code for c in alarms)
    by_point = Counter((c.incident.code, c.incident.point) for c in alarms)
    still_open = [_row(c, until) for c in every
                  if c.start < until and (c.end is None or c.end > until)]
    repeated = {(code, point): n for code, point, n in history.false_alarms}
    since = monitored_from(w, history.monitoring_since)
    weeks = list(history.weeks) or [WeekCount(w.label, since is not None, len(alarms),
                                              len(history.safety))]
    again = recurring(w, history.occurrences)
    twelve = trend_weeks(w, w.zone)
    answered, asked = _twelve_weeks(history, every, w, sorted(contracts or {}))
    per_week = [(n + history.answered_counts.get(x.start, (0, 0))[0],
                 of + history.answered_counts.get(x.start, (0, 0))[1])
                for (n, of), x in zip(answered_per_week(answered, [(x.start, x.end)
                                                                   for x in twelve]),
                                      twelve, strict=True)]
    return Summary(
        week=w, total=len(alarms),
        by_code=tuple(sorted(by_code.items(), key=lambda kv: (-kv[1], kv[0]))),
        by_point=tuple(sorted(((c, p, n) for (c, p), n in by_point.items()),
                              key=lambda x: (-x[2], x[0], x[1]))),
        trend=tuple((x.label, x.alarms if x.monitored else None) for x in weeks),
        parties=party_figures(alarms, until),
        safety=tuple(as_of(v, until) for v in history.safety),
        longest=tuple(sorted(rows, key=lambda r: (-r.lasted, r.opened_at))[:LONGEST_SHOWN]),
        still_open=tuple(sorted(still_open, key=lambda r: (r.opened_at, r.incident_id))),
        repeated_false=tuple(sorted(((c, p, n) for (c, p), n in repeated.items()
                                     if n > false_alarm_threshold),
                                    key=lambda x: (-x[2], x[0], x[1]))),
        false_alarm_threshold=false_alarm_threshold,
        held_back=held_rows(history.held_back),
        attention=attention(alarms, care_staff),
        rows=rows, until=until, monitored_from=since,
        recurring=again,
        key=key_figures(weeks, answered_in_time(alarms), answered_in_time(last), len(again),
                        len(recurring(before, history.occurrences)),
                        per_week if len(weeks) == len(twelve) else ()),
        promises=promise_rows(asked, contracts or {}, (w.start, w.end),
                              twelve[0].start, until))


def _twelve_weeks(history: History, every: Sequence[Cycle], w: Week, promised: Sequence[str]
                  ) -> tuple[list[Answered], list[Asked]]:
    """The 12 weeks' records: the history's, and those of the alarms begun since
    `recent_from` from their cycles (read whole for the week's other figures)."""
    if history.recent_from is None:
        return list(history.answered), list(history.asked)
    answered, asked = list(history.answered), list(history.asked)
    for c in every:
        if history.recent_from <= c.start < w.end:
            one, mine = from_alarm(c.start, c.end, c.timeline, c.deliveries, c.answers,
                                   promised)
            if one is not None:
                answered.append(one)
            asked += mine
    return answered, asked


def party_figures(alarms: Sequence[Cycle], end: datetime) -> tuple[PartyFigures, ...]:
    acc: dict[str, dict[str, list]] = {}

    def slot(party: str) -> dict[str, list]:
        return acc.setdefault(party, {k: [] for k in (
            "calls", "alarms", "ack", "clear", "no_answer", "skipped", "promises", "kept")})

    for n, c in enumerate(alarms):
        calls = [d for d in c.deliveries if not d.is_update and d.reason in CALL_REASONS]
        answers = c.answers
        safety_at = [e.at for e in c.timeline if e.reason == SAFETY_INCIDENT]
        cleared = any(e.reason == CLEARED for e in c.timeline)
        for party in dict.fromkeys(d.party for d in calls):
            s = slot(party)
            mine = [d for d in calls if d.party == party]
            s["calls"].extend(mine)
            s["alarms"].append(n)
            answered = [a for a in answers if a.party == party]
            if not answered:
                s["no_answer"].append(n)
                continue
            first = answered[0]
            s["ack"].append(max(first.at - min(d.created_at for d in mine), timedelta(0)))
            if c.end is not None and c.end <= end:
                s["clear"].append(c.end - first.at)
        for party in dict.fromkeys(e.party for e in c.timeline
                                   if e.reason == SKIPPED and e.party):
            slot(party)["skipped"].append(n)
        for a in answers:
            if a.reason in PROMISE_REASONS:
                s = slot(a.party or "")
                s["promises"].append(n)
                if cleared and not any(at >= a.at for at in safety_at):
                    s["kept"].append(n)
    return tuple(PartyFigures(
        party=p, contacted=len(s["calls"]), incidents=len(s["alarms"]),
        to_ack=durations(s["ack"]), to_clear=durations(s["clear"]),
        no_answer=len(s["no_answer"]), skipped=len(s["skipped"]),
        promises=len(s["promises"]), promises_kept=len(s["kept"]))
        for p, s in sorted(acc.items()))


def attention(alarms: Sequence[Cycle], care_staff: Collection[str]) -> Attention:
    """Per alarm: the care staff's own actions (taps) and the messages that reached them."""
    taps = messages = one = 0
    for c in alarms:
        mine = sum(1 for a in c.answers if a.party in care_staff)
        taps += mine
        one += mine == 1
        messages += sum(1 for d in c.deliveries if d.party in care_staff and d.status == "sent")
    return Attention(len(alarms), taps, messages, one)
