"""`POST /sms/inbound`: the SMS gateway's webhook for a reply to an alarm SMS.

A nurse on a ward handset answers "1" (I take it), "2" (pass it on) or "3 30"
(snooze 30 min), with the alarm's code ("1 K7") when the number has several open.
The gateway posts the reply here; this door checks that the gateway sent it, hands
the sender's number and the text to the SMS replies use case, and answers with the
reply SMS in the contact's language, in the gateway's own way of replying:

- `inbound: 46elks`: HTTP basic auth with `inbound_user_env` / `inbound_password_env`
  (46elks sends what the `sms_url` carries, https://user:password@host/sms/inbound);
  form fields `from` and `message`; the reply is the response's text body.
- `inbound: twilio`: `X-Twilio-Signature`, base64 HMAC-SHA1 with the auth token
  (`inbound_token_env`) over the public URL of this page followed by every POST field
  name and value in name order; fields `From` and `Body`; the reply is TwiML.

A request that is not signed right is refused (403) and changes nothing; so is a
channel without `inbound` (404). The body is read bounded and parsed strictly.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from aiohttp import web

from escalator.codecs.clean import one_line
from escalator.domain.guards import Why
from escalator.entrypoints.http.keys import ANSWERING, CONTEXT
from escalator.i18n import t
from escalator.notify import gsm
from escalator.notify.answer_reply import ALREADY, duration, reply
from escalator.usecases.sms_replies import Heard, SmsAnswer, SmsReplies

PATH = "/sms/inbound"
MAX_BODY = 8 * 1024  # an inbound SMS is at most a few hundred bytes of form
MAX_FIELDS = 40
PROVIDERS = ("46elks", "twilio")
FIELDS = {"46elks": ("from", "message"), "twilio": ("From", "Body")}


def setup(web_app: web.Application) -> None:
    web_app.router.add_post(PATH, inbound)


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


async def inbound(request: web.Request) -> web.Response:
    context = request.app[CONTEXT]
    settings = context.config.channels.get("sms") or {}
    provider = settings.get("inbound")
    if provider not in PROVIDERS:
        raise web.HTTPNotFound(text="SMS replies are not set up")
    try:
        form = await _form(request)
        secret = context.secret
        if provider == "46elks":
            _check_basic(request, secret(settings.get("inbound_user_env")),
                         secret(settings.get("inbound_password_env")))
        else:
            _check_twilio(request, form, secret(settings.get("inbound_token_env")),
                          context.config.http.public_url)
    except Refused as exc:
        return web.Response(status=exc.status, text=str(exc))
    sender_key, text_key = FIELDS[provider]
    sender, text = form.get(sender_key, ""), form.get(text_key, "")
    if not sender:
        return web.Response(status=400, text="no sender")
    heard = await SmsReplies(request.app[ANSWERING]).answer(sender, text)
    said = gsm.plain(say(heard, context.config.facility.timezone, context.now(),
                          context.config.http.max_snooze))
    if provider == "twilio":
        return web.Response(text=f'<?xml version="1.0" encoding="UTF-8"?><Response>'
                                 f"<Message>{escape(said)}</Message></Response>",
                            content_type="text/xml")
    return web.Response(text=said, content_type="text/plain")


async def _form(request: web.Request) -> dict[str, str]:
    """The POST form, bounded: too big or not a form is refused, a field given twice too."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise Refused(413, "too big")
    raw = await request.content.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        raise Refused(413, "too big")
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(raw),
                          max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, "not a form") from None
    form = dict(pairs)
    if len(form) != len(pairs):
        raise Refused(400, "a field given twice")
    return form


def _check_basic(request: web.Request, user: str | None, password: str | None) -> None:
    """46elks: the credentials the webhook URL carries, compared in constant time."""
    if not user or not password:
        raise Refused(403, "inbound credentials are not set")
    given = request.headers.get("Authorization", "")
    scheme, _, token = given.partition(" ")
    try:
        decoded = base64.b64decode(token, validate=True) if scheme.lower() == "basic" else b""
    except (binascii.Error, ValueError):
        decoded = b""
    expected = f"{user}:{password}".encode()
    if not decoded or not hmac.compare_digest(decoded, expected):
        raise Refused(403, "not signed by the gateway")


def twilio_signature(token: str, url: str, form: Mapping[str, str]) -> str:
    """Twilio's request signature: HMAC-SHA1 over the URL and the sorted fields, base64."""
    data = url + "".join(f"{k}{form[k]}" for k in sorted(form))
    mac = hmac.new(token.encode(), data.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def _check_twilio(request: web.Request, form: Mapping[str, str], token: str | None,
                  public_url: str) -> None:
    if not token:
        raise Refused(403, "inbound token is not set")
    url = public_url.rstrip("/") + request.path_qs
    given = request.headers.get("X-Twilio-Signature", "")
    if not hmac.compare_digest(given.encode(), twilio_signature(token, url, form).encode()):
        raise Refused(403, "not signed by the gateway")


def say(heard: SmsAnswer, tz: str, now: datetime, max_snooze: timedelta) -> str:
    """The reply SMS: what became of the answer, or why nothing changed."""
    lang = heard.language
    codes = " ".join(f"#{c}" for c in heard.codes) or "-"
    if heard.heard is Heard.UNKNOWN_NUMBER:
        return t(lang, "sms.reply.unknown_number")
    if heard.heard is Heard.NOT_AN_ANSWER:
        return t(lang, "sms.reply.how")
    if heard.heard is Heard.NONE_OPEN:
        return t(lang, "sms.reply.none_open")
    if heard.heard is Heard.UNKNOWN_CODE:
        return t(lang, "sms.reply.unknown_code", codes=codes)
    if heard.heard is Heard.WHICH:
        return t(lang, "sms.reply.which", codes=codes, example=heard.codes[0])
    outcome, answer = heard.outcome, heard.reply
    assert outcome is not None and answer is not None
    if outcome.why is Why.SNOOZE_TOO_LONG:
        limit = int(max_snooze.total_seconds() // 60)
        return t(lang, "pop.snooze_limit", duration=duration(lang, limit))
    if outcome.why in (Why.NOT_YOURS, Why.VIEWER, Why.PARTY_REMOVED):
        return t(lang, "sms.reply.not_yours")
    return one_line(reply(lang, outcome, answer.action, answer.minutes, tz, now)
                    ).removeprefix(ALREADY)

