"""The e-mail channel against a real SMTP server (aiosmtpd on 127.0.0.1).

Headers, threading, language and the link are read from what the server
received; temporary and permanent SMTP answers drive the dispatcher's retry
and fall-through; time moves with the FakeClock and `app.tick()`.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from outside import (
    SECRETS,
    Mailbox,
    client_tls,
    outside_app,
    outside_config,
    self_signed_cert,
    server_tls,
    sms_gateway,
    smtp_server,
)

from escalator.domain.model import AlarmEvent, Reason, State
from escalator.notify.email import EmailNotifier

ROOT = re.compile(r"^<incident-(\d+)\.(\d+)\.lehtioja@lehtioja\.example>$")


def alarm(clock, code="FT", state="alarm", point="Loop 2 / B-wing"):
    return AlarmEvent("terminal", code, state, clock.now(), point=point, text="Vika silmukassa")


@pytest.fixture
def mailbox():
    return Mailbox()


@pytest.fixture
async def gateway():
    async with sms_gateway() as gw:
        yield gw


@pytest.fixture
async def smtp_port(mailbox):
    async with smtp_server(mailbox, auth_require_tls=False) as port:
        yield port


@pytest.fixture
async def app(tmp_path, clock, recorder, smtp_port, gateway):
    text = outside_config(f"sqlite:///{tmp_path}/mail.db", smtp_port=smtp_port,
                          sms_url=gateway.url("/a1/sms"))
    async with outside_app(text, clock, {"telegram": recorder}) as app:
        yield app


def body(mail, kind="plain") -> str:
    return mail.get_body((kind,)).get_content().replace("\r\n", "\n")


def link_in(text: str) -> str:
    m = re.search(r"http://escalator\.test/ack/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+", text)
    assert m, text
    return m.group(0)


async def deliveries(app, incident_id):
    return await app.store.transaction(lambda tx: tx.deliveries.of_incident(incident_id))


async def test_one_incident_threads_first_renotify_cleared_in_the_readers_language(
        app, clock, mailbox):
    assert isinstance(app.dispatcher.notifiers["email"], EmailNotifier)
    res = await app.service.ingest(alarm(clock, code="XM"))
    await app.tick()
    clock.advance(minutes=5)
    await app.tick()  # RENOTIFY
    clock.advance(minutes=1)
    await app.service.ingest(alarm(clock, code="XM", state="clear"))
    await app.tick()  # CLEARED

    vendor = mailbox.to("faults@security.example")
    assert [m["X-Escalator-Reason"] for m in vendor] == ["FIRST", "RENOTIFY", "CLEARED"]
    roots = {m["In-Reply-To"] for m in vendor} | {m["References"] for m in vendor}
    assert len(roots) == 1  # one conversation per incident ...
    root = roots.pop()
    assert ROOT.match(root) and ROOT.match(root).group(1) == str(res.incident_id)
    ids = [m["Message-ID"] for m in vendor]
    assert len(set(ids)) == 3 and root not in ids  # ... of distinct mails
    rows = [d for d in await deliveries(app, res.incident_id) if d.party == "alarm-vendor"]
    assert ids == [f"<delivery-{d.id}.incident-{res.incident_id}."
                   f"{int(clock.now().timestamp()) - 360}.lehtioja@lehtioja.example>"
                   for d in rows]  # deterministic: the delivery row names the mail
    assert len({m["Subject"] for m in vendor}) == 1

    first = vendor[0]
    assert first["From"] == "Escalator Lehtioja <alarms@lehtioja.example>"
    assert first["To"] == "Security company fault hotline <faults@security.example>"
    assert first["Subject"] == (f"[Lehtiojan palvelukeskus] #{res.incident_id} "
                                "XM – Loop 2 / B-wing")
    assert first["Auto-Submitted"] == "auto-generated"
    assert first["Content-Language"] == "en"  # people.alarm-vendor.language
    assert first["Date"] is not None
    assert first.is_multipart()
    text, html = body(first), body(first, "html")
    assert text.startswith("New alarm\n") and "Where: Loop 2 / B-wing" in text
    assert "Alarm service – Lehtiojan palvelukeskus" in text
    url = link_in(text)
    assert f'href="{url}"' in html and "Open the alarm and answer" in html
    claim = app.signer.check(url.rsplit("/", 1)[1], clock.now())
    assert (claim.incident_id, claim.party) == (res.incident_id, "alarm-vendor")
    assert body(vendor[1]).startswith("Reminder: nobody has")
    assert body(vendor[2]).startswith("Cleared at the terminal")

    manager = mailbox.to("manager@lehtioja.example")  # no language of its own: facility's
    assert manager[0]["Content-Language"] == "fi"
    assert body(manager[0]).startswith("Uusi hälytys\n")
    assert manager[0]["References"] == root  # same incident, same thread for everyone
    assert mailbox.logins and set(mailbox.logins) == {(SECRETS["SMTP_USER"],
                                                       SECRETS["SMTP_PASSWORD"])}
    assert {frm for frm, _ in mailbox.envelopes} == {"alarms@lehtioja.example"}


async def test_a_temporary_4xx_is_retried_and_then_delivered(app, clock, mailbox, gateway):
    res = await app.service.ingest(alarm(clock, code="XM"))
    mailbox.at_data["faults@security.example"] = ["451 4.3.0 Mailbox busy, try later"] * 2
    due = await app.tick()
    assert mailbox.to("faults@security.example") == []
    assert len(mailbox.to("manager@lehtioja.example")) == 1
    # backoff with jitter: 1-2 s, then 2-4 s (escalator/domain/retry.py)
    assert clock.now() + timedelta(seconds=1) <= due <= clock.now() + timedelta(seconds=2)
    clock.set(due)
    due = await app.tick()
    assert clock.now() + timedelta(seconds=2) <= due <= clock.now() + timedelta(seconds=4)
    clock.set(due)
    await app.tick()
    got = {m["To"].addresses[0].addr_spec for m in mailbox.mails}
    assert got == {"faults@security.example", "manager@lehtioja.example"}
    rows = await deliveries(app, res.incident_id)
    assert all(d.status == "sent" and d.channel == "email" for d in rows)
    assert sorted(d.attempts for d in rows) == [1, 3]
    assert gateway.requests == []  # a temporary failure never jumps to the next channel


async def test_a_permanent_5xx_falls_through_to_the_sms_contact(app, clock, mailbox, gateway):
    res = await app.service.ingest(alarm(clock))
    await app.tick()
    mailbox.at_rcpt["faults@security.example"] = ["550 5.1.1 <faults@security.example>: "
                                                  "no such user"]
    clock.advance(minutes=10)
    await app.tick()  # escalated to the vendor: e-mail refused, SMS in the same pass
    assert mailbox.to("faults@security.example") == []
    assert len(gateway.accepted) == 1
    sms = gateway.accepted[0]
    assert sms.form["to"] == "+358401234567"
    assert link_in(sms.form["message"])
    vendor = [d for d in await deliveries(app, res.incident_id) if d.party == "alarm-vendor"]
    assert vendor[0].status == "sent" and vendor[0].channel == "sms"
    assert vendor[0].contact_index == 1 and vendor[0].attempts == 1  # no retry of a 5xx


async def test_when_mail_and_sms_both_refuse_the_ladder_moves_on(app, clock, mailbox, gateway):
    res = await app.service.ingest(alarm(clock))
    await app.tick()
    mailbox.at_rcpt["faults@security.example"] = ["554 5.7.1 rejected"]
    gateway.answers = [(400, {})]
    clock.advance(minutes=10)
    await app.tick()
    inc = await app.store.transaction(lambda tx: tx.incidents.get(res.incident_id))
    assert inc.escalation.step == 2  # the contractor: nobody at the vendor could be reached
    tl = await app.store.transaction(lambda tx: tx.timeline.of_incident(res.incident_id))
    failed = [e for e in tl if e["reason"] == Reason.DELIVERY_FAILED.value]
    assert failed and failed[0]["party"] == "alarm-vendor"
    assert "sms gateway answered HTTP 400" in failed[0]["detail"]


@pytest.mark.parametrize("security", ["starttls", "tls"])
async def test_tls_and_starttls_with_login(tmp_path, clock, recorder, security):
    made = self_signed_cert(tmp_path)
    if made is None:
        pytest.skip("openssl is not installed")
    cert, key = made
    mailbox = Mailbox()
    server = ({"tls_context": server_tls(cert, key), "require_starttls": True}
              if security == "starttls" else  # aiosmtpd offers AUTH on implicit TLS only so
              {"ssl_context": server_tls(cert, key), "auth_require_tls": False})
    async with smtp_server(mailbox, **server) as port, sms_gateway() as gateway:
        text = outside_config(f"sqlite:///{tmp_path}/tls.db", smtp_port=port,
                              sms_url=gateway.url("/a1/sms"), security=security)
        async with outside_app(text, clock, {"telegram": recorder}) as app:
            email_channel = EmailNotifier(lambda: app.config.channels["email"],
                                          lambda: app.config.facility, app.secret, clock,
                                          tls_context=client_tls(cert))
            app.dispatcher.notifiers["email"] = email_channel
            await app.service.ingest(alarm(clock, code="XM"))
            await app.tick()
    assert len(mailbox.mails) == 2 and mailbox.tls_seen == [True, True]
    assert mailbox.logins[0] == (SECRETS["SMTP_USER"], SECRETS["SMTP_PASSWORD"])


async def test_an_unverifiable_certificate_is_permanent_and_falls_through(
        tmp_path, clock, recorder):
    made = self_signed_cert(tmp_path)
    if made is None:
        pytest.skip("openssl is not installed")
    mailbox = Mailbox()
    async with smtp_server(mailbox, ssl_context=server_tls(*made)) as port, \
            sms_gateway() as gateway:
        text = outside_config(f"sqlite:///{tmp_path}/bad.db", smtp_port=port,
                              sms_url=gateway.url("/a1/sms"), security="tls")
        async with outside_app(text, clock, {"telegram": recorder}) as app:
            res = await app.service.ingest(alarm(clock, code="XM"))
            await app.tick()  # the default trust store does not know the test certificate
            rows = await deliveries(app, res.incident_id)
    vendor = next(d for d in rows if d.party == "alarm-vendor")
    assert vendor.channel == "sms" and vendor.contact_index == 1 and vendor.status == "sent"
    manager = next(d for d in rows if d.party == "manager")  # no other contact to try
    assert manager.status == "failed" and "certificate not trusted" in manager.error
    assert mailbox.mails == []


async def test_an_unreachable_server_is_temporary(tmp_path, clock, recorder):
    from outside import free_port

    async with sms_gateway() as gateway:
        text = outside_config(f"sqlite:///{tmp_path}/down.db", smtp_port=free_port(),
                              sms_url=gateway.url("/a1/sms"))
        async with outside_app(text, clock, {"telegram": recorder}) as app:
            res = await app.service.ingest(alarm(clock, code="XM"))
            due = await app.tick()
            rows = await deliveries(app, res.incident_id)
            inc = await app.store.transaction(lambda tx: tx.incidents.get(res.incident_id))
    assert clock.now() + timedelta(seconds=1) <= due <= clock.now() + timedelta(seconds=2)
    assert {d.status for d in rows} == {"pending"} and all(d.attempts == 1 for d in rows)
    assert all("unreachable" in d.error for d in rows)
    assert gateway.requests == [] and inc.state is State.OPEN


async def test_a_refused_login_is_permanent(tmp_path, clock, recorder, mailbox, smtp_port,
                                            gateway):
    from support import TOKENS

    from escalator.app import Escalator
    from escalator.config import load_config_text

    env = {**TOKENS, **SECRETS, "SMTP_PASSWORD": "wrong"}
    text = outside_config(f"sqlite:///{tmp_path}/login.db", smtp_port=smtp_port,
                          sms_url=gateway.url("/a1/sms"))
    cfg, _ = load_config_text(text, env=env)
    app = Escalator(cfg, clock=clock, env=env, notifiers={"telegram": recorder})
    await app.start(serve_http=False, schedule=False)
    try:
        res = await app.service.ingest(alarm(clock, code="XM"))
        await app.tick()
        rows = await deliveries(app, res.incident_id)
    finally:
        await app.stop()
    vendor = next(d for d in rows if d.party == "alarm-vendor")
    assert vendor.channel == "sms" and vendor.contact_index == 1
    manager = next(d for d in rows if d.party == "manager")
    assert manager.status == "failed" and "535" in manager.error
