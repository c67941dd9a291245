"""Telegram failing: 429s are honoured, outages fall back, the ladder never waits on Telegram."""

from __future__ import annotations

import logging
from datetime import timedelta

from fake_telegram import FakeTelegram
from support import TOKENS
from tg_support import (
    CHAT_A,
    alarm,
    deliveries,
    incident,
)

DETAILS = {"Authorization": f"Bearer {TOKENS['ESCALATOR_API_TOKEN']}"}  # /healthz details


async def test_429_retry_after_is_honoured(tg_app, fake_tg: FakeTelegram):
    app = await tg_app(step1="[ward-a]")
    fake_tg.fail("sendMessage", 429, retry_after=30)
    iid = await alarm(app)
    start = app.clock.now()
    await app.tick()

    [row] = await deliveries(app, iid)
    assert row.status == "pending" and row.contact_index == 0  # still Telegram, later
    assert row.next_attempt_at == start + timedelta(seconds=30)
    assert "flood control" in (row.error or "")
    assert app.health()["telegram"]["reachable"] is True  # busy is not down

    app.clock.advance(seconds=20)
    await app.tick()
    assert len(fake_tg.calls_of("sendMessage", CHAT_A)) == 1  # only the refused one

    app.clock.advance(seconds=10)
    await app.tick()
    assert len(fake_tg.calls_of("sendMessage", CHAT_A)) == 2
    [row] = await deliveries(app, iid)
    assert (row.status, row.channel) == ("sent", "telegram")
    assert len(fake_tg.chat_messages(CHAT_A)) == 1


async def retry_until_settled(app, rounds: int = 6) -> None:
    """Walk the dispatcher's backoff (5 s, 20 s, 80 s) on the fake clock, deliveries only."""
    await app.tick()
    for _ in range(rounds):
        due = await app.store.transaction(lambda tx: tx.deliveries.earliest())
        if due is None:
            return
        app.clock.set(max(due, app.clock.now()))
        await app.tick()


async def test_telegram_down_falls_back_to_email(tg_app, fake_tg, recorder):
    app = await tg_app(step1="[ward-a]")
    await fake_tg.outage("503")
    iid = await alarm(app)
    await retry_until_settled(app)

    assert recorder.reasons("ward-a") == [("ward-a", "FIRST")]  # the e-mail contact got it
    [row] = await deliveries(app, iid)
    assert (row.status, row.channel) == ("sent", "email")
    assert row.sent_at - (await incident(app, iid)).opened_at < timedelta(minutes=3)
    health = app.health()["telegram"]
    assert health["state"] == "unreachable" and health["reachable"] is False
    assert health["ok"] is True  # Telegram's outage does not make the service unhealthy


async def test_ladder_does_not_stall_when_the_only_contact_is_telegram(tg_app, fake_tg, recorder):
    app = await tg_app(step1="[ward-b]")  # ward B has no other contact
    await fake_tg.outage("refuse")
    iid = await alarm(app)
    await retry_until_settled(app)

    # escalated as soon as ward B could not be reached, not 10 minutes later
    assert recorder.reasons("vendor") == [("vendor", "ESCALATED")]
    [vendor] = [d for d in await deliveries(app, iid) if d.party == "vendor"]
    assert vendor.sent_at - (await incident(app, iid)).opened_at < timedelta(minutes=3)
    first = [d for d in await deliveries(app, iid) if d.party == "ward-b"][0]
    assert first.status == "failed" and "unreachable" in (first.error or "")

    await fake_tg.restore()
    second = await alarm(app, point="Loop 3")
    await app.tick()
    assert second and len(fake_tg.chat_messages(-1009876543210)) == 1  # works again


async def test_service_starts_and_escalates_while_telegram_is_down_at_boot(
        tg_app, fake_tg, recorder):
    await fake_tg.outage("503")
    app = await tg_app(step1="[ward-a]", connect=False)  # start() does not wait for Telegram
    assert not app.telegram.connection.connected.is_set()
    await alarm(app)
    await retry_until_settled(app)
    assert recorder.reasons("ward-a") == [("ward-a", "FIRST")]
    assert app.health()["telegram"]["state"] == "unreachable"

    await fake_tg.restore()
    await fake_tg.wait_for(app.telegram.connection.connected.is_set)
    await alarm(app, point="Loop 9")
    await app.tick()
    assert len(fake_tg.chat_messages(CHAT_A)) == 1


