"""An SMTP receiver (aiosmtpd) for terminals that can only send e-mail.

Each message is matched against the source's rules (regular expressions on
the subject, the body or either); the first match gives the code, point and
state (`alarm`, `clear` or `heartbeat`, e.g. a daily test mail). A message
no rule matches is still an alarm, with the source's `code` (default
`email_unmatched`) and the subject as text: an alarm nobody wrote a rule for
must not vanish. The SMTP answer 250 is given only after the event is
stored; if storing fails the terminal gets 451 and sends again. The
Message-ID makes such a resend harmless. A message that can never be
stored or read (a broken MIME structure, data the store refuses) gets a
permanent 554, never an endless 451.

Hostile mail cannot stall intake: each header is cut to MAX_HEADER bytes
before it is decoded, the rules see at most MAX_SUBJECT / MAX_BODY
characters, the rules run in linear time (`escalator.parsing.patterns`) and the
whole reading runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import email.policy
import logging
import re
from email.message import EmailMessage
from email.parser import BytesParser
from html import unescape
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from escalator.codecs.fields import apply_rules
from escalator.domain.errors import StorageError, UnstorableError
from escalator.entrypoints.receivers.base import IntakeContext
from escalator.entrypoints.receivers.listeners import SMTP_LIMITS, Gate, listen, smtp_frames

log = logging.getLogger(__name__)

MAX_MESSAGE = 1024 * 1024  # bytes; alarm mails are short
MAX_PARSED = 256 * 1024  # bytes parsed as MIME: the text part of an alarm mail comes first
MAX_HEADER = 8 * 1024  # bytes of one header, folds included, before it is decoded
MAX_SUBJECT = 1000  # characters of the decoded Subject the rules see
MAX_BODY = 20_000  # characters of the body text the rules see
SMTP_IDLE = 60.0  # seconds a client may wait between commands


class EmailReceiver:
    def __init__(self, ctx: IntakeContext) -> None:
        self.ctx = ctx
        self.source_id = ctx.source.id
        self.host, self.port = ctx.options["listen"]
        self.senders: tuple[str, ...] = ctx.options.get("senders", ())
        self.recipients: tuple[str, ...] = ctx.options.get("recipients", ())
        self._server: asyncio.Server | None = None
        self.gate: Gate | None = None

    async def start(self) -> None:
        self._server, self.gate = await listen(
            f"source {self.source_id} (SMTP)",
            lambda: SMTP(self, data_size_limit=MAX_MESSAGE, hostname="escalator",
                         ident="escalator alarm intake", enable_SMTPUTF8=True,
                         timeout=SMTP_IDLE),
            self.host, self.port, SMTP_LIMITS,
            trusted=lambda: tuple(self.ctx.options.get("from", ())), frames=smtp_frames)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("source %s: SMTP on %s:%s", self.source_id, self.host, self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            if self.gate is not None:
                self.gate.close_all()
            await self._server.wait_closed()
            self._server = None

    def health(self) -> dict[str, object]:
        return {"kind": "email", "running": self._server is not None, "port": self.port}

    # -- aiosmtpd handler hooks -------------------------------------------------------
    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, mail_options: list[str]) -> str:
        if self.senders and address.lower() not in self.senders:
            log.warning("source %s: mail from %s refused (not in senders)", self.source_id,
                        address)
            return "550 5.7.1 Sender not accepted here"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        if self.recipients and address.lower() not in self.recipients:
            return "550 5.1.1 No such recipient here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        data = raw if isinstance(raw, bytes) else str(raw).encode()
        try:
            # parsing runs in a worker: a hostile MIME structure costs that thread, not the loop
            event = await asyncio.to_thread(self.event_for, data)
        except Exception:  # noqa: BLE001 - a mail we cannot read will not improve on resend
            log.exception("source %s: cannot read the mail; refused for good", self.source_id)
            return "554 5.6.0 Cannot read this message; sending it again will not help"
        try:
            await self.ctx.ingest(event)
        except UnstorableError as exc:
            log.error("source %s: the store refuses this mail's event: %s", self.source_id, exc)
            return "554 5.6.0 The alarm in this message cannot be stored; do not resend"
        except StorageError:
            log.error("source %s: storage failed; 451 so the sender retries", self.source_id)
            return "451 4.3.0 Cannot store the alarm now, try again"
        log.info("source %s: mail stored as %s %s", self.source_id, event.code, event.state)
        return "250 OK stored"

    # -- message -> event ---------------------------------------------------------------
    def event_for(self, data: bytes) -> Any:
        """The event a message stands for; its header fields are capped before decoding."""
        message = BytesParser(policy=email.policy.default).parsebytes(
            capped_headers(data)[:MAX_PARSED])
        subject = _clean(_header(message, "Subject"))[:MAX_SUBJECT]
        body = _body(message)
        message_id = _clean(_raw_header(message, "Message-ID"))[:100] or None
        event_id = f"msgid:{message_id}" if message_id else None
        found = apply_rules(self.ctx.options.get("rules", ()),
                            {"subject": subject, "body": body})
        if found is None:
            return self.ctx.event(self.ctx.options.get("code", "email_unmatched"), "alarm",
                                  text=subject or body[:200], event_id=event_id)
        if found.state == "heartbeat":
            return self.ctx.heartbeat()
        return self.ctx.event(found.code or self.ctx.options.get("code", "email_unmatched"),
                              found.state, point=found.point, text=found.text or subject,
                              severity=found.severity, event_id=event_id)


def capped_headers(data: bytes) -> bytes:
    """The message with each top-level header cut to MAX_HEADER bytes (folds included).

    The standard library decodes a header lazily and slowly (seconds for a
    1 MB folded Subject); an alarm's Subject is a line, so the rest is dropped
    before anything is decoded.
    """
    end = data.find(b"\r\n\r\n")
    end_lf = data.find(b"\n\n")
    if end < 0 or (0 <= end_lf < end):
        end, sep = end_lf, b"\n\n"
    else:
        sep = b"\r\n\r\n"
    head, rest = (data, b"") if end < 0 else (data[:end], data[end:])
    if len(head) <= MAX_HEADER:
        return data
    out: list[bytes] = []
    size = 0
    for line in head.splitlines(keepends=True):
        folded = line[:1] in (b" ", b"\t")
        size = size + len(line) if folded else len(line)
        if size <= MAX_HEADER:
            out.append(line)
        elif not folded:
            out.append(line[:MAX_HEADER].rstrip(b"\r\n") + b"\r\n")
    joined = b"".join(out).rstrip(b"\r\n")
    return joined + (rest if rest else sep)


def _raw_header(message: EmailMessage, name: str) -> str:
    """A header as it came, undecoded: the library's parser raises on e.g. `<>`."""
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            return str(value)
    return ""


def _header(message: EmailMessage, name: str) -> str:
    """A decoded header; a header the library cannot parse is read as it came."""
    try:
        return str(message.get(name, ""))
    except Exception:  # noqa: BLE001 - an alarm must not be lost to a header's syntax
        return _raw_header(message, name)


def _body(message: EmailMessage) -> str:
    """The text of a message: its text/plain part, else its HTML without tags."""
    part = None
    try:
        part = message.get_body(preferencelist=("plain", "html"))
        content = part.get_content() if part is not None else ""
    except Exception:  # noqa: BLE001 - unknown charset, broken MIME: read the raw bytes
        part = None
        try:
            payload = message.get_payload(decode=True)
        except Exception:  # noqa: BLE001
            payload = None
        content = payload.decode("latin-1") if isinstance(payload, bytes) else ""
    if part is not None and part.get_content_subtype() == "html":
        content = unescape(re.sub(r"<[^<>]*>", " ", content))  # linear: no rescans
    return content.strip()[:MAX_BODY]


def _clean(text: str) -> str:
    return " ".join(text.split())
