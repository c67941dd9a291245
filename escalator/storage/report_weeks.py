"""SQL of the weekly summary's kept weeks: the 12-week figures of weeks that are over.

A summary measures "answered within 15 min" and each party's service promises over
the 12 weeks ending with its week. Reading the ten older ones again every time is
most of a large summary's cost (docs/performance.md), although their alarms have
long ended. A week all of whose alarms are over is kept here as the lean read gives
it: its counts (answered in time, alarms that called) and each promised party's
asks, one record per alarm and party (limits are applied when judging, so a changed
contract limit needs no new read; a changed set of promised parties is another key).

A kept week stays exactly what reading it again gives, because nothing else can
change its alarms' rows: no alarm can begin in a week that is over, and every alarm
of it has ended. What can still come is a later entry for one of its incidents (a
note written after the end, a reopening): `written_since` finds those by the newest
timeline and delivery ids seen at the last look, and the caller drops the weeks
they touch (`escalator.reports.kept`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from escalator.storage.register import _at, _in
from escalator.storage.rows import dt, ts
from escalator.storage.sql import Tx
from escalator.storage.txbase import SQLITE

# PostgreSQL hands out ids when a row is written, not when it commits: an entry written
# just before the last look may commit after it, below the id seen then. Looking this
# many ids further back covers the transactions in flight at that moment. SQLite has one
# writer at a time: what it committed before the look is all there is below its ids.
PG_ID_MARGIN = 1000

AskRecord = tuple[str, datetime, datetime, datetime | None, datetime | None, datetime | None]


@dataclass(frozen=True)
class KeptWeek:
    """One week [start, end) as the summary's 12-week figures need it."""

    start: datetime
    end: datetime
    answered: int  # alarms answered within the first page's limit of their first call
    called: int  # alarms that called anybody
    asked: tuple[AskRecord, ...]  # (party, began, asked, answered, on site, ended)


def newest_ids(tx: Tx) -> tuple[int, int]:
    """The newest timeline and delivery ids now."""
    row = tx.execute("SELECT (SELECT COALESCE(MAX(id), 0) FROM timeline),"
                     " (SELECT COALESCE(MAX(id), 0) FROM deliveries)").fetchone()
    return int(row[0]), int(row[1])


def kept(tx: Tx, promised: str, weeks: Sequence[tuple[datetime, datetime]]
         ) -> tuple[dict[datetime, KeptWeek], tuple[int, int] | None]:
    """The kept weeks of `weeks` ([start, end), by start) for this set of promised
    parties, and the oldest ids any of them was last checked against (None: none)."""
    if not weeks:
        return {}, None
    wanted = {(ts(s), ts(e)) for s, e in weeks}
    rows = [r for r in tx.rows(f"SELECT * FROM report_weeks WHERE promised = ? AND"
                               f" week_start IN ({_in(weeks)})",
                               (promised, *(ts(s) for s, _ in weeks)))
            if (r["week_start"], r["week_end"]) in wanted]  # another time zone's week
    found = {}
    for r in rows:
        asked = tuple((p, _at(b), _at(a), dt(x), dt(n), dt(e))
                      for p, b, a, x, n, e in json.loads(r["asked"]))
        found[_at(r["week_start"])] = KeptWeek(_at(r["week_start"]), _at(r["week_end"]),
                                               int(r["answered"]), int(r["called"]), asked)
    if not rows:
        return found, None
    return found, (min(int(r["timeline_seen"]) for r in rows),
                   min(int(r["deliveries_seen"]) for r in rows))


def written_since(tx: Tx, seen: tuple[int, int], before: datetime
                  ) -> list[tuple[datetime, bool, datetime]]:
    """(opened, ever reopened, newest entry's time) of each incident opened before
    `before` with a timeline entry or a delivery newer than `seen` (less PG_ID_MARGIN)."""
    margin = 0 if tx.dialect is SQLITE else PG_ID_MARGIN
    rows = tx.execute(
        "WITH n AS (SELECT incident_id AS id, at FROM timeline WHERE id > ?"
        " UNION ALL SELECT incident_id, created_at FROM deliveries WHERE id > ?)"
        " SELECT i.opened_at, MAX(n.at), EXISTS (SELECT 1 FROM timeline r"
        " WHERE r.incident_id = i.id AND r.reason = 'REOPENED' AND r.party IS NULL)"
        " FROM n JOIN incidents i ON i.id = n.id WHERE i.opened_at < ?"
        " GROUP BY i.id, i.opened_at",
        (seen[0] - margin, seen[1] - margin, ts(before))).fetchall()
    return [(_at(o), bool(r), _at(at)) for o, at, r in rows]


def open_starts(tx: Tx) -> list[datetime]:
    """When each alarm of an incident still open began (its opening and reopenings)."""
    rows = tx.execute(
        "SELECT i.opened_at, t.at FROM incidents i LEFT JOIN timeline t"
        " ON t.incident_id = i.id AND t.reason = 'REOPENED' AND t.party IS NULL"
        " WHERE i.state <> 'resolved'").fetchall()
    return sorted({_at(x) for row in rows for x in row if x})


def keep(tx: Tx, promised: str, week: KeptWeek, seen: tuple[int, int], now: datetime) -> None:
    asked = json.dumps([[p, ts(b), ts(a), ts(x), ts(n), ts(e)]
                        for p, b, a, x, n, e in week.asked], separators=(",", ":"))
    tx.execute("DELETE FROM report_weeks WHERE week_start = ? AND promised = ?",
               (ts(week.start), promised))
    tx.execute("INSERT INTO report_weeks (week_start, week_end, promised, answered, called,"
               " asked, timeline_seen, deliveries_seen, kept_at) VALUES (?,?,?,?,?,?,?,?,?)",
               (ts(week.start), ts(week.end), promised, week.answered, week.called, asked,
                seen[0], seen[1], ts(now)))


def forget(tx: Tx, starts: Sequence[datetime]) -> None:
    """Drop these weeks, for every set of promised parties."""
    for s in starts:
        tx.execute("DELETE FROM report_weeks WHERE week_start = ?", (ts(s),))


def checked(tx: Tx, promised: str, starts: Sequence[datetime], seen: tuple[int, int]) -> None:
    """These kept weeks were checked against every entry up to `seen`."""
    if starts:
        tx.execute("UPDATE report_weeks SET timeline_seen = ?, deliveries_seen = ?"
                   f" WHERE promised = ? AND week_start IN ({_in(starts)})",
                   (seen[0], seen[1], promised, *(ts(s) for s in starts)))
