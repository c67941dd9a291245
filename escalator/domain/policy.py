"""The escalation policy: pure functions from (incident, ladder, directory, now)
to a Decision. No I/O, no clock: the service loads, calls, persists.

Timing rule: every step gets its full `escalate_after` from the moment it was
actually entered, and missed re-notifications collapse into one. So after a
restart or a stalled event loop the ladder resumes where it stood instead of
firing a burst of stale escalations.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from escalator.domain.availability import Directory, Reach
from escalator.domain.ladder import DEFAULT_FALSE_ALARM_CLEAR_WITHIN, Ladder
from escalator.domain.model import (
    Action,
    Decision,
    Entry,
    Escalation,
    Incident,
    Notice,
    Reason,
    SafetyCause,
    SafetyRecord,
    State,
)


@dataclass
class _Builder:
    """Accumulates one decision; keeps the public functions short and readable."""

    incident: Incident
    ladder: Ladder
    directory: Directory
    now: datetime
    notices: list[Notice] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    safety: list[SafetyRecord] = field(default_factory=list)

    def set(self, **changes: object) -> None:
        self.incident = replace(self.incident, **changes)  # type: ignore[arg-type]

    def position(self, **changes: object) -> None:
        self.set(escalation=replace(self.incident.escalation, **changes))  # type: ignore[arg-type]

    def log(self, reason: Reason, party: str | None = None, detail: str = "") -> None:
        step = self.incident.escalation.step
        self.entries.append(Entry(self.now, reason, party, detail, step if step >= 0 else None))

    def tell(self, party: str, reason: Reason, detail: str = "", *, update: bool = False) -> None:
        esc = self.incident.escalation
        step = esc.step if esc.step >= 0 else None
        self.notices.append(Notice(party, reason, step, esc.loop, detail, update))
        self.log(reason, party, detail)
        if party not in self.incident.notified:
            self.set(notified=(*self.incident.notified, party))

    def tell_others(self, reason: Reason, detail: str, *, except_party: str | None) -> None:
        for party in self.incident.notified:
            if party != except_party:
                self.tell(party, reason, detail, update=True)

    def done(self) -> Decision:
        return Decision(
            self.incident, tuple(self.notices), tuple(self.entries), tuple(self.safety),
            next_due(self.incident, self.ladder),
        )


def next_due(incident: Incident, ladder: Ladder) -> datetime | None:
    """When `decide` must run next for this incident; None when nothing is pending."""
    if incident.state is State.RESOLVED:
        return None
    if incident.state is State.SNOOZED:
        return incident.snoozed_until
    if incident.false_alarm_deadline is not None and incident.state in (
        State.FALSE_ALARM, State.ACKNOWLEDGED
    ):
        return incident.false_alarm_deadline
    if incident.state is not State.OPEN or incident.escalation.exhausted:
        return None
    esc = incident.escalation
    if esc.step < 0 or esc.step_started_at is None:
        return incident.opened_at
    step = ladder.steps[esc.step]
    due = esc.step_started_at + step.escalate_after
    if step.repeat_every and esc.last_notified_at is not None:
        due = min(due, esc.last_notified_at + step.repeat_every)
    return due


def _available(b: _Builder, targets: tuple[str, ...]) -> list[Reach]:
    """Resolve targets and log everyone skipped; return those who can be reached now."""
    reached: list[Reach] = []
    for target in targets:
        for reach in b.directory.resolve(target, b.now):
            if reach.available:
                if reach.party not in (r.party for r in reached):
                    reached.append(reach)
            else:
                b.log(Reason.SKIPPED_UNAVAILABLE, reach.party, reach.why or "")
    return reached


def _enter(b: _Builder, step: int, loop: int, reason: Reason, detail: str = "") -> None:
    """Enter `step` (wrapping into further loops); skip steps nobody can take."""
    before = tuple(b.incident.notified)
    skipped = 0
    while True:
        if step >= len(b.ladder.steps):
            step, loop = 0, loop + 1
        if loop > b.ladder.loops:
            _exhaust(b, SafetyCause.NOBODY_ACKNOWLEDGED)
            return
        b.position(step=step, loop=loop)
        reached = _available(b, b.ladder.steps[step].notify)
        if reached:
            break
        skipped += 1
        if skipped >= len(b.ladder.steps):
            _exhaust(b, SafetyCause.NOBODY_AVAILABLE)
            return
        step += 1
    names = ", ".join(b.directory.name(r.party) for r in reached)
    for r in reached:
        b.tell(r.party, reason, detail)
    if reason is not Reason.FIRST:
        for party in before:
            if party not in {r.party for r in reached}:
                b.tell(party, Reason.ESCALATED, f"escalated to {names}", update=True)
    b.position(step_started_at=b.now, last_notified_at=b.now)


def _exhaust(b: _Builder, cause: SafetyCause) -> None:
    """Nobody took it: a safety incident, and the ladder's last resort is told."""
    detail = (
        "nobody on the ladder could be reached"
        if cause is SafetyCause.NOBODY_AVAILABLE
        else f"nobody acknowledged after {b.ladder.loops + 1} walk(s) of the ladder"
    )
    b.position(exhausted=True)
    b.safety.append(SafetyRecord(cause, b.now, detail))
    b.log(Reason.EXHAUSTED, None, detail)
    reached = _available(b, b.ladder.on_exhausted)
    if not reached and b.ladder.on_exhausted:
        # The safety net is told even off-hours: this is the record, not a call-out.
        reached = [Reach(p, True) for p in b.ladder.on_exhausted if p in b.directory.parties]
    for r in reached:
        b.tell(r.party, Reason.EXHAUSTED, detail)


