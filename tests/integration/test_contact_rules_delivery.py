"""Contact rules end to end: a real SMTP server (aiosmtpd), the fake SMS gateway and
the fake voice gateway on 127.0.0.1, the real channels, time on the FakeClock; the
outbox on SQLite and PostgreSQL where its SQL matters.

The vendor's first choice is the phone: `rules: high: [{at_once: [voice, sms]},
{then_after: 2 min, at_once: [email]}]`. Issue 21: the clear request ("clear the
alarm at the terminal by 8.32") reached such a vendor by e-mail only."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from fake_voice import voice_gateway
from outside import SECRETS, SMS_46ELKS, Mailbox, outside_config, sms_gateway, smtp_server
from support import TOKENS

from escalator.app import Escalator
from escalator.config import load_config_text
from escalator.domain.model import Action, AlarmEvent, Reason

VOICE_AUTH = "Basic ZWxrczpzZWNyZXQ="
ENV = {**TOKENS, **SECRETS, "VOICE_AUTH": VOICE_AUTH}
HOTLINE, MOBILE, MAIL = "+358201234567", "+358401234567", "faults@security.example"
FLAT = f'      - email: {MAIL}\n      - sms: "{MOBILE}"\n'
RULES = (f'      - email: {MAIL}\n      - sms: "{MOBILE}"\n      - voice: "{HOTLINE}"\n'
         "    rules:\n"
         "      high:\n"
         "        - at_once: [voice, sms]\n"
         "        - then_after: 2 min\n"
         "          at_once: [email]\n"
         "      low:\n"
         "        - at_once: [email]\n")
ROUTE = "    ladder: mail-first\n"
ROUTE_MORE = ("    ladder: mail-first\n    urgency: {urgency}\n    clears: [alarm-vendor]\n"
              "    false_alarm_clear_within: 1h\n")


@pytest.fixture
def mailbox():
    return Mailbox()


@asynccontextmanager
async def service(tmp_path, clock, recorder, mailbox, urgency="high", storage=None):
    async with smtp_server(mailbox, auth_require_tls=False) as smtp_port, \
            sms_gateway() as sms, voice_gateway(VOICE_AUTH) as voice:
        voice_block = (f'  voice:\n    preset: 46elks\n    url: "{voice.url("/a1/calls")}"\n'
                       '    from: "+46766861004"\n    auth_header_env: VOICE_AUTH\n')
        text = outside_config(storage or f"sqlite:///{tmp_path}/rules.db", smtp_port=smtp_port,
                              sms_url=sms.url("/a1/sms"), sms_block=SMS_46ELKS + voice_block)
        assert text.count(FLAT) == 1 and text.count(ROUTE) == 1
        text = text.replace(FLAT, RULES).replace(ROUTE, ROUTE_MORE.format(urgency=urgency))
        cfg, _ = load_config_text(text, env=ENV)
        app = Escalator(cfg, clock=clock, env=ENV, notifiers={"telegram": recorder})
        await app.start(serve_http=False, schedule=False)
        try:
            yield app, sms, voice
        finally:
            await app.stop()


def alarm(clock, state="alarm"):
    return AlarmEvent("terminal", "XM", state, clock.now(), point="Loop 6 / F-wing")


async def vendor_rows(app, incident_id, reason: Reason):
    rows = await app.store.transaction(lambda tx: tx.deliveries.of_incident(incident_id))
    return sorted(((r.channel, r.status, r.sent_at) for r in rows
                   if r.party == "alarm-vendor" and r.reason == reason.value and not r.is_update),
                  key=str)


async def test_the_clear_request_goes_by_phone_and_sms_at_once_then_by_mail(
        tmp_path, clock, recorder, mailbox, store_url):
    async with service(tmp_path, clock, recorder, mailbox, storage=store_url) as (
            app, sms, voice):
        res = await app.service.ingest(alarm(clock))
        await app.tick()
        start = clock.now()
        # the first notice: phone and SMS at once, even though both were accepted ...
        assert [c.form["to"] for c in voice.calls] == [HOTLINE]
        assert [r.form["to"] for r in sms.accepted] == [MOBILE]
        assert mailbox.to(MAIL) == []  # ... and the e-mail only two minutes later
        clock.advance(minutes=2)
        await app.tick()
        assert [m["X-Escalator-Reason"] for m in mailbox.to(MAIL)] == ["FIRST"]
        assert await vendor_rows(app, res.incident_id, Reason.FIRST) == [
            ("email", "sent", start + timedelta(minutes=2)),
            ("sms", "sent", start), ("voice", "sent", start)]

        await app.service.act(res.incident_id, Action.FALSE_ALARM, "Facility manager",
                              party="manager")
        await app.tick()
        asked = clock.now()
        # the request to clear the terminal asks the vendor to act: the phone rings too
        assert [c.form["to"] for c in voice.calls] == [HOTLINE, HOTLINE]
        texts = [r.text for r in sms.accepted]
        assert len(texts) == 3 and "New alarm" in texts[0]
        # the news that it was called false is an update: by SMS (the first group's
        # written contact), never by phone; the request itself by SMS and phone
        assert "Called a false alarm by Facility manager" in texts[1]
        assert "Please clear this alarm at the terminal by" in texts[2]
        assert "clear this alarm at the terminal" in voice.calls[1].spoken
        assert await vendor_rows(app, res.incident_id, Reason.CLEAR_REQUESTED) == [
            ("sms", "sent", asked), ("voice", "sent", asked), (None, "pending", None)]
        clock.advance(minutes=2)
        await app.tick()
        assert [m["X-Escalator-Reason"] for m in mailbox.to(MAIL)] == [
            "FIRST", "CLEAR_REQUESTED"]  # the next group, two minutes later
        assert await vendor_rows(app, res.incident_id, Reason.CLEAR_REQUESTED) == [
            ("email", "sent", asked + timedelta(minutes=2)),
            ("sms", "sent", asked), ("voice", "sent", asked)]
        assert len(voice.calls) == 2


async def test_a_low_urgency_route_uses_the_low_rules(tmp_path, clock, recorder, mailbox):
    async with service(tmp_path, clock, recorder, mailbox, urgency="low") as (app, sms, voice):
        res = await app.service.ingest(alarm(clock))
        await app.tick()
        clock.advance(minutes=3)
        await app.tick()
        assert voice.calls == [] and sms.accepted == []
        assert [m["X-Escalator-Reason"] for m in mailbox.to(MAIL)] == ["FIRST"]
        assert [c for c, _, _ in await vendor_rows(app, res.incident_id, Reason.FIRST)] == [
            "email"]


async def test_a_failing_phone_does_not_hold_up_the_sms_of_its_group(
        tmp_path, clock, recorder, mailbox, store_url):
    async with service(tmp_path, clock, recorder, mailbox, storage=store_url) as (
            app, sms, voice):
        voice.answers = [(503, {})]  # the voice gateway is down for a moment
        res = await app.service.ingest(alarm(clock))
        await app.tick()
        assert [r.form["to"] for r in sms.accepted] == [MOBILE]  # at once, not after
        rows = await vendor_rows(app, res.incident_id, Reason.FIRST)
        assert [(c, s) for c, s, _ in rows] == [
            ("sms", "sent"), ("voice", "pending"), (None, "pending")]  # a retry; the e-mail
        for _ in range(4):
            clock.advance(seconds=30)
            await app.tick()
        assert [c.status for c in voice.calls] == [503, 200]
        # the e-mail's group went at 2 min, whatever the phone did meanwhile
        assert [m["X-Escalator-Reason"] for m in mailbox.to(MAIL)] == ["FIRST"]
        clock.advance(minutes=3)
        await app.tick()  # nobody took it: the reminder asks to act, the phone rings again
        assert [c.status for c in voice.calls] == [503, 200, 200]
        assert len(sms.accepted) == 2
        assert [(c, s) for c, s, _ in await vendor_rows(app, res.incident_id, Reason.RENOTIFY)
                ] == [("sms", "sent"), ("voice", "sent"), (None, "pending")]


async def test_once_taken_the_later_groups_are_not_sent(tmp_path, clock, recorder, mailbox):
    async with service(tmp_path, clock, recorder, mailbox) as (app, sms, voice):
        res = await app.service.ingest(alarm(clock))
        await app.tick()
        clock.advance(minutes=1)
        await app.service.act(res.incident_id, Action.ACKNOWLEDGE, "Vendor on call",
                              party="alarm-vendor")
        clock.advance(minutes=2)
        await app.tick()
        assert [m["X-Escalator-Reason"] for m in mailbox.to(MAIL)] == []
        rows = await vendor_rows(app, res.incident_id, Reason.FIRST)
        assert [(c, s) for c, s, _ in rows] == [
            ("sms", "sent"), ("voice", "sent"), (None, "superseded")]
        assert len(voice.calls) == 1


async def test_a_contact_that_fails_for_good_gives_up_its_row_and_no_other_is_doubled(
        tmp_path, clock, recorder, mailbox):
    async with service(tmp_path, clock, recorder, mailbox) as (app, sms, voice):
        sms.answers = [(400, {})]  # the number is refused for good
        res = await app.service.ingest(alarm(clock))
        await app.tick()
        # without rules the SMS row would move on to the next contact (the phone) and ring
        # it a second time; here the other rows are the fallback
        assert len(voice.calls) == 1
        rows = await vendor_rows(app, res.incident_id, Reason.FIRST)
        assert [s for _, s, _ in rows].count("failed") == 1
        assert ("voice", "sent") in [(c, s) for c, s, _ in rows]
        inc = await app.store.transaction(lambda tx: tx.incidents.get(res.incident_id))
        assert inc.escalation.step == 0  # the phone reached them: the ladder stays
