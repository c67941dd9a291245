"""Control characters and broken encodings at intake, on SQLite and PostgreSQL (issue 11, 7).

An accepted event must be storable and must reach people: CR/LF in `point`
must not break every e-mail about the incident, a NUL must not be refused by
PostgreSQL (a poison event answered 503/451 for ever), a bogus MIME charset
must not make the terminal resend for ever.
"""

from __future__ import annotations

import asyncio
import email.policy
import json
import smtplib
from email.parser import BytesParser

from intake_support import with_sources
from support import TOKENS

from escalator.notify.email import build_mail

TERMINAL = {"Authorization": f"Bearer {TOKENS['ESCALATOR_TERMINAL_TOKEN']}"}
EMAIL = """\
  mailbox:
    kind: email
    listen: 127.0.0.1:0
    rules:
      - {match: "Palosilmukka (?P<loop>.+) vika", in: body, code: FT, point: "loop {loop}"}
"""
HOSTILE = {
    "code": "FT\x00\r\n",
    "point": "Huone 12\r\nBcc: everyone@example.test\x00",
    "text": "Palo\x00silmukka\r\nvika \x1b[31m\ud800",
    "id": "t-1\x00",
}


async def open_incidents(app):
    return await app.store.transaction(lambda tx: tx.incidents.listed("open"))


def mails_for(app, recorder) -> list[bytes]:
    """Every recorded message as the real e-mail channel would build and serialise it."""
    facility = app.config.facility
    return [build_mail(message, {"from": "escalator@example.test"}, "a@example.test",
                       facility, app.clock).as_bytes() for _, message in recorder.sent]


async def test_control_characters_in_a_webhook_event_are_normalised(
        make_app, store_url, aiohttp_client, recorder):
    app = await make_app(storage=store_url)
    client = await aiohttp_client(app.web_app())
    body = json.dumps(HOSTILE).encode()  # "\ud800" travels as the JSON escape it is
    resp = await client.post("/api/v1/events", data=body, headers=TERMINAL)
    assert resp.status == 202, await resp.text()
    [incident] = await open_incidents(app)
    assert incident.code == "FT"
    assert incident.point == "Huone 12 Bcc: everyone@example.test"
    assert incident.text == "Palo silmukka\nvika [31m\ufffd"
    again = await client.post("/api/v1/events", data=body, headers=TERMINAL)
    assert (await again.json())["duplicate"] is True  # the cleaned id still deduplicates
    await app.tick()
    assert recorder.sent
    for raw in mails_for(app, recorder):  # every mail about it can be built and sent
        mail = BytesParser(policy=email.policy.default).parsebytes(raw)
        assert "Bcc" not in mail  # and no header was smuggled in
        assert "Huone 12 Bcc: everyone@example.test" in str(mail["Subject"])


def _send(port: int, raw: bytes) -> tuple[int, bytes]:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.ehlo()
        client.mail("terminal@example.test")
        client.rcpt("alarms@example.test")
        return client.data(raw)


async def test_a_nul_and_bogus_charsets_in_mail_are_stored_not_retried_for_ever(
        make_app, store_url):
    app = await make_app(text=with_sources(store_url, EMAIL))
    port = app.intake["mailbox"].port
    raw = (b"From: terminal@example.test\r\nTo: alarms@example.test\r\n"
           b"Subject: =?utf-8?q?H=C3=A4lytys=0D=0ABcc:_x@example.test?= \xff\xfe\r\n"
           b"Message-ID: <nul-1@example.test>\r\n"
           b"Content-Type: text/plain; charset=x-no-such-charset\r\n"
           b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
           b"Palosilmukka 2=00=E4=1B vika\r\n")
    code, reply = await asyncio.to_thread(_send, port, raw)
    assert code == 250, reply  # stored: not 451 (resend for ever), not 5xx (lost)
    [incident] = await open_incidents(app)
    assert incident.code == "FT"
    assert "\x00" not in incident.point and "\r" not in incident.point
    assert incident.point.startswith("loop 2")
    code, reply = await asyncio.to_thread(_send, port, raw)
    assert code == 250  # the same Message-ID again: a duplicate, still one incident
    assert len(await open_incidents(app)) == 1
