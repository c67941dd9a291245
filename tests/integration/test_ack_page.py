"""The ack link a nurse opens on her phone: readable, in her language, and it records her."""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta

import pytest
from support import config_text
from support import said as said_text

from escalator.domain.model import AlarmEvent


@pytest.fixture
async def incident_id(app, clock):
    result = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now(),
                                                 point="Loop 2 / B-wing", text="Vika"))
    return result.incident_id


async def link(app, clock, incident_id, party="ward-a"):
    return f"/ack/{await app.ack_token(incident_id, party)}"


async def timeline(app, incident_id):
    return await app.store.transaction(lambda tx: tx.timeline.of_incident(incident_id))


async def incident(app, incident_id):
    return await app.store.transaction(lambda tx: tx.incidents.get(incident_id))


def assert_page_headers(resp):
    assert resp.content_type == "text/html"
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.headers["Referrer-Policy"] == "no-referrer"


async def test_the_page_shows_what_where_since_state_and_who_was_told(
        app, clock, client, incident_id):
    resp = await client.get(await link(app, clock, incident_id))
    assert resp.status == 200
    assert_page_headers(resp)
    page = await resp.text()
    assert '<html lang="fi">' in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "Palohälytyssilmukan vika" in page  # what, in plain Finnish
    assert "Loop 2 / B-wing" in page  # where
    assert "24.11.2026 9.00" in page  # since, in Helsinki time (07:00 UTC), as Finns write it
    assert "avoin" in page  # state
    contacted = page.split("Kenelle on ilmoitettu", 1)[1]
    assert "Ward A nurse on duty" in contacted
    assert "Vastaat nimellä: Ward A nurse on duty" in page
    for action in ("acknowledge", "false_alarm", "escalate", "resolve", "snooze", "note",
                   "en_route", "on_site"):
        assert f'name="action" value="{action}"' in page
    assert re.search(r'<textarea[^>]*name="note"', page)
    # travel times for "on our way", then snooze lengths
    assert [int(m) for m in re.findall(r'<option value="(\d+)"', page)] == [
        30, 60, 120, 240, 15, 60, 240]
    assert page.count('<form method="post">') == 9
    assert "<script" not in page and "src=" not in page and "https://" not in page


async def test_the_page_speaks_the_partys_own_language(make_app, clock, aiohttp_client,
                                                      tmp_path):
    text = config_text(f"sqlite:///{tmp_path}/en.db").replace(
        "    name: Ward A nurse on duty\n", "    name: Ward A nurse on duty\n    language: en\n")
    app = await make_app(text)
    client = await aiohttp_client(app.web_app())
    result = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now()))
    page = await (await client.get(await link(app, clock, result.incident_id))).text()
    assert '<html lang="en">' in page
    assert "Fire alarm loop fault" in page and "We take it" in page
    other = await (await client.get(await link(app, clock, result.incident_id, "manager"))).text()
    assert "Palohälytyssilmukan vika" in other  # the manager reads the facility language


OTHERS = "Muille hälytyksestä tietäville on kerrottu"  # ward-a was the first one told
ACTIONS = [
    ({"action": "acknowledge"}, "acknowledged", "ACKED", "ward-a",
     f"Kiitos. {OTHERS}, että hoidatte asian."),
    ({"action": "on_way", "eta": "9:40"}, "acknowledged", "EN_ROUTE", "ward-a",
     f"Kiitos. {OTHERS}, että olette perillä viimeistään klo 9.40."),
    ({"action": "false_alarm", "clear_by": "10:00"}, "false_alarm", "FALSE_ALARM", "ward-a",
     f"Kiitos. {OTHERS}, että kyseessä on virheellinen hälytys, jonka kuittaatte etänä "
     "viimeistään klo 10.00."),
    ({"action": "resolve"}, "resolved", "RESOLVED", "ward-a",
     f"Kiitos. {OTHERS}, että vika on korjattu; seuraavaksi tarkistetaan pääte."),
    ({"action": "snooze", "minutes": "60"}, "snoozed", "SNOOZED", "ward-a",
     "Kiitos. Muistutukset on keskeytetty klo 10.00 asti."),
    ({"action": "escalate"}, "open", "ESCALATED", "alarm-vendor",  # logged for whom it went
     "Kiitos. Hälytys on siirretty eteenpäin: Security company fault hotline."),
    ({"action": "note", "note": "Menen katsomaan,\nkestää 10 min"}, "open", "NOTE", "ward-a",
     "Kiitos. Huomautuksenne on kirjattu"),
]


@pytest.mark.parametrize(("form", "state", "reason", "party", "said"), ACTIONS,
                         ids=[f["action"] for f, *_ in ACTIONS])