def start(incident: Incident, ladder: Ladder, directory: Directory, now: datetime) -> Decision:
    """A new incident: step 1 is told at once (reason FIRST)."""
    b = _Builder(incident, ladder, directory, now)
    _enter(b, 0, 0, Reason.FIRST)
    return b.done()


def decide(incident: Incident, ladder: Ladder, directory: Directory, now: datetime) -> Decision:
    """Time has passed: apply whatever is due at `now` (at most one transition)."""
    b = _Builder(incident, ladder, directory, now)
    inc = incident
    due = next_due(inc, ladder)
    if due is None or now < due:
        return b.done()
    if inc.state is State.SNOOZED:
        b.set(state=State.OPEN, snoozed_until=None)
        b.log(Reason.UNSNOOZED, None, "snooze ended")
        _renotify(b, "snooze ended", restart_step=True)
    elif inc.false_alarm_deadline is not None and inc.state in (
        State.FALSE_ALARM, State.ACKNOWLEDGED
    ):
        _false_alarm_overdue(b)
    elif inc.escalation.step < 0:
        _enter(b, 0, 0, Reason.FIRST)
    else:
        esc = inc.escalation
        assert esc.step_started_at is not None
        if now >= esc.step_started_at + ladder.steps[esc.step].escalate_after:
            _enter(b, esc.step + 1, esc.loop, Reason.ESCALATED)
        else:
            _renotify(b, "")
    return b.done()


def _renotify(b: _Builder, detail: str, *, restart_step: bool = False) -> None:
    """Remind the current step; whoever is on it now (a shift may have changed)."""
    esc = b.incident.escalation
    if esc.step < 0:
        _enter(b, 0, 0, Reason.FIRST)
        return
    reached = _available(b, b.ladder.steps[esc.step].notify)
    if not reached:
        _enter(b, esc.step + 1, esc.loop, Reason.ESCALATED, "the previous step is not available")
        return
    for r in reached:
        b.tell(r.party, Reason.RENOTIFY, detail)
    if restart_step:
        b.position(step_started_at=b.now, last_notified_at=b.now)
    else:
        b.position(last_notified_at=b.now)


def _false_alarm_overdue(b: _Builder) -> None:
    """Principle 3: a false alarm still on the screen is a safety risk; say so, resume."""
    inc = b.incident
    who = inc.false_alarm_by or "someone"
    detail = f"called a false alarm by {who} but not cleared at the terminal"
    b.safety.append(SafetyRecord(SafetyCause.FALSE_ALARM_NOT_CLEARED, b.now, detail))
    b.log(Reason.SAFETY_INCIDENT, None, detail)
    for r in _available(b, b.ladder.on_exhausted):
        b.tell(r.party, Reason.SAFETY_INCIDENT, detail)
    b.set(state=State.OPEN, false_alarm_deadline=None, acked_by=None, acked_at=None)
    b.position(exhausted=False)
    esc = b.incident.escalation
    if esc.step < 0:
        _enter(b, 0, 0, Reason.FIRST)
    else:
        _renotify(b, "false alarm not cleared at the terminal", restart_step=True)


