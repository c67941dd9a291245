"""The dispatcher: sends what the outbox (the `deliveries` table) says is due.

A delivery row walks its party's contact list in order of preference:
recoverable failures are retried on the same channel with backoff (or the
far end's Retry-After); permanent ones, or too many retries, fall through to
the next contact; when none is left the row is `failed`, the timeline says
so, and the service is asked to move the ladder on. A row is marked `sent`
only after the channel accepted it, so a crash can repeat a message at most
once and never drop it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from escalator.clock import Clock
from escalator.config.model import Config
from escalator.domain.answering import CALLS, superseded
from escalator.domain.availability import Contact, Party
from escalator.domain.model import Entry, Incident, Reason, params
from escalator.errors import NotifyError
from escalator.notify import render
from escalator.notify.base import Message, Notifier
from escalator.storage import audit
from escalator.storage.nonces import link_nonces
from escalator.storage.rows import DeliveryRow
from escalator.storage.sql import SqlStore, Tx
from escalator.web.links import LinkSigner

log = logging.getLogger(__name__)

MAX_ATTEMPTS_PER_CONTACT = 4
MAX_ROUNDS = 10  # a fallback to the next contact is sent in the same pass, boundedly


def backoff(attempts: int, retry_after: float | None) -> timedelta:
    """5 s, 20 s, 80 s ... capped at 5 minutes; the far end's Retry-After wins."""
    if retry_after is not None:
        return timedelta(seconds=min(retry_after, 3600))
    return timedelta(seconds=min(300, 5 * 4 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class Outcome:
    row: DeliveryRow
    fields: dict[str, object]
    failed_for_good: bool = False
    note: str = ""


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
        concurrency: int = 10,
    ) -> None:
        self.store = store
        self._config = config
        self.notifiers = dict(notifiers)
        self.fallback = fallback
        self.signer = signer
        self._nonces: dict[int, bytes] = {}
        self.clock = clock
        self._on_failed = on_failed
        self._limit = asyncio.Semaphore(concurrency)
        self._running = asyncio.Lock()

    async def run_due(self) -> datetime | None:
        """Send everything due now, fallbacks included; return when the next retry is due."""
        async with self._running:
            now = self.clock.now()
            for _ in range(MAX_ROUNDS):
                if not await self._round(now):
                    break
            return await self.store.transaction(lambda tx: tx.earliest_delivery())

    async def _round(self, now: datetime) -> bool:
        """One pass over the due rows; False when there was nothing to send."""
        batch = await self.store.transaction(lambda tx: _load_due(tx, now))
        if not batch:
            return False
        self._nonces = await self.store.transaction(
            lambda tx: link_nonces(tx, (i.id for _, i in batch)))  # binds links to incidents
        by_party: dict[str, list[tuple[DeliveryRow, Incident]]] = defaultdict(list)
        for row, incident in batch:
            by_party[row.party].append((row, incident))
        groups = await asyncio.gather(*(self._send_in_order(items, now)
                                        for items in by_party.values()))
        outcomes = [o for group in groups for o in group]
        await self.store.transaction(lambda tx: _record(tx, outcomes, now))
        for o in outcomes:
            if o.failed_for_good and o.row.reason in CALLS and self._on_failed:
                await self._on_failed(o.row.incident_id, o.row.step, o.row.loop)
        return True

    async def not_reached(self, delivery_id: int, incident_id: int, channel: str,
                          error: str) -> bool:
        """A channel that accepted a delivery learned later that nobody got it (a phone
        call nobody answered with a key): try the party's next contact, exactly as if the
        send had failed. False when the delivery has moved on already (nothing to do).
        No wait for a sending round: it touches only a row already `sent`, which no round
        loads, in one transaction."""
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
            o = self._after_failure(row, party, contact,
                                    NotifyError(error, recoverable=False), now)
            if "contact_index" in o.fields:
                o = Outcome(o.row, {**o.fields, "status": "pending"}, o.failed_for_good, o.note)
            _record(tx, [o], now)
            return o

        outcome = await self.store.transaction(work)
        if outcome is None:
            return False
        row = outcome.row
        if outcome.failed_for_good and row.reason in CALLS and self._on_failed:
            await self._on_failed(row.incident_id, row.step, row.loop)
        return True

    async def _send_in_order(
        self, items: list[tuple[DeliveryRow, Incident]], now: datetime
    ) -> list[Outcome]:
        """One party's messages go out in the order they were decided (FIRST before ACKED)."""
        async with self._limit:
            return [await self._attempt(row, incident, now) for row, incident in items]

    async def _attempt(self, row: DeliveryRow, incident: Incident, now: datetime) -> Outcome:
        config = self._config()
        party = config.parties.get(row.party)
        if superseded(row.reason, row.is_update, incident.state):
            return Outcome(row, {"status": "superseded", "error": f"incident {incident.state}"})
        if party is None or row.contact_index >= len(party.contacts):
            why = "party no longer in the config" if party is None else "no contact method left"
            return Outcome(row, {"status": "failed", "error": why}, True, why)
        contact = party.contacts[row.contact_index]
        notifier = self.notifiers.get(contact.channel)
        if row.is_update and not getattr(notifier, "carries_updates", True):
            return self._past_call_only(row, party, now)
        message = self._message(row, incident, party, config, now)
        label = contact.channel if notifier else f"log:{contact.channel}"
        try:
            await (notifier or self.fallback).send(contact, message)
        except NotifyError as exc:
            return self._after_failure(row, party, contact, exc, now)
        except Exception as exc:  # a channel bug must not stall the ladder
            log.exception("channel %s crashed on delivery %s", contact.channel, row.id)
            return self._after_failure(row, party, contact,
                                       NotifyError(repr(exc), recoverable=False), now)
        return Outcome(row, {"status": "sent", "sent_at": now, "channel": label,
                             "attempts": row.attempts + 1, "error": None})

    def _past_call_only(self, row: DeliveryRow, party: Party, now: datetime) -> Outcome:
        """An update is not phoned: the next contact that carries updates gets it, or,
        when there is none (a hotline reached only by phone), nobody, and that is fine."""
        for nxt in range(row.contact_index + 1, len(party.contacts)):
            notifier = self.notifiers.get(party.contacts[nxt].channel)
            if getattr(notifier, "carries_updates", True):
                return Outcome(row, {"contact_index": nxt, "next_attempt_at": now})
        return Outcome(row, {"status": "skipped", "error": "no contact carries updates"})

    def _after_failure(
        self, row: DeliveryRow, party: Party, contact: Contact, exc: NotifyError, now: datetime
    ) -> Outcome:
        attempts = row.attempts + 1
        error = f"{contact.channel} {contact.address}: {exc}"
        if exc.recoverable and attempts < MAX_ATTEMPTS_PER_CONTACT:
            return Outcome(row, {"attempts": attempts, "error": error, "channel": contact.channel,
                                 "next_attempt_at": now + backoff(attempts, exc.retry_after)})
        nxt = row.contact_index + 1
        if nxt < len(party.contacts):
            return Outcome(row, {"contact_index": nxt, "attempts": 0, "error": error,
                                 "next_attempt_at": now},
                           note=f"{error}; trying {party.contacts[nxt].channel} next")
        return Outcome(row, {"status": "failed", "attempts": attempts, "error": error},
                       True, f"every contact failed; last: {error}")

    def _message(
        self, row: DeliveryRow, incident: Incident, party: Party, config: Config, now: datetime
    ) -> Message:
        lang = party.language or config.facility.language
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


def _load_due(tx: Tx, now: datetime) -> list[tuple[DeliveryRow, Incident]]:
    found = []
    for row in tx.due_deliveries(now):
        incident = tx.incident(row.incident_id)
        if incident is not None:
            found.append((row, incident))
    return found


def _record(tx: Tx, outcomes: list[Outcome], now: datetime) -> None:
    for o in outcomes:
        tx.update_delivery(o.row.id, **o.fields)
        audit.record_delivery(tx, o.row.id, o.row.incident_id, o.row.party, o.row.reason,
                              o.fields, now)
        if o.note:  # a channel gave up: the timeline says which, and what happens next
            reason = Reason.DELIVERY_FAILED if o.failed_for_good else Reason.CHANNEL_FAILED
            tx.add_entries(o.row.incident_id, [Entry(now, reason, o.row.party,
                                                     params(notice=o.row.reason,
                                                            error=o.note))])
