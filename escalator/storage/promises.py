"""SQL of service promises and of the summary's 12 weeks of answers, read lean.

The tick asks which open alarms a promised party was asked to handle and which
promises were already recorded. The weekly summary's 12 weeks are a hundred
thousand alarms in a shared store: these read one row per alarm (or per alarm and
party) with MIN() in SQL instead of every timeline entry. Only incidents never
reopened (one alarm each); the few reopened ones are read whole
(`reopened_between`) and cut into their alarms by the report's own rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from escalator.domain.model import Incident
from escalator.domain.register import SafetyRow
from escalator.storage.register import (
    SUMMARY_COLUMNS,
    _at,
    _chunks,
    _in,
    _safety,
    _summary_incident,
)
from escalator.storage.rows import dt, ts
from escalator.storage.sql import Tx


def open_asked(tx: Tx, parties: Sequence[str]) -> list[int]:
    """Ids of open incidents in which one of `parties` was asked to act (a call, not an
    update): the alarms whose promises the tick watches."""
    if not parties:
        return []
    rows = tx.rows("SELECT id FROM incidents WHERE state <> 'resolved' AND id IN"
                   " (SELECT incident_id FROM deliveries WHERE is_update = 0"
                   f" AND party IN ({_in(parties)}))", tuple(parties))
    return sorted(int(r["id"]) for r in rows)


def safety_of(tx: Tx, ids: Sequence[int], cause: str) -> dict[int, list[SafetyRow]]:
    """The safety records of `cause` of each incident, oldest first."""
    found: dict[int, list[SafetyRow]] = {i: [] for i in ids}
    for part in _chunks(sorted(set(ids))):
        for r in tx.rows("SELECT * FROM safety_incidents WHERE cause = ? AND incident_id IN"
                         f" ({_in(part)}) ORDER BY id", (cause, *part)):
            found[int(r["incident_id"])].append(_safety(r))
    return found


# An incident came back (REOPENED for the incident itself) at or after `start`: by index.
_REOPENED = ("SELECT incident_id FROM timeline WHERE reason = 'REOPENED' AND at >= ?"
             " AND party IS NULL")
# Incidents opened in [start, end), never reopened (params: start, end, start): one alarm.
# Joined as `a CROSS JOIN deliveries`: SQLite then walks the alarms and looks each one's
# deliveries up by index (its planner otherwise scanned every delivery ever made).
_ALARMS = ("SELECT id, opened_at, state, resolved_at FROM incidents WHERE opened_at >= ?"
           f" AND opened_at < ? AND id NOT IN ({_REOPENED})")
_ANSWER = ("t.party IS NOT NULL AND NOT EXISTS (SELECT 1 FROM deliveries x"
           " WHERE x.incident_id = t.incident_id AND x.party = t.party AND x.reason = t.reason"
           " AND x.created_at = t.at)")  # a notice's own timeline copy is not an answer


ON_SITE_SQL = "(t.reason = 'ON_SITE' OR LOWER(t.detail) LIKE ? ESCAPE '!')"
ON_SITE_LIKE = '%"on!_site"%'  # a parameter: psycopg reads a literal % as a placeholder


def first_answers(tx: Tx, start: datetime, end: datetime, calls: Sequence[str],
                  acts: Sequence[str]) -> list[tuple[datetime, datetime, datetime | None]]:
    """(opened, first call, first answer at or after it) of each incident opened in
    [start, end), never reopened, that called anybody."""
    sql = (
        f"WITH a AS ({_ALARMS}), c AS (SELECT d.incident_id AS id, MIN(d.created_at) AS first"
        " FROM a CROSS JOIN deliveries d WHERE d.incident_id = a.id AND d.is_update = 0"
        f" AND d.reason IN ({_in(calls)}) GROUP BY d.incident_id)"
        " SELECT a.opened_at, c.first, MIN(t.at) FROM a JOIN c ON c.id = a.id"
        " LEFT JOIN timeline t ON t.incident_id = a.id AND t.at >= c.first"
        f" AND t.reason IN ({_in(acts)}) AND {_ANSWER} GROUP BY a.id, a.opened_at, c.first")
    rows = tx.execute(sql, (ts(start), ts(end), ts(start), *calls, *acts)).fetchall()
    return [(_at(o), _at(f), dt(x)) for o, f, x in rows]


def first_asks(tx: Tx, start: datetime, end: datetime, calls: Sequence[str],
               answers: Sequence[str], parties: Sequence[str]
               ) -> list[tuple[str, datetime, datetime, datetime | None, datetime | None,
                               datetime | None]]:
    """(party, opened, first asked, first answer, first "on site", ended) per incident
    opened in [start, end), never reopened, and party of `parties` it asked to act. An
    answer is an entry of `answers` or an "on site" one (reason ON_SITE, or a parameter
    "on_site": `escalator.domain.service_promises.is_on_site` says the same)."""
    if not parties:
        return []
    sql = (
        f"WITH a AS ({_ALARMS}), s AS (SELECT d.incident_id AS id, d.party,"
        " MIN(d.created_at) AS at, a.opened_at, a.state, a.resolved_at FROM a CROSS JOIN"
        f" deliveries d WHERE d.incident_id = a.id AND d.party IN ({_in(parties)})"
        " AND d.is_update = 0"
        f" AND d.reason IN ({_in(calls)}) GROUP BY d.incident_id, d.party, a.opened_at,"
        " a.state, a.resolved_at)"
        " SELECT s.party, s.opened_at, s.at,"
        f" MIN(CASE WHEN t.reason IN ({_in(answers)}) OR {ON_SITE_SQL} THEN t.at END),"
        f" MIN(CASE WHEN {ON_SITE_SQL} THEN t.at END),"
        " CASE WHEN s.state = 'resolved' THEN s.resolved_at END"
        " FROM s LEFT JOIN timeline t"
        f" ON t.incident_id = s.id AND t.party = s.party AND {_ANSWER}"
        " GROUP BY s.id, s.party, s.opened_at, s.at, s.state, s.resolved_at")
    rows = tx.execute(sql, (ts(start), ts(end), ts(start), *parties, *calls, *answers,
                            ON_SITE_LIKE, ON_SITE_LIKE)).fetchall()
    return [(p, _at(o), _at(a), dt(x), dt(n), dt(e)) for p, o, a, x, n, e in rows]


def reopened_between(tx: Tx, start: datetime, end: datetime) -> list[Incident]:
    """Reopened incidents that may hold an alarm begun in [start, end): opened then, or
    reopened then (a REOPENED entry logged for the incident itself)."""
    rows = tx.rows(
        f"SELECT {SUMMARY_COLUMNS} FROM incidents WHERE opened_at < ? AND id IN ({_REOPENED})",
        (ts(end), ts(start)))
    return [_summary_incident(r) for r in rows]
