"""E-mail intake with a real SMTP client (smtplib) against the aiosmtpd receiver."""

from __future__ import annotations

import asyncio
import dataclasses
import smtplib
from email.message import EmailMessage

import pytest
from intake_support import events, incidents

from escalator.domain.errors import StorageError
from escalator.domain.model import State

EMAIL = """\
  mailbox:
    kind: email
    listen: 127.0.0.1:0
    senders: [terminal@lehtioja.example]
    recipients: [alarms@escalator.example]
    heartbeat_timeout: 1d
    rules:
      - {match: "^TESTI", in: subject, state: heartbeat}
      - match: "Maavuoto (?P<where>[\\\\w ]+?) (?P<what>alkoi|loppui)"
        code: YX
        point: "{where}"
      - {match: "Palosilmukka (?P<loop>\\\\d+) kunnossa", in: body, code: FT,
         point: "loop {loop}", state: clear}
      - {match: "Palosilmukka (?P<loop>\\\\d+) vika", in: body, code: FT, point: "loop {loop}"}
"""


def mail(subject: str, body: str, sender: str = "terminal@lehtioja.example",
         msgid: str | None = None, html: bool = False) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "alarms@escalator.example", subject
    if msgid:
        msg["Message-ID"] = msgid
    if html:
        msg.set_content(body, subtype="html")
    else:
        msg.set_content(body)
    return msg


async def send(app, msg: EmailMessage, sender: str | None = None,
               to: str = "alarms@escalator.example") -> None:
    port = app.intake["mailbox"].port

    def run() -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
            client.send_message(msg, from_addr=sender or msg["From"], to_addrs=[to])

    await asyncio.to_thread(run)


async def test_rules_turn_mail_into_alarms_and_clears(intake_app):
    app = await intake_app(EMAIL)
    await send(app, mail("Hälytys", "Palosilmukka 2 vika\nKeskus A"))
    await send(app, mail("Maavuoto keittiö alkoi", "ks. keskus"))
    found = sorted((i.code, i.point, i.state) for i in await incidents(app))
    assert found == [("FT", "loop 2", State.OPEN), ("YX", "keittiö", State.OPEN)]
    await send(app, mail("Kuittaus", "Palosilmukka 2 kunnossa"))
    states = {i.code: i.state for i in await incidents(app)}
    assert states == {"FT": State.RESOLVED, "YX": State.OPEN}


async def test_unmatched_mail_is_still_an_alarm(intake_app):
    app = await intake_app(EMAIL)
    await send(app, mail("Outo ilmoitus laitteelta", "jotain"))
    [incident] = await incidents(app)
    assert (incident.code, incident.text) == ("email_unmatched", "Outo ilmoitus laitteelta")


async def test_html_body_and_test_mail_heartbeat(intake_app):
    app = await intake_app(EMAIL)
    await send(app, mail("Viesti", "<p>Palosilmukka <b>3</b> vika</p>".replace("<b>", "")
                         .replace("</b>", ""), html=True))
    await send(app, mail("TESTI päivittäinen", "ok"))
    assert [(i.code, i.point) for i in await incidents(app)] == [("FT", "loop 3")]
    assert [e["state"] for e in await events(app, "mailbox")] == ["alarm", "heartbeat"]


async def test_the_same_message_resent_is_stored_once(intake_app):
    app = await intake_app(EMAIL)
    msg = mail("Hälytys", "Palosilmukka 2 vika", msgid="<abc@terminal>")
    await send(app, msg)
    await send(app, msg)
    assert len(await events(app, "mailbox")) == 1


async def test_unknown_sender_and_recipient_are_refused(intake_app):
    app = await intake_app(EMAIL)
    with pytest.raises(smtplib.SMTPSenderRefused):
        await send(app, mail("x", "Palosilmukka 2 vika"), sender="spam@elsewhere.example")
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        await send(app, mail("x", "Palosilmukka 2 vika"), to="other@escalator.example")
    assert await incidents(app) == []


async def test_storage_failure_is_a_temporary_smtp_error(intake_app):
    app = await intake_app(EMAIL)
    receiver = app.intake["mailbox"]
    real = receiver.ctx

    async def failing(event):
        raise StorageError("disk full")

    receiver.ctx = dataclasses.replace(real, ingest=failing)
    with pytest.raises(smtplib.SMTPDataError) as refused:
        await send(app, mail("Hälytys", "Palosilmukka 2 vika"))
    assert refused.value.smtp_code == 451
    receiver.ctx = real
    await send(app, mail("Hälytys", "Palosilmukka 2 vika"))
    assert len(await incidents(app)) == 1


async def test_an_oversized_mail_is_refused_and_the_server_goes_on(intake_app):
    app = await intake_app(EMAIL)
    with pytest.raises(smtplib.SMTPException):
        await send(app, mail("big", "x" * (2 * 1024 * 1024)))
    await send(app, mail("Hälytys", "Palosilmukka 5 vika"))
    assert [i.point for i in await incidents(app)] == ["loop 5"]
