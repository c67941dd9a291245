"""The channel health page in a real browser, in Finnish (issue 21, point 5).

A manager signs in, presses "send a test message" for a contractor's SMS (the local
gateway accepts it) and for the vendor's e-mail (the mail server refuses the address),
the service sends both, and the page shows one working and one failing contact with
the reason in words. The screenshot goes to docs/screenshots/ (docs/board.md).
"""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestServer
from board_support import BOARD_YAML, ENV, PASSWORDS, SHOTS
from outside import SECRETS, Mailbox, outside_config, sms_gateway, smtp_server

from escalator.config import load_config_text
from escalator.domain.model import AlarmEvent

pytestmark = pytest.mark.e2e


@pytest.fixture
async def served(tmp_path, clock, recorder):
    from escalator.app import Escalator

    mailbox = Mailbox()
    mailbox.at_rcpt["faults@security.example"] = ["550 5.1.1 No such user"] * 3
    async with sms_gateway() as gateway, \
            smtp_server(mailbox, auth_require_tls=False) as smtp_port:
        text = outside_config(f"sqlite:///{tmp_path}/shots.db", smtp_port=smtp_port,
                              sms_url=gateway.url("/a1/sms")) + BOARD_YAML
        env = {**ENV, **SECRETS}
        cfg, _ = load_config_text(text, env=env)
        app = Escalator(cfg, clock=clock, env=env, notifiers={"telegram": recorder})
        await app.start(serve_http=False, schedule=False)
        async with TestServer(app.web_app(), host="127.0.0.1") as server:
            yield app, server
        await app.stop()


async def test_channel_health_screenshot_fi(served, desktop, clock):
    app, server = served
    # an alarm first: the manager's mail gets through, the vendor's falls back to SMS
    await app.service.ingest(AlarmEvent("terminal", "XM", "alarm", clock.now(),
                                        point="B-siipi"))
    await app.tick()
    clock.advance(minutes=3)
    await desktop.goto(str(server.make_url("/board/language/fi?next=/board/login")))
    await desktop.fill("input[name=name]", "Maija")
    await desktop.fill("input[name=password]", PASSWORDS["Maija"])
    await desktop.click("form.login button[type=submit]")
    await desktop.wait_for_url(re.compile(r"^http://[^/]+/board/$"))
    await desktop.click("nav a[href='/board/channels']")
    await desktop.wait_for_url(re.compile(r"/board/channels$"))

    for row in ("contact-contractor-0", "contact-alarm-vendor-0"):
        await desktop.click(f"#{row} button")
        await desktop.wait_for_url(re.compile(r"done="))
    assert "lähetetään" in await desktop.locator("#contact-contractor-0").inner_text()
    await app.tick()  # the service sends both tests
    await desktop.goto(str(server.make_url("/board/channels")))
    works = await desktop.locator("#contact-contractor-0").inner_text()
    failing = await desktop.locator("#contact-alarm-vendor-0").inner_text()
    assert "toimii" in works and "perillä" in works
    assert "ei toimi" in failing and "osoitetta tai numeroa ei hyväksytty" in failing
    SHOTS.mkdir(parents=True, exist_ok=True)
    await desktop.screenshot(path=str(SHOTS / "channel-health-fi.png"), full_page=True)
