"""Follow-through end to end: the real service, HTTP intake, ack links, Telegram cards.

One test per rule of issue 8, told as the care home lives it: the terminal
posts the alarm over HTTP, people answer from the link in their message (or
a button on the ward's card), and the fake clock moves the hours.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from support import TOKENS, config_text, said
from tg_support import CHAT_A, NURSE_A, fake_tg, tg_app  # noqa: F401 - fixtures

from escalator.domain.model import Reason, State

HEL = ZoneInfo("Europe/Helsinki")
TERMINAL = {"Authorization": f"Bearer {TOKENS['ESCALATOR_TERMINAL_TOKEN']}"}
API = {"Authorization": f"Bearer {TOKENS['ESCALATOR_API_TOKEN']}"}


@pytest.fixture
async def service(make_app, aiohttp_client, tmp_path):
    """make(sends_clear=...) -> (app, client) over SQLite with the ack page and intake."""

    async def make(*, sends_clear: bool = False):
        text = quiet_terminal(config_text(f"sqlite:///{tmp_path}/e2e.db"))
        if sends_clear:
            text = text.replace("    token_env: ESCALATOR_TERMINAL_TOKEN\n",
                                "    token_env: ESCALATOR_TERMINAL_TOKEN\n"
                                "    sends_clear: true\n", 1)
        app = await make_app(text)
        return app, await aiohttp_client(app.web_app())

    return make


def quiet_terminal(text: str) -> str:
    """No heartbeat limit: hours of fake time must not open "terminal silent" incidents."""
    assert "    heartbeat_timeout: 15m\n" in text
    return text.replace("    heartbeat_timeout: 15m\n", "", 1)


async def post_alarm(client, state: str = "alarm", point: str = "Loop 2, wing B") -> dict:
    resp = await client.post("/api/v1/events", headers=TERMINAL,
                             json={"code": "FT", "point": point, "state": state})
    assert resp.status == 202, await resp.text()
    return await resp.json()


async def run(app, clock, minutes: int) -> None:
    for _ in range(minutes):
        clock.advance(minutes=1)
        await app.tick()


async def until_vendor(app, clock, recorder) -> str:
    """Ten minutes of nobody answering on the ward: the vendor's hotline is called."""
    await app.tick()
    await run(app, clock, 10)
    [call] = [m for m in recorder.to("alarm-vendor") if m.reason == "ESCALATED"]
    return call.ack_url.removeprefix("http://escalator.test")


async def get(app, iid):
    return await app.store.transaction(lambda tx: tx.incidents.get(iid))


async def safety(app):
    return await app.store.transaction(lambda tx: tx.safety.listed())


async def test_rule1_taken_with_an_eta_and_forgotten_comes_back(service, clock, recorder):
    app, client = await service()
    iid = (await post_alarm(client))["incident"]
    url = await until_vendor(app, clock, recorder)
    resp = await client.post(url, data={"action": "acknowledge", "eta": "10:00"})
    assert resp.status == 200
    recorder.clear()
    await run(app, clock, 49)  # 09:59: until ETA + 30 min nothing is sent
    assert recorder.reasons() == [("ward-a", "ACKED")]  # the nurse hears who took it
    await run(app, clock, 31)  # 10:30 passed: overdue (the taker was reminded at 10:20)
    inc = await get(app, iid)
    assert inc.state is State.OPEN and inc.acked_by is None
    # an arrival time given and missed is a late arrival, not "not resolved in time"
    assert ("alarm-vendor", "PROMISE_DUE") in recorder.reasons()
    assert ("alarm-vendor", "ARRIVAL_LATE") in recorder.reasons()
    nurse = [m for m in recorder.to("ward-a") if m.reason == "ARRIVAL_LATE"]
    assert nurse and nurse[0].text.startswith(
        "Security company fault hotline lupasi olla perillä klo 10.00, mutta ei ole "
        "ilmoittanut olevansa paikalla")
    assert [s["cause"] for s in await safety(app)] == ["arrival_late"]
    # the ladder resumes from the taker's step, and goes on up if nobody takes it again
    await run(app, clock, 31)
    assert ("contractor", "ESCALATED") in recorder.reasons()


