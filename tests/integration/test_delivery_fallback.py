"""Fallback that really falls back: a contact failing for `fallback_after` hands over.

Telegram answering 500 or hanging: the party's next contact (e-mail here) has the
alarm within `fallback_after` + 5 s on the service clock; retries run on their own
schedule until then; after recovery the card shows the current state. A notice
waiting in a digest is not delivered until the digest goes out.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from tg_support import (
    CHAT_A,
    alarm,
    deliveries,
    incident,
    tg_app,  # noqa: F401 - fixture
)

from escalator.domain.model import Action


@pytest.fixture
def make(tg_app):  # noqa: F811 - the fixture
    def build(delivery: str = "", channel_extra: str = "", step1: str = "[ward-a]"):
        return tg_app(db="fb.db", step1=step1, extra=channel_extra, more=delivery)

    return build


async def walk(app, until: timedelta) -> None:
    """Follow the dispatcher's own retry times on the fake clock, up to `until` from now."""
    end = app.clock.now() + until
    await app.tick()
    for _ in range(100):
        due = await app.store.transaction(lambda tx: tx.deliveries.earliest())
        if due is None or due > end:
            return
        app.clock.set(max(due, app.clock.now()))
        await app.tick()


async def test_telegram_500_hands_over_to_email_within_fallback_after(make, fake_tg, recorder):
    app = await make()  # delivery.fallback_after: the default, 60 s
    await fake_tg.outage("500")
    iid = await alarm(app)
    opened = (await incident(app, iid)).opened_at
    await walk(app, timedelta(minutes=2))

    assert recorder.reasons("ward-a") == [("ward-a", "FIRST")]
    [row] = await deliveries(app, iid)
    assert (row.status, row.channel, row.contact_index) == ("sent", "email", 1)
    took = row.sent_at - opened
    assert timedelta(seconds=55) <= took <= timedelta(seconds=65)  # fallback_after + 5 s
    timeline = await app.store.transaction(lambda tx: tx.timeline.of_incident(iid))
    assert any(e["reason"] == "CHANNEL_FAILED" for e in timeline)


async def test_telegram_hanging_hands_over_and_the_card_shows_the_current_state_after(
        make, fake_tg, recorder):
    app = await make(delivery="delivery:\n  send_timeout: 0.3s\n",
                     channel_extra="fallback_after: 20s")  # the channel's own override
    await fake_tg.outage("hang")
    iid = await alarm(app)
    opened = (await incident(app, iid)).opened_at
    await walk(app, timedelta(minutes=1))
    [row] = await deliveries(app, iid)
    assert (row.status, row.channel) == ("sent", "email")
    assert row.sent_at - opened <= timedelta(seconds=25)
    assert row.attempts >= 1

    await fake_tg.restore()
    await app.service.act(iid, Action.ACKNOWLEDGE, "Anna", party="vendor")
    await walk(app, timedelta(seconds=10))
    cards = fake_tg.chat_messages(CHAT_A)
    assert len(cards) == 1  # one card, showing it is taken: no second "new alarm"
    assert "Anna" in cards[0].text and "🔴" not in cards[0].text


async def test_a_channel_that_comes_back_is_used_at_its_next_retry(make, fake_tg, recorder):
    app = await make()
    fake_tg.fail("sendMessage", 500, times=2)
    iid = await alarm(app)
    await walk(app, timedelta(seconds=30))
    [row] = await deliveries(app, iid)
    assert (row.status, row.channel, row.attempts) == ("sent", "telegram", 3)
    assert recorder.reasons("ward-a") == []  # no fallback: Telegram took it on the 3rd try
    assert row.sent_at - (await incident(app, iid)).opened_at < timedelta(seconds=10)


async def test_a_notice_in_a_digest_is_not_delivered_until_the_digest_goes_out(
        make, fake_tg, recorder):
    app = await make()
    ids = [await alarm(app, code="FS", point=f"Detector {n}") for n in range(14)]
    await app.dispatcher.run_due()  # the deliveries only; the digest is not pumped yet
    rows = [r for i in ids for r in await deliveries(app, i)]
    held = [r for r in rows if r.status == "queued"]
    assert len(held) == 4  # the budget sends 10 cards a minute directly
    assert all(r.sent_at is None for r in held)
    app.clock.advance(seconds=1)
    await app.tick()  # the digest goes out now: those rows are sent, at the digest's time
    for r in held:
        [row] = await deliveries(app, r.incident_id)
        assert row.status == "sent" and row.sent_at == app.clock.now()


async def test_a_digest_notice_falls_back_when_telegram_dies_first(make, fake_tg, recorder):
    app = await make()
    ids = [await alarm(app, code="FS", point=f"Detector {n}") for n in range(14)]
    await app.dispatcher.run_due()  # 10 cards; 4 notices wait for the digest
    await fake_tg.outage("503")  # the digest cannot go out
    held = [r for i in ids for r in await deliveries(app, i) if r.status == "queued"]
    assert len(held) == 4
    opened = app.clock.now()
    await walk(app, timedelta(seconds=70))
    for r in held:  # taken back at fallback_after (60 s) after the first attempt, not later
        [row] = await deliveries(app, r.incident_id)
        assert (row.status, row.channel) == ("sent", "email"), row
        assert row.sent_at - opened <= timedelta(seconds=61), row
    assert len(recorder.reasons("ward-a")) == len(held)


async def test_a_fire_during_a_flood_of_low_alarms_gets_its_own_card_at_once(make, fake_tg):
    app = await make()
    for n in range(20):
        await alarm(app, code="FS", point=f"Detector {n}")  # low: a dirty detector
    await app.dispatcher.run_due()
    assert app.telegram.digests.pending(str(CHAT_A))  # a digest of low alarms is waiting
    fire = await alarm(app, code="FA", point="Kitchen")
    await app.dispatcher.run_due()
    [row] = await deliveries(app, fire)
    assert (row.status, row.channel, row.sent_at) == ("sent", "telegram", app.clock.now())
    card = [m for m in fake_tg.chat_messages(CHAT_A) if "Kitchen" in m.text]
    assert card and card[0].reply_markup is not None  # its own card, with buttons
