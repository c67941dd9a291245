"""Button presses through python-telegram-bot: who may act, and what everyone sees after."""

from __future__ import annotations

from fake_telegram import FakeTelegram
from support import said
from tg_support import (
    CHAT_A,
    CHAT_B,
    NURSE_A,
    NURSE_A2,
    NURSE_B,
    STAFF,
    STRANGER,
    alarm,
    incident,
    timeline,
)

from escalator.domain.model import State, read_params


async def press(fake: FakeTelegram, chat: int, user: int, data: str,
                message_id: int | None = None, **names: str) -> dict:
    """Tap a button on the chat's card and wait for the popup answer."""
    mid = message_id or fake.chat_messages(chat)[0].message_id
    query = fake.press(chat, mid, user, data, **names)
    await fake.wait_for(lambda: any(a["callback_query_id"] == query for a in fake.answers()))
    return next(a for a in fake.answers() if a["callback_query_id"] == query)


async def opened(tg_app, fake: FakeTelegram):
    app = await tg_app()
    iid = await alarm(app)
    await app.tick()
    return app, iid


async def test_authorised_press_takes_it_edits_cards_stops_reminders(tg_app, fake_tg, recorder):
    app, iid = await opened(tg_app, fake_tg)
    app.clock.advance(minutes=1)

    answer = await press(fake_tg, CHAT_A, NURSE_A, f"acknowledge:{iid}")
    assert answer["text"].startswith("Kiitos!")
    await fake_tg.wait_for(lambda: fake_tg.chat_messages(CHAT_A)[0].edits == 1)

    inc = await incident(app, iid)
    assert inc.state is State.ACKNOWLEDGED
    assert inc.acked_by == "Anna Virtanen (Telegram 1001)"  # the Telegram user, recorded
    card_a = fake_tg.chat_messages(CHAT_A)[0]
    assert card_a.text.startswith("🟡 Hoidossa: Anna Virtanen (Telegram 1001) klo 9.01")
    assert "acknowledge:" not in " ".join(fake_tg.buttons(card_a))

    sent_before = len(fake_tg.calls_of("sendMessage"))
    await app.tick()  # the others are told: ward B's card is edited in place
    card_b = fake_tg.chat_messages(CHAT_B)[0]
    assert card_b.edits == 1 and "Hoidossa: Anna Virtanen" in card_b.text

    for _ in range(6):  # an hour: no reminder, no escalation
        app.clock.advance(minutes=10)
        await app.tick()
    assert len(fake_tg.calls_of("sendMessage")) == sent_before
    assert recorder.to("vendor") == []
    entries = [(e["reason"], said(e, "en")) for e in await timeline(app, iid)]
    assert any(r == "ACKED" and text.startswith("Taken by Anna Virtanen (Telegram 1001)")
               for r, text in entries)


async def test_unauthorised_press_is_refused_and_audited(tg_app, fake_tg):
    app, iid = await opened(tg_app, fake_tg)
    edits_before = len(fake_tg.calls_of("editMessageText"))

    answer = await press(fake_tg, CHAT_A, STRANGER, f"acknowledge:{iid}",
                         first_name="Mallory", last_name="Outsider")
    assert answer["show_alert"] in (True, "true")
    assert "Sinulla ei ole oikeutta" in answer["text"] and "5555" in answer["text"]
    # ward B's nurse is authorised in ward B's chat, not in ward A's
    answer_b = await press(fake_tg, CHAT_A, NURSE_B, f"resolve:{iid}")
    assert "Sinulla ei ole oikeutta" in answer_b["text"]

    assert (await incident(app, iid)).state is State.OPEN
    assert len(fake_tg.calls_of("editMessageText")) == edits_before
    refused = [e for e in await timeline(app, iid) if e["reason"] == "REFUSED"]
    assert [read_params(e["detail"]) for e in refused] == [
        {"who": f"Mallory Outsider (Telegram {STRANGER})", "action": "acknowledge",
         "chat": CHAT_A},
        {"who": f"Anna Virtanen (Telegram {NURSE_B})", "action": "resolve", "chat": CHAT_A}]
    assert said(refused[0]) == (f"Torjuttu: Mallory Outsider (Telegram {STRANGER}) ei saa "
                                "käsitellä tätä hälytystä")
    app.clock.advance(minutes=5)
    await app.tick()  # the reminder still comes: nothing changed
    assert fake_tg.chat_messages(CHAT_A)[-1].text.startswith("🔔 Muistutus")


