"""Answer an alarm by SMS reply: `1` takes, `2` passes on, `3 30` snoozes (issue 21, point 2).

The contractor (Swedish, SMS only) is reached through the real SMS channel against
the fake gateway (tests/outside.py); its reply comes back as 46elks and Twilio post
an inbound SMS (basic auth; X-Twilio-Signature), into the real web app and the real
store. What each reply changes is read from the store; the reply SMS is the
response's body (46elks) or TwiML (Twilio), in the contact's language.
"""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from aiohttp.test_utils import TestClient, TestServer
from outside import (
    SECRETS,
    elks_inbound,
    free_port,
    outside_app,
    outside_config,
    sms_gateway,
    twilio_inbound,
)

from escalator.domain.model import Action, AlarmEvent, State
from escalator.i18n import t

CONTRACTOR = "+46701234567"
PUBLIC = "http://escalator.test"
ELKS = """  sms:
    preset: 46elks
    url: "{sms_url}"
    from: Lehtioja
    auth_header_env: SMS_AUTH
    inbound: 46elks
    inbound_user_env: ELKS_IN_USER
    inbound_password_env: ELKS_IN_PASSWORD
"""
TWILIO = """  sms:
    preset: twilio
    url: "{sms_url}"
    from: "+358451234567"
    auth_header_env: SMS_AUTH
    inbound: twilio
    inbound_token_env: TWILIO_TOKEN
"""
NO_INBOUND = """  sms:
    preset: 46elks
    url: "{sms_url}"
    from: Lehtioja
    auth_header_env: SMS_AUTH
"""


class Site:
    """The running service, its web door and the fake gateway."""

    def __init__(self, app, client: TestClient, gateway, clock) -> None:
        self.app, self.client, self.gateway, self.clock = app, client, gateway, clock

    async def alarm(self, point: str = "Loop 2") -> int:
        """An alarm passed on twice: the contractor is called by SMS."""
        res = await self.app.service.ingest(AlarmEvent("terminal", "FT", "alarm",
                                                       self.clock.now(), point=point))
        await self.app.tick()
        for _ in range(2):
            await self.app.service.act(res.incident_id, Action.ESCALATE, "test")
        await self.app.tick()
        return res.incident_id

    async def incident(self, incident_id: int):
        return await self.app.store.transaction(lambda tx: tx.incidents.get(incident_id))

    async def elks(self, message: str, sender: str = CONTRACTOR, **auth: str):
        headers, form = elks_inbound(sender, message, **auth)
        resp = await self.client.post("/sms/inbound", data=form, headers=headers)
        return resp.status, await resp.text()

    async def twilio(self, body: str, sender: str = CONTRACTOR, **kw: str):
        headers, form = twilio_inbound(f"{PUBLIC}/sms/inbound", sender, body, **kw)
        resp = await self.client.post("/sms/inbound", data=form, headers=headers)
        text = await resp.text()
        if resp.status == 200:
            assert resp.content_type == "text/xml"
            text = ElementTree.fromstring(text).findtext("Message") or ""
        return resp.status, text


@pytest.fixture(params=["46elks", "twilio"])
def provider(request) -> str:
    return request.param


async def site(tmp_path, clock, recorder, block: str):
    gateway_cm = sms_gateway()
    gateway = await gateway_cm.__aenter__()
    path = "/2010-04-01/Accounts/AC0/Messages.json" if "twilio" in block else "/a1/sms"
    text = outside_config(f"sqlite:///{tmp_path}/replies.db", smtp_port=free_port(),
                          sms_url=gateway.url(path), sms_block=block, public_url=PUBLIC)
    app_cm = outside_app(text, clock, {"telegram": recorder, "email": recorder})
    app = await app_cm.__aenter__()
    client = TestClient(TestServer(app.web_app()))
    await client.start_server()

    async def close() -> None:
        await client.close()
        await app_cm.__aexit__(None, None, None)
        await gateway_cm.__aexit__(None, None, None)
    return Site(app, client, gateway, clock), close


@pytest.fixture
async def elks(tmp_path, clock, recorder):
    s, close = await site(tmp_path, clock, recorder, ELKS)
    yield s
    await close()


@pytest.fixture
async def any_gateway(tmp_path, clock, recorder, provider):
    s, close = await site(tmp_path, clock, recorder, ELKS if provider == "46elks" else TWILIO)
    s.send = s.elks if provider == "46elks" else s.twilio
    yield s
    await close()


