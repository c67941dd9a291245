"""The SMS channel: one HTTP request to an SMS gateway, shaped by a preset or a template.

`channels.sms` says where and how: `preset` (twilio, 46elks, gatewayapi or
generic), `url`, `method` (POST or GET), `body` (form or json),
`auth_header_env` (an environment variable holding the whole Authorization
header value) and `from`; `params` adds fields (or, for `generic`, is the
whole template). Template values may use {to}, {to_digits}, {from}, {text},
{encoding}, {segments}, {incident}, {delivery} and {delivery_key} (the delivery's
stable id, also sent as the `Idempotency-Key` and `X-Escalator-Delivery`
headers; GatewayAPI gets it as `userref`, the others' APIs have no field for it).

Every SMS says why and what to do first, then what and where, then the ack link
(`sms_text`). It is one SMS where the whole fits: 160 GSM-7 characters (ä, ö and
å are GSM-7); otherwise as many parts as carry it, cut only beyond three; the
link is never cut (see gsm.py).
Answers: 2xx accepted; 408, 429 and 5xx, timeouts and network errors are
retried (honouring Retry-After); any other 4xx falls through to the party's
next contact.
"""

from __future__ import annotations

from collections.abc import Callable

import aiohttp

from escalator.config.channels import SMS_PRESETS, sms_problems
from escalator.config.model import Facility
from escalator.domain.answering import CALLS  # a call to act, not news of one
from escalator.domain.availability import Contact
from escalator.domain.channel_health import TEST
from escalator.domain.errors import ConfigError
from escalator.domain.sms_reply import short_code
from escalator.i18n import code_label
from escalator.notify import gsm, render
from escalator.notify.base import Message, delivery_headers, require_set_up
from escalator.notify.gateway import (
    GatewayRequest,
    Settings,
    auth_headers,
    expand,
    request,
    send,
    template,
)

PRESETS = SMS_PRESETS
INBOUND = ("46elks", "twilio")  # `inbound:` gateways whose replies come back (sms_inbound.py)
problems = sms_problems  # what stops this configuration from sending at all

SmsRequest = GatewayRequest


def takes_replies(settings: Settings) -> bool:
    """The gateway posts replies to `/sms/inbound`: the texts say how to answer."""
    return settings.get("inbound") in INBOUND


def sms_text(message: Message, facility: str, *, replies: bool = False) -> str:
    """Why and what to do first, then what and where, then the link:
    "[Facility #K7] Why. Request. What, where. <link>".

    Every SMS says what to do (a call: take it or pass it on, by a reply "1"/"2"/"3 30"
    where the gateway takes `replies`; a request to clear the terminal by its time;
    news: nothing to do). One GSM-7 segment where it fits; otherwise as few as carry
    it all (gsm.fit); the link always ends the text and is never cut. `#K7` is the
    alarm's code for a reply where a number has several alarms open.
    """
    if message.reason == TEST:  # a manager's test message: its own words, no link
        return gsm.fit(f"[{facility}] {message.text}", "", "")
    inc = message.incident
    head = render.headline_for(message.reason, message.detail, message.update, message.language,
                              message.tz)
    ask = render.sms_request(message.reason, message.update, message.read_only,
                             message.language, calls=CALLS, replies=replies)
    what = code_label(message.language, inc.code) + (f", {inc.point}" if inc.point else "")
    tag = f"{facility} #{short_code(inc.id)}" if replies and not message.read_only else facility
    first = f"[{tag}] {head}." + (f" {ask}." if ask else "")
    return gsm.fit(f"{first} {what}.", "", message.ack_url)  # the point is never dropped


def build_request(settings: Settings, to: str, text: str, message: Message) -> SmsRequest:
    size = gsm.measure(text)
    values = {
        "{to}": to, "{to_digits}": "".join(c for c in to if c.isdigit()),
        "{from}": str(settings.get("from") or ""), "{text}": text,
        "{encoding}": size.encoding, "{segments}": str(size.segments),
        "{incident}": str(message.incident.id), "{delivery}": str(message.delivery_id),
        "{delivery_key}": message.delivery_key,
    }
    preset, fields = template(settings, PRESETS)
    if preset is PRESETS["gatewayapi"] and size.encoding == "UCS-2":
        fields.setdefault("encoding", "UCS2")
    return request(settings, preset, {k: expand(v, values) for k, v in fields.items()})


class SmsNotifier:
    def __init__(
        self,
        settings: Callable[[], Settings],
        facility: Callable[[], Facility],
        session: Callable[[], aiohttp.ClientSession],
        secrets: Callable[[str], str | None],
        timeout: float = 15.0,
    ) -> None:
        found = problems(settings())
        if found:
            raise ConfigError(found)
        self._settings = settings
        self._facility = facility
        self._session = session
        self._secrets = secrets
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def send(self, contact: Contact, message: Message) -> None:
        settings = self._settings()
        require_set_up(problems(settings))
        text = sms_text(message, self._facility().name,
                        replies=takes_replies(settings))
        req = build_request(settings, contact.address, text, message)
        headers = {**auth_headers("sms", settings, self._secrets), **delivery_headers(message)}
        await send(self._session(), req, headers, self._timeout, "sms")
