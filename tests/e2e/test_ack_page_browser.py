"""The ack page in a real browser on a phone-sized screen: each answer, clicked.

The service runs on a real socket; Chromium opens the signed link, fills the
form and presses the button like a contractor would; the test then checks the
incident's state in storage and the confirmation the person read.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import TestServer
from support import config_text, said

from escalator.domain.model import Action, AlarmEvent, State

pytestmark = pytest.mark.e2e

VENDOR = "Security company fault hotline"


@pytest.fixture
async def served(make_app, clock, tmp_path):
    """The app (the vendor reads English) on a real local port; an alarm at the vendor."""
    text = config_text(f"sqlite:///{tmp_path}/browser.db").replace(
        f"    name: {VENDOR}\n", f"    name: {VENDOR}\n    language: en\n")
    app = await make_app(text)
    res = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now(),
                                              point="Loop 2, wing B", text="Loop fault"))
    await app.tick()
    await app.service.act(res.incident_id, Action.ESCALATE, "Nurse Anna", party="ward-a")
    await app.tick()
    async with TestServer(app.web_app(), host="127.0.0.1") as server:
        yield app, server, res.incident_id


async def url_for(served, clock, party="alarm-vendor") -> str:
    app, server, incident_id = served
    return str(server.make_url(f"/ack/{await app.ack_token(incident_id, party)}"))


async def state_of(served):
    app, _, incident_id = served
    return await app.store.transaction(lambda tx: tx.incidents.get(incident_id))


async def entries(served, reason):
    app, _, incident_id = served
    tl = await app.store.transaction(lambda tx: tx.timeline.of_incident(incident_id))
    return [e for e in tl if e["reason"] == reason]


async def confirmation(page) -> str:
    return (await page.locator("p.msg").inner_text()).strip()


async def test_the_page_reads_well_on_a_phone(served, clock, phone):
    await phone.goto(await url_for(served, clock))
    assert await phone.locator("h1").inner_text() == "Fire alarm loop fault"
    facts = await phone.locator("dl").inner_text()
    assert "Loop 2, wing B" in facts and "24/11/2026 09:00" in facts and "open" in facts
    contacted = await phone.locator("h2:has-text('Who has been contacted') + ul").inner_text()
    assert "Ward A nurse on duty" in contacted and VENDOR in contacted
    for label in ("We take it", "On our way", "Not ours: escalate now", "False alarm",
                  "Fixed – please check the terminal", "On our way (travel time)",
                  "On site, working on it", "Add a note"):
        button = phone.get_by_role("button", name=label, exact=True)
        box = await button.bounding_box()
        assert box is not None and box["height"] >= 44 and box["width"] >= 300  # thumb-sized
    note = phone.locator("textarea#note")
    assert (await note.bounding_box())["height"] >= 100  # a real box for a real message
    no_sideways = await phone.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth")
    assert no_sideways


async def test_we_take_it_with_an_eta(served, clock, phone):
    await phone.goto(await url_for(served, clock))
    await phone.fill("#eta-take", "11:45")
    await phone.get_by_role("button", name="We take it").click()
    assert await confirmation(phone) == ("Thank you. The nurse on duty has been told you take "
                                         "it and arrive by 11:45.")
    inc = await state_of(served)
    assert inc.state is State.ACKNOWLEDGED and inc.acked_by == VENDOR
    acked = (await entries(served, "ACKED"))[0]  # then one line per party told
    assert acked["party"] == "alarm-vendor"
    assert said(acked).startswith(f"Hoidossa: {VENDOR}, perillä viimeistään klo 24.11. 11.45")


async def test_on_our_way(served, clock, phone):
    await phone.goto(await url_for(served, clock))
    await phone.get_by_role("button", name="On our way", exact=True).click()
    assert (await state_of(served)).state is State.OPEN  # the browser insists on a time
    await phone.fill("#eta-way", "14:30")
    await phone.get_by_role("button", name="On our way", exact=True).click()
    assert await confirmation(phone) == ("Thank you. The nurse on duty has been told you "
                                         "arrive by 14:30.")
    assert (await state_of(served)).state is State.ACKNOWLEDGED
    assert "Matkalla: Security company fault hotline, perillä klo 24.11. 14.30" in said(
        (await entries(served, "EN_ROUTE"))[0])  # an arrival promise


async def test_not_ours_escalate_now(served, clock, phone):
    await phone.goto(await url_for(served, clock))
    await phone.get_by_role("button", name="Not ours: escalate now").click()
    assert await confirmation(phone) == ("Thank you. The alarm has been passed on to: "
                                         "Local electrical contractor.")
    inc = await state_of(served)
    assert inc.state is State.OPEN and inc.escalation.step == 2


async def test_false_alarm_cleared_remotely_by(served, clock, phone):
    await phone.goto(await url_for(served, clock))
    await phone.fill("#clear-by", "10:15")
    await phone.get_by_role("button", name="False alarm", exact=True).click()
    said = await confirmation(phone)
    assert said.startswith("Thank you. The nurse on duty has been told it is a false alarm "
                           "and you will clear it remotely by 10:15.")
    inc = await state_of(served)
    assert inc.state is State.FALSE_ALARM
    assert inc.false_alarm_deadline == datetime(2026, 11, 24, 8, 15, tzinfo=UTC)


async def test_resolved(served, clock, phone):
    await phone.goto(await url_for(served, clock))
    await phone.get_by_role("button", name="Fixed – please check the terminal").click()
    assert await confirmation(phone) == ("Thank you. The nurse on duty has been told it is "
                                         "fixed; the terminal is checked next.")
    assert (await state_of(served)).state is State.RESOLVED


async def test_snooze(served, clock, phone):
    await phone.goto(await url_for(served, clock))
    await phone.select_option("#minutes", "60")
    await phone.get_by_role("button", name="Snooze").click()
    assert await confirmation(phone) == "Thank you. Reminders are paused until 10:00."
    assert (await state_of(served)).state is State.SNOOZED


async def test_a_note_in_a_real_textarea(served, clock, phone):
    text = "The spare part is ordered.\nWe install it tomorrow at 8; door code please."
    await phone.goto(await url_for(served, clock))
    await phone.fill("textarea#note", text)
    await phone.get_by_role("button", name="Add a note").click()
    assert await confirmation(phone) == ("Thank you. Your note is recorded and passed on to "
                                         "everyone contacted.")
    notes = await entries(served, "NOTE")
    assert notes[0]["party"] == "alarm-vendor"
    assert said(notes[0], "en") == f"Note ({VENDOR}): {text}"


async def test_a_page_left_open_after_the_answer_changes_nothing(served, clock, phone):
    url = await url_for(served, clock)
    other = await phone.context.new_page()  # the same link open in a second tab
    await other.goto(url)
    await phone.goto(url)
    await phone.get_by_role("button", name="We take it").click()
    assert (await state_of(served)).state is State.ACKNOWLEDGED
    await other.get_by_role("button", name="Fixed – please check the terminal").click()  # stale
    assert await confirmation(other) == ("Nothing was changed: this alarm has already been "
                                         "answered. It is now: taken.")
    assert (await state_of(served)).state is State.ACKNOWLEDGED
    await phone.go_back()  # the page is never cached: back shows the alarm as it is now
    assert "Taken by" in await phone.locator("dl").inner_text()


async def test_an_expired_link_is_a_clear_page(served, clock, phone):
    url = await url_for(served, clock)
    clock.advance(days=8)
    response = await phone.goto(url)
    assert response.status == 410
    text = await phone.locator("body").inner_text()
    assert "This link has expired" not in text  # the facility's language: nobody is known
    assert "Linkki on vanhentunut" in text and "Traceback" not in text


async def test_a_resolved_alarm_offers_no_buttons(served, clock, phone):
    app, _, incident_id = served
    await app.service.act(incident_id, Action.RESOLVE, "Nurse Anna", party="ward-a")
    await phone.goto(await url_for(served, clock))
    assert "This alarm has already been handled (resolved)." in await phone.locator(
        "p.msg").inner_text()
    assert await phone.get_by_role("button", name="We take it").count() == 0