async def test_staff_user_may_act_in_any_configured_chat(tg_app, fake_tg):
    app, iid = await opened(tg_app, fake_tg)
    answer = await press(fake_tg, CHAT_B, STAFF, f"resolve:{iid}", first_name="Sami",
                         last_name="Staff")
    assert answer["text"].startswith("Merkitty ratkaistuksi")
    inc = await incident(app, iid)
    assert inc.state is State.RESOLVED and inc.resolved_by == "Sami Staff (Telegram 9001)"


async def test_second_press_hears_already_taken_by_whom_and_when(tg_app, fake_tg):
    app, iid = await opened(tg_app, fake_tg)
    app.clock.advance(minutes=3)
    await press(fake_tg, CHAT_A, NURSE_A, f"acknowledge:{iid}")
    app.clock.advance(minutes=1)

    answer = await press(fake_tg, CHAT_A, NURSE_A2, f"acknowledge:{iid}", first_name="Bea")
    assert answer["text"] == "ℹ️ Jo hoidossa: Anna Virtanen (Telegram 1001) klo 9.03."
    assert (await incident(app, iid)).acked_by == "Anna Virtanen (Telegram 1001)"

    await press(fake_tg, CHAT_A, NURSE_A, f"resolve:{iid}")
    late = await press(fake_tg, CHAT_A, NURSE_A2, f"snooze15:{iid}", first_name="Bea")
    assert late["text"].startswith("ℹ️ Hälytys on jo käsitelty: Anna Virtanen")


async def test_stale_and_unknown_button_data_get_a_clear_popup(tg_app, fake_tg):
    app, iid = await opened(tg_app, fake_tg)
    bogus = await press(fake_tg, CHAT_A, NURSE_A, "ack-v1|17|x")
    assert bogus["text"].startswith("Tämä painike on vanhentunut")
    unknown = await press(fake_tg, CHAT_A, NURSE_A, "acknowledge:999")
    assert unknown["text"].startswith("Hälytystä #999 ei löydy")
    assert (await incident(app, iid)).state is State.OPEN


async def test_snooze_button_snoozes_for_its_length(tg_app, fake_tg):
    app, iid = await opened(tg_app, fake_tg)
    answer = await press(fake_tg, CHAT_A, NURSE_A, f"snooze60:{iid}")
    assert answer["text"] == "Torkutettu 1 t. Muistutan sen jälkeen."
    inc = await incident(app, iid)
    assert inc.state is State.SNOOZED
    assert (inc.snoozed_until - app.clock.now()).total_seconds() == 3600


async def test_escalate_now_calls_the_next_step_at_once(tg_app, fake_tg, recorder):
    app, iid = await opened(tg_app, fake_tg)
    await press(fake_tg, CHAT_A, NURSE_A, f"escalate:{iid}")
    await app.tick()
    assert recorder.reasons("vendor") == [("vendor", "ESCALATED")]


async def test_press_while_the_store_is_down_says_try_again(tg_app, fake_tg):
    app, iid = await opened(tg_app, fake_tg)
    app.store._conn.close()  # the database goes away under the running service
    answer = await press(fake_tg, CHAT_A, NURSE_A, f"acknowledge:{iid}")
    assert answer["text"] == "Palvelu ei juuri nyt vastaa. Yritä hetken kuluttua uudelleen."