async def test_rule2_resolved_waits_for_the_terminal(service, clock, recorder):
    app, client = await service(sends_clear=True)
    iid = (await post_alarm(client))["incident"]
    url = await until_vendor(app, clock, recorder)
    resp = await client.post(url, data={"action": "resolve"})
    assert resp.status == 200
    inc = await get(app, iid)
    assert inc.state is State.AWAITING_CLEAR
    assert inc.false_alarm_deadline == clock.now() + timedelta(hours=4)
    page = await (await client.get(url)).text()
    assert "korjattu, odottaa kuittausta päätteellä" in page
    await post_alarm(client, state="clear")  # the terminal agrees
    inc = await get(app, iid)
    assert inc.state is State.RESOLVED and inc.resolved_by == "Security company fault hotline"
    assert await safety(app) == []


async def test_rule2_resolved_but_never_cleared_is_a_safety_record(service, clock, recorder):
    app, client = await service(sends_clear=True)
    iid = (await post_alarm(client))["incident"]
    url = await until_vendor(app, clock, recorder)
    await client.post(url, data={"action": "resolve"})
    recorder.clear()
    clock.advance(hours=4)
    await app.tick()
    assert [s["cause"] for s in await safety(app)] == ["resolved_not_cleared"]
    inc = await get(app, iid)
    assert inc.state is State.OPEN and inc.safety == ("resolved_not_cleared",)
    page = await (await client.get(url)).text()
    assert "Turvallisuuspoikkeama kirjattu" in page
    assert ("contractor", "ESCALATED") in recorder.reasons()


async def test_rule2_without_clears_from_the_source_resolve_closes(service, clock, recorder):
    app, client = await service(sends_clear=False)
    iid = (await post_alarm(client))["incident"]
    url = await until_vendor(app, clock, recorder)
    await client.post(url, data={"action": "resolve"})
    assert (await get(app, iid)).state is State.RESOLVED


async def test_rule3_the_nurses_false_alarm_goes_to_the_vendor_and_the_card_says_so(
        tg_app, fake_tg, recorder):  # noqa: F811 - fixtures
    from test_telegram_press import press
    from tg_support import alarm

    app = await tg_app(route_extra="    clears: [vendor]\n    false_alarm_clear_within: 1h")
    iid = await alarm(app)
    await app.tick()
    answer = await press(fake_tg, CHAT_A, NURSE_A, f"false_alarm:{iid}")
    assert "virheelliseksi" in answer["text"].lower()
    await app.tick()
    asked = [m for m in recorder.to("vendor") if m.reason == "CLEAR_REQUESTED"]
    assert len(asked) == 1
    assert asked[0].text.startswith("Pyyntö teille: kuitatkaa hälytys päätteellä viimeistään")
    app.clock.advance(minutes=30)
    await app.tick()
    assert len([m for m in recorder.to("vendor") if m.reason == "CLEAR_REQUESTED"]) == 2
    app.clock.advance(minutes=30)
    await app.tick()
    card = fake_tg.chat_messages(CHAT_A)[0]
    assert "Turvallisuuspoikkeama kirjattu: virheellinen hälytys ei kuittautunut ajoissa" \
        in card.text
    inc = await app.store.transaction(lambda tx: tx.incidents.get(iid))
    assert inc.state is State.OPEN and inc.escalation.step == 1  # up to the vendor, not back


