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

Only a call to act (first call, reminder, escalation, reopened, "taken but not
resolved" ... : domain/answering.py CALLS) is phoned; an update
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
from datetime import timedelta

import aiohttp

from escalator.clock import Clock
from escalator.config.model import Facility
from escalator.domain.answering import CALLS
from escalator.domain.availability import Contact
from escalator.errors import ConfigError, NotifyError
from escalator.i18n import t
from escalator.links import LinkSigner
from escalator.notify import speech
from escalator.notify.base import Message, delivery_headers, require_set_up
from escalator.notify.gateway import (
    GatewayRequest,
    Preset,
    Settings,
    auth_headers,
    expand,
    preset_problems,
    request,
    send,
    template,
)
from escalator.storage import voicecalls
from escalator.storage.sql import SqlStore

log = logging.getLogger(__name__)

DEFAULT_RING = timedelta(seconds=40)
# The callback links live long enough for a gateway to retry a hang-up report
# through our own outage (46elks retries for hours), and no longer.
CALLBACK_TTL = timedelta(hours=6)


PRESETS: dict[str, Preset] = {
    # https://46elks.com/docs/make-call  Basic auth: API username : API password.
    # voice_start is a JSON call action (an "ivr" reading the text and taking one digit).
    "46elks": Preset("https://api.46elks.com/a1/calls", "POST", "form",
                     {"from": "{from}", "to": "{to}", "voice_start": "{voice_start}",
                      "whenhangup": "{status_url}", "timeout": "{ring_seconds}"},
                     needs_from=True),
    # https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource
    # Basic auth: Account SID : Auth Token. TwiML inline; the status callback fires at the end.
    "twilio": Preset(None, "POST", "form",
                     {"To": "{to}", "From": "{from}", "Twiml": "{twiml}",
                      "StatusCallback": "{status_url}", "StatusCallbackMethod": "POST",
                      "Timeout": "{ring_seconds}"},
                     needs_from=True,
                     url_hint="https://api.twilio.com/2010-04-01/Accounts/<AccountSid>"
                              "/Calls.json"),
    "generic": Preset(None, "POST", "json",
                      {"to": "{to}", "from": "{from}", "text": "{text}", "language": "{locale}",
                       "answer_url": "{answer_url}", "status_url": "{status_url}"},
                      needs_from=False, url_hint="cfg.gateway.call_url"),
}


def problems(settings: Settings) -> list[str]:
    """What stops this configuration from calling at all; empty when it can."""
    return preset_problems("voice", settings, PRESETS, "cfg.gateway.voice_from")


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
        store: SqlStore,
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
        self._store = store
        self._clock = clock
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def send(self, contact: Contact, message: Message) -> None:
        settings = self._settings()
        require_set_up(problems(settings))
        if message.update or message.reason not in CALLS:  # the dispatcher skips these
            raise NotifyError("voice: only calls to act are phoned", recoverable=False,
                              kind="not_carried")
        now = self._clock.now()
        inc = message.incident
        # bound to this incident instance like every link (checked by the answer's guards)
        nonce = await self._store.transaction(lambda tx: tx.nonces.get(inc.id))
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
        await self._store.transaction(lambda tx: voicecalls.placed(
            tx, message.delivery_id, inc.id, message.party, contact.address, call_ref, now))


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
