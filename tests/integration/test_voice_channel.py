"""The voice channel end to end: a real service over HTTP, a local gateway speaking
46elks' and Twilio's call APIs, the key press acting on a real SQLite incident."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from fake_voice import PlacedCall, VoiceGateway, voice_gateway
from outside import free_port
from support import TOKENS

from escalator.app import Escalator
from escalator.config import load_config_text
from escalator.domain.availability import Contact
from escalator.domain.errors import NotifyError
from escalator.domain.model import Action, AlarmEvent, State, read_params
from escalator.notify.base import delivery_key
from escalator.notify.voice import VoiceNotifier

AUTH = "Basic ZWxrczpzZWNyZXQ="  # what VOICE_AUTH holds
ENV = {**TOKENS, "VOICE_AUTH": AUTH}
HOTLINE = "+358201234567"
ACCOUNT = "AC0123456789abcdef0123456789abcdef"

YAML = """
facility: {{id: lehtioja, name: Lehtiojan palvelukeskus, timezone: Europe/Helsinki,
            language: fi}}
http: {{listen: "127.0.0.1:{port}", public_url: "http://127.0.0.1:{port}"}}
storage: "sqlite:///{db}"
sources:
  terminal: {{kind: webhook, token_env: ESCALATOR_TERMINAL_TOKEN}}
people:
  ward-a:
    name: Ward A nurse on duty
    contact: [{{telegram: -1001234567890}}]
  alarm-vendor:
    name: Security company fault hotline
    language: {vendor_lang}
    contact:
      - voice: "{hotline}"
{vendor_more}
  contractor:
    name: Local electrical contractor
    language: sv
    contact: [{{sms: "+46701234567"}}]
ladders:
  technical-fault:
    steps:
      - {{notify: [ward-a], escalate_after: 10m}}
      - {{notify: [alarm-vendor], escalate_after: 30m}}
      - {{notify: [contractor], escalate_after: 1h}}
routes:
  - ladder: technical-fault
channels:
  voice:
{voice}
"""
ELKS = """    preset: 46elks
    url: "{url}/a1/calls"
    from: "+46766861004"
    auth_header_env: VOICE_AUTH"""
TWILIO = """    preset: twilio
    url: "{url}/2010-04-01/Accounts/{account}/Calls.json"
    from: "+15005550006"
    auth_header_env: VOICE_AUTH
    ring_for: 25s"""
GENERIC = """    preset: generic
    url: "{url}/calls"
    auth_header_env: VOICE_AUTH"""
SMS_TOO = '      - sms: "+358401234567"'


@pytest.fixture
async def gateway():
    async with voice_gateway(AUTH) as gw:
        yield gw


@asynccontextmanager
async def service(tmp_path, clock, recorder, gateway: VoiceGateway, *, voice: str = ELKS,
                  vendor_lang: str = "en", vendor_more: str = SMS_TOO
                  ) -> AsyncIterator[Escalator]:
    """The service on its own HTTP port (the gateway calls back to it), channels but voice
    recorded."""
    port = free_port()
    text = YAML.format(port=port, db=f"{tmp_path}/voice.db", vendor_lang=vendor_lang,
                       hotline=HOTLINE, vendor_more=vendor_more,
                       voice=voice.format(url=gateway.url("").rstrip("/"), account=ACCOUNT))
    cfg, _ = load_config_text(text, env=ENV)
    app = Escalator(cfg, clock=clock, env=ENV,
                    notifiers={"telegram": recorder, "email": recorder, "sms": recorder})
    await app.start(serve_http=True, schedule=False)
    try:
        yield app
    finally:
        await app.stop()


async def vendor_called(app: Escalator, clock, *, point: str = "Loop 2, wing B") -> int:
    """An alarm the ward passes on: the vendor's hotline is phoned."""
    res = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now(),
                                              point=point))
    await app.tick()
    await app.service.act(res.incident_id, Action.ESCALATE, "Ward A nurse on duty",
                          party="ward-a")
    await app.tick()
    return res.incident_id


async def incident(app, incident_id):
    return await app.store.transaction(lambda tx: tx.incidents.get(incident_id))


async def deliveries(app, incident_id):
    return await app.store.transaction(lambda tx: tx.deliveries.of_incident(incident_id))