def apply_action(
    incident: Incident,
    action: Action,
    by: str,
    ladder: Ladder,
    directory: Directory,
    now: datetime,
    *,
    party: str | None = None,
    minutes: int | None = None,
    note: str = "",
    false_alarm_clear_within: timedelta | None = None,
) -> Decision:
    """A person's action. `party` is the party acting (from a signed link), if known."""
    b = _Builder(incident, ladder, directory, now)
    who = by or party or "someone"
    if action is Action.NOTE:
        b.log(Reason.NOTE, party, f"{who}: {note}")
        if party is not None:  # written from a party's link: it is meant for the others
            b.tell_others(Reason.NOTE, f"{who}: {note}", except_party=party)
        return b.done()
    if incident.state is State.RESOLVED:
        return b.done()
    if action is Action.ACKNOWLEDGE:
        b.set(state=State.ACKNOWLEDGED, acked_by=who, acked_at=now, snoozed_until=None)
        b.log(Reason.ACKED, party, _with_note(f"taken by {who}", note))
        b.tell_others(Reason.ACKED, _with_note(f"taken by {who}", note), except_party=party)
    elif action is Action.SNOOZE:
        until = now + timedelta(minutes=minutes or 15)
        b.set(state=State.SNOOZED, snoozed_until=until)
        b.log(Reason.SNOOZED, party, f"snoozed by {who} until {until.isoformat()}")
        b.tell_others(Reason.SNOOZED, b.entries[-1].detail, except_party=party)  # no silent snooze
    elif action is Action.FALSE_ALARM:
        within = false_alarm_clear_within or DEFAULT_FALSE_ALARM_CLEAR_WITHIN
        b.set(state=State.FALSE_ALARM, false_alarm_by=who, false_alarm_deadline=now + within,
              snoozed_until=None)
        text = _with_note(f"called a false alarm by {who}; must clear at the terminal", note)
        b.log(Reason.FALSE_ALARM, party, text)
        b.tell_others(Reason.FALSE_ALARM, text, except_party=party)
    elif action is Action.RESOLVE:
        b.set(state=State.RESOLVED, resolved_at=now, resolved_by=who, false_alarm_deadline=None)
        b.log(Reason.RESOLVED, party, _with_note(f"resolved by {who}", note))
        b.tell_others(Reason.RESOLVED, _with_note(f"resolved by {who}", note), except_party=party)
    elif action is Action.ESCALATE:
        b.set(state=State.OPEN, acked_by=None, acked_at=None, snoozed_until=None)
        b.position(exhausted=False)
        esc = b.incident.escalation
        _enter(b, esc.step + 1, esc.loop, Reason.ESCALATED, _with_note(f"escalated by {who}", note))
    return b.done()


def _with_note(text: str, note: str) -> str:
    return f"{text}: {note}" if note else text


def apply_clear(
    incident: Incident, ladder: Ladder, directory: Directory, now: datetime
) -> Decision:
    """The terminal says the condition is gone: resolved, and everyone told once."""
    b = _Builder(incident, ladder, directory, now)
    if incident.state is State.RESOLVED:
        return b.done()
    b.set(state=State.RESOLVED, resolved_at=now, resolved_by="source",
          false_alarm_deadline=None, snoozed_until=None)
    b.log(Reason.CLEARED, None, "cleared at the terminal")
    b.tell_others(Reason.CLEARED, "cleared at the terminal", except_party=None)
    return b.done()


def apply_repeat(incident: Incident, ladder: Ladder, now: datetime) -> Incident:
    """The same alarm again while open: count it; no new burst of notifications."""
    return replace(incident, count=incident.count + 1, last_seen_at=now)


def simulate(
    incident: Incident, ladder: Ladder, directory: Directory, until: datetime
) -> list[Decision]:
    """Walk the policy forward in time with no storage: for `escalator simulate`."""
    decisions = [start(incident, ladder, directory, incident.opened_at)]
    current = decisions[0].incident
    for _ in range(10_000):
        due = next_due(current, ladder)
        if due is None or due > until:
            break
        d = decide(current, ladder, directory, due)
        decisions.append(d)
        current = d.incident
    return decisions


__all__ = [
    "Escalation", "apply_action", "apply_clear", "apply_repeat", "decide", "next_due",
    "simulate", "start",
]
