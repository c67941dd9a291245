"""The dispatcher: sends what the outbox (the `deliveries` table) says is due.

Shaped like Alertmanager's notify pipeline: every (party, incident) is a lane
of its own, a short-lived task that sends that lane's messages in order
(FIRST before ACKED) and nothing else. A slow, hanging or dead contact holds
up only its own lane (and, past a per-party limit of parallel sends, only
that party): other parties, other incidents' reminders, timers and intake go
on. Every send has a timeout (`delivery.send_timeout`).

A row is marked in flight (`sending`) in the same transaction that claims
it, before anything is sent, and `sent` with the real send time once the
channel accepted it; outcomes are written in batches (one commit for many
sends). After a crash, rows left in flight go out again once: at most one
duplicate per delivery, never a loss. A channel that only queued the notice
(a Telegram digest) raises `Held`: the row is `queued`, not delivered.

Failures follow `escalator.domain.retry`: retries on their own schedule
until the contact has failed for `fallback_after`, then the party's next
contact; none left and the service is asked to move the ladder on.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial

from escalator.clock import Clock
from escalator.config.delivery import fallback_after
from escalator.config.model import Config
from escalator.domain.answering import CALLS, superseded
from escalator.domain.availability import Contact, Party
from escalator.domain.model import WAITING_FOR_CLEAR, Entry, Incident, Reason, State, params
from escalator.domain.retry import Next, after_failure, overdue
from escalator.errors import NotifyError
from escalator.i18n import reader_language
from escalator.links import LinkSigner
from escalator.notify import render
from escalator.notify.base import Held, Message, Notifier
from escalator.storage import audit
from escalator.storage.nonces import link_nonces
from escalator.storage.rows import DeliveryRow
from escalator.storage.sql import SqlStore, Tx

log = logging.getLogger(__name__)

MAX_ROUNDS = 10  # settled mode: a fallback to the next contact is sent in the same call
CLAIM_LIMIT = 500
MAX_IN_FLIGHT = 1000  # claimed and not yet recorded; past it, rows wait in the table (where
# stale reminders still collapse) instead of in memory
OUTCOME_BATCH = 100  # outcomes written per transaction at most
OUTCOME_LINGER_S = 0.02  # live: outcomes gather this long before they are written
PARTY_PARALLEL = 16  # sends in flight to one party at most (a dead one cannot eat sockets)
CLOSED = (State.ACKNOWLEDGED, State.RESOLVED, *WAITING_FOR_CLEAR)  # calls not sent any more
KEEP = object()  # failing_since unchanged

Lane = tuple[str, int]  # (party, incident id)
Item = tuple[DeliveryRow, Incident, "datetime | None"]


@dataclass(frozen=True)
class Outcome:
    row: DeliveryRow
    fields: dict[str, object]
    failed_for_good: bool = False
    # A channel gave up: what the timeline says (channel, failure kind, next
    # channel, the technical error for the API), rendered per reader later.
    note: dict[str, str] = field(default_factory=dict)
    failing_since: object = KEEP  # datetime | None | KEEP

    @property
    def done(self) -> bool:
        """The lane may go on: this row is out of the way (sent, held, dropped)."""
        return self.fields.get("status") not in ("pending", None)


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
        self._nonces: dict[int, bytes] = {}
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
        # each send is awaited through this (the service's metrics time it)
        self.timed: Callable[[str, Message, Awaitable[None]], Awaitable[None]] = _untimed

    # -- the service's side ----------------------------------------------------
    def resume(self) -> None:
        """Leading (again): claim and send; `stop` ended the previous turn."""
        self._stopping = False

    async def recover(self) -> int:
        """At start: rows a crash left in flight are sent again (once), now."""
        now = self.clock.now()
        count = await self.store.transaction(lambda tx: tx.release_in_flight(now))
        if count:
            log.warning("%d deliveries were in flight at the last stop; sending them again",
                        count)
        return count

    def incident_changed(self, incident: Incident) -> None:
        """The service took an action: a call to action not yet sent is dropped at once."""
        if incident.state in CLOSED:
            self._closed_now[incident.id] = (incident.state, self.clock.now())
            if len(self._closed_now) > 10_000:
                self._closed_now.pop(next(iter(self._closed_now)))
        else:
            self._closed_now.pop(incident.id, None)

    def take_fresh(self, items: list[Item], nonces: dict[int, bytes]) -> None:
        """New outbox rows, written in flight by the transaction that decided them: into
        their lanes at once, without waiting for the waker or a claim (live service)."""
        self._nonces.update(nonces)
        if len(self._nonces) > 20_000:  # a cache: the claim or the fresh hand-over refills it
            self._nonces = dict(nonces)
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
                batch, nonces = await self.store.transaction(
                    partial(_claim, now=now, limit=room))
                self._nonces.update(nonces)
                self._in_flight += len(batch)
                for item in batch:
                    self._enqueue(item)
            if not batch or not self.settle:
                break
            await self.drain()
        return await self.store.transaction(lambda tx: tx.earliest_delivery())

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

    async def stop(self, grace: float = 5.0) -> None:
        """Shutdown: sends in flight get `grace` seconds; what did not go out stays due."""
        self._stopping = True
        async with self._claiming:
            pass
        if self._tasks:
            _, pending = await asyncio.wait(list(self._tasks), timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
        await self.drain()

    async def not_reached(self, delivery_id: int, incident_id: int, channel: str,
                          error: str) -> bool:
        """A channel that accepted a delivery learned later that nobody got it (a phone
        call nobody answered with a key): try the party's next contact, exactly as if the
        send had failed. False when the delivery has moved on already (nothing to do).
        It touches only a row already `sent`, which no claim loads, in one transaction."""
        now = self.clock.now()
        config = self._config()

        def work(tx: Tx) -> Outcome | None:
            row = next((d for d in tx.deliveries(incident_id) if d.id == delivery_id), None)
            if row is None or row.status != "sent" or row.channel != channel:
                return None
            party = config.parties.get(row.party)
            if party is None or row.contact_index >= len(party.contacts):
                return None
            contact = party.contacts[row.contact_index]
            o = self._move_on(row, party, f"{contact.channel} {contact.address}: {error}", now,
                              contact.channel, "not_answered")
            _record(tx, [o], now)
            return o

        outcome = await self.store.transaction(work)
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
        key = (row.party, row.incident_id)
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
            while lane:
                row, incident, since = lane[0]
                async with slots:
                    outcome = await self._attempt(row, incident, since)
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
        """Rows claimed but not attempted go back to `pending`, due as they were."""
        while lane:
            row, _, _ = lane.popleft()
            if row.status == "sending" or row.status == "pending":
                self._record(Outcome(row, {"status": "pending"}))
            else:  # a held row keeps its place in the channel's queue
                self._record(Outcome(row, {"status": row.status}))

    # -- one attempt -----------------------------------------------------------
    async def _attempt(self, row: DeliveryRow, incident: Incident,
                       failing_since: datetime | None) -> Outcome:
        config = self._config()
        now = self.clock.now()
        party = config.parties.get(row.party)
        state = incident.state
        hint = self._closed_now.get(incident.id)
        if hint is not None and row.created_at < hint[1]:
            state = hint[0]  # taken after this row was claimed: do not send a stale call
        if superseded(row.reason, row.is_update, state):
            return Outcome(row, {"status": "superseded", "error": "incident_closed"},
                           failing_since=None)
        if party is None or row.contact_index >= len(party.contacts):
            why = "party no longer in the config" if party is None else "no contact method left"
            return Outcome(row, {"status": "failed", "error": why}, True,
                           {"failure": "no_contact", "error": why}, failing_since=None)
        contact = party.contacts[row.contact_index]
        limit = fallback_after(config.delivery, config.channels, contact.channel)
        notifier = self.notifiers.get(contact.channel)
        if row.is_update and not getattr(notifier, "carries_updates", True):
            return self._past_call_only(row, party, now)
        label = contact.channel if notifier else f"log:{contact.channel}"
        if row.status == "queued":
            return await self._check_held(row, party, contact, notifier, limit, now)
        if overdue(now, failing_since, limit):
            why = row.error or f"{contact.channel} {contact.address}: failing"
            return self._move_on(row, party, why, now, contact.channel, "kept_failing")
        message = self._message(row, incident, party, config, now)
        timeout = config.delivery.send_timeout.total_seconds()
        try:
            send = (notifier or self.fallback).send(contact, message)
            await asyncio.wait_for(self.timed(contact.channel, message, send), timeout)
        except Held:
            return Outcome(row, {"status": "queued", "channel": label, "attempts": row.attempts + 1,
                                 "next_attempt_at": now + limit, "error": None},
                           failing_since=None)
        except TimeoutError:
            error = NotifyError(f"no answer within {timeout:g} s", recoverable=True,
                                kind="timeout")
            return self._after_failure(row, party, contact, error, now, failing_since, limit)
        except NotifyError as exc:
            return self._after_failure(row, party, contact, exc, now, failing_since, limit)
        except Exception as exc:  # a channel bug must not stall the ladder
            log.exception("channel %s crashed on delivery %s", contact.channel, row.id)
            return self._after_failure(row, party, contact,
                                       NotifyError(repr(exc), recoverable=False,
                                                   kind="crashed"), now,
                                       failing_since, limit)
        return Outcome(row, {"status": "sent", "sent_at": self.clock.now(), "channel": label,
                             "attempts": row.attempts + 1, "error": None},
                       failing_since=None if failing_since else KEEP)

    async def _check_held(self, row: DeliveryRow, party: Party, contact: Contact,
                          notifier: Notifier | None, limit: timedelta,
                          now: datetime) -> Outcome:
        """A notice in a channel's own queue reached its check time."""
        release = getattr(notifier, "release", None)
        verdict = await release(contact, row.id) if release else "sent"
        if verdict == "sent":
            return Outcome(row, {"status": "sent"})
        if verdict == "waiting":
            return Outcome(row, {"status": "queued", "next_attempt_at": now + limit})
        error = f"{contact.channel} {contact.address}: held for {limit} and the channel is down"
        return self._move_on(row, party, error, now, contact.channel, "down_too_long")

    def _past_call_only(self, row: DeliveryRow, party: Party, now: datetime) -> Outcome:
        """An update is not phoned: the next contact that carries updates gets it, or,
        when there is none (a hotline reached only by phone), nobody, and that is fine."""
        for nxt in range(row.contact_index + 1, len(party.contacts)):
            notifier = self.notifiers.get(party.contacts[nxt].channel)
            if getattr(notifier, "carries_updates", True):
                return Outcome(row, {"status": "pending", "contact_index": nxt,
                                     "next_attempt_at": now})
        return Outcome(row, {"status": "skipped", "error": "no contact carries updates"})

    def _after_failure(
        self, row: DeliveryRow, party: Party, contact: Contact, exc: NotifyError,
        now: datetime, failing_since: datetime | None, limit: timedelta,
    ) -> Outcome:
        attempts = row.attempts + 1
        error = f"{contact.channel} {contact.address}: {exc}"
        plan = after_failure(
            now=self.clock.now(), attempt_started=now, failing_since=failing_since,
            attempts=attempts, recoverable=exc.recoverable, retry_after=exc.retry_after,
            fallback_after=limit, contacts_left=len(party.contacts) - row.contact_index - 1,
            jitter=self._rng.random())
        if plan.next is Next.RETRY:
            log.info("delivery %s to %s failed (%s); retry at %s", row.id, row.party, error,
                     plan.at.isoformat())
            return Outcome(row, {"status": "pending", "attempts": attempts, "error": error,
                                 "channel": contact.channel, "next_attempt_at": plan.at},
                           failing_since=plan.failing_since)
        return self._move_on(replace(row, attempts=attempts), party, error, now,
                             contact.channel, exc.kind)

    def _move_on(self, row: DeliveryRow, party: Party, error: str, now: datetime,
                 channel: str, failure: str) -> Outcome:
        """The next contact, or the end of this party: the timeline is told in words
        each reader gets in their own language (`failure`), the API gets `error`."""
        note = {"channel": channel, "failure": failure, "error": error}
        nxt = row.contact_index + 1
        if nxt < len(party.contacts):
            log.warning("delivery %s to %s: %s; trying %s next", row.id, row.party, error,
                        party.contacts[nxt].channel)
            return Outcome(row, {"status": "pending", "contact_index": nxt, "attempts": 0,
                                 "error": error, "next_attempt_at": now},
                           note={**note, "next": party.contacts[nxt].channel},
                           failing_since=None)
        return Outcome(row, {"status": "failed", "attempts": row.attempts, "error": error},
                       True, note, failing_since=None)

    def _message(
        self, row: DeliveryRow, incident: Incident, party: Party, config: Config, now: datetime
    ) -> Message:
        lang = reader_language(party.language, config.facility.language)
        token = self.signer.make(incident.id, party.id, now, self._nonces.get(incident.id))
        ack_url = f"{config.http.public_url.rstrip('/')}/ack/{token}"
        return Message(
            delivery_id=row.id, incident=incident, party=party.id, party_name=party.name,
            reason=row.reason, step=row.step, detail=row.detail, update=row.is_update,
            language=lang, subject=render.subject(incident, lang, config.facility.name),
            text=render.body(incident, row.reason, row.detail, row.is_update, lang,
                             config.facility.timezone, ack_url, now),
            ack_url=ack_url, tz=config.facility.timezone, read_only=party.role == "viewer",
        )

    # -- recording: group commit ------------------------------------------------
    def _record(self, outcome: Outcome) -> None:
        self._outcomes.append(outcome)
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
                try:
                    await self.store.transaction(partial(_record, outcomes=batch, now=now))
                except Exception as exc:  # the store is down: keep them, try again later
                    log.exception("could not record %d delivery outcomes; retrying",
                                  len(batch))
                    self._outcomes = batch + self._outcomes
                    if self.settle:  # the caller's tick fails; the next one writes them
                        self._write_error = exc
                        return
                    await asyncio.sleep(1.0)
                    continue
                self._in_flight -= len(batch)  # one outcome per claimed row
                await self._after_recorded(batch)
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
            if o.fields.get("status") in ("pending", "queued"):
                again = True  # a retry, a check or the next contact: the waker must know
        if self._throttled and self._in_flight < MAX_IN_FLIGHT // 2:
            self._throttled, again = False, True
        if again and not self.settle:
            self._poke()


async def _untimed(channel: str, message: Message, send: Awaitable[None]) -> None:
    await send


def _claim(tx: Tx, now: datetime, limit: int) -> tuple[list[Item], dict[int, bytes]]:
    """Due rows, in flight now, and the link nonces of their incidents (made if new)."""
    items = tx.claim_deliveries(now, limit, calls=CALLS, closed=[s.value for s in CLOSED])
    return items, link_nonces(tx, (i.id for _, i, _ in items))


def _record(tx: Tx, outcomes: list[Outcome], now: datetime) -> None:
    for o in outcomes:
        if o.fields:
            tx.update_delivery(o.row.id, **o.fields)
            audit.record_delivery(tx, o.row.id, o.row.incident_id, o.row.party, o.row.reason,
                                  o.fields, now)
        if o.failing_since is not KEEP:
            tx.set_failing_since(o.row.id, o.failing_since)  # type: ignore[arg-type]
        if o.note:  # a channel gave up: the timeline says which, and what happens next
            reason = Reason.DELIVERY_FAILED if o.failed_for_good else Reason.CHANNEL_FAILED
            tx.add_entries(o.row.incident_id, [Entry(now, reason, o.row.party,
                                                     params(notice=o.row.reason, **o.note))])
