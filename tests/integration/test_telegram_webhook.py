"""Webhook mode (behind a reverse proxy): Telegram POSTs updates to our aiohttp server."""

from __future__ import annotations

from fake_telegram import FakeTelegram
from tg_support import CHAT_A, NURSE_A, alarm, incident

from escalator.domain.model import State
from escalator.entrypoints.telegram.webhook_updates import SECRET_HEADER


async def test_webhook_mode_receives_presses_with_the_secret_only(tg_app, fake_tg: FakeTelegram,
                                                                  aiohttp_client):
    app = await tg_app(extra="mode: webhook\n    webhook_path: /tg/hook")
    [hook] = fake_tg.calls_of("setWebhook")
    assert hook.params["url"] == "http://escalator.test/tg/hook"
    secret = hook.params["secret_token"]
    assert secret and fake_tg.token not in secret
    assert fake_tg.calls_of("getUpdates") == []  # no polling in webhook mode

    client = await aiohttp_client(app.web_app())
    iid = await alarm(app)
    await app.tick()
    card = fake_tg.chat_messages(CHAT_A)[0]
    update = fake_tg.press_update(CHAT_A, card.message_id, NURSE_A, f"acknowledge:{iid}")

    forged = await client.post("/tg/hook", json=update, headers={SECRET_HEADER: "guess"})
    assert forged.status == 403
    assert (await client.post("/tg/hook", json=update)).status == 403
    assert (await incident(app, iid)).state is State.OPEN

    junk = await client.post("/tg/hook", json={"update_id": "x", "message": 3},
                             headers={SECRET_HEADER: secret})
    assert junk.status == 400
    ok = await client.post("/tg/hook", json=update, headers={SECRET_HEADER: secret})
    assert ok.status == 200
    await fake_tg.wait_for(lambda: fake_tg.answers())
    assert (await incident(app, iid)).state is State.ACKNOWLEDGED


async def test_no_webhook_route_in_polling_mode(tg_app, aiohttp_client):
    app = await tg_app()
    client = await aiohttp_client(app.web_app())
    assert (await client.post("/telegram/webhook", json={})).status == 404


async def test_forged_posts_are_logged_at_most_once_a_minute(tg_app, fake_tg: FakeTelegram,
                                                             aiohttp_client, caplog):
    app = await tg_app(extra="mode: webhook\n    webhook_path: /tg/hook")
    client = await aiohttp_client(app.web_app())
    update = fake_tg.press_update(CHAT_A, 1, NURSE_A, "acknowledge:1")
    for _ in range(50):
        forged = await client.post("/tg/hook", json=update, headers={SECRET_HEADER: "guess"})
        assert forged.status == 403
    lines = [r.getMessage() for r in caplog.records if "without the right secret" in r.getMessage()]
    assert len(lines) == 1
    app.clock.advance(seconds=61)
    await client.post("/tg/hook", json=update, headers={SECRET_HEADER: "guess"})
    lines = [r.getMessage() for r in caplog.records if "without the right secret" in r.getMessage()]
    assert len(lines) == 2 and "(49 more refused since the last such line)" in lines[1]
