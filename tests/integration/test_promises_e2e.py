"""Answers as people give them, over hours of a fake clock: the real service, HTTP intake,
the vendor's ack link, and what the ward and the register are told.

"Olemme matkalla, 08:34" used to be a safety record at 08:35 ("not resolved in time").
Now "on my way, there by" holds the alarm until the arrival time plus the grace, "on
site" restarts the clock (or takes the fix time), the one who promised is reminded
before the promise runs out, and a missed arrival is recorded as a late arrival.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from support import TOKENS, config_text, said

from escalator.domain.model import State

HEL = ZoneInfo("Europe/Helsinki")
TERMINAL = {"Authorization": f"Bearer {TOKENS['ESCALATOR_TERMINAL_TOKEN']}"}
API = {"Authorization": f"Bearer {TOKENS['ESCALATOR_API_TOKEN']}"}


@pytest.fixture
async def vendor(make_app, aiohttp_client, tmp_path, clock, recorder):
    """An alarm at 09:00; nobody on the ward answers, so at 09:10 the vendor's hotline
    is called. -> (app, client, the vendor's ack page url, incident id)."""
    text = config_text(f"sqlite:///{tmp_path}/promises.db")
    text = text.replace("    heartbeat_timeout: 15m\n", "", 1)  # hours pass: no "silent"
    app = await make_app(text)
    client = await aiohttp_client(app.web_app())
    resp = await client.post("/api/v1/events", headers=TERMINAL,
                             json={"code": "FT", "point": "Loop 2, wing B", "state": "alarm"})
    assert resp.status == 202
    iid = (await resp.json())["incident"]
    await app.tick()
    await run(app, clock, 10)
    [call] = [m for m in recorder.to("alarm-vendor") if m.reason == "ESCALATED"]
    recorder.clear()
    return app, client, call.ack_url.removeprefix("http://escalator.test"), iid


async def run(app, clock, minutes: int) -> None:
    for _ in range(minutes):
        clock.advance(minutes=1)
        await app.tick()


async def get(app, iid):
    return await app.store.transaction(lambda tx: tx.incidents.get(iid))


async def records(app) -> list[str]:
    return [s["cause"] for s in await app.store.transaction(lambda tx: tx.safety.listed())]


def local(clock) -> str:
    return clock.now().astimezone(HEL).strftime("%H:%M")


async def test_on_my_way_then_on_site_then_fixed_is_no_safety_record(vendor, clock, recorder):
    app, client, url, iid = vendor
    # 09:10: "on our way, there by 09:34" (the case, a few minutes ahead)
    resp = await client.post(url, data={"action": "on_way", "eta": "09:34"})
    assert resp.status == 200
    await app.tick()  # the others are told
    inc = await get(app, iid)
    assert inc.state is State.ACKNOWLEDGED and inc.promise == "en_route"
    assert inc.ack_deadline == inc.eta + timedelta(minutes=30)  # 10:04: arrival + grace
    [nurse] = [m for m in recorder.to("ward-a") if m.reason == "EN_ROUTE"]
    assert nurse.text.startswith("Matkalla: Security company fault hotline, perillä klo 9.34")
    recorder.clear()
    await run(app, clock, 25)  # 09:35: past the arrival time, inside the grace
    assert await records(app) == [] and recorder.reasons() == []
    await run(app, clock, 19)  # 09:54: ten minutes before it runs out, only the vendor hears
    assert recorder.reasons() == [("alarm-vendor", "PROMISE_DUE")]
    assert recorder.to("alarm-vendor")[0].text.startswith(
        "Muistutus: lupasitte olla perillä klo 9.34. Painakaa ”Paikalla”")
    recorder.clear()
    # 09:58: there, "on site, fixed by about 12:00"
    await run(app, clock, 4)
    resp = await client.post(url, data={"action": "on_site", "fix_by": "12:00"})
    assert resp.status == 200, await resp.text()
    await app.tick()
    inc = await get(app, iid)
    assert inc.promise == "on_site" and local(clock) == "09:58"
    assert inc.ack_deadline == inc.fix_by and inc.fix_by.astimezone(HEL).hour == 12
    [nurse] = [m for m in recorder.to("ward-a") if m.reason == "ON_SITE"]
    assert nurse.text.startswith("Paikalla: Security company fault hotline, korjataan, "
                                 "valmista arviolta klo 12.00")
    recorder.clear()
    await run(app, clock, 111)  # 11:49: quiet
    assert recorder.reasons() == [] and await records(app) == []
    await run(app, clock, 1)  # 11:50: the promiser is reminded of the fix time
    assert recorder.reasons() == [("alarm-vendor", "PROMISE_DUE")]
    await run(app, clock, 5)
    resp = await client.post(url, data={"action": "resolve"})  # fixed, check the terminal
    assert resp.status == 200
    assert "vika on korjattu; seuraavaksi tarkistetaan pääte" in await resp.text()
    await run(app, clock, 60)
    assert await records(app) == []  # nearly three hours, two promises kept: no record
    timeline = await app.store.transaction(lambda tx: tx.timeline.of_incident(iid))
    reasons = [e["reason"] for e in timeline]
    assert "EN_ROUTE" in reasons and "ON_SITE" in reasons
    way = next(e for e in timeline if e["reason"] == "EN_ROUTE")
    assert way["detail"].startswith("{")  # a reason code and parameters, never a sentence
    assert said(way) == "Matkalla: Security company fault hotline, perillä klo 24.11. 9.34"


async def test_on_my_way_and_not_there_is_a_late_arrival_not_unresolved(vendor, clock,
                                                                         recorder):
    app, client, url, iid = vendor
    resp = await client.post(url, data={"action": "en_route", "minutes": "60"})  # by 10:10
    assert resp.status == 200
    await run(app, clock, 89)  # 10:39: inside the grace
    assert await records(app) == []
    await run(app, clock, 1)  # 10:40: arrival + 30 min passed without "on site"
    assert await records(app) == ["arrival_late"]
    inc = await get(app, iid)
    assert inc.state is State.OPEN and inc.promise is None and inc.acked_by is None
    [nurse] = [m for m in recorder.to("ward-a") if m.reason == "ARRIVAL_LATE"]
    assert nurse.text.startswith("Security company fault hotline lupasi olla perillä klo "
                                 "10.10, mutta ei ole ilmoittanut olevansa paikalla")
    assert ("alarm-vendor", "ARRIVAL_LATE") in recorder.reasons()
    await run(app, clock, 31)  # the calls resume and go on up the ladder
    assert ("contractor", "ESCALATED") in recorder.reasons()
    # the register says it in words: the promise broken, and the vendor's answer
    listed = (await (await client.get("/api/v1/safety-incidents", headers=API)).json())
    [rec] = listed["safety_incidents"]
    assert rec["cause"] == "arrival_late"
    assert rec["parameters"]["promise"] == "en_route"
    assert ("alarm-vendor", "answered") in {(c["party"], c["kind"]) for c in rec["contacts"]}
    text = await (await client.get(f"/api/v1/safety-incidents/{rec['id']}?format=text",
                                   headers=API)).text()
    assert "Security company fault hotline lupasi olla perillä klo" in text
    assert "Matkalla: Security company fault hotline, perillä klo" in text


async def test_on_site_without_a_fix_time_restarts_the_ack_timeout(vendor, clock, recorder):
    app, client, url, iid = vendor
    resp = await client.post(url, data={"action": "acknowledge"})  # 09:10: taken, 4 h
    assert resp.status == 200
    await run(app, clock, 200)  # 12:30: on site at last
    resp = await client.post(url, data={"action": "on_site"})
    assert resp.status == 200
    inc = await get(app, iid)
    assert inc.ack_deadline == clock.now() + timedelta(hours=4)  # not 13:10
    await run(app, clock, 239)  # 16:29: still working on it, no record
    assert await records(app) == []
    await run(app, clock, 1)  # 16:30: on site and not fixed in time
    assert await records(app) == ["ack_not_resolved"]


async def test_a_promise_out_of_bounds_is_refused_and_changes_nothing(vendor, clock, recorder):
    app, client, url, iid = vendor
    resp = await client.post(url, data={"action": "en_route", "minutes": "45"},
                             headers={"Accept": "application/json"})
    assert resp.status == 400
    assert (await resp.json())["outcome"] == "bad_time"
    assert (await get(app, iid)).state is State.OPEN and recorder.reasons() == []
