"""The SMS channel against a local HTTP gateway: request shape per preset, length, retries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from outside import SECRETS, free_port, outside_app, outside_config, sms_gateway

from escalator.domain.model import Action, AlarmEvent, Reason
from escalator.notify import gsm

CONTRACTOR = "+46701234567"

TWILIO = """  sms:
    preset: twilio
    url: "{sms_url}"
    from: "+15005550006"
    auth_header_env: SMS_AUTH
"""
GATEWAYAPI = """  sms:
    preset: gatewayapi
    url: "{sms_url}"
    from: Lehtioja
    auth_header_env: SMS_AUTH
    params: {userref: "escalator-{delivery}"}
"""
GENERIC_GET = """  sms:
    preset: generic
    url: "{sms_url}"
    method: GET
    auth_header_env: SMS_AUTH
    params: {user: lehtioja, dests: "{to_digits}", text: "{text}", unicode: "{encoding}"}
"""


@pytest.fixture
async def gateway():
    async with sms_gateway() as gw:
        yield gw


async def reach_contractor(tmp_path, clock, recorder, gateway, *, block=None, path="/a1/sms",
                           point="Loop 2 / B-wing"):
    """Open an alarm and escalate it twice: the contractor (Swedish, SMS only) is called."""
    kwargs = {"sms_block": block} if block else {}
    text = outside_config(f"sqlite:///{tmp_path}/sms.db", smtp_port=free_port(),
                          sms_url=gateway.url(path), **kwargs)
    ctx = outside_app(text, clock, {"telegram": recorder, "email": recorder})
    app = await ctx.__aenter__()
    res = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now(),
                                              point=point))
    await app.tick()
    for _ in range(2):
        await app.service.act(res.incident_id, Action.ESCALATE, "test")
    return app, ctx, res.incident_id


def link_in(text: str) -> str:
    m = re.search(r"http://escalator\.test/ack/\S+$", text)
    assert m, text
    return m.group(0)


async def test_46elks_form_post_with_auth_leads_with_why_and_what_to_do(tmp_path, clock, recorder,
                                                                       gateway):
    app, ctx, incident_id = await reach_contractor(tmp_path, clock, recorder, gateway)
    try:
        await app.tick()
        [req] = gateway.accepted
        assert (req.method, req.path) == ("POST", "/a1/sms")
        assert req.headers["Authorization"] == SECRETS["SMS_AUTH"]
        assert req.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
        assert set(req.form) == {"from", "to", "message"}
        assert req.form["from"] == "Lehtioja" and req.form["to"] == CONTRACTOR
        text = req.form["message"]  # in Swedish: why and what to do, then what and where
        assert text.startswith("[Lehtiojan palvelukeskus] Larmet har eskalerats till er, av "
                               "test. Ta det eller skicka det vidare. Fel i brandlarmsslingan, "
                               "Loop 2 / B-wing. http://escalator.test/ack/")
        size = gsm.measure(text)  # all of it does not fit one: two parts, nothing dropped
        assert size.encoding == "GSM-7" and 160 < size.units <= 306 and size.segments == 2
        url = link_in(text)
        claim = app.signer.check(url.rsplit("/", 1)[1], clock.now())
        assert (claim.incident_id, claim.party) == (incident_id, "contractor")
        assert len(url) < 80  # the short link leaves room for words
    finally:
        await ctx.__aexit__(None, None, None)


async def test_twilio_form_fields(tmp_path, clock, recorder, gateway):
    path = "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json"
    app, ctx, _ = await reach_contractor(tmp_path, clock, recorder, gateway, block=TWILIO,
                                         path=path)
    try:
        await app.tick()
        [req] = gateway.accepted
        assert req.status == 201 and req.path == path
        assert set(req.form) == {"To", "From", "Body"}
        assert req.form["To"] == CONTRACTOR and req.form["From"] == "+15005550006"
        assert gsm.measure(req.form["Body"]).segments == 2 and link_in(req.form["Body"])
    finally:
        await ctx.__aexit__(None, None, None)


async def test_gatewayapi_json_and_a_point_that_would_need_ucs2_is_what_gets_cut(
        tmp_path, clock, recorder, gateway):
    app, ctx, _ = await reach_contractor(tmp_path, clock, recorder, gateway, block=GATEWAYAPI,
                                         path="/rest/mtsms", point="Корпус Б, щит 2")
    try:
        await app.tick()
        [req] = gateway.accepted
        assert req.headers["Content-Type"].startswith("application/json")
        body = req.json
        assert body["recipients"] == [{"msisdn": 46701234567}]  # an integer, no '+'
        assert body["sender"] == "Lehtioja"
        assert re.fullmatch(r"escalator-\d+", body["userref"])
        size = gsm.measure(body["message"])
        # Why and what to do come first and stay whole; the whole text in UCS-2 would take
        # four parts, so the point (last before the link) is cut at a word: two GSM-7 parts.
        # (The UCS2 flag for a text that keeps UCS-2: tests/unit/test_sms_texts.py.)
        assert size.encoding == "GSM-7" and "encoding" not in body
        assert "Ta det eller skicka det vidare. Fel i brandlarmsslingan.. http" in \
            body["message"]
        assert size.segments == 2 and link_in(body["message"])
    finally:
        await ctx.__aexit__(None, None, None)


async def test_gsm7_text_is_sent_without_a_ucs2_flag(tmp_path, clock, recorder, gateway):
    app, ctx, _ = await reach_contractor(tmp_path, clock, recorder, gateway, block=GATEWAYAPI,
                                         path="/rest/mtsms", point="Käytävä – Ö-siipi")
    try:
        await app.tick()
        body = gateway.accepted[0].json
        assert "encoding" not in body and "Käytävä - Ö-siipi" in body["message"]
    finally:
        await ctx.__aexit__(None, None, None)


async def test_a_generic_get_template(tmp_path, clock, recorder, gateway):
    app, ctx, _ = await reach_contractor(tmp_path, clock, recorder, gateway, block=GENERIC_GET,
                                         path="/sendsms")
    try:
        await app.tick()
        [req] = gateway.accepted
        assert req.method == "GET" and req.body == b""
        assert req.query["user"] == "lehtioja" and req.query["dests"] == "46701234567"
        assert req.query["unicode"] == "GSM-7" and link_in(req.query["text"])
    finally:
        await ctx.__aexit__(None, None, None)


async def test_5xx_and_429_are_retried_with_backoff_and_retry_after(tmp_path, clock, recorder,
                                                                    gateway):
    app, ctx, incident_id = await reach_contractor(tmp_path, clock, recorder, gateway)
    try:
        gateway.answers = [(503, {}), (429, {"Retry-After": "30"})]
        due = await app.tick()
        assert clock.now() + timedelta(seconds=1) <= due <= clock.now() + timedelta(seconds=2)
        clock.set(due)
        due = await app.tick()
        assert due == clock.now() + timedelta(seconds=30)  # the gateway's Retry-After
        clock.advance(seconds=30)
        await app.tick()
        assert [r.status for r in gateway.requests] == [503, 429, 200]
        assert all(link_in(r.form["message"]) for r in gateway.requests)
        rows = await app.store.transaction(lambda tx: tx.deliveries.of_incident(incident_id))
        row = next(d for d in rows if d.party == "contractor")
        assert (row.status, row.attempts, row.channel) == ("sent", 3, "sms")
    finally:
        await ctx.__aexit__(None, None, None)


async def test_a_4xx_is_permanent_and_the_ladder_moves_on(tmp_path, clock, recorder, gateway):
    app, ctx, incident_id = await reach_contractor(tmp_path, clock, recorder, gateway)
    try:
        gateway.answers = [(400, {})]
        await app.tick()
        call, update = gateway.requests  # the call is not retried; the next step is called
        assert call.status == 400 and "Fel i brandlarmsslingan" in call.form["message"]
        assert update.form["message"].startswith(
            "[Lehtiojan palvelukeskus] Larmet har skickats vidare till Property maintenance")
        inc = await app.store.transaction(lambda tx: tx.incidents.get(incident_id))
        assert inc.escalation.step == 3  # maintenance is next
        tl = await app.store.transaction(lambda tx: tx.timeline.of_incident(incident_id))
        failed = [e for e in tl if e["reason"] == Reason.DELIVERY_FAILED.value]
        assert failed[0]["party"] == "contractor"
        assert "sms gateway answered HTTP 400" in failed[0]["detail"]
    finally:
        await ctx.__aexit__(None, None, None)


async def test_an_unreachable_gateway_is_temporary(tmp_path, clock, recorder, gateway):
    dead = SMS_DEAD = f"http://127.0.0.1:{free_port()}/a1/sms"
    block = f"""  sms:
    preset: 46elks
    url: "{SMS_DEAD}"
    from: Lehtioja
"""
    app, ctx, incident_id = await reach_contractor(tmp_path, clock, recorder, gateway,
                                                   block=block)
    try:
        due = await app.tick()
        rows = await app.store.transaction(lambda tx: tx.deliveries.of_incident(incident_id))
        row = next(d for d in rows if d.party == "contractor")
        assert row.status == "pending" and "unreachable" in row.error and dead
        assert clock.now() + timedelta(seconds=1) <= due <= clock.now() + timedelta(seconds=2)
    finally:
        await ctx.__aexit__(None, None, None)


async def test_placeholders_inside_the_alarm_text_stay_literal(tmp_path, clock, recorder,
                                                               gateway):
    app, ctx, _ = await reach_contractor(tmp_path, clock, recorder, gateway, block=GENERIC_GET,
                                         path="/sendsms", point="Huone {to} {from} {delivery}")
    try:
        await app.tick()
        [req] = gateway.accepted
        assert "Huone {to} {from} {delivery}" in req.query["text"]
        assert CONTRACTOR not in req.query["text"] and "46701234567" not in req.query["text"]
    finally:
        await ctx.__aexit__(None, None, None)
