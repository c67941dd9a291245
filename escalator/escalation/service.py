"""The escalation service: load from storage, decide (pure), persist, poke.

Every state change happens inside one store transaction under one lock, so
the store is the only truth and a crash between two calls loses nothing:
the next `wake()` recomputes from what was committed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial

from escalator.config.followup import follow_up
from escalator.config.model import Config
from escalator.domain import delivery, policy
from escalator.domain.answering import Correlation, correlate
from escalator.domain.availability import Directory
from escalator.domain.errors import ActionError, StorageBusy, StorageConflict
from escalator.domain.guards import (
    DEFAULT_SNOOZE,
    MAX_SNOOZE,
    snooze_ok,
    snooze_refusal,
    whole_minutes,
)
from escalator.domain.hours import format_duration
from escalator.domain.ladder import DEFAULT_FALSE_ALARM_CLEAR_WITHIN, FollowUp, Ladder, route_for
from escalator.domain.limits import NOTES_PER_INCIDENT
from escalator.domain.model import (
    SOURCE_SILENT,
    Action,
    AlarmEvent,
    Decision,
    Entry,
    Incident,
    Reason,
    SafetyCause,
    SafetyRecord,
    State,
    params,
)
from escalator.escalation import holds as maintenance_holds
from escalator.escalation import promise_watch
from escalator.escalation.commitqueue import CommitQueue
from escalator.i18n import t
from escalator.runtime.clock import Clock, SteadyClock
from escalator.storage import limits
from escalator.storage.protocol import Store
from escalator.storage.rows import dt
from escalator.storage.tx import Tx

log = logging.getLogger(__name__)

WAKE_BATCH = 20  # incidents per waker transaction: intake waits one at most (see stop 7)
WAKE_ROUNDS = 20  # batches per wake() before the deliveries they made get their turn
INTAKE_WAIT_S = 2.0  # longest an event queues for its turn at the store before a 503
CONFLICT_RETRIES = 3
INTAKE_BATCH = 100  # events sharing one transaction at most (group commit)


@dataclass(frozen=True)
class IngestResult:
    incident_id: int | None
    duplicate: bool = False  # the sender's id was seen before: nothing changed
    new_incident: bool = False
    reopened: bool = False  # the same alarm soon after it was resolved: the same incident


class EscalationService:
    def __init__(
        self,
        store: Store,
        config: Config,
        directory: Directory,
        clock: Clock,
        on_change: Callable[[], None] | None = None,
        on_due: Callable[[datetime | None], None] | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.directory = directory
        self._seen = directory  # with the covers the last decision read (`seen_directory`)
        self.clock = clock
        self._on_change = on_change or (lambda: None)
        self._on_due = on_due  # only timers changed (notices went to the dispatcher): no tick
        self._lock = asyncio.Lock()
        self._intake: CommitQueue[AlarmEvent, IngestResult] = CommitQueue(
            self._store_events, self._lock, INTAKE_WAIT_S, INTAKE_BATCH)
        self.listeners: list[Callable[[Incident], None]] = []  # told of each action's result

    def reconfigure(self, config: Config, directory: Directory) -> None:
        """Swap in a new, already validated config; open incidents keep their ladder name."""
        self.config, self.directory = config, directory
        self._on_change()

    # -- intake ---------------------------------------------------------------
    async def ingest(self, event: AlarmEvent) -> IngestResult:
        """Store the event and its consequences durably, then tell the waker.

        Events arriving together share one transaction (group commit, `commitqueue`):
        each caller still returns only after its event is committed. A sender is never
        held for the length of someone else's lock: while the store has just met one
        (`store.busy`) intake answers StorageBusy (503) at once, and no event queues
        longer than INTAKE_WAIT_S for its turn."""
        if self.store.busy:
            raise StorageBusy("intake: the database is locked by another writer; retry shortly")
        return await self._intake.submit(event)

    async def _store_events(self, events: list[AlarmEvent], deadline: float
                            ) -> list[IngestResult]:
        """One transaction for a batch of events (under the service lock). A uniqueness
        conflict means another instance stored the same alarm first: run again, and see
        its incident."""
        for attempt in range(CONFLICT_RETRIES):
            try:
                results, wake_at, needs_claim = await self.store.transaction(
                    partial(self._ingest_all, events=events),
                    wait=max(0.0, deadline - time.monotonic()))
                break
            except StorageConflict:
                if attempt == CONFLICT_RETRIES - 1:
                    raise
        if any(not r.duplicate for r in results):
            if needs_claim or self._on_due is None:
                self._on_change()
            else:  # the outbox rows are in their lanes already: only the timer is news
                self._on_due(wake_at)
        return results

    def _ingest_all(self, tx: Tx, events: list[AlarmEvent]
                    ) -> tuple[list[IngestResult], datetime | None, bool]:
        spoke: dict[str, datetime] = {}  # source -> its latest event's time
        results = [self._ingest(tx, event, spoke) for event in events]
        for source, at in spoke.items():  # last: on PostgreSQL the upsert locks the row to
            self._source_spoke(tx, source, at)  # the commit, and other instances wait
        return results, tx.wake_at, tx.needs_claim

    def _ingest(self, tx: Tx, event: AlarmEvent, spoke: dict[str, datetime]) -> IngestResult:
        now = event.received_at
        if event.event_id:
            seen = tx.events.find(event.source, event.event_id)
            if seen is not None:
                return IngestResult(seen["incident_id"], duplicate=True)
        spoke[event.source] = max(now, spoke.get(event.source, now))  # a sign of life
        follow = follow_up(self.config, event.source, event.code, self._route_ladder(event))
        reopen = event.state == "alarm" and follow.reopen_within > timedelta(0)
        current, recent = tx.incidents.open_or_resolved_since(
            event.dedup_key, now - follow.reopen_within if reopen else None) \
            if event.state != "heartbeat" else (None, None)
        meaning = correlate(event.state, current, recent)
        if meaning is Correlation.HEARTBEAT:
            tx.events.add(event, None)
            return IngestResult(None)
        if meaning is Correlation.CLEAR_UNKNOWN:
            tx.events.add(event, None)
            return IngestResult(None)
        if meaning is Correlation.CLEAR:
            assert current is not None
            self._persist(tx, policy.apply_clear(current, self._ladder(current),
                                                 self._dir(tx, now), now), now)
            tx.events.add(event, current.id)
            return IngestResult(current.id)
        if meaning is Correlation.REPEAT:
            assert current is not None
            repeated = policy.apply_repeat(current, self._ladder(current), now)
            tx.incidents.save(repeated, policy.next_due(repeated, self._ladder(repeated),
                                                        self._follow(repeated)))
            tx.timeline.add(current.id, [Entry(now, Reason.REPEATED, None,
                                               params(count=repeated.count))])
            tx.events.add(event, current.id)
            return IngestResult(current.id)
        if meaning is Correlation.REOPEN:
            assert recent is not None
            ladder = self._ladder(recent)
            d = policy.reopen(recent, ladder, self._dir(tx, now), now, self._follow(recent))
            self._persist(tx, maintenance_holds.hold_reopened(tx, self.config, d, recent, now),
                          now)
            tx.events.add(event, recent.id)
            return IngestResult(recent.id, reopened=True)
        incident_id = self._open(tx, event, now)
        tx.events.add(event, incident_id)
        return IngestResult(incident_id, new_incident=True)

    def _route_ladder(self, event: AlarmEvent) -> str:
        route = route_for(self.config.routes, event.source, event.code)
        return self._silent_ladder(event) or (
            route.ladder if route else self.config.routes[0].ladder)

    def _open(self, tx: Tx, event: AlarmEvent, now: datetime) -> int:
        route = route_for(self.config.routes, event.source, event.code)
        ladder_id = self._route_ladder(event)
        draft = Incident(
            id=0, source=event.source, code=event.code, point=event.point, text=event.text,
            severity=event.severity, ladder=ladder_id, state=State.OPEN, opened_at=now,
            last_seen_at=now,
            false_alarm_clear_within=route.false_alarm_clear_within if route else None,
        )
        # decided first (the ladder ignores the id): inserted once, with its real timer
        window = maintenance_holds.window_for(tx, self.config, draft, now)
        d = maintenance_holds.held(draft, window, now) if window is not None else policy.start(
            draft, self._ladder(draft), self._dir(tx, now), now, self._follow(draft))
        incident_id = tx.incidents.add(d.incident, d.next_due)
        opened = Entry(now, Reason.OPENED, None, params(code=event.code, source=event.source))
        self._persist(tx, replace(d, incident=replace(d.incident, id=incident_id),
                                  entries=(opened, *d.entries)), now, save=False)
        if window is not None:  # recorded; its ladder starts when the window ends
            tx.maintenance.add_hold(incident_id, window)
        return incident_id

    def _silent_ladder(self, event: AlarmEvent) -> str | None:
        if event.code != SOURCE_SILENT:
            return None
        src = self.config.sources.get(event.source)
        return src.ladder if src else None

    # -- actions --------------------------------------------------------------
    async def act(
        self, incident_id: int, action: Action, by: str, *, party: str | None = None,
        minutes: int | None = None, note: str = "", clear_by: datetime | None = None,
        eta: datetime | None = None, said: str = "", fix_by: datetime | None = None,
        check: Callable[[Tx, Incident], None] | None = None) -> Incident:
        """Apply a person's action. `clear_by`: a false alarm's promised clearing time
        (the route's `false_alarm_clear_within` still caps it). `check` runs in the same
        transaction first and may raise to refuse the action (e.g. a stale page)."""
        async with self._lock:
            now = self.clock.now()

            def work(tx: Tx) -> Incident:
                incident = tx.incidents.get(incident_id)
                if incident is None:
                    raise ActionError(f"no incident {incident_id}")
                if check is not None:
                    check(tx, incident)
                if action is Action.SNOOZE:  # every entry point: page, Telegram, API
                    parse_minutes(minutes or DEFAULT_SNOOZE, self.config.http.max_snooze)
                if action is Action.NOTE and \
                        limits.notes_on(tx, incident_id) >= NOTES_PER_INCIDENT:
                    raise ActionError(f"incident {incident_id} already has "
                                      f"{NOTES_PER_INCIDENT} notes")
                told = party
                if action is Action.NOTE and not incident.is_open:
                    told = None  # after resolve a note is recorded, not sent to everyone
                within = incident.false_alarm_clear_within
                if clear_by is not None and clear_by > now:
                    within = min(within or DEFAULT_FALSE_ALARM_CLEAR_WITHIN, clear_by - now)
                d = policy.apply_action(
                    incident, action, by, self._ladder(incident), self._dir(tx, now), now,
                    party=told, minutes=minutes, note=note, false_alarm_clear_within=within,
                    eta=eta, clear_by=clear_by, said=said, follow=self._follow(incident),
                    fix_by=fix_by)
                self._persist(tx, d, now)
                return d.incident

            incident = await self.store.transaction(work)
        for listener in self.listeners:
            listener(incident)
        self._on_change()
        return incident

    async def refused(self, incident_id: int, detail: str) -> None:
        """Someone not authorised tried to act: nothing changes but the timeline says so."""
        entry = Entry(self.clock.now(), Reason.REFUSED, None, detail)
        await self.store.transaction(lambda tx: tx.timeline.add(incident_id, [entry]))

    async def delivery_failed(self, incident_id: int, step: int | None, loop: int) -> None:
        """Nobody on the current step could be reached on any channel: move the ladder on."""
        async with self._lock:
            now = self.clock.now()

            def work(tx: Tx) -> bool:
                inc = tx.incidents.get(incident_id)
                if inc is None or inc.state is not State.OPEN or inc.escalation.exhausted:
                    return False
                if (inc.escalation.step, inc.escalation.loop) != (step, loop):
                    return False  # the ladder has already moved on
                live = [d for d in tx.deliveries.of_incident(incident_id)
                        if d.step == step and d.loop == loop and not d.is_update
                        and d.status in delivery.LIVE]
                if live:
                    return False  # someone on this step was (or may still be) reached
                d = policy.apply_action(inc, Action.ESCALATE, "escalator", self._ladder(inc),
                                        self._dir(tx, now), now, follow=self._follow(inc))
                self._persist(tx, d, now)
                tx.safety.add(incident_id, [SafetyRecord(  # parameters, rendered when shown
                    SafetyCause.DELIVERY_FAILED, now, params(step=step, loop=loop))])
                return True

            moved = await self.store.transaction(work)
        if moved:
            self._on_change()

    # -- time -----------------------------------------------------------------
    async def wake(self) -> datetime | None:
        """Apply everything due now; return when the next thing is due.

        In batches of WAKE_BATCH incidents, one transaction each, with the lock
        released in between: intake and actions are never held up for long."""
        for _ in range(WAKE_ROUNDS):
            async with self._lock:
                now = self.clock.now()
                due, more = await self.store.transaction(partial(self._wake, now=now))
            if not more:
                break
            await asyncio.sleep(0)
        return due  # still `now` when more is due: the caller sends, then comes back

    def _wake(self, tx: Tx, now: datetime) -> tuple[datetime | None, bool]:
        directory = self._dir(tx, now)
        for held in maintenance_holds.review(tx, self.config, now, self._ladder, self._follow,
                                             directory):
            self._persist(tx, held, now)
        found = tx.incidents.due(now, WAKE_BATCH)
        tx.decisions.save([policy.decide(i, self._ladder(i), directory, now,
                                         self._follow(i)) for i in found], now)
        if len(found) == WAKE_BATCH:
            return now, True
        if isinstance(self.clock, SteadyClock) and (jump := self.clock.take_jump()):
            tx.sources.shift_heartbeats(jump, now)  # a step forward is not their silence
        due = (tx.incidents.earliest_due(), self._check_sources(tx, now),
               promise_watch.review(tx, self.config.parties, now))  # broken promises recorded
        return min((d for d in due if d is not None), default=None), False

    # -- sources --------------------------------------------------------------
    def _source_spoke(self, tx: Tx, source_id: str, now: datetime) -> None:
        """Any event is a sign of life; a "source silent" incident clears itself."""
        row = tx.sources.touch(source_id, now)  # the upsert's row: one statement, not two
        if row["silent_incident_id"]:
            silent = tx.incidents.get(int(row["silent_incident_id"]))
            if silent is not None and silent.is_open:
                self._persist(tx, policy.apply_clear(silent, self._ladder(silent),
                                                     self._dir(tx, now), now), now)
            tx.sources.set_silent(source_id, None)

    def _check_sources(self, tx: Tx, now: datetime) -> datetime | None:
        """Open a "source silent" incident for each source quiet past its timeout."""
        next_check: datetime | None = None
        for sid, src in self.config.sources.items():
            if src.heartbeat_timeout is None:
                continue
            row = tx.sources.get(sid)
            if row is None:  # never heard of: the clock starts now
                row = tx.sources.touch(sid, now)
            if row["silent_incident_id"]:
                continue
            last_seen = dt(row["last_seen_at"])
            assert last_seen is not None
            due = last_seen + src.heartbeat_timeout
            if now < due:
                next_check = due if next_check is None else min(next_check, due)
                continue
            lang = self.config.facility.language
            text = t(lang, "silent.text", source=sid,
                     timeout=format_duration(src.heartbeat_timeout))
            event = AlarmEvent(source=sid, code=SOURCE_SILENT, state="alarm", received_at=now,
                               point=sid, text=text, severity="high")
            incident_id = self._open(tx, event, now)
            tx.events.add(event, incident_id)
            tx.sources.set_silent(sid, incident_id)
            timeout_s = int(src.heartbeat_timeout.total_seconds())
            tx.safety.add(incident_id, [SafetyRecord(SafetyCause.SOURCE_SILENT, now,
                                                     params(source=sid, timeout_s=timeout_s))])
        return next_check

    # -- helpers --------------------------------------------------------------
    def _ladder(self, incident: Incident) -> Ladder:
        """The incident's ladder; if a reload removed it, the catch-all route's ladder."""
        ladders = self.config.ladders
        if incident.ladder in ladders:
            return ladders[incident.ladder]
        fallback = self.config.routes[-1].ladder
        log.warning("incident %s: ladder %r is gone from the config; using %r",
                    incident.id, incident.ladder, fallback)
        return ladders[fallback]

    def _dir(self, tx: Tx, now: datetime) -> Directory:
        """With the cover shifts, read in the decision's own transaction (every instance)."""
        self._seen = self.directory.with_covers(tx.covers.in_force(now))
        return self._seen

    def seen_directory(self) -> Directory:
        """With the covers the last decision read: what cards and board rows call."""
        return self.directory.with_covers(self._seen.covers)  # a reload's, those covers

    def _follow(self, incident: Incident) -> FollowUp:
        """The follow-through settings for an alarm: its route's, its ladder's, its source's."""
        return follow_up(self.config, incident.source, incident.code, incident.ladder)

    @staticmethod
    def _persist(tx: Tx, d: Decision, now: datetime, *, save: bool = True) -> None:
        inc = d.incident
        if save:  # not a new incident: `_open` inserts it with its timer already
            tx.incidents.save(inc, d.next_due)
        tx.timeline.add(inc.id, d.entries)
        tx.deliveries.add(inc.id, d.notices, now, inc)
        tx.safety.add(inc.id, d.safety)


def parse_minutes(value: object, max_snooze: timedelta = MAX_SNOOZE) -> int | None:
    """Snooze length: a whole number of minutes, none above the limit.

    A snooze silences the reminders; a long one nobody agreed to is how an alarm
    is forgotten. Which lengths a door accepts (the offered choices; a typed SMS
    reply "3 30") is the guard's (domain/guards.py); this backstop keeps every
    caller within `max_snooze`."""
    minutes = whole_minutes(value)
    if minutes is not None and not snooze_ok(minutes, max_snooze, typed=True):
        raise ActionError(snooze_refusal(max_snooze))
    return minutes
