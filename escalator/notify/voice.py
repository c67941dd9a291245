"""The voice channel: place one phone call through a voice gateway, and nothing more.

`channels.voice` says how: `preset` (46elks, twilio or generic), `url`,
`method`, `body` (form or json), `auth_header_env` (an environment variable
holding the whole Authorization header value), `from` (the calling number) and
`ring_for` (how long it rings; default 40s); `params` adds fields (for
`generic`, it is the whole template). Template values: {to}, {from}, {text},
{language}, {locale}, {speech} (the preset's text-to-speech form), {twiml},
{voice_start} (46elks call actions), {answer_url}, {status_url},
{ring_seconds}, {incident}, {delivery} and {delivery_key} (the delivery's stable
id, also sent as the `Idempotency-Key` and `X-Escalator-Delivery` headers).

Only what asks the party to act (first call, reminder, escalation, reopened, "taken
but not resolved", "clear it at the terminal" ... : domain/contact_rules.py ACTS) is
phoned; an update
("taken by ...") goes to the party's next contact that carries updates, or
to nobody if the party is reached only by phone (`carries_updates`). The
gateway accepting the call is all this module learns: the key press and the
hang-up come back to `/voice/...` (escalator/entrypoints/http/voice.py), signed for this
incident and party.
Answers: 2xx accepted (a body saying the call already failed is not);
408, 425, 429, 5xx, timeouts and network errors are retried; other 4xx fall
through to the next contact.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

import aiohttp

from escalator.config.channels import VOICE_PRESETS, voice_problems
from escalator.config.model import Facility
from escalator.domain.availability import Contact
from escalator.domain.contact_rules import is_act
from escalator.domain.errors import ConfigError, NotifyError
from escalator.i18n import t
from escalator.notify import speech
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
from escalator.runtime.clock import Clock
from escalator.security.links import LinkSigner

log = logging.getLogger(__name__)

DEFAULT_RING = timedelta(seconds=40)
# The callback links live long enough for a gateway to retry a hang-up report
# through our own outage (46elks retries for hours), and no longer.
CALLBACK_TTL = timedelta(hours=6)


PRESETS = VOICE_PRESETS
problems = voice_problems  # what stops this configuration from calling at all

CallRequest = GatewayRequest


def build_request(settings: Settings, to: str, text: str, lang: str, answer_url: str,
                  status_url: str, message: Message) -> CallRequest:
    name = settings.get("preset") or "generic"
    loc = speech.locale(name, lang)
    no_choice = t(lang, "voice.no_choice")
    ring = settings.get("ring_for") or DEFAULT_RING
    values = {
        "{to}": to, "{from}": str(settings.get("from") or ""), "{text}": text,
        "{language}": lang, "{locale}": loc, "{speech}": f"{loc}/{text}",
        "{answer_url}": answer_url, "{status_url}": status_url,
        "{ring_seconds}": str(int(ring.total_seconds())),
        "{incident}": str(message.incident.id), "{delivery}": str(message.delivery_id),
        "{delivery_key}": message.delivery_key,
    }
    # Whole documents go in last, so their own text is not expanded again.
    documents = {
        "{voice_start}": json.dumps(speech.elks_call(text, loc, answer_url), ensure_ascii=False),
        "{twiml}": speech.twiml_call(text, loc, answer_url, no_choice),
    }
    preset, shape = template(settings, PRESETS)
    fields = {k: documents.get(v, v) if isinstance(v, str) and v in documents
              else expand(v, values) for k, v in shape.items()}
    return request(settings, preset, fields)


class CallRecords(Protocol):
    """What the channel records through a use case (escalator/usecases/calls.py)."""

    async def link_nonce(self, incident_id: int) -> bytes | None: ...

    async def placed(self, delivery_id: int, incident_id: int, party: str, address: str,
                     call_ref: str | None, at: datetime) -> None: ...


class VoiceNotifier:
    carries_updates = False  # the dispatcher gives updates to the party's next contact

    def __init__(
        self,
        settings: Callable[[], Settings],
        facility: Callable[[], Facility],
        public_url: Callable[[], str],
        session: Callable[[], aiohttp.ClientSession],
        secrets: Callable[[str], str | None],
        signer: LinkSigner,
        calls: CallRecords,
        clock: Clock,
        timeout: float = 15.0,
    ) -> None:
        found = problems(settings())
        if found:
            raise ConfigError(found)
        self._settings = settings
        self._facility = facility
        self._public_url = public_url
        self._session = session
        self._secrets = secrets
        self._signer = signer
        self._calls = calls
        self._clock = clock
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def send(self, contact: Contact, message: Message) -> None:
        settings = self._settings()
        require_set_up(problems(settings))
        if not is_act(message.reason, message.update):  # the dispatcher skips these
            raise NotifyError("voice: only calls to act are phoned", recoverable=False,
                              kind="not_carried")
        now = self._clock.now()
        inc = message.incident
        # bound to this incident instance like every link (checked by the answer's guards)
        nonce = await self._calls.link_nonce(inc.id)
        token = self._signer.make(inc.id, message.party, now, nonce)
        base = f"{self._public_url().rstrip('/')}/voice/{token}/{message.delivery_id}"
        facility = self._facility()
        text = speech.call_text(inc, message.reason, message.language, facility.name,
                                facility.timezone, now, message.detail)
        req = build_request(settings, contact.address, text, message.language,
                            f"{base}/key", f"{base}/ended", message)
        headers = {**auth_headers("voice", settings, self._secrets),
                   **delivery_headers(message)}
        body = await send(self._session(), req, headers, self._timeout, "voice")
        call_ref = _call_ref(body)
        await self._calls.placed(message.delivery_id, inc.id, message.party, contact.address,
                                 call_ref, now)


def _call_ref(body: str) -> str | None:
    """The call's id at the gateway; a call the gateway reports failed at once is an error."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    state = str(data.get("state") or data.get("status") or "")
    if state in ("failed", "busy", "no-answer", "canceled"):
        raise NotifyError(f"voice gateway: the call {state} at once", recoverable=False,
                          kind="refused")
    ref = data.get("id") or data.get("sid") or data.get("call_id")
    return str(ref)[:100] if ref is not None else None
