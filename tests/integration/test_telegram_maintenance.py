"""Telegram, for real against the fake Bot API: a held alarm posts no card until the
maintenance window ends; then the ward gets the card with its buttons."""

from __future__ import annotations

from fake_telegram import FakeTelegram
from tg_support import CHAT_A, alarm, deliveries

WINDOW = """
maintenance:
  - match: {point: "Loop 2*"}
    from: "2026-11-24 08:00"
    until: "2026-11-24 10:00"
    reason: asennustyö
"""


async def test_the_card_comes_when_the_window_ends(tg_app, fake_tg: FakeTelegram):
    app = await tg_app(extra=WINDOW)
    iid = await alarm(app)  # Tue 09:00 local, inside the window
    await app.tick()
    assert fake_tg.chat_messages(CHAT_A) == []

    app.clock.advance(minutes=59)
    await app.tick()
    assert fake_tg.chat_messages(CHAT_A) == []
    app.clock.advance(minutes=1)
    await app.tick()
    [card] = fake_tg.chat_messages(CHAT_A)
    assert f"acknowledge:{iid}" in fake_tg.buttons(card)
    assert "Kenelle on ilmoitettu: Ward A nurse on duty 10.00" in card.text  # told at 10:00
    assert "Palohälytyssilmukan vika" in card.text and "Loop 2, wing B" in card.text
    assert {(d.party, d.reason, d.status) for d in await deliveries(app, iid)} == {
        ("ward-a", "MAINTENANCE_ENDED", "sent"), ("ward-b", "MAINTENANCE_ENDED", "sent")}

    app.clock.advance(minutes=5)  # the ordinary ladder from here: a reminder pings
    await app.tick()
    card_now, ping = fake_tg.chat_messages(CHAT_A)
    assert card_now.message_id == card.message_id
    assert ping.text.startswith("🔔 Muistutus")
