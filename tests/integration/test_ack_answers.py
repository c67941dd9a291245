"""The answers an outside party gives on the ack page, and how they reach the nurse."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from support import said

from escalator.domain.model import Action, AlarmEvent, Reason, State
from escalator.entrypoints.http.answers import clock_text, parse_time

HELSINKI = "Europe/Helsinki"
NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # 09:00 in Helsinki


@pytest.mark.parametrize(("typed", "local"), [
    ("14:30", "2026-11-24 14:30"),
    ("14.30", "2026-11-24 14:30"),
    ("1430", "2026-11-24 14:30"),
    (" 9:05 ", "2026-11-24 09:05"),
    ("9:00", "2026-11-25 09:00"),  # not after now: the next such time
    ("8", "2026-11-25 08:00"),
    ("00:30", "2026-11-25 00:30"),
])
def test_a_typed_time_is_the_next_such_local_time(typed, local):
    at = parse_time(typed, NOW, HELSINKI)
    assert at is not None and at > NOW
    assert at.astimezone(__import__("zoneinfo").ZoneInfo(HELSINKI)).strftime(
        "%Y-%m-%d %H:%M") == local


@pytest.mark.parametrize("typed", ["", "soon", "24:00", "12:60", "1:2", "12:30:00"])
def test_nonsense_is_not_a_time(typed):
    assert parse_time(typed, NOW, HELSINKI) is None


def test_times_today_are_short_other_days_carry_the_date():
    assert clock_text(NOW + timedelta(hours=5), NOW, HELSINKI, "fi") == "14.00"
    assert clock_text(NOW + timedelta(hours=23), NOW, HELSINKI, "fi") == "25.11. 8.00"
    assert clock_text(NOW + timedelta(hours=23), NOW, HELSINKI, "sv") == "25.11 8.00"
    assert clock_text(NOW + timedelta(hours=23), NOW, HELSINKI, "en") == "25/11 08:00"


@pytest.fixture
async def incident_id(app, clock):
    res = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now(),
                                              point="Loop 2 / B-wing"))
    await app.tick()
    await app.service.act(res.incident_id, Action.ESCALATE, "Nurse Anna", party="ward-a")
    await app.tick()  # the vendor (step 2) has been called
    return res.incident_id


async def link(app, clock, incident_id, party="alarm-vendor"):
    return f"/ack/{await app.ack_token(incident_id, party)}"


async def page_version(client, url):
    page = await (await client.get(url)).text()
    return re.search(r'name="version" value="([0-9a-f]+)"', page).group(1)


async def incident(app, incident_id):
    return await app.store.transaction(lambda tx: tx.incidents.get(incident_id))


async def timeline(app, incident_id):
    return await app.store.transaction(lambda tx: tx.timeline.of_incident(incident_id))


async def test_on_our_way_with_eta_is_confirmed_and_reaches_the_nurse(
        app, clock, client, recorder, incident_id):
    url = await link(app, clock, incident_id)
    recorder.clear()
    resp = await client.post(url, data={"action": "on_way", "eta": "10:30",
                                        "version": await page_version(client, url)})
    assert resp.status == 200
    page = await resp.text()
    assert ("Kiitos. Vuorossa olevalle hoitajalle on kerrottu, että olette perillä "
            "viimeistään klo 10.30.") in page
    inc = await incident(app, incident_id)
    assert inc.state is State.ACKNOWLEDGED and inc.acked_by == "Security company fault hotline"
    way = next(e for e in await timeline(app, incident_id) if e["reason"] == "EN_ROUTE")
    assert way["party"] == "alarm-vendor"  # an arrival promise: "on my way, there by"
    assert said(way).startswith("Matkalla: Security company fault hotline, perillä klo "
                                "24.11. 10.30")
    await app.tick()
    [nurse] = recorder.to("ward-a")
    assert nurse.reason == "EN_ROUTE" and "perillä klo 10.30" in nurse.text


async def test_we_take_it_with_and_without_an_eta(app, clock, client, incident_id):
    url = await link(app, clock, incident_id)
    resp = await client.post(url, data={"action": "acknowledge", "eta": "11:15"})
    assert "hoidatte asian ja olette perillä viimeistään klo 11.15" in await resp.text()
    acked = [e for e in await timeline(app, incident_id) if e["reason"] == "ACKED"]
    assert "perillä viimeistään klo 24.11. 11.15" in said(acked[0])


async def test_the_page_in_english_for_an_english_party(make_app, clock, aiohttp_client,
                                                        tmp_path):
    from support import config_text


    text = config_text(f"sqlite:///{tmp_path}/en.db").replace(
        "    name: Security company fault hotline\n",
        "    name: Security company fault hotline\n    language: en\n")
    app = await make_app(text)
    client = await aiohttp_client(app.web_app())
    res = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now()))
    await app.tick()  # the ward passes it on: the vendor is called (and so holds a link)
    await app.service.act(res.incident_id, Action.ESCALATE, "Nurse Anna", party="ward-a")
    url = await link(app, clock, res.incident_id)
    page = await (await client.get(url)).text()
    for label in ("We take it", "On our way, ETA", "Not ours: escalate now",
                  "False alarm: we will clear it remotely by",
                  "Fixed – please check the terminal", "On site, working on it"):
        assert label in page
    resp = await client.post(url, data={"action": "on_way", "eta": "14:30"})
    assert "Thank you. The nurse on duty has been told you arrive by 14:30." in await resp.text()


async def test_false_alarm_clear_by_sets_the_deadline_the_route_still_caps_it(
        app, clock, client, recorder, incident_id):
    url = await link(app, clock, incident_id)
    recorder.clear()
    resp = await client.post(url, data={"action": "false_alarm", "clear_by": "10:00"})
    page = await resp.text()
    assert "kuittaatte etänä viimeistään klo 10.00" in page
    assert "Ellei hälytys ole kuittautunut päätteellä klo 10.00 mennessä" in page
    inc = await incident(app, incident_id)
    assert inc.state is State.FALSE_ALARM
    assert inc.false_alarm_deadline == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    await app.tick()
    assert any(m.reason == "FALSE_ALARM" and "päätteen on kuittauduttava viimeistään klo 10.00"
               in m.text for m in recorder.to("ward-a"))
    clock.set(inc.false_alarm_deadline)
    await app.tick()  # a broken promise is a safety incident at the promised time
    assert (await incident(app, incident_id)).state is State.OPEN
    assert any(e["reason"] == "SAFETY_INCIDENT" for e in await timeline(app, incident_id))


async def test_a_promise_beyond_the_routes_limit_is_capped(app, clock, client, incident_id):
    url = await link(app, clock, incident_id)
    resp = await client.post(url, data={"action": "false_alarm", "clear_by": "18:00"})
    assert "Ellei hälytys ole kuittautunut päätteellä klo 13.00 mennessä" in await resp.text()
    inc = await incident(app, incident_id)
    assert inc.false_alarm_deadline == clock.now() + timedelta(hours=4)  # the route's 4h


async def test_not_ours_escalates_to_the_next_step(app, clock, client, incident_id):
    url = await link(app, clock, incident_id)
    resp = await client.post(url, data={"action": "escalate"})
    assert "Hälytys on siirretty eteenpäin: Local electrical contractor" in await resp.text()
    inc = await incident(app, incident_id)
    assert inc.escalation.step == 2
    esc = [e for e in await timeline(app, incident_id)
           if e["reason"] == "ESCALATED" and e["party"] == "contractor"]
    assert "ei kuulu heille" in said(esc[0])


async def test_not_ours_from_a_link_the_ladder_has_passed_skips_no_step(
        app, clock, client, incident_id):
    await app.service.act(incident_id, Action.ESCALATE, "Nurse Anna", party="ward-a")
    assert (await incident(app, incident_id)).escalation.step == 2  # at the contractor
    resp = await client.post(await link(app, clock, incident_id), data={"action": "escalate"})
    assert resp.status == 200
    assert "Hälytys oli jo siirretty eteenpäin" in await resp.text()
    inc = await incident(app, incident_id)
    assert inc.escalation.step == 2  # the contractor is not skipped
    note = [e for e in await timeline(app, incident_id) if e["reason"] == "NOTE"]
    assert note[0]["party"] == "alarm-vendor"
    assert "ei kuulu heille" in said(note[0])


async def test_a_replayed_form_changes_nothing_and_says_so(app, clock, client, recorder,
                                                           incident_id):
    url = await link(app, clock, incident_id)
    form = {"action": "acknowledge", "version": await page_version(client, url)}
    assert (await client.post(url, data=form)).status == 200
    await app.tick()
    before, sent = await timeline(app, incident_id), len(recorder.sent)
    again = await client.post(url, data=form)  # back button + resubmit, or a double tap
    assert again.status == 409
    page = await again.text()
    assert "Mitään ei muutettu: hälytykseen on jo vastattu. Tila nyt: hoidossa." in page
    assert "Traceback" not in page
    await app.tick()
    assert await timeline(app, incident_id) == before and len(recorder.sent) == sent


async def test_a_page_left_open_while_someone_else_answered_is_refused(
        app, clock, client, incident_id):
    url = await link(app, clock, incident_id)
    version = await page_version(client, url)
    await app.service.act(incident_id, Action.ACKNOWLEDGE, "Nurse Anna", party="ward-a")
    resp = await client.post(url, data={"action": "resolve", "version": version})
    assert resp.status == 409
    assert (await incident(app, incident_id)).state is State.ACKNOWLEDGED
    # a note is always welcome, stale page or not
    resp = await client.post(url, data={"action": "note", "note": "Tulemme huomenna",
                                        "version": version})
    assert resp.status == 200


async def test_a_note_from_a_party_reaches_the_others(app, clock, client, recorder,
                                                      incident_id):
    recorder.clear()
    text = "Varaosa tilattu,\nasennus huomenna klo 8."
    url = await link(app, clock, incident_id)
    resp = await client.post(url, data={"action": "note", "note": text})
    assert "Kiitos. Huomautuksenne on kirjattu" in await resp.text()
    await app.tick()
    [nurse] = recorder.to("ward-a")
    assert nurse.reason == Reason.NOTE.value and text in nurse.text
    assert nurse.text.startswith("Huomautus (Security company fault hotline): Varaosa")
    assert recorder.to("alarm-vendor") == []  # not echoed to its author


async def test_on_our_way_needs_a_time(app, clock, client, incident_id):
    for eta in ("", "soon"):
        resp = await client.post(await link(app, clock, incident_id),
                                 data={"action": "on_way", "eta": eta})
        assert resp.status == 400
        assert "Anna kellonaika, esimerkiksi 14:30." in await resp.text()
    assert (await incident(app, incident_id)).state is State.OPEN


async def test_a_ticket_system_can_answer_in_json(app, clock, client, incident_id):
    url = await link(app, clock, incident_id)
    resp = await client.post(url, json={"action": "acknowledge", "eta": "12:00",
                                        "note": "ticket INC-4711", "clear_by": None},
                             headers={"Accept": "application/json"})
    assert resp.status == 200
    body = await resp.json()
    assert body["incident"] == incident_id and body["state"] == "acknowledged"
    assert body["message"].startswith("Kiitos.") and "12.00" in body["message"]
    acked = next(e for e in await timeline(app, incident_id) if e["reason"] == "ACKED")
    # taken with an arrival time: its deadline is a late arrival, not a reminder
    assert said(acked).endswith("perillä viimeistään klo 24.11. 12.00, myöhässä, ellei "
                                "paikalla klo 24.11. 12.30: ticket INC-4711")
    bad = await client.post(url, json={"action": "explode"},
                            headers={"Accept": "application/json"})
    assert bad.status == 400 and "error" in await bad.json()
    clock.advance(days=8)
    expired = await client.post(url, json={"action": "resolve"},
                                headers={"Accept": "application/json"})
    assert expired.status == 410 and "vanhentunut" in (await expired.json())["error"]


async def test_the_page_shows_who_took_it_and_the_clearing_deadline(app, clock, client,
                                                                    incident_id):
    url = await link(app, clock, incident_id)
    await client.post(url, data={"action": "acknowledge"})
    page = await (await client.get(url)).text()
    assert "<dt>Hoitaa</dt><dd>Security company fault hotline</dd>" in page
    await client.post(url, data={"action": "false_alarm", "clear_by": "10:00"})
    page = await (await client.get(url)).text()
    assert "<dt>Kuitattava päätteellä viimeistään</dt><dd>24.11.2026 10.00</dd>" in page
