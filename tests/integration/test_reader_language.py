"""Each person reads their own language, over the facility's, on every channel they have.

The facility here writes Finnish; ward B's nurse reads Swedish. Her Telegram card, her
ack page and its dates are Swedish (Finland-Swedish times, 9.00), while ward A (no language of
its own) reads the facility's Finnish, from the same incident at the same moment.
"""

from __future__ import annotations

from fake_telegram import FakeTelegram
from tg_support import CHAT_A, CHAT_B, alarm


async def test_each_person_reads_their_own_language_over_the_facilitys(
        tg_app, fake_tg: FakeTelegram, clock, aiohttp_client):
    app = await tg_app(ward_b_language="sv")
    iid = await alarm(app)
    await app.tick()

    [card_a] = fake_tg.chat_messages(CHAT_A)
    [card_b] = fake_tg.chat_messages(CHAT_B)
    assert "Palohälytyssilmukan vika" in card_a.text and "Alkaen: 9.00" in card_a.text
    assert "Fel i brandlarmsslingan" in card_b.text and "Sedan: 9.00" in card_b.text
    assert "Palohälytys" not in card_b.text
    assert fake_tg.labels(card_b)[1].startswith("✋ Jag tar det")

    client = await aiohttp_client(app.web_app())
    token = await app.ack_token(iid, "ward-b")
    page = await (await client.get(f"/ack/{token}")).text()
    assert '<html lang="sv">' in page
    assert "Fel i brandlarmsslingan" in page and "24.11.2026 9.00" in page
    page_a = await (await client.get(f"/ack/{await app.ack_token(iid, 'ward-a')}")).text()
    assert '<html lang="fi">' in page_a and "Palohälytyssilmukan vika" in page_a