async def test_the_alarm_sms_says_how_to_reply_and_carries_the_code(any_gateway):
    s = any_gateway
    incident_id = await s.alarm()
    [sent] = [r.text for r in s.gateway.accepted]
    assert sent.startswith(f"[Lehtiojan palvelukeskus #K{incident_id}] ")
    assert t("sv", "sms.ask.reply") in sent


async def test_1_takes_the_alarm_and_the_reply_says_so_in_the_contacts_language(any_gateway):
    s = any_gateway
    incident_id = await s.alarm()
    status, said = await s.send("1")
    assert status == 200 and said == t("sv", "pop.done.acknowledge").replace("–", "-")
    inc = await s.incident(incident_id)
    assert inc.state is State.ACKNOWLEDGED and inc.acked_by == "Local electrical contractor"
    status, said = await s.send("1")  # the gateway retries, or the nurse sends it twice
    assert status == 200 and said == "Redan tagen av Local electrical contractor kl. 9.00."
    assert (await s.incident(incident_id)).acked_at == inc.acked_at


async def test_2_passes_it_on_to_the_next_step(any_gateway):
    s = any_gateway
    incident_id = await s.alarm()
    step = (await s.incident(incident_id)).escalation.step
    status, said = await s.send("2")
    assert status == 200 and said == t("sv", "pop.done.escalate")
    inc = await s.incident(incident_id)
    assert inc.escalation.step == step + 1 and "maintenance" in inc.notified


async def test_3_30_snoozes_for_30_minutes_and_a_snooze_over_max_snooze_is_refused(elks):
    s = elks
    incident_id = await s.alarm()
    status, said = await s.elks("3 300")  # http.max_snooze is 4 h by default
    assert status == 200 and said == t("sv", "pop.snooze_limit",
                                       duration=t("sv", "unit.hours", n=4))
    assert (await s.incident(incident_id)).state is State.OPEN
    status, said = await s.elks("3 30")
    assert status == 200 and said == t("sv", "pop.done.snooze", duration="30 min")
    inc = await s.incident(incident_id)
    assert inc.state is State.SNOOZED
    assert inc.snoozed_until == s.clock.now() + timedelta(minutes=30)


async def test_with_several_open_the_reply_asks_which_and_a_code_picks_one(elks):
    s = elks
    first = await s.alarm("Loop 2")
    second = await s.alarm("Loop 7")
    status, said = await s.elks("1")
    assert status == 200
    assert said == t("sv", "sms.reply.which", codes=f"#K{first} #K{second}",
                     example=f"K{first}")
    assert {(await s.incident(i)).state for i in (first, second)} == {State.OPEN}
    status, said = await s.elks(f"1 k{second}.")  # case and a full stop are forgiven
    assert status == 200 and said == t("sv", "pop.done.acknowledge").replace("–", "-")
    assert (await s.incident(first)).state is State.OPEN
    assert (await s.incident(second)).state is State.ACKNOWLEDGED


async def test_unknown_numbers_codes_and_texts_get_a_clear_answer_and_change_nothing(elks):
    s = elks
    incident_id = await s.alarm()
    before = await s.incident(incident_id)
    cases = [
        ("1", "+358409999999", t("fi", "sms.reply.unknown_number")),  # the facility's language
        ("1 K999", CONTRACTOR, t("sv", "sms.reply.unknown_code", codes=f"#K{incident_id}")),
        ("hello", CONTRACTOR, t("sv", "sms.reply.how")),
        ("1 30", CONTRACTOR, t("sv", "sms.reply.how")),  # minutes only after 3
        ("9", CONTRACTOR, t("sv", "sms.reply.how")),
        ("1 X7", CONTRACTOR, t("sv", "sms.reply.how")),
    ]
    for text, sender, expected in cases:
        status, said = await s.elks(text, sender)
        assert (status, said) == (200, expected), text
    assert await s.incident(incident_id) == before


