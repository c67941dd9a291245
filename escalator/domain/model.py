"""The records the service keeps: events, incidents, notices and their reasons."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any


class State(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    SNOOZED = "snoozed"
    FALSE_ALARM = "false_alarm"  # called false; waiting for the terminal to clear
    AWAITING_CLEAR = "awaiting_clear"  # a person says fixed; waiting for the terminal to clear
    RESOLVED = "resolved"


WAITING_FOR_CLEAR = (State.FALSE_ALARM, State.AWAITING_CLEAR)


class Reason(StrEnum):
    """Why a notice was sent or a timeline entry written; stored and shown."""

    OPENED = "OPENED"  # timeline only: the incident was opened from an event
    FIRST = "FIRST"
    RENOTIFY = "RENOTIFY"
    ESCALATED = "ESCALATED"
    ACKED = "ACKED"
    FALSE_ALARM = "FALSE_ALARM"
    SNOOZED = "SNOOZED"
    UNSNOOZED = "UNSNOOZED"
    NOTE = "NOTE"
    CLEARED = "CLEARED"
    RESOLVED = "RESOLVED"
    EXHAUSTED = "EXHAUSTED"
    SAFETY_INCIDENT = "SAFETY_INCIDENT"
    SKIPPED_UNAVAILABLE = "SKIPPED_UNAVAILABLE"
    REPEATED = "REPEATED"  # the same alarm again while open: counted, not re-sent
    DELIVERY_FAILED = "DELIVERY_FAILED"
    CHANNEL_FAILED = "CHANNEL_FAILED"  # timeline only: one contact failed, the next is tried
    REFUSED = "REFUSED"  # timeline only: someone not authorised tried to act (e.g. Telegram)
    ACK_OVERDUE = "ACK_OVERDUE"  # taken, but not resolved in time: the calls resume
    CLEAR_REQUESTED = "CLEAR_REQUESTED"  # asked to clear the alarm at the terminal by a deadline
    AWAITING_CLEAR = "AWAITING_CLEAR"  # "resolved" by a person; the terminal must still clear
    REOPENED = "REOPENED"  # the same alarm came back soon after it was resolved
    NOW_AVAILABLE = "NOW_AVAILABLE"  # a party skipped as closed or away is there now
    REWALK = "REWALK"  # nobody took it: the whole ladder is walked again
    MAINTENANCE_HELD = "MAINTENANCE_HELD"  # timeline only: held by a maintenance window
    MAINTENANCE_ENDED = "MAINTENANCE_ENDED"  # window over, alarm still on: ladder starts
    EN_ROUTE = "EN_ROUTE"  # "on my way, there by {arrive_by}": a promise that takes it
    ON_SITE = "ON_SITE"  # "on site, working on it", maybe "fixed by {fix_by}"
    PROMISE_DUE = "PROMISE_DUE"  # to the one who promised: the promise is about to run out
    ARRIVAL_LATE = "ARRIVAL_LATE"  # "on my way" but not on site in time: the calls resume


class Action(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    FALSE_ALARM = "false_alarm"
    RESOLVE = "resolve"
    SNOOZE = "snooze"
    ESCALATE = "escalate"
    NOTE = "note"
    EN_ROUTE = "en_route"  # on my way, there by `arrive_by`
    ON_SITE = "on_site"  # on site, working on it; optionally fixed by `fix_by`


PROMISES = (Action.EN_ROUTE, Action.ON_SITE)  # the answers that promise a time


class SafetyCause(StrEnum):
    NOBODY_ACKNOWLEDGED = "nobody_acknowledged"
    NOBODY_AVAILABLE = "nobody_available"
    FALSE_ALARM_NOT_CLEARED = "false_alarm_not_cleared"
    ACK_NOT_RESOLVED = "ack_not_resolved"
    RESOLVED_NOT_CLEARED = "resolved_not_cleared"
    SOURCE_SILENT = "source_silent"  # a source quiet past its heartbeat_timeout
    DELIVERY_FAILED = "delivery_failed"  # every contact of every party on a step failed
    ARRIVAL_LATE = "arrival_late"  # "on my way, there by" passed without "on site"
    PROMISE_BROKEN = "promise_broken"  # a party's contract promise (domain/service_promises.py)


EVENT_STATES = ("alarm", "clear", "heartbeat")
SOURCE_SILENT = "source_silent"


@dataclass(frozen=True)
class AlarmEvent:
    """One thing a source told us; validated at intake, stored before it is acknowledged."""

    source: str
    code: str
    state: str  # alarm | clear | heartbeat
    received_at: datetime
    point: str = ""
    text: str = ""
    severity: str = ""
    occurred_at: datetime | None = None
    event_id: str | None = None  # the sender's id: makes a retry idempotent

    @property
    def dedup_key(self) -> str:
        return f"{self.source}\x1f{self.code}\x1f{self.point}"


@dataclass(frozen=True)
class Escalation:
    """Where the incident stands on its ladder; everything `decide` needs to resume."""

    loop: int = 0
    step: int = -1  # -1: the ladder has not been entered yet
    step_started_at: datetime | None = None
    last_notified_at: datetime | None = None
    exhausted: bool = False
    exhausted_at: datetime | None = None  # when the ladder last ran out (for rewalks)
    recheck_at: datetime | None = None  # exhausted: when a skipped party may be there
    skipped: tuple[str, ...] = ()  # parties skipped as unavailable on this walk


@dataclass(frozen=True)
class Incident:
    id: int
    source: str
    code: str
    point: str
    text: str
    severity: str
    ladder: str
    state: State
    opened_at: datetime
    last_seen_at: datetime
    count: int = 1
    escalation: Escalation = field(default_factory=Escalation)
    notified: tuple[str, ...] = ()  # parties told so far, in order
    false_alarm_clear_within: timedelta | None = None
    acked_by: str | None = None
    acked_at: datetime | None = None
    snoozed_until: datetime | None = None
    false_alarm_by: str | None = None
    false_alarm_deadline: datetime | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    acked_party: str | None = None  # the party that took it (None: an operator)
    eta: datetime | None = None  # the arrival time the taker gave (EN_ROUTE's arrive_by)
    ack_deadline: datetime | None = None  # taken but not resolved by then: overdue
    clear_promised_by: datetime | None = None  # the time a person promised the clear
    clear_reminded_at: datetime | None = None  # last reminder to those who can clear it
    reopened: int = 0  # how often the same alarm came back after it was resolved
    safety: tuple[str, ...] = ()  # causes of the safety records written for it
    promise: str | None = None  # the promise standing: Action.EN_ROUTE / ON_SITE value
    promised_at: datetime | None = None  # when it was given (on site: the arrival)
    fix_by: datetime | None = None  # ON_SITE: the fix time promised, if one was
    promise_reminded_at: datetime | None = None  # the one who promised was reminded

    @property
    def dedup_key(self) -> str:
        return f"{self.source}\x1f{self.code}\x1f{self.point}"

    @property
    def is_open(self) -> bool:
        return self.state is not State.RESOLVED


def params(**values: object) -> str:
    """Encode the parameters of a timeline entry or notice; rendered per reader later.

    Stored text is never a sentence: it is the reason's parameters (names, ids,
    ISO times) so that every reader gets the sentence in their own language.
    None and empty values are left out.
    """
    clean = {k: (v.astimezone(UTC).isoformat() if isinstance(v, datetime) else v)
             for k, v in values.items() if v not in (None, "")}
    return json.dumps(clean, ensure_ascii=False, sort_keys=True) if clean else ""


def read_params(detail: str) -> dict[str, Any]:
    """The parameters of a stored detail; text written before parameters is `{"text": ...}`."""
    if not detail:
        return {}
    if detail.startswith("{"):
        try:
            found = json.loads(detail)
        except ValueError:
            found = None
        if isinstance(found, dict):
            return found
    return {"text": detail}


@dataclass(frozen=True)
class Notice:
    """An intent to tell `party` something; becomes a durable delivery row."""

    party: str
    reason: Reason
    step: int | None = None
    loop: int = 0
    detail: str = ""  # params(...): e.g. who took it, to whom it was escalated
    update: bool = False  # an update about an incident the party already heard of


@dataclass(frozen=True)
class Entry:
    """A timeline line: every decision with its reason, for people to read later."""

    at: datetime
    reason: Reason
    party: str | None = None
    detail: str = ""
    step: int | None = None  # the ladder step (0-based) the incident stood on


@dataclass(frozen=True)
class SafetyRecord:
    cause: SafetyCause
    at: datetime
    detail: str = ""


@dataclass(frozen=True)
class Decision:
    """What `decide` or an action produced: the new incident and what follows from it."""

    incident: Incident
    notices: tuple[Notice, ...] = ()
    entries: tuple[Entry, ...] = ()
    safety: tuple[SafetyRecord, ...] = ()
    next_due: datetime | None = None