def vendor_calls(gateway: VoiceGateway) -> list[PlacedCall]:
    return [c for c in gateway.placed if HOTLINE in (c.form.get("to"), c.form.get("To"))]


# -- placing the call: each gateway's real request --------------------------------------

async def test_46elks_call_reads_the_alarm_and_takes_one_key(tmp_path, clock, recorder,
                                                            gateway):
    async with service(tmp_path, clock, recorder, gateway) as app:
        incident_id = await vendor_called(app, clock)
        [call] = vendor_calls(gateway)
        assert (call.path, call.headers["Authorization"]) == ("/a1/calls", AUTH)
        assert call.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
        assert set(call.form) == {"from", "to", "voice_start", "whenhangup", "timeout"}
        assert call.form["from"] == "+46766861004" and call.form["timeout"] == "40"
        actions = call.actions
        assert actions["digits"] == 1 and actions["ivr"].startswith("en_US/")
        assert call.spoken == (
            "Alarm service, Lehtiojan palvelukeskus. This alarm has been escalated to you, "
            "by Ward A nurse on duty. Fire alarm loop fault, Loop 2, wing B. "
            "Active since 09:00. "
            "Press 1 to take it. Press 2 to pass it on. Press 4 if you are on your way and "
            "there within an hour. Press 5 if you are on site.")
        assert "http" not in call.spoken
        # the callbacks are signed for this incident and this party
        token = call.key_url.split("/voice/")[1].split("/")[0]
        claim = app.signer.check(token, clock.now())
        assert (claim.incident_id, claim.party) == (incident_id, "alarm-vendor")
        assert call.end_url == call.key_url.removesuffix("/key") + "/ended"
        [row] = [d for d in await deliveries(app, incident_id) if d.party == "alarm-vendor"]
        assert (row.status, row.channel) == ("sent", "voice")
        # the delivery's stable id, for a gateway that deduplicates (issue 17, point 3)
        key = delivery_key("lehtioja", row.id, row.created_at)
        assert call.headers["Idempotency-Key"] == call.headers["X-Escalator-Delivery"] == key


async def test_twilio_call_is_twiml_gather_with_finnish_say(tmp_path, clock, recorder,
                                                           gateway):
    async with service(tmp_path, clock, recorder, gateway, voice=TWILIO,
                       vendor_lang="fi") as app:
        await vendor_called(app, clock)
        [call] = vendor_calls(gateway)
        assert call.status == 201
        assert call.path == f"/2010-04-01/Accounts/{ACCOUNT}/Calls.json"
        assert set(call.form) == {"To", "From", "Twiml", "StatusCallback",
                                  "StatusCallbackMethod", "Timeout"}
        assert (call.form["To"], call.form["Timeout"]) == (HOTLINE, "25")
        gather = call.twiml.find("Gather")
        assert gather is not None and gather.attrib["numDigits"] == "1"
        assert gather.attrib["action"].endswith("/key")
        assert all(s.attrib["language"] == "fi-FI" for s in call.twiml.iter("Say"))
        assert call.spoken.startswith("Hälytyspalvelu, Lehtiojan palvelukeskus. "
                                      "Hälytys siirretty teille, siirtäjä: Ward A nurse on "
                                      "duty. Palohälytyssilmukan vika, Loop 2, wing B.")
        assert call.spoken.endswith("Paina 1, jos otatte hälytyksen hoitaaksenne. "
                                    "Paina 2, jos se siirretään eteenpäin. Paina 4, jos "
                                    "olette matkalla ja perillä tunnin kuluessa. Paina 5, "
                                    "jos olette paikalla.")
        assert call.ref.startswith("CA")
        row = await app.store.transaction(
            lambda tx: tx.one("SELECT call_ref, address FROM voice_calls"))
        assert row == {"call_ref": call.ref, "address": HOTLINE}


