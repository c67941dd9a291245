"""Read what a report needs from the store, in one transaction, as domain records.

No SQL here (that is `escalator.storage.register`) and no figures (those are
`weekly.py` and `escalator.domain.register`): this only gathers.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from escalator.config.model import Config
from escalator.domain import register
from escalator.domain.maintenance import MaintenanceWindow
from escalator.domain.model import read_params
from escalator.domain.register import SafetyRow, SafetyView
from escalator.domain.service_promises import ANSWER_REASONS, Handled
from escalator.reports import kept, weekly
from escalator.reports.promise_table import Answered, Asked, answered_per_week, from_alarm
from escalator.storage import promises as twelve
from escalator.storage import report_weeks
from escalator.storage.sql import Tx


def care_staff(config: Config) -> frozenset[str]:
    """The care staff: whoever a roster puts on shift, and the ward chats (Telegram)."""
    found = {who for r in config.rosters.values() for who in r.members}
    found |= {pid for pid, p in config.parties.items()
              if any(c.channel == "telegram" for c in p.contacts)}
    return frozenset(p for p in found if config.parties.get(p) is None
                     or config.parties[p].role != "viewer")


def views(tx: Tx, rows: Sequence[SafetyRow], staff: Collection[str],
          now: datetime) -> list[SafetyView]:
    ids = [r.incident_id for r in rows]
    incidents = tx.register.incidents(ids)
    timelines, deliveries = tx.register.timelines(ids), tx.register.deliveries(ids)
    safety_ids = [r.id for r in rows]
    notes, reviews = tx.register.notes(safety_ids), tx.register.reviews(safety_ids)
    return [register.build(r, incidents[r.incident_id], timelines[r.incident_id],
                           deliveries[r.incident_id], notes[r.id], reviews.get(r.id), staff, now)
            for r in rows if r.incident_id in incidents]


def view(tx: Tx, safety_id: int, staff: Collection[str], now: datetime) -> SafetyView | None:
    row = tx.register.safety_row(safety_id)
    found = views(tx, [row], staff, now) if row else []
    return found[0] if found else None


def _held(tx: Tx, w: weekly.Week, windows: Mapping[str, MaintenanceWindow]
          ) -> list[weekly.Held]:
    """Each hold with its work and its window: the file's windows by id, the API's from
    the store (a window since removed from the file keeps the end the hold recorded)."""
    found = []
    for code, point, incident_id, at, detail in tx.register.held_back(w.start, w.end):
        said = read_params(detail)
        window_id = str(said.get("window") or "")
        known = windows.get(window_id)
        if known is None and window_id.isdigit():
            api = tx.maintenance.window(int(window_id))
            known = api.window if api else None
        until = known.ends if known else _stamp(said.get("until"))
        found.append(weekly.Held(code, point, incident_id, at,
                                 str(said.get("work") or (known.reason if known else "")),
                                 known.starts if known else None, until))
    return found


def _stamp(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def lean(tx: Tx, start: datetime, end: datetime, promised: Sequence[str]
         ) -> tuple[list[Answered], list[Asked]]:
    """Every alarm begun in [start, end) as the 12 weeks' figures need it: one row each
    from SQL, and the few reopened incidents read whole and cut into their alarms."""
    calls = sorted(register.CALL_REASONS)
    answered = [Answered(*row) for row in
                twelve.first_answers(tx, start, end, calls, sorted(register.ACTION_REASONS))]
    asked = [Asked(opened, Handled(party, at, answer, on_site, ended))
             for party, opened, at, answer, on_site, ended in twelve.first_asks(
                 tx, start, end, calls, sorted(ANSWER_REASONS), promised)]
    back = twelve.reopened_between(tx, start, end)
    ids = [i.id for i in back]
    timelines, deliveries = tx.register.timelines(ids), tx.register.deliveries(ids)
    for inc in back:
        for c in weekly.cycles(inc, timelines[inc.id], deliveries[inc.id]):
            if start <= c.start < end:
                one, mine = from_alarm(c.start, c.end, c.timeline, c.deliveries, c.answers,
                                       promised)
                answered += [one] if one else []
                asked += mine
    return answered, asked


def _runs(weeks: Sequence[kept.Span]) -> list[kept.Span]:
    """Adjacent weeks joined: one read per run."""
    runs: list[kept.Span] = []
    for s, e in weeks:
        if runs and runs[-1][1] == s:
            runs[-1] = (runs[-1][0], e)
        else:
            runs.append((s, e))
    return runs


def older(tx: Tx, weeks: Sequence[kept.Span], promised: Sequence[str], now: datetime,
          use_kept: bool = True
          ) -> tuple[list[Answered], dict[datetime, tuple[int, int]], list[Asked]]:
    """The 12-week records of `weeks` (in order): kept weeks from the store (their
    counts, and their asks), the others read lean (records), and those of them that
    are over kept for the next summary (`escalator.storage.report_weeks`).
    `use_kept=False`: read every week, keep nothing (what a kept week must equal)."""
    key = ",".join(sorted(promised))
    seen = report_weeks.newest_ids(tx)
    found, oldest = report_weeks.kept(tx, key, weeks) if use_kept else ({}, None)
    if oldest is not None:
        stale = kept.touched(weeks, report_weeks.written_since(
            tx, oldest, max(k.end for k in found.values())))
        report_weeks.forget(tx, sorted(stale & found.keys()))
        found = {s: k for s, k in found.items() if s not in stale}
        report_weeks.checked(tx, key, sorted(found), seen)
    todo = [(s, e) for s, e in weeks if s not in found]
    answered: list[Answered] = []
    asked: list[Asked] = []
    for start, end in _runs(todo):
        one, mine = lean(tx, start, end, promised)
        answered += one
        asked += mine
    ready = kept.keepable(todo, report_weeks.open_starts(tx), now) if todo and use_kept else []
    for (start, end), (n, of) in zip(ready, answered_per_week(answered, ready), strict=True):
        mine_asked = tuple((a.handled.party, a.began, a.handled.asked_at,
                            a.handled.answered_at, a.handled.on_site_at, a.handled.ended_at)
                           for a in asked if start <= a.began < end)
        report_weeks.keep(tx, key, report_weeks.KeptWeek(start, end, n, of, mine_asked),
                          seen, now)
    for k in found.values():
        asked += [Asked(b, Handled(p, a, x, n, e)) for p, b, a, x, n, e in k.asked]
    return answered, {s: (k.answered, k.called) for s, k in found.items()}, asked


def history(tx: Tx, w: weekly.Week, tz: str, staff: Collection[str], now: datetime,
            windows: Sequence[MaintenanceWindow] = (),
            promised: Sequence[str] = (), kept_weeks: bool = True) -> weekly.History:
    """Everything one week's summary needs. Incidents of the week before are read too:
    the first page compares the week with the last one. `promised`: the parties with
    a promise in their contract. `kept_weeks=False`: read the 12 weeks again rather
    than use (or keep) finished weeks."""
    last = weekly.previous(w, tz)
    incidents = tx.register.incidents_during(last.start, w.end)
    ids = [i.id for i in incidents]
    since = tx.register.monitoring_since()
    weeks = []
    for t in weekly.trend_weeks(w, tz):
        if weekly.monitored_from(t, since) is None:
            weeks.append(weekly.WeekCount(t.label, False))
            continue
        weeks.append(weekly.WeekCount(
            t.label, True,
            tx.register.count_opened(t.start, t.end)
            + tx.register.count_reason(register.Reason.REOPENED.value, t.start, t.end),
            tx.register.count_safety(t.start, t.end)))
    # the last two weeks' alarms are read whole above: `summarize` works theirs out
    answered, counts, asked = older(
        tx, [(t.start, t.end) for t in weekly.trend_weeks(w, tz)[:-2]], promised, now,
        kept_weeks)
    return weekly.History(
        incidents=incidents, timeline=tx.register.timelines(ids),
        deliveries=tx.register.deliveries(ids), weeks=weeks,
        false_alarms=tx.register.count_by_point(
            [register.Reason.FALSE_ALARM.value], w.end - weekly.FALSE_ALARM_WINDOW, w.end),
        held_back=_held(tx, w, {x.id: x for x in windows}),
        safety=views(tx, tx.register.safety_between(w.start, w.end), staff, min(now, w.end)),
        now=now, monitoring_since=since,
        occurrences=tx.register.occurrences(
            weekly.previous(w, tz, weekly.RECURRING_WEEKS).start, w.end),
        answered=answered, asked=asked, answered_counts=counts, recent_from=last.start)
