"""The board in a real browser: live updates, acting, and who may do what.

The service runs on a real socket with a fake clock; Chromium signs in
through the login form like a nurse would. Alarms arrive through the real
intake (POST /api/v1/events with the terminal's token). Screenshots are
kept under docs/screenshots/ (the README shows them).
"""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestServer
from board_support import PASSWORDS, SHOTS, build, post_event

from escalator.domain.answering import CALLS
from escalator.domain.model import AlarmEvent, State

pytestmark = pytest.mark.e2e
BOARD = re.compile(r"^http://[^/]+/board/$")  # the list, not the sign-in page (?next=)


@pytest.fixture
async def served(tmp_path, clock, recorder):
    app = await build(tmp_path, clock, recorder)
    async with TestServer(app.web_app(), host="127.0.0.1") as server:
        yield app, server
    await app.stop()


async def sign_in(page, server, name: str) -> None:
    await page.goto(str(server.make_url("/board/")))
    await page.get_by_label("User name").fill(name)  # the facility reads Finnish: switch
    await page.get_by_label("Password").fill(PASSWORDS[name])
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(BOARD)


async def english(page, server) -> None:
    await page.goto(str(server.make_url("/board/language/en?next=/board/login")))


async def test_a_new_alarm_appears_within_two_seconds_without_reload(served, desktop):
    app, server = served
    await english(desktop, server)
    await sign_in(desktop, server, "Anna")
    assert await desktop.locator("#open-alarms").inner_text() == "No open alarms."
    await desktop.evaluate("window.__same_page = true")  # gone if the page reloads
    await post_event(server, id="t-1", code="FT", point="Palosilmukka 2, B-siipi",
                     state="alarm", text="Silmukkavika")
    card = desktop.locator("li.alarm", has_text="Palosilmukka 2, B-siipi")
    await card.wait_for(timeout=2_000)
    text = await card.inner_text()
    assert "Fire alarm loop fault" in text and "High" in text and "Step 1 of 4" in text
    assert "Now: Ward A nurse on duty" in text
    assert await desktop.evaluate("window.__same_page === true")
    await post_event(server, id="t-2", code="WA", point="Keittiö", state="alarm",
                     severity="critical")
    first = desktop.locator("li.alarm").first  # most severe first, in colour and words
    await first.filter(has_text="Keittiö").wait_for(timeout=2_000)
    assert "Critical" in await first.inner_text()
    assert await desktop.evaluate("window.__same_page === true")
    SHOTS.mkdir(parents=True, exist_ok=True)
    await desktop.screenshot(path=str(SHOTS / "board-desktop.png"), full_page=True)
    await post_event(server, code="WA", point="Keittiö", state="clear")
    await desktop.locator("li.alarm", has_text="Keittiö").wait_for(state="detached",
                                                                   timeout=2_000)


async def test_taking_it_from_the_board_stops_the_calls(served, desktop, phone, clock,
                                                        recorder):
    app, server = served
    incident = await post_event(server, id="t-1", code="FT", point="Palosilmukka 2, B-siipi",
                                state="alarm")
    await app.tick()
    assert [r for _, r in recorder.reasons()] == ["FIRST"]
    await english(phone, server)
    await sign_in(phone, server, "Anna")
    SHOTS.mkdir(parents=True, exist_ok=True)
    await phone.screenshot(path=str(SHOTS / "board-phone.png"), full_page=True)
    await phone.locator("li.alarm a").first.click()
    await phone.wait_for_url(f"**/board/incidents/{incident}")
    SHOTS.mkdir(parents=True, exist_ok=True)
    await phone.screenshot(path=str(SHOTS / "incident-phone.png"), full_page=True)
    await phone.get_by_role("button", name="Take it").click()
    assert await phone.locator("p.msg").inner_text() == "Saved: Take it."
    inc = await app.store.transaction(lambda tx: tx.incidents.get(incident))
    assert inc.state is State.ACKNOWLEDGED and inc.acked_by == "Anna"
    recorder.clear()
    for _ in range(6):  # 30 min: unanswered, this would renotify and escalate twice
        clock.advance(minutes=5)
        await app.tick()
    calls = [m.reason for _, m in recorder.sent if m.incident.id == incident
             and m.reason in CALLS and not m.update]  # (the silent terminal is another alarm)
    assert calls == []
    timeline = await phone.locator("ol.timeline").inner_text()
    assert "Anna" in timeline
    await phone.reload()
    no_sideways = await phone.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth")
    assert no_sideways