async def test_a_generic_gateway_gets_json_and_answers_a_key_with_json(tmp_path, clock,
                                                                      recorder, gateway):
    async with service(tmp_path, clock, recorder, gateway, voice=GENERIC,
                       vendor_lang="sv") as app:
        incident_id = await vendor_called(app, clock)
        [call] = vendor_calls(gateway)
        assert call.headers["Content-Type"] == "application/json"
        assert set(call.form) == {"to", "text", "language", "answer_url", "status_url"}
        assert call.form["language"] == "sv-SE" and call.spoken.startswith("Larmtjänsten")
        status, body = await gateway.press(call, "1")
        assert status == 200 and body.startswith('{"say": "Tack. ')
        assert body.endswith('"language": "sv-SE"}')
        assert (await incident(app, incident_id)).state is State.ACKNOWLEDGED


# -- the key press acts like the ack page ---------------------------------------------

async def test_key_1_takes_the_alarm_exactly_as_the_ack_page_does(tmp_path, clock, recorder,
                                                                 gateway):
    async with service(tmp_path, clock, recorder, gateway) as app:
        by_phone = await vendor_called(app, clock, point="Loop 2, wing B")
        by_page = await vendor_called(app, clock, point="Loop 3, wing C")
        [call, _] = vendor_calls(gateway)
        status, body = await gateway.press(call, "1")
        assert status == 200
        assert body.startswith('{"play": "en_US/Thank you. ') and "you take it" in body
        page = await app.ack_token(by_page, "alarm-vendor")
        async with aiohttp.ClientSession() as s, s.post(
                f"{app.config.http.public_url}/ack/{page}", data={"action": "acknowledge"},
                headers={"Accept": "application/json"}) as resp:
            assert resp.status == 200
            said_on_page = (await resp.json())["message"]
        assert body == f'{{"play": "en_US/{said_on_page}"}}'
        phone, page_inc = await incident(app, by_phone), await incident(app, by_page)
        assert phone.state is page_inc.state is State.ACKNOWLEDGED
        assert phone.acked_by == page_inc.acked_by == "Security company fault hotline"

        async def acked(incident_id):
            timeline = await app.store.transaction(lambda tx: tx.timeline.of_incident(incident_id))
            return [(e["reason"], e["party"], e["detail"]) for e in timeline
                    if e["reason"] == "ACKED"]

        async def told(incident_id):
            return [(d.party, d.reason) for d in await deliveries(app, incident_id)
                    if d.reason == "ACKED"]

        assert await acked(by_phone) == await acked(by_page) != []
        assert await told(by_phone) == await told(by_page) != []
        # the hang-up after a key press is not a failed delivery
        recorder.clear()
        assert (await gateway.hang_up(call, "success"))[0] == 200
        await app.tick()
        assert recorder.to("alarm-vendor") == []
        [row] = [d for d in await deliveries(app, by_phone)
                 if d.party == "alarm-vendor" and d.reason == "ESCALATED"]
        assert row.status == "sent"


async def test_key_2_passes_it_on_and_says_to_whom_in_swedish(tmp_path, clock, recorder,
                                                              gateway):
    async with service(tmp_path, clock, recorder, gateway, voice=TWILIO,
                       vendor_lang="sv") as app:
        incident_id = await vendor_called(app, clock)
        [call] = vendor_calls(gateway)
        status, body = await gateway.press(call, "2")
        assert status == 200
        assert body == ('<?xml version="1.0" encoding="UTF-8"?><Response>'
                        '<Say language="sv-SE">Tack. Larmet har skickats vidare till: '
                        "Local electrical contractor.</Say><Hangup/></Response>")
        inc = await incident(app, incident_id)
        assert inc.state is State.OPEN and inc.escalation.step == 2
        await app.tick()
        assert [m.reason for m in recorder.to("contractor")] == ["ESCALATED"]
        # hanging up after passing it on is not "unanswered": the vendor hears only the news
        await gateway.hang_up(call, "completed")
        await app.tick()
        assert [(m.reason, m.update) for m in recorder.to("alarm-vendor")] == \
            [("ESCALATED", True)]


async def test_another_key_changes_nothing_and_the_call_still_counts_as_unanswered(
        tmp_path, clock, recorder, gateway):
    async with service(tmp_path, clock, recorder, gateway, vendor_lang="fi") as app:
        incident_id = await vendor_called(app, clock)
        [call] = vendor_calls(gateway)
        status, body = await gateway.press(call, "7")
        assert status == 200 and "Valintaa ei saatu" in body
        assert (await incident(app, incident_id)).state is State.OPEN
        recorder.clear()
        await gateway.hang_up(call, "success")
        await app.tick()
        assert [m.reason for m in recorder.to("alarm-vendor")] == ["ESCALATED"]  # by SMS


