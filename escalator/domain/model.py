"""The records the service keeps: events, incidents, notices and their reasons."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


class State(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    SNOOZED = "snoozed"
    FALSE_ALARM = "false_alarm"  # called false; waiting for the terminal to clear
    RESOLVED = "resolved"


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


class Action(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    FALSE_ALARM = "false_alarm"
    RESOLVE = "resolve"
    SNOOZE = "snooze"
    ESCALATE = "escalate"
    NOTE = "note"


class SafetyCause(StrEnum):
    NOBODY_ACKNOWLEDGED = "nobody_acknowledged"
    NOBODY_AVAILABLE = "nobody_available"
    FALSE_ALARM_NOT_CLEARED = "false_alarm_not_cleared"
    SOURCE_SILENT = "source_silent"  # a source quiet past its heartbeat_timeout
    DELIVERY_FAILED = "delivery_failed"  # every contact of every party on a step failed


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

    @property
    def dedup_key(self) -> str:
        return f"{self.source}\x1f{self.code}\x1f{self.point}"

    @property
    def is_open(self) -> bool:
        return self.state is not State.RESOLVED


@dataclass(frozen=True)
class Notice:
    """An intent to tell `party` something; becomes a durable delivery row."""

    party: str
    reason: Reason
    step: int | None = None
    loop: int = 0
    detail: str = ""  # e.g. who took it, to whom it was escalated
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
