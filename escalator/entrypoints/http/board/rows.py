"""What the board shows about an incident, as plain values for the templates.

Pure functions of an incident, its ladder, the directory and `now`, so the
order ("most severe and newest first") and the words are tested without a
browser, and the templates only lay out what is decided here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from escalator.config.model import Config
from escalator.domain.availability import Directory
from escalator.domain.guards import offered
from escalator.domain.model import Incident, State
from escalator.entrypoints.http.board.texts import bt, local
from escalator.i18n import code_label
from escalator.i18n import t as tg
from escalator.i18n.codes import code_severity
from escalator.notify import guidance
from escalator.usecases.holds import HeldAlarm

SEVERITY_RANK = {"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0}


def severity_of(incident: Incident) -> str:
    """The event's own severity, else the code catalogue's; unknown reads as "high"
    (an alarm nobody has classified deserves attention, not silence)."""
    found = (incident.severity or code_severity(incident.code) or "high").strip().lower()
    return found if found in SEVERITY_RANK else "high"


def order(incidents: Sequence[Incident]) -> list[Incident]:
    """Most severe first; among equals, the newest first; nobody-took-it above the rest."""
    return sorted(incidents, key=order_key)


def order_key(i: Incident) -> tuple[int, int, float, int]:
    """Where an incident stands in `order` (a live list keeps these sorted; its last
    item is minus the id)."""
    return (-int(i.escalation.exhausted and i.state is State.OPEN),
            -SEVERITY_RANK[severity_of(i)], -i.opened_at.timestamp(), -i.id)


@dataclass(frozen=True)
class Row:
    id: int
    label: str
    point: str
    text: str
    severity: str  # the key: critical, high, ... (the CSS class)
    severity_words: str
    state: str
    state_words: str
    place: str  # "Step 2 of 4, round 1"
    now: str  # who is being contacted now
    next: str  # what happens next, and when
    since: str
    exhausted: bool
    safety: bool
    taken_by: str
    held: str = ""  # held by a maintenance window: the work, the window (else "")


def row(incident: Incident, config: Config, directory: Directory, lang: str,
        now: datetime, held: HeldAlarm | None = None) -> Row:
    """`held`: a maintenance window holds it: said so, with the window, instead of a
    ladder nobody is on (`held_row`)."""
    tz = config.facility.timezone
    ladder = config.ladders.get(incident.ladder)
    esc = incident.escalation
    severity = severity_of(incident)
    place = ""
    if ladder is not None and esc.step >= 0:
        place = bt(lang, "ladder.step", step=min(esc.step, len(ladder.steps) - 1) + 1,
                   steps=len(ladder.steps))
        if esc.loop:
            place += ", " + bt(lang, "ladder.round", loop=esc.loop + 1)
    exhausted = esc.exhausted and incident.state is State.OPEN
    contacting = ""
    upcoming = None
    if ladder is not None:
        contacting = (guidance.available_names(ladder.steps[esc.step].notify, directory, now)
                      if incident.state is State.OPEN and not esc.exhausted
                      and 0 <= esc.step < len(ladder.steps) else "")
        upcoming = guidance.upcoming(incident, ladder, directory)
    words = bt(lang, f"state.{incident.state.value}")
    if incident.state is State.ACKNOWLEDGED and incident.promise in ("en_route", "on_site"):
        words = bt(lang, f"action.{incident.promise}")  # "on my way", "on site": who promised
    nxt = ""
    if upcoming is not None:
        nxt = f"{tg(lang, 'label.next')}: " + tg(lang, upcoming.key, who=upcoming.who,
                                                  time=local(upcoming.at, tz, now, lang))
    found = Row(
        id=incident.id, label=code_label(lang, incident.code), point=incident.point,
        text=incident.text, severity=severity, severity_words=bt(lang, f"sev.{severity}"),
        state=incident.state.value, state_words=words,
        place=bt(lang, "ladder.exhausted") if exhausted else place,
        now=bt(lang, "ladder.now", who=contacting) if contacting else "",
        next=nxt, since=local(incident.opened_at, tz, now, lang), exhausted=exhausted,
        safety=bool(incident.safety), taken_by=incident.acked_by or "")
    return found if held is None else held_row(found, held, tz, lang, now)


def held_row(found: Row, held: HeldAlarm, tz: str, lang: str, now: datetime) -> Row:
    """A held alarm: "held: planned work", the work and its window, and when the ladder
    starts if the alarm is still on; nobody is being contacted, so no step and no "now"."""
    end = local(held.until, tz, now, lang)
    window = bt(lang, "held.window", start=local(held.starts, tz, now, lang), end=end) \
        if held.starts else bt(lang, "held.window_until", end=end)
    work = bt(lang, "held.work", work=held.work) if held.work else ""
    return replace(found, state="held", state_words=bt(lang, "held.state"), place="", now="",
                   next=bt(lang, "held.next", time=end),
                   held=". ".join(x for x in (work, window) if x))


def actions(incident: Incident) -> tuple[str, ...]:
    """The answers that make sense in the incident's state: the one table
    (domain/guards.py), as on the Telegram card and the ack page."""
    return tuple(a.value for a in offered(incident.state))