# -- nobody answered: the next contact, then the next step -----------------------------

@pytest.mark.parametrize(("voice", "outcome"), [(ELKS, "failed"), (ELKS, "busy"),
                                                 (TWILIO, "no-answer"), (TWILIO, "busy")])
async def test_an_unanswered_call_falls_back_to_the_partys_next_contact(
        tmp_path, clock, recorder, gateway, voice, outcome):
    async with service(tmp_path, clock, recorder, gateway, voice=voice) as app:
        incident_id = await vendor_called(app, clock)
        [call] = vendor_calls(gateway)
        assert recorder.to("alarm-vendor") == []
        status, body = await gateway.hang_up(call, outcome)
        assert status == 200 and '"next_contact": true' in body
        await app.tick()
        [sms] = [(c, m) for c, m in recorder.sent if m.party == "alarm-vendor"]
        assert sms[0] == Contact("sms", "+358401234567") and sms[1].reason == "ESCALATED"
        timeline = await app.store.transaction(lambda tx: tx.timeline.of_incident(incident_id))
        [note] = [e["detail"] for e in timeline if e["reason"] == "CHANNEL_FAILED"]
        assert f"voice {HOTLINE}" in note and outcome in note
        said = read_params(note)  # in words for the reader; the technical error for the API
        assert (said["channel"], said["failure"], said["next"]) == ("voice", "not_answered", "sms")
        # the gateway repeating its report changes nothing more
        status, body = await gateway.hang_up(call, outcome)
        assert status == 200 and "next_contact" not in body
        await app.tick()
        assert len(recorder.to("alarm-vendor")) == 1


async def test_an_unanswered_hotline_with_no_other_contact_moves_the_ladder_on(
        tmp_path, clock, recorder, gateway):
    async with service(tmp_path, clock, recorder, gateway, vendor_more="") as app:
        incident_id = await vendor_called(app, clock)
        [call] = vendor_calls(gateway)
        await gateway.hang_up(call, "failed")
        await app.tick()
        inc = await incident(app, incident_id)
        assert inc.escalation.step == 2  # not waiting 30 minutes for a call nobody took
        assert [m.reason for m in recorder.to("contractor")] == ["ESCALATED"]
        rows = [(d.reason, d.is_update, d.status) for d in await deliveries(app, incident_id)
                if d.party == "alarm-vendor"]
        # the call failed; the news that it went on is not phoned to a phone-only hotline
        assert rows == [("ESCALATED", False, "failed"), ("ESCALATED", True, "skipped")]
        assert len(vendor_calls(gateway)) == 1


async def test_updates_go_to_the_next_contact_without_ringing_the_hotline(
        tmp_path, clock, recorder, gateway):
    async with service(tmp_path, clock, recorder, gateway) as app:
        incident_id = await vendor_called(app, clock)
        await app.service.act(incident_id, Action.ESCALATE, "Ward A nurse on duty",
                              party="ward-a")
        await app.tick()
        assert len(vendor_calls(gateway)) == 1
        [(contact, update)] = [(c, m) for c, m in recorder.sent if m.party == "alarm-vendor"]
        assert contact.channel == "sms" and update.update and update.reason == "ESCALATED"
        timeline = await app.store.transaction(lambda tx: tx.timeline.of_incident(incident_id))
        assert not [e for e in timeline if e["reason"] in ("CHANNEL_FAILED", "DELIVERY_FAILED")]


# -- forged, expired, mismatched callbacks -----------------------------------------------

async def post(url: str, form: dict[str, str]) -> int:
    async with aiohttp.ClientSession() as s, s.post(url, data=form) as resp:
        return resp.status