async def test_permanent_refusal_goes_straight_to_the_next_contact(tg_app, fake_tg, recorder):
    app = await tg_app(step1="[ward-a]")
    fake_tg.missing_chats.add(str(CHAT_A))  # "chat not found": retrying will not help
    iid = await alarm(app)
    await app.tick()
    [row] = await deliveries(app, iid)
    assert (row.status, row.channel, row.contact_index) == ("sent", "email", 1)
    assert row.sent_at == app.clock.now()  # at once, no backoff
    assert len(fake_tg.calls_of("sendMessage", CHAT_A)) == 1  # and no retry on Telegram


async def test_telegram_staying_down_is_an_ordinary_incident_that_walks_the_ladder(
        tg_app, fake_tg, recorder):
    app = await tg_app(step1="[ward-a]", extra="alert_after: 10m")
    await fake_tg.outage("503")
    await fake_tg.wait_for(lambda: app.telegram.reach.down_since is not None)
    down_at = app.telegram.reach.down_since

    assert await app.tick() == down_at + timedelta(minutes=10)  # the waker comes back then
    app.clock.advance(minutes=9)
    await app.tick()
    assert await open_outage(app) is None

    app.clock.advance(minutes=2)
    await retry_until_settled(app, rounds=20)  # Telegram fails: ward A gets an e-mail
    outage = await open_outage(app)
    assert outage is not None and (outage.source, outage.severity) == ("escalator", "high")
    [notice] = [m for m in recorder.to("ward-a") if m.incident.id == outage.id]
    assert notice.reason == "FIRST" and "Telegram" in notice.subject
    assert [c.channel for c, m in recorder.sent if m.incident.id == outage.id] == ["email"]
    app.clock.advance(minutes=30)
    await retry_until_settled(app, rounds=20)
    assert await open_outage(app) is not None  # still one incident, reminding like any other
    reasons = {m.reason for m in recorder.to("ward-a") if m.incident.id == outage.id}
    assert reasons >= {"FIRST", "RENOTIFY"} or "ESCALATED" in reasons

    await fake_tg.restore()
    await fake_tg.wait_for(lambda: app.telegram.reach.down_since is None)
    await app.tick()
    assert await open_outage(app) is None
    assert (await incident(app, outage.id)).resolved_by == "source"  # cleared, not forgotten


async def open_outage(app):
    return await app.store.transaction(
        lambda tx: tx.incidents.open_one("escalator\x1ftelegram_down\x1fTelegram"))


async def test_healthz_shows_telegram_state(tg_app, fake_tg, aiohttp_client):
    app = await tg_app()
    client = await aiohttp_client(app.web_app())
    body = await (await client.get("/healthz", headers=DETAILS)).json()
    assert body["telegram"]["state"] == "connected"
    assert body["telegram"]["bot"] == "escalator_test_bot"

    await fake_tg.outage("503")
    await fake_tg.wait_for(lambda: app.telegram.reach.down_since is not None)
    body = await (await client.get("/healthz", headers=DETAILS)).json()
    assert body["telegram"]["state"] == "unreachable"
    assert body["telegram"]["down_since"] == app.telegram.reach.down_since.isoformat()
    assert body["telegram"]["ok"] is True  # deliveries fall back: not a reason to restart us


async def test_a_rejected_token_is_reported_without_the_token(tg_app, fake_tg, caplog):
    caplog.set_level(logging.DEBUG, logger="escalator")
    caplog.set_level(logging.INFO)
    app = await tg_app(connect=False, token="999:TEST-token-revoked")
    await fake_tg.wait_for(lambda: app.telegram.reach.last_error)
    health = app.health()["telegram"]
    assert health["state"] == "unreachable" and "rejected" in health["last_error"]
    ours = [r.getMessage() for r in caplog.records if r.name != "aiohttp.access"]  # not the fake's
    assert "TEST-token" not in str(health) and not [m for m in ours if "TEST-token" in m]
