"""Mapping between database rows and domain records, kept apart from SQL plumbing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from escalator.domain.model import Escalation, Incident, State


def ts(value: datetime | None) -> str | None:
    """Fixed-width UTC text so that string order is time order in both databases."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="microseconds")  # as strftime, faster


def dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


INCIDENT_COLUMNS = (
    "source", "code", "point", "text", "severity", "ladder", "state", "dedup_key",
    "opened_at", "last_seen_at", "count", "esc_loop", "esc_step", "esc_step_started_at",
    "esc_last_notified_at", "esc_exhausted", "notified", "false_alarm_clear_within_s",
    "acked_by", "acked_at", "snoozed_until", "false_alarm_by", "false_alarm_deadline",
    "resolved_at", "resolved_by", "next_due", "acked_party", "eta", "ack_deadline",
    "clear_promised_by", "clear_reminded_at", "reopened", "safety", "esc_exhausted_at",
    "esc_recheck_at", "esc_skipped", "promise", "promised_at", "fix_by",
    "promise_reminded_at",
)
# Columns added after the first release: (name, SQL type and default) for older databases.
ADDED_INCIDENT_COLUMNS = (
    ("acked_party", "TEXT"), ("eta", "TEXT"), ("ack_deadline", "TEXT"),
    ("clear_promised_by", "TEXT"), ("clear_reminded_at", "TEXT"),
    ("reopened", "INTEGER NOT NULL DEFAULT 0"), ("safety", "TEXT NOT NULL DEFAULT '[]'"),
    ("esc_exhausted_at", "TEXT"), ("esc_recheck_at", "TEXT"),
    ("esc_skipped", "TEXT NOT NULL DEFAULT '[]'"), ("promise", "TEXT"),
    ("promised_at", "TEXT"), ("fix_by", "TEXT"), ("promise_reminded_at", "TEXT"),
)
# A send cut at shutdown while its peer had the request: it may have arrived. The row
# goes out again (same delivery id, so the peer can drop the repeat) and keeps the mark.
ADDED_DELIVERY_COLUMNS = (("maybe_sent", "INTEGER NOT NULL DEFAULT 0"),
                          ("claims", "INTEGER NOT NULL DEFAULT 0"))


def incident_values(inc: Incident, next_due: datetime | None) -> tuple[Any, ...]:
    esc = inc.escalation
    within = inc.false_alarm_clear_within
    return (
        inc.source, inc.code, inc.point, inc.text, inc.severity, inc.ladder, inc.state.value,
        inc.dedup_key, ts(inc.opened_at), ts(inc.last_seen_at), inc.count, esc.loop, esc.step,
        ts(esc.step_started_at), ts(esc.last_notified_at), int(esc.exhausted),
        json.dumps(list(inc.notified)), int(within.total_seconds()) if within else None,
        inc.acked_by, ts(inc.acked_at), ts(inc.snoozed_until), inc.false_alarm_by,
        ts(inc.false_alarm_deadline), ts(inc.resolved_at), inc.resolved_by, ts(next_due),
        inc.acked_party, ts(inc.eta), ts(inc.ack_deadline), ts(inc.clear_promised_by),
        ts(inc.clear_reminded_at), inc.reopened, json.dumps(list(inc.safety)),
        ts(esc.exhausted_at), ts(esc.recheck_at), json.dumps(list(esc.skipped)),
        inc.promise, ts(inc.promised_at), ts(inc.fix_by), ts(inc.promise_reminded_at),
    )


def incident_from_row(row: dict[str, Any]) -> Incident:
    within = row["false_alarm_clear_within_s"]
    opened = dt(row["opened_at"])
    seen = dt(row["last_seen_at"])
    assert opened is not None and seen is not None
    return Incident(
        id=int(row["id"]), source=row["source"], code=row["code"], point=row["point"],
        text=row["text"], severity=row["severity"], ladder=row["ladder"],
        state=State(row["state"]), opened_at=opened, last_seen_at=seen, count=row["count"],
        escalation=Escalation(
            loop=row["esc_loop"], step=row["esc_step"],
            step_started_at=dt(row["esc_step_started_at"]),
            last_notified_at=dt(row["esc_last_notified_at"]),
            exhausted=bool(row["esc_exhausted"]),
            exhausted_at=dt(row["esc_exhausted_at"]), recheck_at=dt(row["esc_recheck_at"]),
            skipped=tuple(json.loads(row["esc_skipped"] or "[]")),
        ),
        notified=tuple(json.loads(row["notified"])),
        false_alarm_clear_within=timedelta(seconds=within) if within is not None else None,
        acked_by=row["acked_by"], acked_at=dt(row["acked_at"]),
        snoozed_until=dt(row["snoozed_until"]), false_alarm_by=row["false_alarm_by"],
        false_alarm_deadline=dt(row["false_alarm_deadline"]),
        resolved_at=dt(row["resolved_at"]), resolved_by=row["resolved_by"],
        acked_party=row["acked_party"], eta=dt(row["eta"]), ack_deadline=dt(row["ack_deadline"]),
        clear_promised_by=dt(row["clear_promised_by"]),
        clear_reminded_at=dt(row["clear_reminded_at"]), reopened=row["reopened"] or 0,
        safety=tuple(json.loads(row["safety"] or "[]")),
        promise=row["promise"], promised_at=dt(row["promised_at"]), fix_by=dt(row["fix_by"]),
        promise_reminded_at=dt(row["promise_reminded_at"]),
    )


@dataclass(frozen=True)
class DeliveryRow:
    """A notification attempt in the delivery log (the outbox)."""

    id: int
    incident_id: int
    party: str
    reason: str
    step: int | None
    loop: int
    detail: str
    is_update: bool
    # a `escalator.domain.delivery.Status` value (pending, sending, queued, checking, sent,
    # failed, superseded, skipped): what each means and who may change it is there
    status: str
    contact_index: int
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    sent_at: datetime | None
    channel: str | None
    error: str | None
    # a send of it was cut at shutdown after the request left: the peer may have it
    maybe_sent: bool = False
    claims: int = 0  # times claimed; an outcome is written only for the current claim
    # claimed although an earlier message to the party waits (its contact's deadline
    # may have passed): it may only move on, not be sent out of order
    behind: bool = False
    # the row the service made, when this notice was spread over contact rules; None:
    # not spread (yet)
    spread_of: int | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> DeliveryRow:
        nxt, created = dt(row["next_attempt_at"]), dt(row["created_at"])
        assert nxt is not None and created is not None
        return cls(
            id=int(row["id"]), incident_id=int(row["incident_id"]), party=row["party"],
            reason=row["reason"], step=row["step"], loop=row["loop"], detail=row["detail"],
            is_update=bool(row["is_update"]), status=row["status"],
            contact_index=row["contact_index"], attempts=row["attempts"],
            next_attempt_at=nxt, created_at=created, sent_at=dt(row["sent_at"]),
            channel=row["channel"], error=row["error"], claims=int(row.get("claims") or 0),
            behind=bool(row.get("behind")), maybe_sent=bool(row.get("maybe_sent")),
            spread_of=None if row.get("spread_of") is None else int(row["spread_of"]),
        )