async def test_forged_expired_and_mismatched_callbacks_are_refused(tmp_path, clock, recorder,
                                                                  gateway):
    async with service(tmp_path, clock, recorder, gateway) as app:
        incident_id = await vendor_called(app, clock)
        [call] = vendor_calls(gateway)
        token = call.key_url.split("/voice/")[1].split("/")[0]
        payload, sig = token.split(".")
        forged = call.key_url.replace(token, f"{payload}.{'A' * len(sig)}")
        assert await post(forged, {"digits": "1"}) == 403
        assert await post(forged.removesuffix("/key") + "/ended", {"state": "failed"}) == 403
        # a valid link of another party cannot name the vendor's call
        ward = app.signer.make(incident_id, "ward-a", clock.now())
        assert await post(call.key_url.replace(token, ward), {"digits": "1"}) == 404
        assert (await incident(app, incident_id)).state is State.OPEN
        clock.advance(hours=6, seconds=1)
        assert await post(call.key_url, {"digits": "1"}) == 410
        assert await post(call.end_url, {"state": "failed"}) == 410
        assert (await incident(app, incident_id)).state is State.OPEN
        [row] = [d for d in await deliveries(app, incident_id) if d.party == "alarm-vendor"]
        assert row.status == "sent"


# -- a gateway that refuses, fails or hangs ------------------------------------------------

@pytest.mark.parametrize("voice", [ELKS, TWILIO], ids=["46elks", "twilio"])
async def test_429_and_500_are_retried_then_the_call_is_placed(tmp_path, clock, recorder,
                                                               gateway, voice):
    gateway.answers = [(429, {"Retry-After": "30"}), (500, {})]
    async with service(tmp_path, clock, recorder, gateway, voice=voice) as app:
        incident_id = await vendor_called(app, clock)
        [row] = [d for d in await deliveries(app, incident_id) if d.party == "alarm-vendor"]
        assert (row.status, row.attempts) == ("pending", 1) and "HTTP 429" in row.error
        assert row.next_attempt_at == clock.now() + timedelta(seconds=30)
        clock.advance(seconds=30)
        await app.tick()
        [row] = [d for d in await deliveries(app, incident_id) if d.party == "alarm-vendor"]
        assert (row.status, row.attempts) == ("pending", 2) and "HTTP 500" in row.error
        clock.advance(seconds=20)
        await app.tick()
        assert len(vendor_calls(gateway)) == 1 and len(gateway.calls) == 3
        assert recorder.to("alarm-vendor") == []  # never fell through to the SMS


async def test_wrong_credentials_fall_through_to_the_next_contact(tmp_path, clock, recorder,
                                                                  gateway):
    gateway.auth = "Basic d3Jvbmc="
    async with service(tmp_path, clock, recorder, gateway) as app:
        await vendor_called(app, clock)
        assert [c.status for c in gateway.calls] == [401]
        assert [m.reason for m in recorder.to("alarm-vendor")] == ["ESCALATED"]  # the SMS


async def test_a_hanging_gateway_is_a_retryable_failure_within_the_timeout(
        tmp_path, clock, gateway):
    gateway.hang = True
    from escalator.config.model import Facility
    from escalator.domain.model import Escalation, Incident
    from escalator.notify.base import Message
    from escalator.security.links import LinkSigner
    from escalator.storage import open_store
    from escalator.usecases.calls import CallLog

    store = open_store(f"sqlite:///{tmp_path}/hang.db")
    await store.open()
    settings: dict[str, Any] = {"preset": "46elks", "url": gateway.url("/a1/calls"),
                                "from": "+46766861004"}
    async with aiohttp.ClientSession() as session:
        notifier = VoiceNotifier(lambda: settings, lambda: Facility("l", "Lehtioja"),
                                 lambda: "http://127.0.0.1:1", lambda: session, ENV.get,
                                 LinkSigner(b"0123456789abcdef0123", timedelta(hours=1)),
                                 CallLog(store), clock, timeout=0.5)
        inc = Incident(id=1, source="terminal", code="FT", point="B", text="",
                       severity="medium", ladder="l", state=State.OPEN,
                       opened_at=clock.now(), last_seen_at=clock.now(), count=1,
                       escalation=Escalation())
        message = Message(1, inc, "alarm-vendor", "Vendor", "FIRST", 0, "", False, "en",
                          "s", "t", "http://x/ack/t")
        with pytest.raises(NotifyError) as err:
            await asyncio.wait_for(notifier.send(Contact("voice", HOTLINE), message), 30)
    await store.close()
    assert err.value.recoverable and "unreachable" in str(err.value)
    assert len(gateway.calls) == 1
