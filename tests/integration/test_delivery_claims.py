"""The store enforces the delivery state machine, on SQLite and PostgreSQL alike.

A claim is exclusive (a held row being checked is claimed too); an outcome is
written only under the claim it was sent on and only from the state the claim
left (a conditional UPDATE): a late copy never overwrites a fallback or a newer
claim, and the refused write is audited, not applied; `sent` needs the time the
peer accepted it.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from escalator.domain.delivery import Move, Refused, Status
from escalator.domain.errors import NotifyError
from escalator.domain.model import AlarmEvent, Notice, Reason
from escalator.notify.base import Held
from escalator.usecases import chat_records as records


async def one_row(app, clock):
    res = await app.service.ingest(AlarmEvent(source="terminal", code="FT", state="alarm",
                                              received_at=clock.now(), point="loop 1"))
    rows = await app.store.transaction(lambda tx: tx.deliveries.of_incident(res.incident_id))
    return rows[0]


def claim(app, at):
    return app.store.transaction(lambda tx: [r for r, _, _ in tx.deliveries.claim(at)])


def move(app, row_id, mv, **kw):
    return app.store.transaction(lambda tx: tx.deliveries.move(row_id, mv, **kw))


async def row_now(app, row):
    found = await app.store.transaction(lambda tx: tx.deliveries.of_incident(row.incident_id))
    return next(r for r in found if r.id == row.id)


async def refusals(app):
    rows = await app.store.transaction(
        lambda tx: tx.rows("SELECT payload FROM audit_log WHERE kind = 'delivery.refused'"))
    return len(rows)


async def test_a_claim_is_exclusive_and_a_stale_outcome_is_refused(make_app, clock, store_url):
    app = await make_app(storage=store_url)
    row = await one_row(app, clock)
    now = clock.now()
    [first] = [r for r in await claim(app, now) if r.id == row.id]
    assert (first.status, first.claims) == ("sending", 1)
    assert row.id not in [r.id for r in await claim(app, now)]  # not again while claimed

    # the process dies before the outcome; the next start recovers the row
    assert await app.store.transaction(lambda tx: tx.deliveries.release_in_flight(now)) >= 1
    [second] = [r for r in await claim(app, now) if r.id == row.id]
    assert second.claims == 2
    # the first claim's outcome arrives late: refused, audited, not applied
    assert not await move(app, row.id, Move.ACCEPT, now=now, current=Status.SENDING, claim=1,
                          sent_at=now, channel="email")
    assert (await row_now(app, row)).status == "sending"
    assert await refusals(app) == 1

    # the current claim falls back to the next contact ...
    assert await move(app, row.id, Move.FALL_BACK, now=now, current=Status.SENDING, claim=2,
                      contact_index=1, next_attempt_at=now)
    # ... and a copy of an earlier "sent" cannot overwrite that fallback
    assert not await move(app, row.id, Move.ACCEPT, now=now, current=Status.SENDING, claim=2,
                          sent_at=now, channel="telegram")
    got = await row_now(app, row)
    assert (got.status, got.contact_index, got.sent_at) == ("pending", 1, None)
    assert await refusals(app) == 2


async def test_a_held_row_is_claimed_once_for_its_check_and_the_digest_owns_it(
        make_app, clock, store_url):
    app = await make_app(storage=store_url)
    row = await one_row(app, clock)
    now = clock.now()
    [first] = [r for r in await claim(app, now) if r.id == row.id]
    due = now + timedelta(seconds=20)

    def hold(tx):
        records.enqueue(tx, "-100", row.incident_id, row.id, row.reason, "", now)
        return tx.deliveries.move(row.id, Move.HOLD, now=now, current=Status.SENDING, claim=1,
                                  next_attempt_at=due, channel="telegram")

    assert await app.store.transaction(hold)
    assert row.id not in [r.id for r in await claim(app, now)]  # not due yet
    [check] = [r for r in await claim(app, due) if r.id == row.id]
    assert (check.status, check.claims) == ("checking", 2)
    assert row.id not in [r.id for r in await claim(app, due)]  # one check at a time

    def carry(tx):  # the digest goes out meanwhile: it owns the row through the queue
        [q] = records.queued(tx, "-100")
        return records.unqueue_one(tx, q.id) and tx.deliveries.mark_sent(row.id, due, "telegram")

    assert await app.store.transaction(carry)
    got = await row_now(app, row)
    assert (got.status, got.sent_at, got.channel) == ("sent", due, "telegram")
    # the check's own outcome comes after: it may not undo what the digest did
    assert not await move(app, row.id, Move.KEEP_HELD, now=due, current=Status.CHECKING,
                          claim=2, next_attempt_at=due)
    assert (await row_now(app, row)).status == "sent"


async def test_sent_needs_the_time_the_peer_accepted_it(make_app, clock, store_url):
    app = await make_app(storage=store_url)
    row = await one_row(app, clock)
    await claim(app, clock.now())
    with pytest.raises(Refused):
        await move(app, row.id, Move.ACCEPT, now=clock.now(), current=Status.SENDING, claim=1,
                   channel="email")
    assert (await row_now(app, row)).status == "sending"


async def test_recovery_puts_a_held_row_back_in_its_queue(make_app, clock, store_url):
    app = await make_app(storage=store_url)
    row = await one_row(app, clock)
    now = clock.now()
    await claim(app, now)
    await move(app, row.id, Move.HOLD, now=now, current=Status.SENDING, claim=1,
               next_attempt_at=now)
    await claim(app, now)  # checking ... and the process dies
    assert await app.store.transaction(lambda tx: tx.deliveries.release_in_flight(now)) == 1
    assert (await row_now(app, row)).status == "queued"


class SlowHolder:
    """A channel that holds every notice and answers its check only when let go."""

    def __init__(self) -> None:
        self.releases = 0
        self.gate = asyncio.Event()

    async def send(self, contact, message) -> None:
        raise Held()

    async def release(self, contact, delivery_id: int) -> str:
        self.releases += 1
        await self.gate.wait()
        return "released"


async def test_a_held_notice_being_checked_is_not_claimed_by_the_next_tick(make_app, clock):
    holder = SlowHolder()
    app = await make_app(notifiers={"telegram": holder})
    row = await one_row(app, clock)  # ward-a: Telegram only
    await app.dispatcher.run_due()
    assert (await row_now(app, row)).status == "queued"
    clock.advance(seconds=61)  # its check is due (fallback_after 60 s)
    app.dispatcher.settle = False  # live: lanes run on while the next tick claims
    await app.dispatcher.run_due()
    for _ in range(20):  # the check is under way, waiting for the channel
        await asyncio.sleep(0)
    assert holder.releases == 1
    await app.dispatcher.run_due()  # the next tick: the row is claimed already
    holder.gate.set()
    await app.dispatcher.drain()
    assert holder.releases == 1
    got = await row_now(app, row)
    assert got.status == "failed" and got.sent_at is None  # no contact left: given up
    timeline = await app.store.transaction(lambda tx: tx.timeline.of_incident(row.incident_id))
    assert [e["reason"] for e in timeline].count("DELIVERY_FAILED") == 1


class FailsThenHolds:
    """Telegram refusing for a while, then taking notices only into a digest that never
    goes out (the chat's budget stays full)."""

    def __init__(self, failures: int) -> None:
        self.failures = failures

    async def send(self, contact, message) -> None:
        if self.failures:
            self.failures -= 1
            raise NotifyError("telegram answered HTTP 500", recoverable=True, kind="busy")
        raise Held()

    async def release(self, contact, delivery_id: int) -> str:
        return "released"


async def test_a_notice_held_after_failed_attempts_falls_back_at_the_first_attempts_deadline(
        make_app, clock):
    channel = FailsThenHolds(failures=3)
    app = await make_app(notifiers={"telegram": channel})
    row = await one_row(app, clock)  # ward-a: Telegram only; fallback_after 60 s
    first = clock.now()
    for _ in range(50):
        await app.tick()
        got = await row_now(app, row)
        if got.status not in ("pending", "queued"):
            break
        due = await app.store.transaction(lambda tx: tx.deliveries.earliest())
        clock.set(max(due, clock.now()))
    assert got.status == "failed"  # held, never sent; no contact left: given up
    assert clock.now() <= first + timedelta(seconds=60)  # not re-armed by the hold


async def test_a_message_behind_a_recovered_one_still_leaves_a_dead_contact_on_time(
        make_app, clock, recorder):
    """A crash leaves the alarm's first notice claimed; a reminder to the same party is
    tried meanwhile and fails. After the restart the first notice is tried again and
    fails too, and waits for its retry: the reminder must not wait behind it past its
    own fallback deadline (60 s from its first attempt)."""
    recorder.failures = [NotifyError("telegram answered HTTP 500", recoverable=True,
                                     kind="busy") for _ in range(100)]
    app = await make_app()
    first = await one_row(app, clock)  # ward-a: Telegram only
    await claim(app, clock.now())  # ... by a process that dies

    def remind(tx):
        tx.deliveries.add(first.incident_id, [Notice("ward-a", Reason.RENOTIFY, 0)],
                          clock.now())
        return tx.deliveries.of_incident(first.incident_id)[-1]

    reminder = await app.store.transaction(remind)
    started = clock.now()
    await app.tick()  # the reminder is tried: it fails and waits for a retry
    assert (await row_now(app, reminder)).status == "pending"
    clock.advance(seconds=10)
    await app.store.transaction(lambda tx: tx.deliveries.release_in_flight(clock.now()))  # restart
    for _ in range(60):
        await app.tick()
        if (await row_now(app, reminder)).status != "pending":
            break
        due = await app.store.transaction(lambda tx: tx.deliveries.earliest())
        clock.set(max(due, clock.now() + timedelta(seconds=1)))  # a waker's next look
    got = await row_now(app, reminder)
    assert got.status == "failed"  # Telegram was its only contact: given up
    assert clock.now() <= started + timedelta(seconds=60), clock.now() - started
