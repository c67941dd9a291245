"""Every figure of the weekly summary against a second, deliberately simple computation.

Hypothesis makes random histories: alarms and clears on a few points, answers
(taken, false alarm, resolved by the manager), restarts of the service, alarms
held by a maintenance window, weeks with a DST change in Europe/Helsinki, a first
start before or inside the week, and a summary made during the week or after it.
The real service lives through each history under a fake clock on real SQLite.

The oracle below knows nothing of the report's code: an alarm is the time from an
alarm event on a point with nothing open there to the clear or the resolution
that ends it (the test's own log, `Alarm`); the parties' figures come from the raw
rows of `deliveries` and `timeline`, read with plain SQL. Fixed seed (derandomize),
so CI runs the same histories every time.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from report_support import local, report_yaml, tick
from support import TOKENS, FakeClock, RecordingNotifier

from escalator.app import Escalator
from escalator.config import load_config_text
from escalator.domain.model import Action, AlarmEvent, read_params
from escalator.reports import data, produce
from escalator.reports.weekly import ANSWER_WITHIN, previous, summarize, trend_weeks, week

H = timedelta(hours=1)
M = timedelta(minutes=1)
POINTS = ("Loop 1", "Kitchen", "Sprinkler room")
WEEKS = {"2026-W13": (2026, 3, 23), "2026-W43": (2026, 10, 19), "2026-W48": (2026, 11, 23)}
CALLS = {"FIRST", "RENOTIFY", "ESCALATED", "REOPENED", "REWALK", "NOW_AVAILABLE"}
ACTS = {"ACKED", "FALSE_ALARM", "RESOLVED", "AWAITING_CLEAR", "SNOOZED", "NOTE", "ESCALATED"}


async def run_until(app, clock, until: datetime) -> None:
    """Tick at every due time up to `until`. A due time that does not move (a delivery
    retried "now") moves the clock on by a second, as real time would."""
    while clock.now() < until:
        due = await tick(app)
        if due is None or due > until:
            break
        clock.set(max(due, clock.now() + timedelta(seconds=1)) if due <= clock.now() else due)
    clock.set(max(until, clock.now()))
    await tick(app)


def window_of(monday: tuple[int, int, int]) -> tuple[datetime, datetime]:
    """Wednesday 08:00-12:00 local: the maintenance window on "Sprinkler*"."""
    start = local(*monday, 8) + timedelta(days=2)
    return start, start + 4 * H


@dataclass
class Alarm:
    point: str
    incident: int
    start: datetime
    end: datetime | None = None
    answered: bool = False


@dataclass
class Log:
    alarms: list[Alarm] = field(default_factory=list)

    def open_on(self, point: str) -> Alarm | None:
        return next((a for a in self.alarms if a.point == point and a.end is None), None)


STEP = st.tuples(st.integers(0, 60 * 60 // 7),  # 7-minute steps after the first start
                 st.sampled_from(("alarm", "alarm", "clear", "ack", "false", "resolve",
                                  "restart", "vendor")),
                 st.sampled_from(POINTS))


def config(url: str, monday: tuple[int, int, int]) -> str:
    start, end = window_of(monday)
    fmt = "%Y-%m-%d %H:%M"
    from zoneinfo import ZoneInfo
    zone = ZoneInfo("Europe/Helsinki")
    text = report_yaml(url, f"""
maintenance:
  - match: {{point: "Sprinkler*"}}
    from: "{start.astimezone(zone).strftime(fmt)}"
    until: "{end.astimezone(zone).strftime(fmt)}"
    reason: sprinkler service
