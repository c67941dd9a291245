"""The escalation policy: pure functions from (incident, ladder, directory, now)
to a Decision. No I/O, no clock: the service loads, calls, persists.

Timing rule: every step gets its full `escalate_after` from the moment it was
actually entered, and missed re-notifications collapse into one. So after a
restart or a stalled event loop the ladder resumes where it stood instead of
firing a burst of stale escalations.

Follow-through rule (principle 3): no state is an end except "resolved" after
the terminal agrees. A taken alarm has a deadline (`ack_timeout`, or the one its
promise sets: domain/promises.py); a false alarm and a person's "resolved" wait for the
terminal's clear; an exhausted ladder keeps looking for someone. Each missed
deadline writes a safety record and brings the calls back.

Stored details are parameters (`params(...)`), never sentences: every reader
gets the sentence in their own language when it is shown or sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from escalator.domain import promises
from escalator.domain.audience import muted
from escalator.domain.availability import Directory, Reach
from escalator.domain.guards import DEFAULT_SNOOZE
from escalator.domain.ladder import DEFAULT_FALSE_ALARM_CLEAR_WITHIN, FollowUp, Ladder
from escalator.domain.model import (
    WAITING_FOR_CLEAR,
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
    params,
)

DEFAULT_FOLLOW_UP = FollowUp()


@dataclass
class _Builder:
    """Accumulates one decision; keeps the public functions short and readable."""

    incident: Incident
    ladder: Ladder
    directory: Directory
    now: datetime
    follow: FollowUp = DEFAULT_FOLLOW_UP
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
        if muted(self.directory.parties.get(party), party in self.incident.notified, update):
            return  # a viewer is told of an incident once (escalator.domain.audience)
        esc = self.incident.escalation
        step = esc.step if esc.step >= 0 else None
        self.notices.append(Notice(party, reason, step, esc.loop, detail, update))
        self.log(reason, party, detail)
        if not update and party in esc.skipped:  # reached after all: no "now available"
            self.position(skipped=tuple(p for p in esc.skipped if p != party))
        if party not in self.incident.notified:
            self.set(notified=(*self.incident.notified, party))

    def tell_others(self, reason: Reason, detail: str, *, except_party: str | None) -> None:
        for party in self.incident.notified:
            if party != except_party:
                self.tell(party, reason, detail, update=True)

    def record(self, cause: SafetyCause, detail: str, *, once: bool = False) -> None:
        """A safety record. `once`: an exhausted ladder is one record however often
        it is walked again; each broken promise (taken, "false", "resolved") is its own."""
        if once and cause.value in self.incident.safety:
            return
        self.safety.append(SafetyRecord(cause, self.now, detail))
        self.set(safety=(*self.incident.safety, cause.value))

    def done(self) -> Decision:
        return Decision(
            self.incident, tuple(self.notices), tuple(self.entries), tuple(self.safety),
            next_due(self.incident, self.ladder, self.follow),
        )


def next_due(
    incident: Incident, ladder: Ladder, follow: FollowUp = DEFAULT_FOLLOW_UP
) -> datetime | None:
    """When `decide` must run next for this incident; None when nothing is pending."""
    inc = incident
    if inc.state is State.RESOLVED:
        return None
    if inc.state is State.SNOOZED:
        return inc.snoozed_until
    if inc.state in WAITING_FOR_CLEAR or (
        inc.state is State.ACKNOWLEDGED and inc.false_alarm_deadline is not None
    ):
        return _clear_due(inc, follow)
    if inc.state is State.ACKNOWLEDGED:
        return _earliest(inc.ack_deadline, promises.reminder_at(inc))
    esc = inc.escalation
    if esc.exhausted:
        rewalk = esc.exhausted_at + follow.rewalk_every if esc.exhausted_at else None
        return _earliest(rewalk, esc.recheck_at)
    if esc.step < 0 or esc.step_started_at is None:
        return inc.opened_at
    step = ladder.steps[esc.step]
    due = esc.step_started_at + step.escalate_after
    if step.repeat_every and esc.last_notified_at is not None:
        due = min(due, esc.last_notified_at + step.repeat_every)
    return due


def _clear_due(inc: Incident, follow: FollowUp) -> datetime | None:
    """Waiting for the terminal: the deadline, or the next reminder to those who clear it."""
    remind = None
    if follow.clears and inc.clear_reminded_at is not None:
        remind = inc.clear_reminded_at + follow.clear_remind_every
    return _earliest(inc.false_alarm_deadline, remind)


def _earliest(*values: datetime | None) -> datetime | None:
    return min((v for v in values if v is not None), default=None)


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
                if (reach.party in b.directory.parties
                        and reach.party not in b.incident.escalation.skipped):
                    b.position(skipped=(*b.incident.escalation.skipped, reach.party))
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
    _call(b, reached, reason, detail, before)
    b.position(step_started_at=b.now, last_notified_at=b.now)


def _call(b: _Builder, reached: list[Reach], reason: Reason, detail: str,
          before: tuple[str, ...]) -> None:
    """Tell the step's parties; those told before hear to whom it went (an update)."""
    names = [b.directory.name(r.party) for r in reached]
    for r in reached:
        b.tell(r.party, reason, detail)
    if reason not in (Reason.FIRST, Reason.REOPENED):
        on_ladder = {t for step in b.ladder.steps for t in step.notify}
        for party in before:
            if party in b.ladder.on_exhausted and party not in on_ladder:
                continue  # the last resort heard of the record, not of every hand-over
            if party not in {r.party for r in reached}:
                b.tell(party, Reason.ESCALATED, params(to=", ".join(names)), update=True)