async def test_each_action_is_recorded_under_the_links_party(
        app, clock, client, incident_id, form, state, reason, party, said):
    url = await link(app, clock, incident_id)
    resp = await client.post(url, data=form)
    assert resp.status == 200
    assert_page_headers(resp)
    page = await resp.text()
    assert said in page
    after = await incident(app, incident_id)
    assert after.state.value == state
    entry = next(e for e in await timeline(app, incident_id) if e["reason"] == reason)
    assert entry["party"] == party
    assert "Ward A nurse on duty" in entry["detail"]
    if form.get("note"):
        assert form["note"] in said_text(entry)
    if form["action"] == "snooze":
        assert after.snoozed_until == clock.now() + timedelta(minutes=60)
    if form["action"] == "escalate":
        assert after.escalation.step == 1


async def test_the_page_after_an_ack_shows_the_new_state(app, clock, client, incident_id):
    url = await link(app, clock, incident_id)
    await client.post(url, data={"action": "acknowledge"})
    page = await (await client.get(url)).text()
    assert "hoidossa" in page


async def test_acting_on_a_resolved_incident_says_it_is_already_handled(
        app, clock, client, incident_id):
    url = await link(app, clock, incident_id)
    assert (await client.post(url, data={"action": "resolve"})).status == 200
    before = await timeline(app, incident_id)
    for action in ("acknowledge", "resolve", "escalate"):
        resp = await client.post(url, data={"action": action})
        assert resp.status == 200
        assert "Tämä hälytys on jo käsitelty (ratkaistu)" in await resp.text()
    assert await timeline(app, incident_id) == before
    page = await (await client.get(url)).text()
    assert "jo käsitelty" in page and 'value="acknowledge"' not in page


@pytest.mark.parametrize(("form", "message"), [
    ({"action": "delete"}, "Valintaa ei tunnistettu"),
    ({}, "Valintaa ei tunnistettu"),
    ({"action": "snooze", "minutes": "forever"}, "Valintaa ei tunnistettu"),
    ({"action": "note", "note": "   "}, "Kirjoita huomautus"),
])
async def test_an_invalid_form_is_a_400_page_and_changes_nothing(
        app, clock, client, incident_id, form, message):
    before = await timeline(app, incident_id)
    resp = await client.post(await link(app, clock, incident_id), data=form)
    assert resp.status == 400
    assert_page_headers(resp)
    assert message in await resp.text()
    assert await timeline(app, incident_id) == before


def tamper(url: str) -> str:
    last = url[-1]
    return url[:-1] + ("A" if last != "A" else "B")


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_a_tampered_link_is_a_400_page(app, clock, client, incident_id, method):
    url = tamper(await link(app, clock, incident_id))
    resp = await client.request(method, url, data={"action": "resolve"})
    assert resp.status == 400
    assert_page_headers(resp)
    page = await resp.text()
    assert "Linkki ei kelpaa" in page and "Traceback" not in page
    assert (await incident(app, incident_id)).state.value == "open"


async def test_a_link_for_another_party_cannot_be_forged_from_a_valid_one(
        app, clock, client, incident_id):
    token = app.signer.make(incident_id, "ward-a", clock.now())
    other = app.signer.make(incident_id, "manager", clock.now())
    forged = other.split(".")[0] + "." + token.split(".")[1]
    resp = await client.get(f"/ack/{forged}")
    assert resp.status == 400


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_an_expired_link_is_a_410_page(app, clock, client, incident_id, method):
    url = await link(app, clock, incident_id)
    clock.advance(days=7, seconds=1)  # link_ttl defaults to 7 days
    resp = await client.request(method, url, data={"action": "acknowledge"})
    assert resp.status == 410
    assert_page_headers(resp)
    assert "Linkki on vanhentunut" in await resp.text()
    assert (await incident(app, incident_id)).state.value == "open"


async def test_a_link_still_works_just_before_it_expires(app, clock, client, incident_id):
    url = await link(app, clock, incident_id)
    clock.advance(days=7, seconds=-1)
    assert (await client.get(url)).status == 200


async def test_a_link_to_an_unknown_incident_is_a_404_page(app, clock, client):
    resp = await client.get(await link(app, clock, 999))
    assert resp.status == 404
    assert "Hälytystä ei löydy" in await resp.text()


async def test_a_store_outage_is_a_human_503_page(app, clock, client, incident_id):
    with sqlite3.connect(app.config.storage[len("sqlite:///"):]) as conn:
        conn.execute("DROP TABLE timeline")
    resp = await client.post(await link(app, clock, incident_id), data={"action": "acknowledge"})
    assert resp.status == 503
    assert resp.headers["Retry-After"] == "5"
    assert_page_headers(resp)
    page = await resp.text()
    assert "Palvelu on hetkellisesti poissa käytöstä" in page
    assert "Traceback" not in page and "no such table" not in page
