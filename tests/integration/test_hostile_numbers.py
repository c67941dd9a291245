"""Numbers from outside that Python reads badly (issue 11, finding 10).

`"²".isdigit()` is true but `int("²")` raises, and `int()` of 5,000 digits
raises too; each must be a clear refusal, not a traceback.
"""

from __future__ import annotations

from fake_telegram import FakeTelegram
from support import TOKENS
from tg_support import CHAT_A, NURSE_A, alarm

OPERATOR = {"Authorization": f"Bearer {TOKENS['ESCALATOR_API_TOKEN']}"}


async def say(fake: FakeTelegram, chat: int, user: int, text: str) -> str:
    before = len(fake.chat_messages(chat))
    fake.command(chat, user, text)
    await fake.wait_for(lambda: len(fake.chat_messages(chat)) >= before + 1)
    return fake.chat_messages(chat)[before].text


async def test_status_with_a_superscript_or_a_huge_number_answers_the_usage(tg_app, fake_tg,
                                                                            caplog):
    app = await tg_app()
    await alarm(app)
    await app.tick()
    for arg in ("²", "9" * 5000, "٣"):
        answer = await say(fake_tg, CHAT_A, NURSE_A, f"/status {arg}")
        assert answer.startswith("Käyttö: /status"), arg
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


async def test_a_bad_limit_is_a_400_with_the_reason(client):
    for raw in ("9" * 5000, "²", "٣", "0", "-1"):
        resp = await client.get(f"/api/v1/incidents?limit={raw}", headers=OPERATOR)
        assert resp.status == 400, raw
        body = await resp.json()
        assert body["error"].startswith("limit must be a whole number from 1 to")
        assert len(body["error"]) < 200  # the 5,000 digits are not echoed back
    resp = await client.get("/api/v1/incidents/²", headers=OPERATOR)
    assert resp.status in (400, 404)
