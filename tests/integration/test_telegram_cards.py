"""Telegram, for real against the fake Bot API: one card per incident, edited in place."""

from __future__ import annotations

from fake_telegram import FakeTelegram
from tg_support import (
    CHAT_A,
    CHAT_B,
    alarm,
    deliveries,
    incident,
)

from escalator.notify.telegram.layout import tg_len


async def test_alarm_becomes_a_card_with_buttons(tg_app, fake_tg: FakeTelegram):
    app = await tg_app()
    iid = await alarm(app)
    await app.tick()

    [card] = fake_tg.chat_messages(CHAT_A)
    # the nurse's step: handing it on comes first; taking it says what it means
    assert fake_tg.buttons(card) == [f"escalate:{iid}", f"acknowledge:{iid}",
                                     f"en_route60:{iid}", f"en_route120:{iid}",
                                     f"on_site:{iid}", f"false_alarm:{iid}", f"resolve:{iid}",
                                     f"snooze15:{iid}", f"snooze60:{iid}"]
    labels = fake_tg.labels(card)
    assert labels[0] == "➡️ Siirrä nyt: Security company fault hotline"
    assert labels[1] == "✋ Otan hoitaakseni – soitot loppuvat, muistutus 13.00"
    assert all(len(data.encode()) <= 64 for data in fake_tg.buttons(card))
    text = card.text
    assert "Palohälytyssilmukan vika" in text and "FT" not in text  # what, in plain words
    assert "Loop 2, wing B" in text  # where
    assert "Alkaen: 9.00" in text  # since when (Helsinki time)
    assert "Tekninen vika, ei tulipalo" in text  # how serious
    assert "Ei tarvetta evakuoida. Kenenkään ei tarvitse soittaa" in text  # what to do
    assert "Security company fault hotline klo 9.10" in text  # who is next, and when
    assert [(d.party, d.status, d.channel) for d in await deliveries(app, iid)] == [
        ("ward-a", "sent", "telegram"), ("ward-b", "sent", "telegram")]
    assert len(fake_tg.chat_messages(CHAT_B)) == 1


async def test_reminder_edits_the_card_and_pings_with_a_short_reply(tg_app, fake_tg):
    app = await tg_app()
    await alarm(app)
    await app.tick()
    [card] = fake_tg.chat_messages(CHAT_A)

    app.clock.advance(minutes=5)
    await app.tick()

    card_now, ping = fake_tg.chat_messages(CHAT_A)
    assert card_now.message_id == card.message_id and card_now.edits == 1
    assert ping.reply_to == card.message_id
    assert ping.text.startswith("🔔 Muistutus") and tg_len(ping.text) < 200
    assert fake_tg.buttons(ping) == []  # the buttons stay on the one card


async def test_escalation_is_shown_on_the_card_without_a_new_message(tg_app, fake_tg, recorder):
    app = await tg_app()
    iid = await alarm(app)
    await app.tick()
    app.clock.advance(minutes=5)
    await app.tick()
    app.clock.advance(minutes=5)
    await app.tick()  # step 2: the security company is called

    assert recorder.reasons("vendor") == [("vendor", "ESCALATED")]
    card = fake_tg.chat_messages(CHAT_A)[0]
    assert "Olen yhteydessä nyt: Security company fault hotline." in card.text
    assert [m.reply_to for m in fake_tg.chat_messages(CHAT_A)] == [None, card.message_id]
    assert (await incident(app, iid)).escalation.step == 1


async def test_a_restart_keeps_editing_the_same_message(tg_app, fake_tg):
    first = await tg_app(db="restart.db")
    await alarm(first)
    await first.tick()
    [card] = fake_tg.chat_messages(CHAT_A)
    await first.stop()

    second = await tg_app(db="restart.db")
    second.clock.advance(minutes=5)
    await second.tick()

    edits = fake_tg.calls_of("editMessageText", CHAT_A)
    assert [int(c.params["message_id"]) for c in edits] == [card.message_id]
    assert len([m for m in fake_tg.chat_messages(CHAT_A) if m.reply_to is None]) == 1


async def test_a_deleted_card_is_posted_again(tg_app, fake_tg):
    app = await tg_app()
    await alarm(app)
    await app.tick()
    [card] = fake_tg.chat_messages(CHAT_A)
    del fake_tg.messages[(str(CHAT_A), card.message_id)]  # someone deleted it in the chat

    app.clock.advance(minutes=5)
    await app.tick()

    [new_card] = fake_tg.chat_messages(CHAT_A)  # a new card, which pings by itself
    assert new_card.message_id != card.message_id and fake_tg.buttons(new_card)


async def test_cleared_alarm_removes_the_buttons(tg_app, fake_tg):
    app = await tg_app()
    iid = await alarm(app)
    await app.tick()
    app.clock.advance(minutes=2)
    from escalator.domain.model import AlarmEvent

    await app.service.ingest(AlarmEvent(source="terminal", code="FT", state="clear",
                                        received_at=app.clock.now(), point="Loop 2, wing B"))
    await app.tick()

    [card] = fake_tg.chat_messages(CHAT_A)
    assert card.text.startswith("✅ Kuittautunut päätteellä klo 9.02")
    assert fake_tg.buttons(card) == []
    assert (await incident(app, iid)).state == "resolved"


async def test_the_ward_that_promised_is_pinged_before_the_promise_runs_out(tg_app, fake_tg):
    from escalator.domain.model import Action

    app = await tg_app()
    iid = await alarm(app)
    await app.tick()
    await app.service.act(iid, Action.EN_ROUTE, "Nurse Anna", party="ward-a", minutes=30)
    await app.tick()
    before = len(fake_tg.chat_messages(CHAT_A))
    app.clock.advance(minutes=49)  # there by 09:30, late at 10:00: reminded at 09:50
    await app.tick()
    assert len(fake_tg.chat_messages(CHAT_A)) == before
    app.clock.advance(minutes=1)
    await app.tick()
    ping = fake_tg.chat_messages(CHAT_A)[-1]
    assert len(fake_tg.chat_messages(CHAT_A)) == before + 1
    assert ping.reply_to == fake_tg.chat_messages(CHAT_A)[0].message_id
    assert (await incident(app, iid)).promise_reminded_at is not None
