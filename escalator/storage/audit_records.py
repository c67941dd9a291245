"""What the reports read, held against the audit chain (issue 19, point 7).

The hash chain (escalator/storage/audit.py) proves that its own rows were not
changed. But the register, the reports and the ack pages read the
`incidents`, `timeline` and `deliveries` tables, which an editor of the
database could change without touching the chain, and an emptied chain
"verified" as intact. So `audit verify` also holds those tables against the
chain:

- every incident has rows in the chain (an empty chain with incidents fails);
- an incident's row, as it is now, has the digest of the last state the
  chain recorded for it: each transaction that writes an incident appends one
  `incident.state` row with a SHA-256 of its columns (one row per incident per
  transaction, however many times it was saved in it: the only per-alarm cost);
- each incident's timeline is, entry for entry, the `timeline.*` rows of the
  chain (they were always recorded in the same transaction);
- each incident's notices are the chain's `notice.queued` rows, and a notice
  that says `sent` or `failed` has that outcome (and channel, and time sent)
  in the chain, and one the chain says was sent or failed says so too.

Incidents last written before this check existed have no `incident.state`
row; for them the timeline and notices are still checked, their own columns
are not (said in docs/security.md).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from escalator.storage.rows import INCIDENT_COLUMNS, dt, incident_from_row, incident_values
from escalator.storage.statements import Statements as Tx

INCIDENT_STATE = "incident.state"  # written by audit.record_incidents at Tx.finish
CHUNK = 1000
# the columns that say when something happened (not when something is due)
_TIMES = tuple(INCIDENT_COLUMNS.index(c) for c in (
    "opened_at", "last_seen_at", "esc_step_started_at", "esc_last_notified_at", "acked_at",
    "resolved_at", "clear_reminded_at", "esc_exhausted_at", "promised_at",
    "promise_reminded_at"))


_PROMISES = INCIDENT_COLUMNS.index("promise")  # the columns added with promised answers


def digest(values: tuple[Any, ...]) -> str:
    """SHA-256 of an incident's column values (escalator/storage/rows.py order). Without
    a promise the promise columns are left out, so a state recorded before they existed
    still verifies after the upgrade."""
    if all(v is None for v in values[_PROMISES:_PROMISES + 4]):
        values = values[:_PROMISES] + values[_PROMISES + 4:]
    return hashlib.sha256(json.dumps(list(values), separators=(",", ":"), ensure_ascii=False,
                                     default=str).encode("utf-8")).hexdigest()


def when(values: tuple[Any, ...]) -> datetime | None:
    """The newest time among the incident's columns: when this state came to be."""
    found = [values[i] for i in _TIMES if i < len(values) and isinstance(values[i], str)]
    return dt(max(found)) if found else None


@dataclass
class Seen:
    """What the chain says, gathered while `verify_tx` walks it."""

    incidents: set[int] = field(default_factory=set)  # with any row in the chain
    states: dict[int, str] = field(default_factory=dict)  # incident -> last digest
    timeline: dict[int, Counter[str]] = field(default_factory=dict)
    notices: dict[int, Counter[str]] = field(default_factory=dict)
    outcome: dict[int, str] = field(default_factory=dict)  # delivery -> sent | failed
    channel: dict[int, str] = field(default_factory=dict)  # delivery -> last channel named
    sent_at: dict[int, str] = field(default_factory=dict)  # delivery -> last time it was sent

    def take(self, at: str, kind: str, incident_id: int | None, payload: Any) -> None:
        if incident_id is not None:
            self.incidents.add(incident_id)
        if not isinstance(payload, dict):
            return
        if kind == INCIDENT_STATE and incident_id is not None:
            self.states[incident_id] = str(payload.get("digest"))
        elif kind.startswith("timeline.") and incident_id is not None:
            key = _entry(at, payload.get("reason"), payload.get("party"), payload.get("detail"),
                         payload.get("step"))
            self.timeline.setdefault(incident_id, Counter())[key] += 1
        elif kind == "notice.queued" and incident_id is not None:
            key = _notice(at, payload.get("party"), payload.get("reason"), payload.get("step"),
                          payload.get("loop"), payload.get("detail"), payload.get("update"))
            self.notices.setdefault(incident_id, Counter())[key] += 1
        elif kind in ("delivery.sent", "delivery.failed"):
            delivery = payload.get("delivery")
            if isinstance(delivery, int):
                self.outcome[delivery] = kind.split(".", 1)[1]
                if payload.get("channel"):
                    self.channel[delivery] = str(payload["channel"])
                if payload.get("sent_at"):
                    self.sent_at[delivery] = str(payload["sent_at"])