def _exhaust(b: _Builder, cause: SafetyCause) -> None:
    """Nobody took it: a safety record (once), the last resort told, and keep looking."""
    first_time = not b.incident.safety or not any(
        c in b.incident.safety for c in (SafetyCause.NOBODY_ACKNOWLEDGED.value,
                                          SafetyCause.NOBODY_AVAILABLE.value))
    detail = params(cause=cause.value, walks=b.ladder.loops + 1,
                    rewalk=int(b.follow.rewalk_every.total_seconds() // 60),
                    again=None if first_time else 1)
    b.position(exhausted=True, exhausted_at=b.now)
    b.log(Reason.EXHAUSTED, None, detail)
    if first_time:
        b.record(cause, detail, once=True)
        reached = _available(b, b.ladder.on_exhausted)
        if not reached and b.ladder.on_exhausted:
            # The safety net is told even off-hours: this is the record, not a call-out.
            reached = [Reach(p, True) for p in b.ladder.on_exhausted
                       if p in b.directory.parties]
        for r in reached:
            b.tell(r.party, Reason.EXHAUSTED, detail)
    _plan_recheck(b)


def _plan_recheck(b: _Builder) -> None:
    """Exhausted: wake when a skipped party may come back (the contractor at 07:00)."""
    hints = [b.directory.next_change(p, b.now) for p in b.incident.escalation.skipped]
    b.position(recheck_at=_earliest(*hints))


def start(incident: Incident, ladder: Ladder, directory: Directory, now: datetime,
          follow: FollowUp = DEFAULT_FOLLOW_UP, *, reason: Reason = Reason.FIRST,
          detail: str = "") -> Decision:
    """A new incident (or a held one let go): step 1 is told at once."""
    b = _Builder(incident, ladder, directory, now, follow)
    _enter(b, 0, 0, reason, detail)
    return b.done()


def decide(incident: Incident, ladder: Ladder, directory: Directory, now: datetime,
           follow: FollowUp = DEFAULT_FOLLOW_UP) -> Decision:
    """Time has passed: apply whatever is due at `now` (at most one transition)."""
    b = _Builder(incident, ladder, directory, now, follow)
    inc = incident
    due = next_due(inc, ladder, follow)
    if due is None or now < due:
        return b.done()
    if inc.state is State.SNOOZED:
        b.set(state=State.OPEN, snoozed_until=None)
        b.log(Reason.UNSNOOZED, None, params(why="snooze_ended"))
        _renotify(b, params(why="snooze_ended"), restart_step=True)
    elif inc.state in WAITING_FOR_CLEAR or (
            inc.state is State.ACKNOWLEDGED and inc.false_alarm_deadline is not None):
        if inc.false_alarm_deadline is not None and now >= inc.false_alarm_deadline:
            _not_cleared(b)
        else:
            _remind_clearers(b)
    elif inc.state is State.ACKNOWLEDGED and now < (inc.ack_deadline or now):
        if inc.acked_party in b.directory.parties:  # the promise runs out soon: arrived?
            b.tell(inc.acked_party or "", Reason.PROMISE_DUE, promises.detail(inc))
        b.set(promise_reminded_at=now)
    elif inc.state is State.ACKNOWLEDGED:
        _ack_overdue(b)
    elif inc.escalation.exhausted:
        _while_exhausted(b)
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


def _renotify(b: _Builder, detail: str, *, restart_step: bool = False,
              reason: Reason = Reason.RENOTIFY) -> None:
    """Remind the current step; whoever is on it now (a shift may have changed)."""
    esc = b.incident.escalation
    if esc.step < 0:
        _enter(b, 0, 0, Reason.FIRST)
        return
    reached = _available(b, b.ladder.steps[esc.step].notify)
    if not reached:
        _enter(b, esc.step + 1, esc.loop, Reason.ESCALATED, params(why="step_unavailable"))
        return
    for r in reached:
        b.tell(r.party, reason, detail)
    if restart_step:
        b.position(step_started_at=b.now, last_notified_at=b.now)
    else:
        b.position(last_notified_at=b.now)


def _reopen_calls(b: _Builder) -> None:
    """Back to calling: nobody owns it any more."""
    b.set(state=State.OPEN, acked_by=None, acked_at=None, acked_party=None, eta=None,
          ack_deadline=None, false_alarm_deadline=None, clear_promised_by=None,
          clear_reminded_at=None, snoozed_until=None, **promises.NONE)
    b.position(exhausted=False, exhausted_at=None, recheck_at=None)


def _ack_overdue(b: _Builder) -> None:
    """Rule 1, taken is not done: remind the taker, tell the others, resume the ladder.
    The record names the promise broken (a late arrival is not "not resolved")."""
    inc = b.incident
    cause, reason, detail, logged = promises.broken(inc)
    b.record(cause, detail)
    b.log(Reason.SAFETY_INCIDENT, None, logged)
    taker = inc.acked_party
    _reopen_calls(b)
    if taker is not None and taker in b.directory.parties:
        b.tell(taker, reason, detail)
    for party in inc.notified:
        if party != taker:
            b.tell(party, reason, detail, update=True)
    esc = b.incident.escalation
    if esc.step < 0:
        _enter(b, 0, 0, Reason.FIRST)
        return
    reached = [r for r in _available(b, b.ladder.steps[esc.step].notify) if r.party != taker]
    for r in reached:
        if r.party not in inc.notified:
            b.tell(r.party, Reason.RENOTIFY, detail)
    b.position(step_started_at=b.now, last_notified_at=b.now)


def _remind_clearers(b: _Builder) -> None:
    """Rule 3: keep asking whoever can clear it, until the terminal clears."""
    inc = b.incident
    detail = params(deadline=inc.false_alarm_deadline, by=inc.false_alarm_by,
                    promised=inc.clear_promised_by)
    for party in b.follow.clears:
        if party in b.directory.parties:
            b.tell(party, Reason.CLEAR_REQUESTED, detail)
    b.set(clear_reminded_at=b.now)


def _not_cleared(b: _Builder) -> None:
    """Principle 3: a "false alarm" or "resolved" still on the screen is a safety risk."""
    inc = b.incident
    cause = (SafetyCause.RESOLVED_NOT_CLEARED if inc.state is State.AWAITING_CLEAR
             else SafetyCause.FALSE_ALARM_NOT_CLEARED)
    who = inc.resolved_by if inc.state is State.AWAITING_CLEAR else inc.false_alarm_by
    detail = params(cause=cause.value, by=who, deadline=inc.false_alarm_deadline,
                    promised=inc.clear_promised_by)
    b.record(cause, detail)
    told: set[str] = set()
    for party in inc.notified:
        b.tell(party, Reason.SAFETY_INCIDENT, detail, update=True)
        told.add(party)
    for r in _available(b, b.ladder.on_exhausted):
        if r.party not in told:
            b.tell(r.party, Reason.SAFETY_INCIDENT, detail)
    _reopen_calls(b)
    b.set(resolved_at=None, resolved_by=None)
    esc = b.incident.escalation
    if esc.step < 0:
        _enter(b, 0, 0, Reason.FIRST)
    else:
        # Whoever called it stood on this step and could not get it cleared: go on up.
        _enter(b, esc.step + 1, esc.loop, Reason.ESCALATED, detail)


def _while_exhausted(b: _Builder) -> None:
    """Rule 4: nobody answered is not the end. Reach whoever came back; walk again."""
    esc = b.incident.escalation
    if esc.exhausted_at is not None and b.now >= esc.exhausted_at + b.follow.rewalk_every:
        b.position(exhausted=False, exhausted_at=None, recheck_at=None, skipped=())
        b.log(Reason.REWALK, None, params(every=int(b.follow.rewalk_every.total_seconds() // 60)))
        _enter(b, 0, b.ladder.loops, Reason.REWALK)  # one more walk, then wait again
        return
    still: list[str] = []
    for party in esc.skipped:
        reach = b.directory.availability(party, b.now) if party in b.directory.parties else None
        if reach is not None and reach.available:
            b.tell(party, Reason.NOW_AVAILABLE, params(since=esc.exhausted_at))
        elif reach is not None:
            still.append(party)
    b.position(skipped=tuple(still))
    _plan_recheck(b)


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
    eta: datetime | None = None,
    clear_by: datetime | None = None,
    said: str = "",
    follow: FollowUp = DEFAULT_FOLLOW_UP,
    fix_by: datetime | None = None,
) -> Decision:
    """A person's action. `party` is the party acting (from a signed link), if known.
    `said`: what the answer means beyond its action ("on_way", "not_ours"), shown to all.
    A promise's time (EN_ROUTE `eta`, ON_SITE `fix_by`) may come as `minutes` from now."""
    b = _Builder(incident, ladder, directory, now, follow)
    who = by or party or "?"
    if action is Action.NOTE:
        text = params(by=who, note=note, said=said)
        b.log(Reason.NOTE, party, text)
        if party is not None and incident.is_open:  # from a party's link: for the others
            b.tell_others(Reason.NOTE, text, except_party=party)
        return b.done()
    if incident.state is State.RESOLVED:
        return b.done()
    if action in (Action.ACKNOWLEDGE, Action.EN_ROUTE, Action.ON_SITE):
        b.set(**promises.take(incident, action, who, party, now, follow, minutes=minutes,
                              eta=eta, fix_by=fix_by))
        reason, text = promises.given(action, who, b.incident, note, said)
        b.position(exhausted=False, exhausted_at=None, recheck_at=None)
        b.log(reason, party, text)
        b.tell_others(reason, text, except_party=party)
    elif action is Action.SNOOZE:
        until = now + timedelta(minutes=minutes or DEFAULT_SNOOZE)
        b.set(state=State.SNOOZED, snoozed_until=until)
        b.log(Reason.SNOOZED, party, params(by=who, until=until))
        b.tell_others(Reason.SNOOZED, b.entries[-1].detail, except_party=party)  # no silent snooze
    elif action is Action.FALSE_ALARM:
        _wait_for_clear(b, State.FALSE_ALARM, who, party, note, false_alarm_clear_within,
                        clear_by)
    elif action is Action.RESOLVE:
        if follow.sends_clear:
            _wait_for_clear(b, State.AWAITING_CLEAR, who, party, note,
                            false_alarm_clear_within, clear_by)
        else:
            b.set(state=State.RESOLVED, resolved_at=now, resolved_by=who,
                  false_alarm_deadline=None, ack_deadline=None)
            text = params(by=who, note=note)
            b.log(Reason.RESOLVED, party, text)
            b.tell_others(Reason.RESOLVED, text, except_party=party)
    elif action is Action.ESCALATE:
        _reopen_calls(b)
        esc = b.incident.escalation
        _enter(b, esc.step + 1, esc.loop, Reason.ESCALATED, params(by=who, note=note, said=said))
    return b.done()


def _wait_for_clear(b: _Builder, state: State, who: str, party: str | None, note: str,
                    within: timedelta | None, promised: datetime | None) -> None:
    """A false alarm, or "resolved" on a source that sends clears: the terminal decides."""
    deadline = b.now + (within or DEFAULT_FALSE_ALARM_CLEAR_WITHIN)
    if state is State.AWAITING_CLEAR:
        b.set(state=state, resolved_by=who, resolved_at=None, false_alarm_deadline=deadline,
              clear_promised_by=promised, snoozed_until=None, ack_deadline=None)
        reason = Reason.AWAITING_CLEAR
    else:
        b.set(state=state, false_alarm_by=who, false_alarm_deadline=deadline,
              clear_promised_by=promised, snoozed_until=None, ack_deadline=None)
        reason = Reason.FALSE_ALARM
    b.position(exhausted=False, exhausted_at=None, recheck_at=None)
    text = params(by=who, note=note, deadline=deadline, promised=promised)
    b.log(reason, party, text)
    b.tell_others(reason, text, except_party=party)
    asked = params(by=who, deadline=deadline, promised=promised)
    for clearer in b.follow.clears:
        if clearer != party and clearer in b.directory.parties:
            b.tell(clearer, Reason.CLEAR_REQUESTED, asked)
    b.set(clear_reminded_at=b.now if b.follow.clears else None)


def apply_clear(
    incident: Incident, ladder: Ladder, directory: Directory, now: datetime
) -> Decision:
    """The terminal says the condition is gone: resolved, and everyone told once."""
    b = _Builder(incident, ladder, directory, now)
    if incident.state is State.RESOLVED:
        return b.done()
    b.set(state=State.RESOLVED, resolved_at=now,
          resolved_by=incident.resolved_by if incident.state is State.AWAITING_CLEAR
          else "source",
          false_alarm_deadline=None, snoozed_until=None, ack_deadline=None)
    b.log(Reason.CLEARED, None, "")
    b.tell_others(Reason.CLEARED, "", except_party=None)
    return b.done()


def apply_repeat(incident: Incident, ladder: Ladder, now: datetime) -> Incident:
    """The same alarm again while open: count it; no new burst of notifications."""
    return replace(incident, count=incident.count + 1, last_seen_at=now)


def reopen(incident: Incident, ladder: Ladder, directory: Directory, now: datetime,
           follow: FollowUp = DEFAULT_FOLLOW_UP) -> Decision:
    """Rule 5: the same alarm soon after it was resolved is the same problem, again."""
    fresh = replace(
        incident, state=State.OPEN, reopened=incident.reopened + 1, count=incident.count + 1,
        last_seen_at=now, escalation=Escalation(), resolved_at=None, resolved_by=None,
        acked_by=None, acked_at=None, acked_party=None, eta=None, ack_deadline=None,
        false_alarm_by=None, false_alarm_deadline=None, clear_promised_by=None,
        clear_reminded_at=None, snoozed_until=None, **promises.NONE,
    )
    b = _Builder(fresh, ladder, directory, now, follow)
    detail = params(times=fresh.reopened, resolved_at=incident.resolved_at,
                    resolved_by=incident.resolved_by)
    b.log(Reason.REOPENED, None, detail)
    _enter(b, 0, 0, Reason.REOPENED, detail)
    return b.done()


def simulate(
    incident: Incident, ladder: Ladder, directory: Directory, until: datetime,
    follow: FollowUp = DEFAULT_FOLLOW_UP,
) -> list[Decision]:
    """Walk the policy forward in time with no storage: for `escalator simulate`."""
    decisions = [start(incident, ladder, directory, incident.opened_at, follow)]
    current = decisions[0].incident
    for _ in range(10_000):
        due = next_due(current, ladder, follow)
        if due is None or due > until:
            break
        d = decide(current, ladder, directory, due, follow)
        decisions.append(d)
        current = d.incident
    return decisions


__all__ = ["Escalation", "apply_action", "apply_clear", "apply_repeat", "decide", "next_due",
           "reopen", "simulate", "start"]
