"""The safety register and a held alarm in a real browser, in Finnish and Swedish.

A manager signs in through the form, opens the register, reads a record (every
message about it, the request to clear sent to the vendor included), writes a note
and closes it with the page's forms; the board shows an alarm a maintenance window
holds as held, with the work and the window. Screenshots go to docs/screenshots/
(docs/board.md shows them).
"""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestServer
from board_support import ENV, PASSWORDS, SHOTS, board_config

from escalator.config import load_config_text
from escalator.domain.model import Action, AlarmEvent

pytestmark = pytest.mark.e2e

WINDOW = """
maintenance:
  - match: {source: [terminal], code: [FT], point: "B-siipi*"}
    from: "2026-11-24 08:00"
    until: "2026-11-24 20:00"
    reason: Paloilmoitinhuolto, Kone Oy
"""


@pytest.fixture
async def served(tmp_path, clock, recorder):
    from escalator.app import Escalator

    cfg, _ = load_config_text(board_config(f"sqlite:///{tmp_path}/shots.db") + WINDOW,
                              env=ENV)
    app = Escalator(cfg, clock=clock, env=ENV,
                    notifiers={"telegram": recorder, "email": recorder, "sms": recorder})
    await app.start(serve_http=False, schedule=False)
    async with TestServer(app.web_app(), host="127.0.0.1") as server:
        yield app, server
    await app.stop()


async def sign_in(page, server, name: str, lang: str) -> None:
    await page.goto(str(server.make_url(f"/board/language/{lang}?next=/board/login")))
    await page.fill("input[name=name]", name)
    await page.fill("input[name=password]", PASSWORDS[name])
    await page.click("form.login button[type=submit]")
    await page.wait_for_url(re.compile(r"^http://[^/]+/board/$"))


async def history(app, clock) -> None:
    """A false alarm the terminal never cleared (a record), then an alarm held by work."""
    res = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now(),
                                              point="Silmukka 2 / A-siipi"))
    await app.tick()
    await app.service.act(res.incident_id, Action.FALSE_ALARM, "Hoitaja Aino",
                          party="ward-a")
    await app.tick()
    clock.advance(hours=4, minutes=1)
    await app.tick()
    await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now(),
                                        point="B-siipi, huone 12"))
    await app.service.ingest(AlarmEvent("terminal", "WA", "alarm", clock.now(),
                                        point="Keittiö"))
    await app.tick()


@pytest.mark.parametrize("lang", ["fi", "sv"])
async def test_register_record_and_held_alarm_screenshots(served, desktop, clock, lang):
    app, server = served
    await history(app, clock)
    await sign_in(desktop, server, "Maija", lang)
    SHOTS.mkdir(parents=True, exist_ok=True)

    held = desktop.locator("li.alarm.held")
    await held.wait_for(timeout=5_000)
    words = await held.inner_text()
    assert ("Pidossa: huoltotyö" if lang == "fi" else "Vilande: planerat underhåll") in words
    assert "Paloilmoitinhuolto, Kone Oy" in words and "8.00 – 20.00" in words
    await desktop.screenshot(path=str(SHOTS / f"board-held-{lang}.png"), full_page=True)

    await desktop.goto(str(server.make_url("/board/safety")))
    row = desktop.locator("tr", has_text="Silmukka 2 / A-siipi")
    assert "24.11.2026 13.01" in await row.inner_text()
    await desktop.screenshot(path=str(SHOTS / f"register-list-{lang}.png"), full_page=True)
    await row.locator("a").first.click()
    await desktop.wait_for_url(re.compile(r"/board/safety/\d+$"))
    text = await desktop.locator("main").inner_text()
    assert ("pyyntö kuitata hälytys keskuslaitteelta" if lang == "fi"
            else "en begäran att återställa larmet i centralen") in text
    assert "log:" not in text

    await desktop.fill("textarea[name=note]", "Soitettu toimittajalle klo 13.10")
    await desktop.click("form[action$='/note'] button")
    await desktop.wait_for_url(re.compile(r"done=note$"))
    await desktop.fill("textarea[name=cause]", "Toimittaja ei kuitannut hälytystä")
    await desktop.fill("textarea[name=measures]", "Kuittausaika lisätään sopimukseen")
    await desktop.click("form[action$='/close'] button")
    await desktop.wait_for_url(re.compile(r"done=close$"))
    text = await desktop.locator("main").inner_text()
    assert "Maija: Soitettu toimittajalle klo 13.10" in text
    assert "Kuittausaika lisätään sopimukseen" in text
    await desktop.screenshot(path=str(SHOTS / f"register-record-{lang}.png"), full_page=True)
