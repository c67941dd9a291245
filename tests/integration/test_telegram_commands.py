"""Commands, languages and long texts, through python-telegram-bot and the fake Bot API."""

from __future__ import annotations

from fake_telegram import FakeTelegram
from tg_support import (
    CHAT_A,
    CHAT_B,
    NURSE_A,
    STAFF,
    STRANGER,
    alarm,
)

from escalator.notify.telegram.layout import tg_len

UNKNOWN_CHAT = -100555


async def say(fake: FakeTelegram, chat: int, user: int, text: str, replies: int = 1) -> list[str]:
    """Send a command; wait for `replies` new messages in that chat and return their texts."""
    before = len(fake.chat_messages(chat))
    fake.command(chat, user, text)
    await fake.wait_for(lambda: len(fake.chat_messages(chat)) >= before + replies)
    return [m.text for m in fake.chat_messages(chat)[before:]]


async def test_commands_are_announced_in_each_language(tg_app, fake_tg):
    await tg_app()
    announced = {c.params.get("language_code"): c.params["commands"]
                 for c in fake_tg.calls_of("setMyCommands")}
    assert set(announced) == {None, "fi", "sv", "en"}
    assert {c["command"] for c in announced["en"]} == {
        "open", "status", "oncall", "cover", "chatid", "language", "help", "start"}
    assert {c["description"] for c in announced["sv"]} >= {"Öppna larm"}


async def test_chatid_and_start_give_the_ids_for_the_config_anywhere(tg_app, fake_tg):
    await tg_app()
    [reply] = await say(fake_tg, UNKNOWN_CHAT, STRANGER, "/chatid")
    assert f"(chat id): {UNKNOWN_CHAT}" in reply and f"(user id): {STRANGER}" in reply
    assert f"- telegram: {UNKNOWN_CHAT}" in reply and f"telegram_user: {STRANGER}" in reply
    [hello] = await say(fake_tg, UNKNOWN_CHAT, STRANGER, "/start")
    assert hello.startswith("Hei!") and "/oncall" in hello and str(UNKNOWN_CHAT) in hello
    [help_text] = await say(fake_tg, UNKNOWN_CHAT, STRANGER, "/help")
    assert "/open – avoimet hälytykset painikkeineen" in help_text


async def test_alarm_details_only_in_configured_chats(tg_app, fake_tg):
    app = await tg_app()
    await alarm(app)
    await app.tick()
    [reply] = await say(fake_tg, UNKNOWN_CHAT, STRANGER, "/open")
    assert reply.startswith("Tätä keskustelua ei ole asetuksissa")
    # staff: in the facility's own chats and their private chat, not in a stranger's group
    [refused] = await say(fake_tg, UNKNOWN_CHAT, STAFF, "/status 1")
    assert refused.startswith("Hälytys #1 ei kuulu")
    [staff_card] = await say(fake_tg, STAFF, STAFF, "/status 1")
    assert "Palohälytyssilmukan vika · #1" in staff_card


async def test_open_posts_the_open_alarms_with_buttons(tg_app, fake_tg):
    app = await tg_app()
    for n in range(7):
        await alarm(app, point=f"Zone {n}")
    await app.tick()
    cards = await say(fake_tg, CHAT_A, NURSE_A, "/open", replies=6)
    assert [c.split("\n")[2] for c in cards[:5]] == [
        f"Palohälytyssilmukan vika · #{n}" for n in (3, 4, 5, 6, 7)]
    assert cards[5] == "Avoimia hälytyksiä yhteensä 7. Muut: #1, #2"
    first_card, open_card = [m for m in fake_tg.chat_messages(CHAT_A)
                             if "acknowledge:3" in fake_tg.buttons(m)]

    app.clock.advance(minutes=5)
    await app.tick()  # the reminder edits the card /open posted, not the older one
    assert (first_card.edits, open_card.edits) == (0, 1)


async def test_status_and_oncall(tg_app, fake_tg):
    app = await tg_app()
    await alarm(app)
    await app.tick()
    [usage] = await say(fake_tg, CHAT_A, NURSE_A, "/status")
    assert usage.startswith("Käyttö: /status")
    [missing] = await say(fake_tg, CHAT_A, NURSE_A, "/status 42")
    assert missing.startswith("Hälytystä #42 ei löydy")
    [oncall] = await say(fake_tg, CHAT_A, NURSE_A, "/oncall")
    assert oncall.startswith("Vuorossa nyt:\n• technical-fault: Ward A nurse on duty, Ward B")
    assert ("technical-fault: 1. Ward A nurse on duty, Ward B nurse on duty → "
            "2. Security company fault hotline") in oncall


async def test_language_command_switches_the_chat(tg_app, fake_tg):
    app = await tg_app()
    [refused] = await say(fake_tg, CHAT_A, STRANGER, "/language sv")
    assert refused.startswith("Sinulla ei ole oikeutta")
    [usage] = await say(fake_tg, CHAT_A, NURSE_A, "/language")
    assert usage == "Käyttö: /language fi | sv | en (nyt: fi)"
    [done] = await say(fake_tg, CHAT_A, NURSE_A, "/language sv")
    assert done == "Språket i den här chatten är nu svenska."

    await alarm(app)
    await app.tick()
    card_a = fake_tg.chat_messages(CHAT_A)[-1]
    assert card_a.text.startswith("🔴 Larm – ingen har tagit hand om det ännu")
    assert "Ingen evakuering behövs. Ingen behöver ringa någon" in card_a.text
    assert "Fel i brandlarmsslingan" in card_a.text
    card_b = fake_tg.chat_messages(CHAT_B)[-1]  # ward B keeps the facility's Finnish
    assert card_b.text.startswith("🔴 Hälytys")


async def test_english_facility_and_swedish_party(tg_app, fake_tg):
    app = await tg_app(language="en", ward_b_language="sv")
    await alarm(app)
    await app.tick()
    card_a = fake_tg.chat_messages(CHAT_A)[0].text
    assert card_a.startswith("🔴 Alarm – nobody has taken it yet")
    assert "Fire alarm loop fault · #1" in card_a
    assert "What to do: No need to evacuate. Nobody needs to call anyone" in card_a
    assert "if nobody takes it, I will contact Security company fault hotline at 09:10" in card_a
    card_b = fake_tg.chat_messages(CHAT_B)[0].text
    assert card_b.startswith("🔴 Larm")
    assert "Härnäst: om ingen tar hand om larmet kontaktar jag Security company" in card_b


async def test_an_alarm_text_over_4096_characters_is_shortened_safely(tg_app, fake_tg):
    app = await tg_app()
    await alarm(app, text="Ilmaisin 12 ⚠️ vikatila. " * 400, point="Siipi B " * 100)
    await app.tick()
    [card] = fake_tg.chat_messages(CHAT_A)  # the fake, like Telegram, refuses > 4096
    assert tg_len(card.text) <= 4096 and "…" in card.text
    assert card.text.endswith("— Lehtiojan palvelukeskus")
    assert "acknowledge:1" in fake_tg.buttons(card)