async def test_a_viewer_cannot_act(served, desktop, clock):
    app, server = served
    res = await app.service.ingest(AlarmEvent("terminal", "YX", "alarm", clock.now(),
                                              point="Keskus 3"))
    await english(desktop, server)
    await sign_in(desktop, server, "Olli")
    await desktop.goto(str(server.make_url(f"/board/incidents/{res.incident_id}")))
    assert "You can read but not act on alarms." in await desktop.locator("main").inner_text()
    assert await desktop.get_by_role("button", name="Take it").count() == 0
    csrf = await desktop.locator("input[name=csrf]").first.get_attribute("value")
    answer = await desktop.request.post(
        str(server.make_url(f"/board/incidents/{res.incident_id}/act")),
        form={"csrf": csrf, "action": "acknowledge"}, max_redirects=0)
    assert answer.status == 403
    inc = await app.store.transaction(lambda tx: tx.incidents.get(res.incident_id))
    assert inc.state is State.OPEN and inc.acked_by is None
    register = await desktop.request.get(str(server.make_url("/board/safety")))
    assert register.status == 200  # the purchaser reads the safety register


async def test_a_nurse_cannot_open_a_manager_page(served, desktop):
    _, server = served
    await english(desktop, server)
    await sign_in(desktop, server, "Anna")
    assert await desktop.get_by_role("link", name="Safety register").count() == 0
    answer = await desktop.goto(str(server.make_url("/board/safety")))
    assert answer.status == 403
    assert "You are not allowed to do this." in await desktop.locator("main").inner_text()


async def test_on_duty_shows_now_next_and_gaps(served, desktop, clock):
    _, server = served
    await english(desktop, server)
    await sign_in(desktop, server, "Maija")
    await desktop.goto(str(server.make_url("/board/oncall")))
    roster = await desktop.locator("tr", has_text="nurse-on-duty").inner_text()
    assert "Ward A nurse on duty" in roster and "Night nurse from 24.11. 21:00" in roster \
        or "Night nurse from 21:00" in roster
    SHOTS.mkdir(parents=True, exist_ok=True)
    await desktop.screenshot(path=str(SHOTS / "oncall-desktop.png"), full_page=True)


async def test_sign_in_and_take_it_with_the_keyboard_only(served, desktop, clock):
    app, server = served
    res = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now(),
                                              point="Palosilmukka 2, B-siipi"))
    await english(desktop, server)
    await desktop.goto(str(server.make_url("/board/")))
    assert await desktop.evaluate("document.activeElement.id") == "name"  # ready to type
    await desktop.keyboard.type("Maija")
    await desktop.keyboard.press("Tab")
    await desktop.keyboard.type(PASSWORDS["Maija"])
    await desktop.keyboard.press("Enter")
    await desktop.wait_for_url(BOARD)
    await desktop.keyboard.press("Tab")  # the first stop skips the navigation
    assert await desktop.evaluate("document.activeElement.textContent") == "Skip to content"
    await desktop.keyboard.press("Enter")
    for _ in range(10):  # from the main content, the first alarm is a few stops away
        await desktop.keyboard.press("Tab")
        if await desktop.evaluate("document.activeElement.closest('li.alarm') !== null"):
            break
    await desktop.keyboard.press("Enter")
    await desktop.wait_for_url(f"**/board/incidents/{res.incident_id}")
    take = desktop.get_by_role("button", name="Take it")
    await take.focus()
    await desktop.keyboard.press("Enter")
    await desktop.locator("p.msg").wait_for()
    inc = await app.store.transaction(lambda tx: tx.incidents.get(res.incident_id))
    assert inc.state is State.ACKNOWLEDGED and inc.acked_by == "Maija"
