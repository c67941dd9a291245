"""The summary's 12-week figures: answered within 15 min, and each party's promises.

Both are measured over every alarm of the 12 weeks ending with the summary's
week, so they are read lean (`escalator.storage.promises`): per alarm, its first
call and the first answer at or after it (`Answered`); per alarm and promised
party, what `escalator.domain.service_promises` needs (`Asked`). An incident that was
reopened is cut into its alarms by `weekly.cycles` and turned into the same
records here (`from_alarm`), so every alarm counts the same way.

Promises are judged as of the summary's `until` (the earlier of now and the
week's end): kept and broken are counted, pending and moot ones are not; the
median and 90th percentile are of the figures that came (kept or late).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from escalator.domain import service_promises as promises
from escalator.domain.register import CALL_REASONS, DeliveryItem, TimelineItem
from escalator.domain.service_promises import Handled, Promise
from escalator.reports.measures import ANSWER_WITHIN, Durations, durations


@dataclass(frozen=True)
class Answered:
    """One alarm that called somebody: its first call and the first answer after it."""

    began: datetime
    first_call: datetime
    answer: datetime | None

    @property
    def in_time(self) -> bool:
        return self.answer is not None and self.answer <= self.first_call + ANSWER_WITHIN


@dataclass(frozen=True)
class Asked:
    """One promised party in one alarm."""

    began: datetime
    handled: Handled


@dataclass(frozen=True)
class Tally:
    kept: int
    broken: int
    figures: Durations


@dataclass(frozen=True)
class PromiseRow:
    """One promise of one party: this week's alarms, and the 12 weeks'."""

    party: str
    kind: str
    limit: timedelta
    week: Tally
    weeks: Tally


def from_alarm(began: datetime, end: datetime | None, timeline: Sequence[TimelineItem],
               deliveries: Sequence[DeliveryItem], answers: Sequence[TimelineItem],
               promised: Collection[str]) -> tuple[Answered | None, list[Asked]]:
    """An alarm read whole (a cycle of a reopened incident) as the lean records.
    `answers`: its actions (`register.actions`), as the summary's other figures use."""
    calls = [d.created_at for d in deliveries if not d.is_update and d.reason in CALL_REASONS]
    answered = None
    if calls:
        first = min(calls)
        after = [a.at for a in answers if a.at >= first]
        answered = Answered(began, first, min(after) if after else None)
    found = promises.handled(timeline, deliveries, end, promised)
    return answered, [Asked(began, h) for _, h in sorted(found.items())]


def answered_per_week(alarms: Sequence[Answered], weeks: Sequence[tuple[datetime, datetime]]
                      ) -> list[tuple[int, int]]:
    """(answered in time, alarms that called) per week [start, end); `weeks` in order.
    One pass (a shared store's 12 weeks are a hundred thousand alarms)."""
    starts = [start for start, _ in weeks]
    counts = [[0, 0] for _ in weeks]
    for a in alarms:
        n = bisect_right(starts, a.began) - 1
        if n >= 0 and a.began < weeks[n][1]:
            counts[n][0] += a.in_time
            counts[n][1] += 1
    return [(n, of) for n, of in counts]


def _tally(found: Sequence[promises.Outcome]) -> Tally:
    return Tally(sum(o.state == promises.KEPT for o in found),
                 sum(o.state == promises.BROKEN for o in found),
                 durations([o.figure for o in found if o.figure is not None]))


def promise_rows(asked: Sequence[Asked], contracts: Mapping[str, Promise],
                 week: tuple[datetime, datetime], since: datetime, until: datetime
                 ) -> tuple[PromiseRow, ...]:
    """A row per party and promise of its contract: alarms begun in `week`, and since
    `since` (the 12 weeks' start) to the week's end. Each alarm is judged once."""
    start, end = week
    by_party: dict[str, list[Asked]] = {}
    for a in asked:
        if since <= a.began < end:
            by_party.setdefault(a.handled.party, []).append(a)
    rows = []
    for party, p in sorted(contracts.items()):
        mine = by_party.get(party, [])
        for kind, limit in p.items():
            judged = [(start <= a.began, promises.judge(a.handled, kind, limit, until))
                      for a in mine]
            rows.append(PromiseRow(party, kind, limit, _tally([o for w, o in judged if w]),
                                   _tally([o for _, o in judged])))
    return tuple(rows)