""")
    for name, promise in PROMISES.items():  # no limit a multiple of the 7-minute steps
        assert text.count(name) == 1
        text = text.replace(name, name + f"    promise: {promise}\n")
    return text


PROMISES = {"    name: Security company fault hotline\n":
            "{answer_within: 15 min, on_site_within: 50 min, cleared_within: 100 min}",
            "    name: Ward A nurse on duty\n": "{answer_within: 3 min, cleared_within: 150 min}"}


async def live(label: str, since_h: int, steps: list, after_h: int):
    """Run the history on the real service; return (summary, log, raw rows, now, since)."""
    monday = WEEKS[label]
    since = local(*monday, 0) + since_h * H
    clock, recorder = FakeClock(since), RecordingNotifier()
    log = Log()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/p.db"
        cfg, _ = load_config_text(config(url, monday), env=TOKENS)

        async def start() -> Escalator:
            app = Escalator(cfg, clock=clock, env=TOKENS,
                            notifiers={"telegram": recorder, "email": recorder,
                                       "sms": recorder})
            await app.start(serve_http=False, schedule=False)
            return app

        app = await start()
        await run_until(app, clock, since)
        last = since
        for minute, kind, point in sorted(set(steps)):
            at = since + timedelta(minutes=7 * minute + 1)
            if at <= last:
                continue
            last = at
            await run_until(app, clock, at)
            current = log.open_on(point)
            if kind == "restart":
                await app.stop()
                app = await start()
                await run_until(app, clock, at)
            elif kind in ("alarm", "clear"):
                res = await app.service.ingest(AlarmEvent(
                    source="terminal", code="FT", state=kind, received_at=at, point=point))
                await app.tick()
                if kind == "alarm" and current is None:
                    log.alarms.append(Alarm(point, res.incident_id, at))
                elif kind == "clear" and current is not None:
                    current.end = at
            elif current is not None and not current.answered:
                party = {"resolve": "manager", "vendor": "alarm-vendor"}.get(kind, "ward-a")
                action = {"ack": Action.ACKNOWLEDGE, "false": Action.FALSE_ALARM,
                          "resolve": Action.RESOLVE, "vendor": Action.ACKNOWLEDGE}[kind]
                await app.service.act(current.incident, action,
                                      cfg.parties[party].name, party=party)
                await app.tick()
                current.answered = True
                if kind == "resolve":
                    current.end = at
        now = max(last, since) + after_h * H
        await run_until(app, clock, now)
        w = week(label, "Europe/Helsinki")
        staff = data.care_staff(cfg)
        contracts = produce.contracts(cfg)
        history = await app.store.transaction(
            lambda tx: data.history(tx, w, "Europe/Helsinki", staff, now, cfg.maintenance,
                                    sorted(contracts)))
        raw = await app.store.transaction(lambda tx: (
            tx.rows("SELECT * FROM deliveries ORDER BY id"),
            tx.rows("SELECT * FROM timeline ORDER BY id"),
            tx.rows("SELECT * FROM safety_incidents ORDER BY id")))
        await app.stop()
    return summarize(w, history, staff, 2, contracts), log, raw, now, since


def t(text: str) -> datetime:
    return datetime.fromisoformat(text)


def check(s, log: Log, raw, now: datetime, since: datetime, label: str) -> None:
    w = week(label, "Europe/Helsinki")
    until = min(now, w.end)
    deliveries, timeline, safety = raw

    # -- alarms: the test's own log --------------------------------------------------
    mine = sorted((a for a in log.alarms if w.start <= a.start < w.end),
                  key=lambda a: (a.start, a.incident))
    assert s.total == len(mine)
    assert dict(s.by_point and {(c, p): n for c, p, n in s.by_point}) == {
        ("FT", p): n for p in POINTS if (n := sum(a.point == p for a in mine))}
    expect_rows = []
    for a in mine:
        ended = a.end if a.end is not None and a.end <= until else None
        expect_rows.append((a.incident, a.start, ended, (ended or until) - a.start,
                            "resolved" if ended else "open"))
    assert [(r.incident_id, r.opened_at, r.ended_at, r.lasted, r.state)
            for r in s.rows] == expect_rows
    still = sorted((a.start, a.incident, until - a.start) for a in log.alarms
                    if a.start < until and (a.end is None or a.end > until))
    assert [(r.opened_at, r.incident_id, r.lasted) for r in s.still_open] == still
    for r in (*s.rows, *s.still_open, *s.longest):
        assert r.lasted <= until - r.opened_at  # nothing measured past now or Sunday 24:00
    assert sorted((r.lasted for r in s.longest), reverse=True) == sorted(
        (x[3] for x in expect_rows), reverse=True)[:5]

    # -- monitoring and the trend ------------------------------------------------------
    tz = "Europe/Helsinki"
    expect_trend = []
    for x in trend_weeks(w, tz):
        if x.end <= since:
            expect_trend.append((x.label, None))
        else:
            expect_trend.append((x.label, sum(x.start <= a.start < x.end for a in log.alarms)))
    assert list(s.trend) == expect_trend
    assert s.monitored_from == (None if w.end <= since else max(since, w.start))
    before = previous(w, tz)
    last_alarms = [a for a in log.alarms if before.start <= a.start < before.end]
    assert s.key.alarms.this == (len(mine) if w.end > since else None)
    assert s.key.alarms.last == (len(last_alarms) if before.end > since else None)

    # -- recurring: 3 times or more at one point in the 4 weeks, once at least this one --
    four = trend_weeks(w, tz)[-4].start
    flagged = {}
    for p in POINTS:
        starts = sorted(a.start for a in log.alarms if a.point == p and four <= a.start < w.end)
        if len(starts) >= 3 and any(x >= w.start for x in starts):
            flagged[p] = tuple(starts)
    assert {r.point: r.history for r in s.recurring} == flagged

    # -- safety records: the raw rows ----------------------------------------------------
    assert [v.safety.id for v in s.safety] == [
        r["id"] for r in safety if w.start <= t(r["at"]) < w.end]
    for v in s.safety:  # a record's alarm is measured like the others: to `until` at most
        assert v.duration <= until - v.started_at
        assert v.ended_at is None or v.ended_at <= until
    assert s.key.safety.this == (sum(w.start <= t(r["at"]) < w.end for r in safety)
                                 if w.end > since else None)

    # -- held by the maintenance window ------------------------------------------------
    start, end = window_of(WEEKS[label])
    held = {}
    for a in log.alarms:
        if a.point.startswith("Sprinkler") and start <= a.start < end and w.start <= a.start:
            held.setdefault(a.point, set()).add(a.incident)
    assert {h.point: h.alarms for h in s.held_back} == {p: len(i) for p, i in held.items()}
    assert all(h.work == "sprinkler service" and (h.window_from, h.until) == (start, end)
               for h in s.held_back)

    # -- the parties: plain SQL rows, cut into the log's alarms ------------------------
    all_starts = {}
    for a in log.alarms:
        all_starts.setdefault(a.incident, []).append(a.start)

    def inside(a: Alarm, at: datetime) -> bool:
        later = [x for x in all_starts[a.incident] if x > a.start]
        return a.start <= at and (not later or at < min(later))

    def facts(a: Alarm) -> tuple[list, list, list]:
        """The alarm's calls, its parties' own answers and its other timeline rows."""
        calls = [d for d in deliveries if d["incident_id"] == a.incident and not d["is_update"]
                 and d["reason"] in CALLS and inside(a, t(d["created_at"]))]
        told = {(d["party"], d["reason"], d["created_at"]) for d in deliveries
                if d["incident_id"] == a.incident}
        rows = [e for e in timeline if e["incident_id"] == a.incident and inside(a, t(e["at"]))]
        acts = [e for e in rows if e["party"] and e["reason"] in ACTS
                and (e["party"], e["reason"], e["at"]) not in told]
        return calls, acts, rows

    def answered_in_time(alarms: list[Alarm]) -> tuple[int, int]:
        in_time = called = 0
        for a in alarms:
            calls, acts, _ = facts(a)
            if calls:
                called += 1
                first = min(t(d["created_at"]) for d in calls)
                in_time += any(first <= t(e["at"]) <= first + ANSWER_WITHIN for e in acts)
        return in_time, called

    contacted: dict[str, int] = {}
    alarms_of: dict[str, int] = {}
    no_answer: dict[str, int] = {}
    ack: dict[str, list[timedelta]] = {}
    clear: dict[str, list[timedelta]] = {}
    skipped: dict[str, int] = {}
    clear_promises: dict[str, list[bool]] = {}
    taps = one_tap = messages = 0
    staff = {"ward-a", "night-nurse"}  # the roster's people, the ward chats
    for a in mine:
        calls, acts, rows = facts(a)
        mine_taps = sum(e["party"] in staff for e in acts)
        taps, one_tap = taps + mine_taps, one_tap + (mine_taps == 1)
        messages += sum(1 for d in deliveries if d["incident_id"] == a.incident
                        and inside(a, t(d["created_at"])) and d["party"] in staff
                        and d["status"] == "sent")
        for party in {e["party"] for e in rows if e["reason"] == "SKIPPED_UNAVAILABLE"
                      and e["party"]}:
            skipped[party] = skipped.get(party, 0) + 1
        cleared = any(e["reason"] == "CLEARED" for e in rows)
        for e in acts:
            if e["reason"] in ("FALSE_ALARM", "AWAITING_CLEAR"):
                clear_promises.setdefault(e["party"], []).append(cleared and not any(
                    x["reason"] == "SAFETY_INCIDENT" and x["at"] >= e["at"] for x in rows))
        for party in {d["party"] for d in calls}:
            contacted[party] = contacted.get(party, 0) + sum(d["party"] == party for d in calls)
            alarms_of[party] = alarms_of.get(party, 0) + 1
            answers = [t(e["at"]) for e in acts if e["party"] == party]
            if not answers:
                no_answer[party] = no_answer.get(party, 0) + 1
            else:
                first_call = min(t(d["created_at"]) for d in calls if d["party"] == party)
                ack.setdefault(party, []).append(max(min(answers) - first_call, timedelta(0)))
                if a.end is not None and a.end <= until:
                    clear.setdefault(party, []).append(a.end - min(answers))
    assert {p.party: (p.contacted, p.incidents, p.no_answer) for p in s.parties
            if p.contacted} == {p: (contacted[p], alarms_of[p], no_answer.get(p, 0))
                                for p in contacted}
    assert {p.party: p.skipped for p in s.parties if p.skipped} == skipped
    assert {p.party: (p.promises, p.promises_kept) for p in s.parties if p.promises} == {
        p: (len(k), sum(k)) for p, k in clear_promises.items()}
    for p in s.parties:
        for got, values in ((p.to_ack, ack.get(p.party, [])), (p.to_clear, clear.get(p.party, []))):
            assert_durations(got, values)
    assert (s.attention.alarms, s.attention.taps, s.attention.one_tap,
            s.attention.messages) == (len(mine), taps, one_tap, messages)
    monitored = [x for x in trend_weeks(w, tz) if x.end > since]
    if w.end > since:
        assert (s.key.answered.this, s.key.answered.of) == answered_in_time(mine)
        per_week = [answered_in_time([a for a in log.alarms if x.start <= a.start < x.end])
                    for x in monitored]
        assert s.key.answered.average == statistics.mean(n for n, _ in per_week)
        assert s.key.answered.average_of == statistics.mean(of for _, of in per_week)
        counts = [n for _, n in expect_trend if n is not None]
        assert s.key.alarms.average == statistics.mean(counts)
        assert s.key.safety.average == statistics.mean(
            sum(x.start <= t(r["at"]) < x.end for r in safety) for x in monitored)
        assert s.key.recurring.this == len(flagged)
    else:
        assert s.key.answered.average is None and s.key.alarms.average is None
    if before.end > since:
        assert s.key.safety.last == sum(before.start <= t(r["at"]) < before.end for r in safety)
        assert (s.key.answered.last, s.key.answered.last_of) == answered_in_time(last_alarms)

    # -- service promises: each promised party in each alarm of the week and the 12 -----
    twelve = trend_weeks(w, tz)[0].start
    limits = {("alarm-vendor", "answer"): 15 * M, ("alarm-vendor", "on_site"): 50 * M,
              ("alarm-vendor", "cleared"): 100 * M, ("ward-a", "answer"): 3 * M,
              ("ward-a", "cleared"): 150 * M}
    outcomes: dict[tuple[str, str, str], list[tuple[str, timedelta | None]]] = {}
    broken_at = set()
    for a in log.alarms:
        calls, _, rows = facts(a)
        for (party, kind), limit in limits.items():
            asks = [t(d["created_at"]) for d in calls if d["party"] == party]
            if not asks:
                continue
            asked = min(asks)
            told = {(d["party"], d["reason"], d["created_at"]) for d in deliveries
                    if d["incident_id"] == a.incident}
            answers = [t(e["at"]) for e in rows if e["party"] == party
                       and e["reason"] in ACTS | {"EN_ROUTE", "ON_SITE"}
                       and (e["party"], e["reason"], e["at"]) not in told]
            came = {"answer": min(answers, default=None), "on_site": None,
                    "cleared": a.end}[kind]
            deadline = asked + limit
            if deadline <= now and (came is None or came > deadline) and (
                    a.end is None or a.end > deadline):
                broken_at.add((a.incident, party, kind, deadline))  # the tick's record
            if not twelve <= a.start < w.end:
                continue
            if came is not None and came <= until:
                took = max(came - asked, timedelta(0))
                state = "kept" if took <= limit else "broken"
            elif a.end is not None and a.end <= min(until, deadline):
                state, took = "moot", None
            else:
                state, took = ("broken" if until >= deadline else "pending"), None
            for period in ("12", "week") if w.start <= a.start else ("12",):
                outcomes.setdefault((party, kind, period), []).append((state, took))
    got = {(r.party, r.kind): r for r in s.promises}
    assert set(got) == set(limits)
    for (party, kind), r in got.items():
        assert r.limit == limits[party, kind]
        for period, tally in (("week", r.week), ("12", r.weeks)):
            found = outcomes.get((party, kind, period), [])
            assert (tally.kept, tally.broken) == (
                sum(x == "kept" for x, _ in found), sum(x == "broken" for x, _ in found))
            assert_durations(tally.figures, [v for _, v in found if v is not None])
    assert {(r["incident_id"], read_params(r["detail"])["party"],
             read_params(r["detail"])["promise"], t(r["at"])) for r in safety
            if r["cause"] == "promise_broken"} == broken_at


def assert_durations(got, values: list[timedelta]) -> None:
    values = sorted(values)
    assert got.n == len(values)
    if values:
        median = timedelta(seconds=statistics.median(v.total_seconds() for v in values))
        assert (got.median, got.p90) == (median,
                                         values[max(1, math.ceil(0.9 * len(values))) - 1])


# No shrinking: each history takes the service a second or two to live through, and a
# shrink of a failure would take minutes; the failing history is printed as it came.
@settings(max_examples=12, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=[HealthCheck.too_slow])
@given(label=st.sampled_from(sorted(WEEKS)),
       since_h=st.integers(-30, 24 * 6),  # the first start: before the week or inside it
       steps=st.lists(STEP, min_size=1, max_size=9),
       after_h=st.integers(0, 30))
def test_every_figure_matches_a_simple_count_of_the_raw_timeline(label, since_h, steps,
                                                                   after_h):
    s, log, raw, now, since = asyncio.run(live(label, since_h, steps, after_h))
    check(s, log, raw, now, since, label)
