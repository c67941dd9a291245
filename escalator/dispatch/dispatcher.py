"""The dispatcher: sends what the outbox (the `deliveries` table) says is due.

Shaped like Alertmanager's notify pipeline: every (party, incident) is a lane
of its own, a short-lived task that sends that lane's messages in order
(FIRST before ACKED) and nothing else. A slow, hanging or dead contact holds
up only its own lane (and, past a per-party limit of parallel sends, only
that party): other parties, other incidents' reminders, timers and intake go
on. Every send has a timeout (`delivery.send_timeout`).

Every status change is a move of the delivery state machine
(`escalator.domain.delivery`): a row is claimed (`sending`, or `checking` for a
notice a channel holds) in the transaction that reads it, before anything is
sent, and `sent` with the peer's acceptance time once the channel accepted it;
outcomes are written in batches (one commit for many sends), each only if the
row is still under the claim it was sent on. After a crash, rows left claimed
go out again once: at most one duplicate per delivery, never a loss. A channel
that only queued the notice (a Telegram digest) raises `Held`: the row is held
(`queued`), not delivered, and is checked at the contact's fallback deadline.

One attempt is a chain of small stages (escalator/dispatch/stages.py: still
wanted, reachable, carried, not overdue, in order, compose, send, what came of
it); failures follow `escalator.domain.retry`, then the party's next contact;
none left and the service is asked to move the ladder on.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Future
from datetime import datetime
from functools import partial

from escalator.config.model import Config
from escalator.dispatch import recording
from escalator.dispatch.attempt import Channels, check_one, send_one, untimed
from escalator.dispatch.gates import CommitGates
from escalator.dispatch.outcome import CUT, Item, Lane, Outcome
from escalator.dispatch.recording import CLOSED, claim, record, shortest_fallback
from escalator.dispatch.stages import Attempt
from escalator.dispatch.stopping import StopReport, within
from escalator.domain.answering import CALLS
from escalator.domain.delivery import Move, Status
from escalator.domain.model import Incident, State
from escalator.notify.base import Message, Notifier
from escalator.runtime.clock import Clock
from escalator.security.links import LinkSigner
from escalator.storage.rows import DeliveryRow
from escalator.storage.sql import SqlStore

log = logging.getLogger(__name__)

MAX_ROUNDS = 10  # settled mode: a fallback to the next contact is sent in the same call
CLAIM_LIMIT = 500
MAX_IN_FLIGHT = 1000  # claimed and not yet recorded; past it, rows wait in the table (where
# stale reminders still collapse) instead of in memory
OUTCOME_BATCH = 100  # outcomes written per transaction at most
OUTCOME_LINGER_S = 0.02  # live: outcomes gather this long before they are written
PARTY_PARALLEL = 16  # sends in flight to one party at most (a dead one cannot eat sockets)


class Dispatcher:
    def __init__(
        self,
        store: SqlStore,
        config: Callable[[], Config],
        notifiers: Mapping[str, Notifier],
        fallback: Notifier,
        signer: LinkSigner,
        clock: Clock,
        on_failed: Callable[[int, int | None, int], Awaitable[None]] | None = None,
        poke: Callable[[], None] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self._config = config
        self.notifiers = dict(notifiers)
        self.fallback = fallback
        self.signer = signer
        self.gates = CommitGates()  # link nonces, and rows whose commit is still running
        self.clock = clock
        self._on_failed = on_failed
        self._poke = poke or (lambda: None)
        self._rng = rng or random.Random()
        # settled: `run_due` returns only when what it claimed is sent and recorded
        # (tests with a fake clock). The live service sets False: lanes run on.
        self.settle = True
        self._claiming = asyncio.Lock()
        self._lanes: dict[Lane, deque[Item]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._party_slots: dict[str, asyncio.Semaphore] = {}
        self._outcomes: list[Outcome] = []
        self._writer: asyncio.Task[None] | None = None
        # incidents taken since their rows were claimed: (state, when), for rows made before
        self._closed_now: dict[int, tuple[State, datetime]] = {}
        self._stopping = False
        self._in_flight = 0  # rows claimed whose outcome is not written yet
        self._write_error: BaseException | None = None  # settled mode: for drain to raise
        self._throttled = False  # a claim was skipped for MAX_IN_FLIGHT: poke when room
        self._writing = 0  # outcomes in the transaction being written now
        self.report = StopReport()  # of the last `stop`
        # each send is awaited through this (the service's metrics time it)
        self.timed: Callable[[str, Message, Awaitable[None]], Awaitable[None]] = untimed

    @property
    def lanes(self) -> int:
        """Lanes running now (each sends one party's notices about one incident)."""
        return len(self._tasks)

    # -- the service's side ----------------------------------------------------
    def resume(self) -> None:
        """Leading (again): claim and send; `stop` ended the previous turn."""
        self._stopping = False
        self._writing = 0

    async def recover(self) -> int:
        """At start: rows a crash left in flight are sent again (once), now."""
        now = self.clock.now()
        count, cut = await self.store.transaction(
            lambda tx: (tx.deliveries.release_in_flight(now), tx.deliveries.maybe_sent_due()))
        if count:
            log.warning("%d deliveries were in flight at the last stop; sending them again",
                        count)
        if cut:
            log.warning("%d deliveries were cut at the last shutdown and may have been sent; "
                        "sending them again with the same delivery id", cut)
        return count

    def incident_changed(self, incident: Incident) -> None:
        """The service took an action: a call to action not yet sent is dropped at once."""
        if incident.state in CLOSED:
            self._closed_now[incident.id] = (incident.state, self.clock.now())
            if len(self._closed_now) > 10_000:
                self._closed_now.pop(next(iter(self._closed_now)))
        else:
            self._closed_now.pop(incident.id, None)

    def take_fresh(self, items: list[Item], nonces: dict[int, bytes],
                   committed: Future[bool] | None = None) -> None:
        """New outbox rows, written in flight by the transaction that decided them: into
        their lanes at once, without waiting for the waker or a claim (live service).

        `committed`: handed over while that transaction commits. Each lane runs its
        checks and composes the message meanwhile, and sends only once the commit is
        done; if it failed, nothing is sent or written (the rows never existed)."""
        self.gates.admit(items, nonces, committed)
        self._in_flight += len(items)
        for item in items:
            self._enqueue(item)

    async def run_due(self) -> datetime | None:
        """Hand everything due to its lane; return when the next retry or check is due."""
        if self.settle and self._outcomes:
            await self.drain()  # outcomes a failing store could not take last time
        for _ in range(MAX_ROUNDS if self.settle else 1):
            async with self._claiming:
                if self._stopping:
                    break
                now = self.clock.now()
                room = min(CLAIM_LIMIT, MAX_IN_FLIGHT - self._in_flight)
                if room <= 0:
                    self._throttled = True
                    break
                batch, nonces = await self.store.transaction(partial(
                    claim, now=now, limit=room, failing_before=now - shortest_fallback(
                        self._config())))
                self.gates.keep(nonces)
                self._in_flight += len(batch)
                for item in batch:
                    self._enqueue(item)
            if not batch or not self.settle:
                break
            await self.drain()
        return await self.store.transaction(lambda tx: tx.deliveries.earliest())

    async def drain(self) -> None:
        """Wait until every lane is empty and every outcome is written (settled mode:
        raise the store's error if they cannot be; they stay to be written later)."""
        while self._tasks or self._outcomes or self._writer is not None:
            if self._tasks:
                await asyncio.gather(*list(self._tasks), return_exceptions=True)
            writer = self._writer
            if writer is not None:
                await asyncio.gather(writer, return_exceptions=True)
            elif self._outcomes:
                self._start_writer()
            if self._write_error is not None:
                error, self._write_error = self._write_error, None
                raise error

    async def stop(self, grace: float = 5.0, *, write_grace: float = 1.0) -> StopReport:
        """Shutdown with one deadline for everything.

        From now on nothing new is claimed or started: no claims, no new lanes, and
        each lane ends after the send it is doing (what waits behind goes back to
        `pending`, due as it was). Sends still waiting for their peer `grace`
        seconds from now are cut: the request may have reached the peer, so the row
        is marked `maybe_sent` and goes out again at the next start with the same
        delivery id (the peer can drop the repeat). Outcomes are written until
        `grace + write_grace`; rows whose outcome is not written by then stay in
        flight in the table, and `recover` sends them again at the next start.
        Never raises: a shutdown goes on whatever the peers and the store do."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        send_by, write_by = started + grace, started + grace + write_grace
        self._stopping = True
        report = self.report = StopReport(lanes=len(self._tasks))
        if not await within(self._claiming.acquire(), send_by - loop.time()):
            log.warning("stopping: a claim of due deliveries did not end in %.1f s", grace)
        else:
            self._claiming.release()  # a claim under way has handed its rows to lanes
        if self._tasks:
            _, pending = await asyncio.wait(list(self._tasks),
                                            timeout=max(0.0, send_by - loop.time()))
            for task in pending:
                task.cancel()  # the lane marks its send "may have been sent"
            if pending:
                await asyncio.wait(pending, timeout=max(0.1, write_by - loop.time()))
        await self._write_until(write_by)
        report.unwritten = len(self._outcomes) + self._writing
        report.seconds = loop.time() - started
        return report

    async def _write_until(self, deadline: float) -> None:
        """Write the outcomes gathered so far, but only until `deadline` (loop time)."""
        loop = asyncio.get_running_loop()
        while self._outcomes or self._writer is not None:
            if self._writer is None:
                self._start_writer()
            writer = self._writer
            assert writer is not None
            done, _ = await asyncio.wait({writer}, timeout=max(0.0, deadline - loop.time()))
            if not done:
                writer.cancel()
                await asyncio.wait({writer}, timeout=0.1)
                return
            if self._write_error is not None:  # settled: the store refused; they stay
                self._write_error = None
                return

    async def not_reached(self, delivery_id: int, incident_id: int, channel: str,
                          error: str) -> bool:
        """A channel that accepted a delivery learned later that nobody got it (a phone
        call nobody answered with a key): try the party's next contact, exactly as if the
        send had failed. False when the delivery has moved on already (nothing to do).
        It touches only a row already `sent`, which no claim loads, in one transaction."""
        outcome = await self.store.transaction(partial(
            recording.record_not_reached, config=self._config(), delivery_id=delivery_id,
            incident_id=incident_id, channel=channel, error=error, now=self.clock.now()))
        if outcome is None:
            return False
        row = outcome.row
        if outcome.failed_for_good and row.reason in CALLS and self._on_failed:
            await self._on_failed(row.incident_id, row.step, row.loop)
        if not self.settle:
            self._poke()
        return True

    # -- lanes -----------------------------------------------------------------
    def _enqueue(self, item: Item) -> None:
        row = item[0]
        if self._stopping:  # no new lanes or sends while stopping: due again at the start
            self._release(deque([item]))
            return
        key = (row.party, row.incident_id, row.status == Status.CHECKING,
               -1 if row.spread_of is None else row.contact_index)
        lane = self._lanes.get(key)
        if lane is not None:
            lane.append(item)  # the lane's task is running: it takes this after the others
            return
        self._lanes[key] = deque([item])
        task = asyncio.get_running_loop().create_task(self._run_lane(key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_lane(self, key: Lane) -> None:
        lane = self._lanes[key]
        slots = self._party_slots.setdefault(key[0], asyncio.Semaphore(PARTY_PARALLEL))
        try:
            while lane and not self._stopping:  # stopping: only the send under way ends
                row, incident, since = lane[0]
                async with slots:
                    if self._stopping:  # waited for a slot while the stop began: not sent
                        break
                    try:
                        outcome = await self._attempt(row, incident, since)
                    except asyncio.CancelledError:  # cut at the shutdown deadline
                        lane.popleft()
                        self._record(self._cut(row))
                        raise
                lane.popleft()
                self._record(outcome)
                if not outcome.done:  # a retry waits: later rows wait behind it, in order
                    break
        except Exception:  # a bug must not leave rows in flight forever
            log.exception("delivery lane %s crashed", key)
        finally:  # cancelled at shutdown too: what was not sent stays due
            self._release(lane)
            self._lanes.pop(key, None)

    def _release(self, lane: deque[Item]) -> None:
        """Rows claimed but not attempted go back as they were, due as they were
        (a held row keeps its place in the channel's queue)."""
        while lane:
            row, _, _ = lane.popleft()
            if self._stopping:
                self.report.released += 1
            self._record(Outcome(row, Move.UNCLAIM, {}))

    def _cut(self, row: DeliveryRow) -> Outcome:
        """A send cut while its peer had the request: it may have arrived. Due again at
        once (the next start), with the mark the API shows and the same delivery id."""
        if row.status == Status.CHECKING:  # a held notice's check was cut: it stays held
            return Outcome(row, Move.UNCLAIM, {})
        self.report.cut += 1
        return Outcome(row, Move.RETRY, {"maybe_sent": 1, "attempts": row.attempts + 1,
                                         "next_attempt_at": self.clock.now(), "error": CUT})

    # -- one attempt: a chain of stages (escalator/dispatch/stages.py) -----------
    async def _attempt(self, row: DeliveryRow, incident: Incident,
                       failing_since: datetime | None) -> Outcome:
        config = self._config()
        state = incident.state
        hint = self._closed_now.get(incident.id)
        if hint is not None and row.created_at < hint[1]:
            state = hint[0]  # taken after this row was claimed: do not send a stale call
        channels = Channels(self.notifiers, self.fallback)
        a = Attempt(row, incident, state, config.parties.get(row.party), config,
                    self.clock.now(), failing_since, channels.carries_updates)
        if row.status == Status.CHECKING:
            return await check_one(a, channels)
        gate, nonces = self.gates.of(row.id)  # a failed commit's outcome is never written
        return await send_one(a, channels, self.signer, nonces.get(incident.id), self.clock,
                              self.timed, self._rng.random, durable=gate)

    # -- recording: group commit ------------------------------------------------
    def _record(self, outcome: Outcome) -> None:
        ready = self.gates.ready(outcome, self._record)
        if ready is None:  # its transaction is still committing
            return
        self._outcomes.append(ready)
        if self._writer is None:
            self._start_writer()

    def _start_writer(self) -> None:
        self._writer = asyncio.get_running_loop().create_task(self._write())

    async def _write(self) -> None:
        try:
            while self._outcomes:
                # let lanes finishing meanwhile join the batch: one commit for many sends
                # (live: a few milliseconds more before `sent` is written, at most one
                # duplicate after a crash either way; settled tests: this turn only)
                await asyncio.sleep(0 if self.settle else OUTCOME_LINGER_S)
                # a bounded batch: intake's transaction waits for one of these at most
                batch = self._outcomes[:OUTCOME_BATCH]
                self._outcomes = self._outcomes[OUTCOME_BATCH:]
                now = self.clock.now()
                self._writing = len(batch)
                try:
                    refused = await self.store.transaction(
                        partial(record, outcomes=batch, now=now))
                except Exception as exc:  # the store is down: keep them, try again later
                    log.exception("could not record %d delivery outcomes; retrying",
                                  len(batch))
                    self._writing = 0
                    self._outcomes = batch + self._outcomes
                    if self.settle:  # the caller's tick fails; the next one writes them
                        self._write_error = exc
                        return
                    await asyncio.sleep(1.0)
                    continue
                self._writing = 0
                self._in_flight -= len(batch)  # one outcome per claimed row
                await self._after_recorded([o for o in batch if o.row.id not in refused])
        finally:
            self._writer = None

    async def _after_recorded(self, batch: list[Outcome]) -> None:
        again = False
        for o in batch:
            if o.failed_for_good and o.row.reason in CALLS and self._on_failed:
                try:
                    await self._on_failed(o.row.incident_id, o.row.step, o.row.loop)
                except Exception:  # the next tick tries the ladder again
                    log.exception("could not move incident %s on", o.row.incident_id)
            if o.status in (Status.PENDING, Status.HELD) or o.spread:
                again = True  # a retry, a check or the next contact: the waker must know
        if self._throttled and self._in_flight < MAX_IN_FLIGHT // 2:
            self._throttled, again = False, True
        if again and not self.settle:
            self._poke()
