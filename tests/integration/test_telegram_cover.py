"""/cover through python-telegram-bot and the fake Bot API: a nurse says she covers
another ward's shift tonight; it is kept under her name and the ladder reaches her."""

from __future__ import annotations

from datetime import UTC, datetime

from fake_telegram import FakeTelegram
from tg_support import CHAT_A, CHAT_B, NURSE_A, NURSE_B, STAFF, STRANGER, alarm

from escalator.notify.telegram.texts import t

EVENING = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)  # 22:00 in Helsinki


async def say(fake: FakeTelegram, chat: int, user: int, text: str) -> str:
    before = len(fake.chat_messages(chat))
    fake.command(chat, user, text)
    await fake.wait_for(lambda: len(fake.chat_messages(chat)) > before)
    return fake.chat_messages(chat)[before].text


async def covers(app):
    return await app.store.transaction(lambda tx: tx.rows("SELECT * FROM covers ORDER BY id"))


async def test_a_nurse_covers_another_wards_shift_tonight(tg_app, fake_tg, clock):
    app = await tg_app(step1="[ward-a]")
    reply = await say(fake_tg, CHAT_B, NURSE_B, "/cover Ward A nurse on duty")
    assert reply.startswith("Ward B nurse on duty tuuraa: Ward A nurse on duty, 24.11. 18.00"), \
        reply
    [row] = await covers(app)
    assert (row["covered"], row["cover"]) == ("ward-a", "ward-b")
    assert row["created_by"].endswith(f"(Telegram {NURSE_B})")
    clock.set(EVENING)
    incident = await alarm(app)
    await app.tick()
    await fake_tg.wait_for(lambda: fake_tg.chat_messages(CHAT_B))
    cards = [m for m in fake_tg.chat_messages(CHAT_B) if f"#{incident}" in m.text]
    assert cards and not [m for m in fake_tg.chat_messages(CHAT_A) if f"#{incident}" in m.text]


async def test_cover_refusals_say_why_and_keep_nothing(tg_app, fake_tg):
    app = await tg_app()
    assert (await say(fake_tg, CHAT_A, NURSE_A, "/cover ward-a")) == \
        "Omaa vuoroa ei voi tuurata."
    assert (await say(fake_tg, CHAT_A, NURSE_A, "/cover ward-b next year")).startswith(
        "Käyttö: /cover")
    assert (await say(fake_tg, CHAT_A, NURSE_A, "/cover")).startswith("Käyttö: /cover")
    assert await say(fake_tg, CHAT_A, STRANGER, "/cover ward-b") == t(
        "fi", "cmd.unauthorised", user=STRANGER)
    no_party = "Vuoron tuuraamisen voi ilmoittaa täällä vain vuorolistalla oleva henkilö"
    assert (await say(fake_tg, CHAT_A, STAFF, "/cover ward-b")).startswith(no_party)
    assert await covers(app) == []
