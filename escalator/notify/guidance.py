"""Plain-language facts for a card: how serious, what to do, who is called next and when.

Pure functions of the incident, its ladder and the directory, so the card a
nurse reads says the same as what the policy will actually do: the "next"
line walks the ladder exactly like `policy._enter` does, skipping steps
nobody on them can take at that time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from escalator.config.followup import follow_up
from escalator.config.model import Config
from escalator.domain.availability import Directory
from escalator.domain.ladder import DEFAULT_FALSE_ALARM_CLEAR_WITHIN, Ladder
from escalator.domain.model import SOURCE_SILENT, WAITING_FOR_CLEAR, Incident, Reason, State
from escalator.i18n import t
from escalator.i18n.codes import code_severity, code_todo

FAULT_CODES = frozenset({"ft", "fire_loop_fault", "yx", "earth_leakage"})
FIRE_CODES = frozenset({"fa", "fire", "fire_alarm"})
SEVERITIES = ("info", "low", "medium", "high", "critical")
CONTACT_REASONS = {r.value for r in (
    Reason.FIRST, Reason.RENOTIFY, Reason.ESCALATED, Reason.EXHAUSTED, Reason.SAFETY_INCIDENT,
    Reason.REOPENED, Reason.REWALK, Reason.NOW_AVAILABLE, Reason.CLEAR_REQUESTED,
    Reason.ACK_OVERDUE, Reason.ARRIVAL_LATE, Reason.PROMISE_DUE, Reason.MAINTENANCE_ENDED)}


def kind(code: str) -> str:
    """fault | fire | silent | unknown: decides the wording of "how serious" and "what to do"."""
    low = code.lower()
    if low in FAULT_CODES:
        return "fault"
    if low in FIRE_CODES:
        return "fire"
    if code == SOURCE_SILENT:
        return "silent"
    return "unknown"


def serious(incident: Incident, lang: str) -> str:
    k = kind(incident.code)
    if k != "unknown":
        return t(lang, f"serious.{k}")
    severity = (incident.severity or code_severity(incident.code)).strip().lower()
    return t(lang, f"serious.{severity}" if severity in SEVERITIES else "serious.unknown")


def todo(incident: Incident, lang: str, overrides: Mapping[str, Any] | None = None) -> str:
    """What the reader should do now; nothing once someone has it.

    The facility's own line for the code (`codes:` in the config) wins. For
    technical faults and a silent source the answer is the issue's promise:
    no evacuation, nobody needs to phone, the service is calling. Otherwise
    the code catalogue's line (e.g. a fire alarm: check, 112, evacuate).
    """
    if incident.state not in (State.OPEN, State.SNOOZED):
        return t(lang, "todo.done")
    own = _override_todo(incident.code, lang, overrides or {})
    if own:
        return own
    k = kind(incident.code)
    if k in ("fault", "silent"):
        return t(lang, f"todo.{k}")
    return code_todo(lang, incident.code) or t(lang, f"todo.{k}")


def _override_todo(code: str, lang: str, overrides: Mapping[str, Any]) -> str:
    for key, info in overrides.items():
        if str(key).upper() == code.upper():
            texts = getattr(info, "todo", None) or {}
            return texts.get(lang) or texts.get("en") or ""
    return ""


@dataclass(frozen=True)
class Upcoming:
    """The next thing the service will do by itself, for the "Next:" line."""

    key: str  # a texts key: next.step, next.exhausted, next.snoozed, next.false_alarm
    who: str
    at: datetime


def upcoming(incident: Incident, ladder: Ladder, directory: Directory) -> Upcoming | None:
    inc, esc = incident, incident.escalation
    if inc.state is State.SNOOZED and inc.snoozed_until:
        return Upcoming("next.snoozed", "", inc.snoozed_until)
    if inc.state in (*WAITING_FOR_CLEAR, State.ACKNOWLEDGED) and inc.false_alarm_deadline:
        return Upcoming("next.false_alarm", "", inc.false_alarm_deadline)
    if inc.state is State.ACKNOWLEDGED and inc.ack_deadline:
        key = "next.arrival_deadline" if inc.promise == "en_route" else "next.ack_deadline"
        return Upcoming(key, inc.acked_by or "?", inc.ack_deadline)
    if inc.state is State.OPEN and esc.exhausted and esc.exhausted_at:
        return Upcoming("next.rewalk", "", esc.exhausted_at + ladder.rewalk_every)
    if inc.state is not State.OPEN or esc.exhausted or esc.step < 0 or not esc.step_started_at:
        return None
    if esc.step >= len(ladder.steps):
        return None
    at = esc.step_started_at + ladder.steps[esc.step].escalate_after
    step, loop = esc.step + 1, esc.loop
    for _ in range(len(ladder.steps)):
        if step >= len(ladder.steps):
            step, loop = 0, loop + 1
        if loop > ladder.loops:
            break
        names = available_names(ladder.steps[step].notify, directory, at)
        if names:
            return Upcoming("next.step", names, at)
        step += 1
    last = ", ".join(directory.name(p) for p in ladder.on_exhausted) or "-"
    return Upcoming("next.exhausted", last, at)


def available_names(targets: tuple[str, ...], directory: Directory, at: datetime) -> str:
    """Who a step reaches at `at` (rosters resolved to whoever is on shift), as one text."""
    names: list[str] = []
    for target in targets:
        for reach in directory.resolve(target, at):
            name = directory.name(reach.party)
            if reach.available and name not in names:
                names.append(name)
    return ", ".join(names)


def contacting_now(incident: Incident, ladder: Ladder, directory: Directory,
                   now: datetime) -> str:
    """Beyond the first step, who the service is calling right now ("I am contacting ...")."""
    esc = incident.escalation
    if incident.state is not State.OPEN or esc.exhausted or esc.step < 0:
        return ""
    if (esc.step, esc.loop) == (0, 0) or esc.step >= len(ladder.steps):
        return ""
    return available_names(ladder.steps[esc.step].notify, directory, now)


def contacted(timeline: list[dict[str, Any]], directory: Directory) -> list[tuple[str, datetime]]:
    """Everyone told so far with when they were last told, in that order."""
    last: dict[str, datetime] = {}
    for entry in timeline:
        stamp = entry.get("at")
        at = datetime.fromisoformat(stamp) if stamp else None
        if entry.get("reason") in CONTACT_REASONS and entry.get("party") and at:
            last.pop(entry["party"], None)
            last[entry["party"]] = at
    return [(directory.name(p), at) for p, at in last.items()]


def false_alarm_at(incident: Incident) -> datetime | None:
    """When it was called a false alarm: the deadline minus the time the terminal was given."""
    if incident.false_alarm_deadline is None:
        return None
    within = incident.false_alarm_clear_within or DEFAULT_FALSE_ALARM_CLEAR_WITHIN
    return incident.false_alarm_deadline - within


def hand_over(incident: Incident, upcoming: Upcoming | None, config: Config,
              now: datetime) -> tuple[str, datetime | None]:
    """On the care staff's step (the first, the facility's own): who "pass on now" reaches,
    and when someone who takes the alarm now would be reminded."""
    if incident.state not in (State.OPEN, State.SNOOZED):
        return "", None
    follow = follow_up(config, incident.source, incident.code, incident.ladder)
    remind_at = now + follow.ack_timeout
    esc = incident.escalation
    if esc.step == 0 and not esc.exhausted and upcoming and upcoming.key == "next.step":
        return upcoming.who, remind_at
    return "", remind_at