async def test_rule4_nobody_answered_at_night_the_contractor_is_called_at_seven(
        make_app, clock, recorder, tmp_path):
    night = datetime(2026, 11, 24, 22, 0, tzinfo=HEL)  # Tuesday night
    clock.set(night)
    text = quiet_terminal(config_text(f"sqlite:///{tmp_path}/night.db"))
    # three walks (22:00-24:00), again at 04:00-06:00; at 07:00 it is exhausted, waiting
    text = text.replace("    on_exhausted: [manager]\n",
                        "    on_exhausted: [manager]\n    rewalk_every: 4h\n", 1)
    app = await make_app(text)
    from escalator.domain.model import AlarmEvent

    await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now(), point="B"))
    await app.tick()
    exhausted_at = None
    for _ in range(10 * 60):  # ten hours, minute by minute, as the scheduler would wake
        clock.advance(minutes=1)
        await app.tick()
        if exhausted_at is None and any(r == "EXHAUSTED" for _, r in recorder.reasons()):
            exhausted_at = clock.now()
    assert exhausted_at is not None
    contractor = [(m.reason, m.text) for m in recorder.to("contractor")]
    assert contractor[0][0] == "NOW_AVAILABLE"
    seven = datetime(2026, 11, 25, 7, 0, tzinfo=HEL)
    timeline = await app.store.transaction(lambda tx: tx.timeline.of_incident(1))
    now_available = next(e for e in timeline if e["reason"] == "NOW_AVAILABLE")
    assert datetime.fromisoformat(now_available["at"]) == seven
    assert contractor[0][1].startswith("Olette nyt tavoitettavissa")
    assert sum(1 for _, r in recorder.reasons() if r == "EXHAUSTED") == 1  # told once
    rewalks = [m for m in recorder.to("night-nurse") if m.reason == "REWALK"]
    assert rewalks  # the ladder was walked again
    store = await app.store.transaction(lambda tx: tx.safety.listed())
    assert len(store) == 1


async def test_rule5_the_same_alarm_again_reopens_the_same_incident(service, clock, recorder):
    app, client = await service()
    first = await post_alarm(client)
    await app.tick()
    await post_alarm(client, state="clear")
    clock.advance(hours=3)
    again = await post_alarm(client)
    assert again["incident"] == first["incident"] and again["reopened"] is True
    inc = await get(app, first["incident"])
    assert inc.state is State.OPEN and inc.reopened == 1
    await app.tick()
    [msg] = [m for m in recorder.to("ward-a") if m.reason == Reason.REOPENED.value]
    assert msg.text.startswith("Sama hälytys palasi (1. kerran)")
    entries = await app.store.transaction(lambda tx: tx.timeline.of_incident(first["incident"]))
    assert any(said(e).startswith("Sama hälytys palasi") for e in entries)
    clock.advance(hours=25)
    await post_alarm(client, state="clear")
    clock.advance(hours=25)  # beyond reopen_within: a new incident
    later = await post_alarm(client)
    assert later["incident"] != first["incident"] and later["reopened"] is False


async def test_the_nurses_card_shows_the_vendors_eta_and_when_it_is_checked(
        tg_app, fake_tg, recorder):  # noqa: F811 - fixtures
    from tg_support import alarm

    from escalator.domain.model import Action

    app = await tg_app()
    iid = await alarm(app)
    await app.tick()
    app.clock.advance(minutes=10)
    await app.tick()  # the vendor is called
    eta = app.clock.now() + timedelta(minutes=50)
    await app.service.act(iid, Action.ACKNOWLEDGE, "Security company fault hotline",
                          party="vendor", eta=eta)
    await app.tick()
    card = fake_tg.chat_messages(CHAT_A)[0]
    head = card.text.splitlines()[0]
    assert head == ("🟡 Hoidossa: Security company fault hotline klo 9.10 – perillä "
                    "viimeistään 10.00")
    assert "⏰ Myöhässä, ellei paikalla viimeistään: 10.30" in card.text
    assert ("Seuraavaksi: ellei Security company fault hotline ole ilmoittanut olevansa "
            "paikalla klo 10.30 mennessä, kirjataan myöhästyminen") in card.text


async def test_the_ack_page_never_says_passed_to_you_about_someone_else(
        service, clock, recorder):
    app, client = await service()
    await post_alarm(client)
    url = await until_vendor(app, clock, recorder)
    resp = await client.post(url, data={"action": "escalate"})  # not ours: the contractor
    assert resp.status == 200
    page = await (await client.get(url)).text()
    assert "Local electrical contractor – hälytys siirretty hänelle" in page
    assert "siirretty teille" not in page  # the vendor's own page, about the contractor
