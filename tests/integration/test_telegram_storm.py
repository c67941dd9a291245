"""An alarm storm: 300 alarms in one ward chat, at most 20 messages a minute, none lost."""

from __future__ import annotations

import re
from datetime import timedelta

from fake_telegram import FakeTelegram
from tg_support import CHAT_A, alarm

from escalator.notify.telegram.layout import tg_len

STORM = 300
WRITES = ("sendMessage", "editMessageText", "editMessageReplyMarkup")


def busiest_minute(fake: FakeTelegram, chat: int) -> int:
    """The most calls that changed the chat within any 60 s of the (fake) clock."""
    times = sorted(c.at for c in fake.calls if c.method in WRITES
                   and str(c.params.get("chat_id")) == str(chat))
    return max((sum(1 for u in times if t <= u < t + timedelta(minutes=1)) for t in times),
               default=0)


def mentioned(fake: FakeTelegram, chat: int, *containing: str) -> set[int]:
    """Incident numbers in the chat's messages (only those containing one of the words)."""
    return {int(n) for m in fake.chat_messages(chat)
            if not containing or any(word in m.text for word in containing)
            for n in re.findall(r"#(\d+)", m.text)}


async def run_minutes(app, minutes: int) -> None:
    for _ in range(minutes):
        app.clock.advance(minutes=1)
        await app.tick()


async def test_storm_is_a_digest_within_the_group_limit_with_no_alarm_missing(tg_app, fake_tg):
    app = await tg_app(step1="[ward-a]")
    ids = [await alarm(app, point=f"Loop {n // 20 + 1}, detector {n % 20 + 1}")
           for n in range(STORM)]
    await app.tick()

    # the chat got some cards and a digest, not 300 messages
    first_minute = fake_tg.chat_messages(CHAT_A)
    assert len(first_minute) <= 20
    digests = [m for m in first_minute if m.text.startswith("⚠️ Hälytysmyrsky")]
    assert digests and all(tg_len(m.text) <= 4096 for m in first_minute)
    assert digests[0].text.startswith(f"⚠️ Hälytysmyrsky: {STORM - 10} ilmoitusta koottuna")
    assert mentioned(fake_tg, CHAT_A) == set(ids)  # every alarm is in a card or the digest
    assert app.telegram.digests.waiting() == []

    await run_minutes(app, 20)  # reminders and escalations of all 300 come and go
    assert busiest_minute(fake_tg, CHAT_A) <= 20
    assert app.telegram.digests.waiting() == []  # nothing left behind
    # each wave reached every alarm: as a reply to its card, or in a digest
    assert mentioned(fake_tg, CHAT_A, "🔔 Muistutus", "Edelleen ottamatta") == set(ids)
    assert mentioned(fake_tg, CHAT_A, "Olen yhteydessä nyt", "Siirretty eteenpäin") == set(ids)


async def test_storm_digest_survives_telegram_refusing_it(tg_app, fake_tg):
    app = await tg_app(step1="[ward-a]")
    for n in range(40):
        await alarm(app, point=f"Detector {n}")
    await app.dispatcher.run_due()  # 10 cards now, 30 wait for a digest
    assert app.telegram.digests.waiting() == [str(CHAT_A)]
    fake_tg.fail("sendMessage", 503, times=1000, description="Service Unavailable")
    await app.tick()  # the digest cannot go out (a failed call spends no budget)
    assert app.telegram.digests.waiting() == [str(CHAT_A)]
    fake_tg.scripts.clear()

    for _ in range(5):
        app.clock.advance(seconds=30)
        await app.tick()
    assert mentioned(fake_tg, CHAT_A) == set(range(1, 41))
    assert app.telegram.digests.waiting() == []
    assert busiest_minute(fake_tg, CHAT_A) <= 20
