"""The new answers in a real browser, in Finnish: the vendor's ack page on a phone offers
"on our way (travel time)" and "on site", and the nurse's Telegram card (the demo
outbox renders the same card) carries their buttons.

Screenshots go to docs/screenshots/ (docs/escalation.md, *Answers and promises*).
"""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestServer
from board_support import SHOTS
from support import config_text

from escalator.domain.model import Action, AlarmEvent, State

pytestmark = pytest.mark.e2e


@pytest.fixture
async def served(make_app, clock, tmp_path):
    """The app (everyone reads Finnish) on a local port; the ward passed the alarm on."""
    app = await make_app(config_text(f"sqlite:///{tmp_path}/answers.db"))
    res = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now(),
                                              point="Silmukka 2, B-siipi"))
    await app.tick()
    await app.service.act(res.incident_id, Action.ESCALATE, "Hoitaja Anna", party="ward-a")
    await app.tick()
    async with TestServer(app.web_app(), host="127.0.0.1") as server:
        yield app, server, res.incident_id


async def test_on_our_way_then_on_site_from_the_phone(served, clock, phone):
    app, server, iid = served
    url = str(server.make_url(f"/ack/{await app.ack_token(iid, 'alarm-vendor')}"))
    await phone.goto(url)
    for label in ("Olemme matkalla (matka-aika)", "Paikalla, korjaamme",
                  "Korjattu, tarkistakaa pääte"):
        assert await phone.get_by_role("button", name=label).count() == 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    await phone.screenshot(path=str(SHOTS / "ack-page-answers-fi.png"), full_page=True)

    await phone.locator("#arrive-in").select_option("60")
    await phone.get_by_role("button", name="Olemme matkalla (matka-aika)").click()
    said = (await phone.locator("p.msg").inner_text()).strip()
    assert said.startswith("Kiitos.") and "perillä viimeistään klo 10.00" in said
    inc = await app.store.transaction(lambda tx: tx.incidents.get(iid))
    assert inc.state is State.ACKNOWLEDGED and inc.promise == "en_route"

    await phone.goto(url)
    assert "Myöhässä, ellei paikalla viimeistään" in await phone.content()
    await phone.locator("#fix-by").fill("12:00")
    await phone.get_by_role("button", name="Paikalla, korjaamme").click()
    said = (await phone.locator("p.msg").inner_text()).strip()
    assert "olette paikalla ja vika on arviolta korjattu klo 12.00" in said
    await phone.goto(url)
    page = await phone.content()
    assert "Paikalla: Security company fault hotline, korjataan, valmista arviolta klo" in page
    await phone.screenshot(path=str(SHOTS / "ack-page-on-site-fi.png"), full_page=True)