def _entry(at: Any, reason: Any, party: Any, detail: Any, step: Any) -> str:
    return json.dumps([at, reason, party, detail, None if step is None else int(step)])


def _notice(at: Any, party: Any, reason: Any, step: Any, loop: Any, detail: Any,
            update: Any) -> str:
    return json.dumps([at, party, reason, None if step is None else int(step), int(loop or 0),
                       detail, bool(update)])


@dataclass(frozen=True)
class Mismatch:
    problem: str  # incident_unrecorded | incident_changed | timeline_changed | delivery_changed
    incident: int


def check(tx: Tx, seen: Seen) -> Mismatch | None:
    """The first incident whose rows do not match the chain, in id order; None if all do."""
    last = 0
    while True:
        rows = tx.rows("SELECT * FROM incidents WHERE id > ? ORDER BY id LIMIT ?", (last, CHUNK))
        if not rows:
            return None
        ids = [int(r["id"]) for r in rows]
        timeline = _timelines(tx, ids)
        notices, deliveries = _deliveries(tx, ids)
        for r in rows:
            iid = int(r["id"])
            if iid not in seen.incidents:
                return Mismatch("incident_unrecorded", iid)
            stored = seen.states.get(iid)
            if stored is not None and stored != _row_digest(r):
                return Mismatch("incident_changed", iid)
            if timeline.get(iid, Counter()) != seen.timeline.get(iid, Counter()):
                return Mismatch("timeline_changed", iid)
            if notices.get(iid, Counter()) != seen.notices.get(iid, Counter()) or any(
                    not _outcome_fits(d, seen) for d in deliveries.get(iid, ())):
                return Mismatch("delivery_changed", iid)
        last = ids[-1]


def _row_digest(row: dict[str, Any]) -> str | None:
    """The digest of an incident row as read back; None if it no longer reads as one."""
    try:
        return digest(incident_values(incident_from_row(row), dt(row["next_due"])))
    except (ValueError, TypeError, KeyError, AssertionError):
        return None


def _timelines(tx: Tx, ids: list[int]) -> dict[int, Counter[str]]:
    found: dict[int, Counter[str]] = {}
    for r in tx.rows("SELECT incident_id, at, reason, party, detail, step FROM timeline"
                     f" WHERE incident_id IN ({','.join('?' * len(ids))})", ids):
        key = _entry(r["at"], r["reason"], r["party"], r["detail"], r["step"])
        found.setdefault(int(r["incident_id"]), Counter())[key] += 1
    return found


def _deliveries(tx: Tx, ids: list[int]
                ) -> tuple[dict[int, Counter[str]], dict[int, list[dict[str, Any]]]]:
    notices: dict[int, Counter[str]] = {}
    rows: dict[int, list[dict[str, Any]]] = {}
    for r in tx.rows("SELECT id, incident_id, party, reason, step, loop, detail, is_update,"
                     " status, channel, sent_at, created_at FROM deliveries"
                     f" WHERE incident_id IN ({','.join('?' * len(ids))})", ids):
        iid = int(r["incident_id"])
        key = _notice(r["created_at"], r["party"], r["reason"], r["step"], r["loop"],
                      r["detail"], r["is_update"])
        notices.setdefault(iid, Counter())[key] += 1
        rows.setdefault(iid, []).append(r)
    return notices, rows


def _outcome_fits(row: Mapping[str, Any], seen: Seen) -> bool:
    """`sent` and `failed` only as the chain says, and with the channel it names."""
    did = int(row["id"])
    status, said = row["status"], seen.outcome.get(did)
    if status in ("sent", "failed") or said is not None:
        if status != said:
            return False
    if status == "sent" and (seen.channel.get(did) not in (None, row["channel"])
                             or seen.sent_at.get(did) not in (None, row["sent_at"])):
        return False
    return True


