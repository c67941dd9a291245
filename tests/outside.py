"""Fakes for the outside-party channels: a real SMTP server and a local SMS gateway.

Both are real servers on 127.0.0.1 that the real channels talk to over the
network; they record what arrives and answer what the test tells them to.
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json
import os
import shutil
import socket
import ssl
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from aiohttp.test_utils import TestServer
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

SECRETS = {
    "SMTP_USER": "escalator@lehtioja.example",
    "SMTP_PASSWORD": "smtp-pass-123",
    "SMS_AUTH": "Basic dXNlcjpwYXNz",
    "ELKS_IN_USER": "u1c3b7e2",  # the credentials 46elks' sms_url carries to our webhook
    "ELKS_IN_PASSWORD": "in-pass-5e9a",
    "TWILIO_TOKEN": "twilio-auth-token-0c4f",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mailbox:
    """An aiosmtpd handler: keeps every accepted mail; refuses per recipient when told to."""

    def __init__(self) -> None:
        self.mails: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.logins: list[tuple[str, str]] = []
        self.tls_seen: list[bool] = []
        # recipient -> answers to give, one per attempt, e.g. "550 5.1.1 No such user"
        self.at_rcpt: dict[str, list[str]] = {}
        self.at_data: dict[str, list[str]] = {}  # e.g. "451 4.3.0 Try again later"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.at_rcpt.get(address):
            return self.at_rcpt[address].pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        for rcpt in envelope.rcpt_tos:
            if self.at_data.get(rcpt):
                return self.at_data[rcpt].pop(0)
        self.mails.append(email.message_from_bytes(envelope.content,
                                                   policy=email.policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.tls_seen.append(server.transport.get_extra_info("ssl_object") is not None)
        return "250 2.0.0 Accepted"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append((login, password))
        ok = (login, password) == (SECRETS["SMTP_USER"], SECRETS["SMTP_PASSWORD"])
        return AuthResult(success=ok, handled=False)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m, (_, rcpts) in zip(self.mails, self.envelopes, strict=True)
                if address in rcpts]


@asynccontextmanager
async def smtp_server(mailbox: Mailbox, **kwargs: Any) -> AsyncIterator[int]:
    """aiosmtpd's threaded Controller on a free local port; yields the port."""
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port,
                            authenticator=mailbox.authenticate, **kwargs)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def self_signed_cert(directory: Path) -> tuple[Path, Path] | None:
    """A certificate for 127.0.0.1 made with the openssl command, or None without it."""
    openssl = shutil.which("openssl")
    if not openssl:
        return None
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60,
                   env={**os.environ, "OPENSSL_CONF": "/dev/null"})
    return cert, key


def server_tls(cert: Path, key: Path) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(cert), str(key))
    return ctx


def client_tls(cert: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cert))


@dataclass
class GatewayRequest:
    method: str
    path: str
    headers: dict[str, str]
    query: dict[str, str]
    body: bytes
    form: dict[str, str] = field(default_factory=dict)
    json: Any = None
    status: int = 0

    @property
    def text(self) -> str:
        """The SMS text, whichever preset sent it."""
        for source in (self.form, self.json if isinstance(self.json, dict) else {}, self.query):
            for key in ("Body", "message", "text"):
                if key in source:
                    return str(source[key])
        raise KeyError("no SMS text in the request")


class SmsGateway:
    """A local HTTP SMS gateway: records requests; answers 200 unless told otherwise."""

    def __init__(self) -> None:
        self.requests: list[GatewayRequest] = []
        self.answers: list[tuple[int, dict[str, str]]] = []  # (status, headers)
        self.server: TestServer | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        req = GatewayRequest(request.method, request.path, dict(request.headers),
                             dict(request.query), body)
        if request.content_type == "application/x-www-form-urlencoded":
            req.form = dict(parse_qsl(body.decode(), keep_blank_values=True))
        elif request.content_type == "application/json":
            req.json = json.loads(body)
        self.requests.append(req)
        if self.answers:
            req.status, headers = self.answers.pop(0)
            return web.json_response({"error": "told to fail"}, status=req.status,
                                     headers=headers)
        req.status = 201 if "/Accounts/" in request.path else 200  # as Twilio / the others
        return web.json_response({"id": f"sms-{len(self.requests)}"}, status=req.status)

    def url(self, path: str) -> str:
        assert self.server is not None
        return str(self.server.make_url(path))

    @property
    def accepted(self) -> list[GatewayRequest]:
        return [r for r in self.requests if r.status < 300]


@asynccontextmanager
async def sms_gateway() -> AsyncIterator[SmsGateway]:
    gateway = SmsGateway()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", gateway._handle)
    async with TestServer(app, host="127.0.0.1") as server:
        gateway.server = server
        yield gateway