async def test_a_code_of_an_alarm_that_never_called_the_number_is_refused_and_audited(elks):
    s = elks
    res = await s.app.service.ingest(AlarmEvent("terminal", "XM", "alarm", s.clock.now()))
    await s.app.tick()  # the mail-first ladder: the vendor and the manager, not the contractor
    status, said = await s.elks(f"1 K{res.incident_id}")
    assert (status, said) == (200, t("sv", "sms.reply.not_yours"))
    assert (await s.incident(res.incident_id)).state is State.OPEN
    story = await s.app.store.transaction(lambda tx: tx.timeline.of_incident(res.incident_id))
    assert [e for e in story if e["reason"] == "REFUSED"]


@pytest.mark.parametrize("forge", [
    "no auth", "wrong password", "wrong user", "not basic", "bad base64"])
async def test_46elks_requests_not_signed_by_the_gateway_are_refused(elks, forge):
    s = elks
    incident_id = await s.alarm()
    before = await s.incident(incident_id)
    headers, form = elks_inbound(CONTRACTOR, "1")
    if forge == "no auth":
        headers = {}
    elif forge == "wrong password":
        headers, _ = elks_inbound(CONTRACTOR, "1", password="guess")
    elif forge == "wrong user":
        headers, _ = elks_inbound(CONTRACTOR, "1", user="admin")
    elif forge == "not basic":
        headers = {"Authorization": f"Bearer {SECRETS['ELKS_IN_PASSWORD']}"}
    else:
        headers = {"Authorization": "Basic ***not-base64***"}
    resp = await s.client.post("/sms/inbound", data=form, headers=headers)
    assert resp.status == 403
    assert SECRETS["ELKS_IN_PASSWORD"] not in await resp.text()
    assert await s.incident(incident_id) == before


@pytest.mark.parametrize("forge", ["no signature", "wrong token", "body changed",
                                   "field added", "other url"])
async def test_twilio_requests_not_signed_by_the_gateway_are_refused(
        tmp_path, clock, recorder, forge):
    s, close = await site(tmp_path, clock, recorder, TWILIO)
    try:
        incident_id = await s.alarm()
        before = await s.incident(incident_id)
        url = f"{PUBLIC}/sms/inbound"
        headers, form = twilio_inbound(url, CONTRACTOR, "1")
        if forge == "no signature":
            headers = {}
        elif forge == "wrong token":
            headers, _ = twilio_inbound(url, CONTRACTOR, "1", token="guess")
        elif forge == "body changed":
            form["Body"] = "2"
        elif forge == "field added":
            form["Extra"] = "x"
        else:
            headers, _ = twilio_inbound("http://elsewhere.test/sms/inbound", CONTRACTOR, "1")
        resp = await s.client.post("/sms/inbound", data=form, headers=headers)
        assert resp.status == 403
        assert await s.incident(incident_id) == before
    finally:
        await close()


@pytest.mark.parametrize(("body", "status"), [
    (b"from=%2B46701234567&message=1&message=2", 400),  # a field twice: which one?
    (b"from=%2B46701234567&message=\xff\xfe", 400),  # not UTF-8
    (b"&&&=", 400),
    (b"from=" + b"9" * 9000 + b"&message=1", 413),
    (b"message=1", 400),  # no sender
    (b"from=%2B46701234567&message=" + b"1" * 161, 200),  # over one SMS: not an answer
    (b"from=%2B46701234567&message=1%00K1", 200),  # control characters: not an answer
    (b"from=%F0%9F%98%80&message=1", 200),  # a sender that is not a number
])
async def test_hostile_inbound_bodies_change_nothing(elks, body, status):
    s = elks
    incident_id = await s.alarm()
    before = await s.incident(incident_id)
    headers, _ = elks_inbound(CONTRACTOR, "1")
    resp = await s.client.post("/sms/inbound", data=body, headers={
        **headers, "Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status == status
    if status == 200:
        assert await resp.text() in (t("sv", "sms.reply.how"), t("fi", "sms.reply.unknown_number"))
    assert await s.incident(incident_id) == before


async def test_without_inbound_set_up_the_webhook_is_not_there(tmp_path, clock, recorder):
    s, close = await site(tmp_path, clock, recorder, NO_INBOUND)
    try:
        incident_id = await s.alarm()
        [sent] = [r.text for r in s.gateway.accepted]
        assert "#K" not in sent and t("sv", "sms.ask.take") in sent  # no reply offered
        status, _ = await s.elks("1")
        assert status == 404
        assert (await s.incident(incident_id)).state is State.OPEN
    finally:
        await close()