OUTSIDE_YAML = """
facility:
  id: lehtioja
  name: Lehtiojan palvelukeskus
  timezone: Europe/Helsinki
  language: fi
http:
  listen: 127.0.0.1:{http_port}
  public_url: {public_url}
  outbound_allow: [127.0.0.1/32]  # the fake gateway and mail peers are local
storage: "{storage}"
sources:
  terminal:
    kind: webhook
    token_env: ESCALATOR_TERMINAL_TOKEN
people:
  ward-a:
    name: Ward A nurse on duty
    contact:
      - telegram: -1001234567890
  alarm-vendor:
    name: Security company fault hotline
    language: en
    contact:
      - email: faults@security.example
      - sms: "+358401234567"
  contractor:
    name: Local electrical contractor
    language: sv
    hours: Mon-Fri 07:00-16:00
    contact:
      - sms: "+46701234567"
  maintenance:
    name: Property maintenance
    contact:
      - webhook: {hook_url}
        secret_env: MAINT_HOOK_SECRET
  manager:
    name: Facility manager
    contact:
      - email: manager@lehtioja.example
ladders:
  technical-fault:
    steps:
      - notify: [ward-a]
        repeat_every: 5m
        escalate_after: 10m
      - notify: [alarm-vendor]
        repeat_every: 15m
        escalate_after: 30m
      - notify: [contractor]
        escalate_after: 1h
      - notify: [maintenance]
        escalate_after: 2h
    on_exhausted: [manager]
  mail-first:
    steps:
      - notify: [alarm-vendor, manager]
        repeat_every: 5m
        escalate_after: 1h
    on_exhausted: [manager]
routes:
  - match: {{code: [XM]}}
    ladder: mail-first
  - ladder: technical-fault
channels:
  email:
    host: 127.0.0.1
    port: {smtp_port}
    security: {security}
    username_env: SMTP_USER
    password_env: SMTP_PASSWORD
    from: "Escalator Lehtioja <alarms@lehtioja.example>"
{sms_block}"""

SMS_46ELKS = """  sms:
    preset: 46elks
    url: "{sms_url}"
    from: Lehtioja
    auth_header_env: SMS_AUTH
"""


def outside_config(storage: str, *, smtp_port: int, sms_url: str, security: str = "none",
                   hook_url: str = "http://127.0.0.1:9/hook", http_port: int = 8089,
                   public_url: str = "http://escalator.test", sms_block: str = SMS_46ELKS,
                   ) -> str:
    """The test facility; `sms_block` is the `channels.sms` YAML ({sms_url} filled in)."""
    return OUTSIDE_YAML.format(storage=storage, smtp_port=smtp_port, security=security,
                               hook_url=hook_url, http_port=http_port, public_url=public_url,
                               sms_block=sms_block.replace("{sms_url}", sms_url))


@asynccontextmanager
async def outside_app(text: str, clock: Any, notifiers: dict[str, Any], *,
                      serve_http: bool = False) -> AsyncIterator[Any]:
    """An Escalator built from `text` whose e-mail and SMS channels are the real ones."""
    from support import TOKENS

    from escalator.app import Escalator
    from escalator.config import load_config_text

    env = {**TOKENS, **SECRETS}
    cfg, _ = load_config_text(text, env=env)
    app = Escalator(cfg, clock=clock, env=env, notifiers=notifiers)
    await app.start(serve_http=serve_http, schedule=False)
    try:
        yield app
    finally:
        await app.stop()


# -- the gateway calling us: an inbound SMS as 46elks and Twilio post it ---------------
def elks_inbound(sender: str, message: str, *, user: str | None = None,
                 password: str | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """(headers, form) of 46elks' POST to `sms_url` (https://46elks.com/docs/receive-sms):
    basic auth from the credentials in the URL."""
    user = SECRETS["ELKS_IN_USER"] if user is None else user
    password = SECRETS["ELKS_IN_PASSWORD"] if password is None else password
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    form = {"direction": "incoming", "id": "sf8425555e5d8db61dda7a7b3f1b91bdb",
            "from": sender, "to": "+46766861004", "created": "2026-12-07T06:40:01.741000",
            "message": message}
    return {"Authorization": f"Basic {auth}"}, form


def twilio_inbound(url: str, sender: str, body: str, *, token: str | None = None
                   ) -> tuple[dict[str, str], dict[str, str]]:
    """(headers, form) of Twilio's POST for an incoming message, signed as Twilio signs:
    base64 HMAC-SHA1 with the auth token over the URL and the sorted fields."""
    form = {"ToCountry": "FI", "SmsMessageSid": "SM0123456789abcdef0123456789abcdef",
            "NumMedia": "0", "From": sender, "To": "+358451234567", "Body": body,
            "AccountSid": "AC0123456789abcdef0123456789abcdef", "ApiVersion": "2010-04-01"}
    signed = url + "".join(k + form[k] for k in sorted(form))
    key = (SECRETS["TWILIO_TOKEN"] if token is None else token).encode()
    signature = base64.b64encode(hmac.new(key, signed.encode(), hashlib.sha1).digest())
    return {"X-Twilio-Signature": signature.decode()}, form
