"""What each outbound channel needs in its settings, checked without the channel.

`config check` and the editor say "channels.sms.url: needed" before anything is
sent; the channels themselves (escalator/notify/) run the same checks when they are
built and before each send. Config knows no channel (tests/unit/test_layers.py), so
these checks and the gateway presets they read live here, and notify/ imports them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr
from typing import Any

from escalator.config.problem import ConfigProblem, phrase

Settings = Mapping[str, Any]


@dataclass(frozen=True)
class Preset:
    url: str | None  # None: the URL is per account and must be configured
    method: str
    body: str  # form | json
    fields: Mapping[str, Any]  # template: "{name}" values, "{name:int}" for a number
    needs_from: bool
    url_hint: str = ""


def preset_problems(channel: str, settings: Settings, presets: Mapping[str, Preset],
                    needs_from: str) -> list[str]:
    """What stops `channels.<channel>` from working at all; empty when it can.
    `needs_from` is the catalogue key saying what the preset's `from` must be."""
    name = settings.get("preset") or "generic"
    preset = presets.get(name)
    where = f"channels.{channel}"
    if preset is None:
        return [ConfigProblem("", 0, f"{where}.preset", "cfg.gateway.unknown_preset",
                              {"name": repr(name), "presets": ", ".join(presets)})]
    found: list[str] = []
    if not (settings.get("url") or preset.url):
        hint = phrase(preset.url_hint) if preset.url_hint.startswith("cfg.") else preset.url_hint
        found.append(ConfigProblem("", 0, f"{where}.url", "cfg.gateway.needs_url",
                                   {"preset": name, "hint": hint}))
    if preset.needs_from and not settings.get("from"):
        found.append(ConfigProblem("", 0, f"{where}.from", "cfg.gateway.needs_from",
                                   {"preset": name, "what": phrase(needs_from)}))
    return found


SMS_PRESETS: dict[str, Preset] = {
    # https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource
    # Basic auth: Account SID : Auth Token.
    "twilio": Preset(None, "POST", "form", {"To": "{to}", "From": "{from}", "Body": "{text}"},
                     needs_from=True,
                     url_hint="https://api.twilio.com/2010-04-01/Accounts/<AccountSid>"
                              "/Messages.json"),
    # https://46elks.com/docs/send-sms  Basic auth: API username : API password.
    "46elks": Preset("https://api.46elks.com/a1/sms", "POST", "form",
                     {"from": "{from}", "to": "{to}", "message": "{text}"}, needs_from=True),
    # https://gatewayapi.com/docs/apis/rest/  Authorization: Token <API token>.
    # GSM-7 unless told "encoding": "UCS2"; msisdn is the number without '+', as an integer.
    "gatewayapi": Preset("https://gatewayapi.com/rest/mtsms", "POST", "json",
                         {"sender": "{from}", "message": "{text}",
                          "recipients": [{"msisdn": "{to_digits:int}"}],
                          "userref": "{delivery_key}"},
                         needs_from=False),
    "generic": Preset(None, "POST", "form", {"to": "{to}", "from": "{from}", "text": "{text}"},
                      needs_from=False, url_hint="cfg.gateway.send_url"),
}


VOICE_PRESETS: dict[str, Preset] = {
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


def sms_problems(settings: Settings) -> list[str]:
    """What stops this configuration from sending at all; empty when it can."""
    return preset_problems("sms", settings, SMS_PRESETS, "cfg.gateway.sms_from")


# What the SMS gateway's inbound webhook (replies: entrypoints/http/sms_inbound.py) is
# checked with; without it every reply is refused, so `config check` says so first.
INBOUND_NEEDS: dict[str, tuple[str, ...]] = {
    "46elks": ("inbound_user_env", "inbound_password_env"), "twilio": ("inbound_token_env",)}


def sms_inbound_problems(settings: Settings) -> list[str]:
    """`inbound:` without the secret names its gateway signs with; empty when complete."""
    inbound = str(settings.get("inbound") or "")
    missing = [k for k in INBOUND_NEEDS.get(inbound, ()) if not settings.get(k)]
    if not missing:
        return []
    return [ConfigProblem("", 0, "channels.sms.inbound", "cfg.gateway.inbound_needs",
                          {"inbound": inbound, "keys": ", ".join(missing)})]


def voice_problems(settings: Settings) -> list[str]:
    """What stops this configuration from calling at all; empty when it can."""
    return preset_problems("voice", settings, VOICE_PRESETS, "cfg.gateway.voice_from")


def email_problems(settings: Settings) -> list[str]:
    found: list[str] = []
    if not settings.get("host"):
        found.append(ConfigProblem("", 0, "channels.email.host", "cfg.email.no_host"))
    sender = parseaddr(str(settings.get("from") or ""))[1]
    if "@" not in sender:
        found.append(ConfigProblem("", 0, "channels.email.from", "cfg.email.no_from"))
    if bool(settings.get("username_env")) != bool(settings.get("password_env")):
        found.append(ConfigProblem("", 0, "channels.email", "cfg.email.login_pair"))
    return found


# The contact kinds that go through one channel's settings: a ward's DECT handsets and
# its pagers are both call addresses in the same paging system (`channels.paging`).
SETTINGS_OF = {"dect": "paging", "pager": "paging"}
PAGING_ADDRESS, PAGING_ANSWER_WITHIN_S, PAGING_RETRIES = "2", 2.0, 2  # the defaults
PAGING_BAUDRATE = 9600


def settings_of(channel: str) -> str:
    """The `channels:` entry a contact kind reads (`dect` -> `paging`)."""
    return SETTINGS_OF.get(channel, channel)


def paging_problems(settings: Settings) -> list[str]:
    """What stops `channels.paging` from paging at all; empty when it can: a serial
    `device`, or a `host` and a `port`."""
    if settings.get("device"):
        return []
    found: list[str] = []
    if not settings.get("host"):
        found.append(ConfigProblem("", 0, "channels.paging.host", "cfg.paging.no_host"))
    if not settings.get("port"):
        found.append(ConfigProblem("", 0, "channels.paging.port", "cfg.paging.no_port"))
    return found


def paging_line(settings: Settings) -> dict[str, Any]:
    """Where and how to page (notify/espa_master.py `Line`), defaults filled in."""
    within = settings.get("answer_within")
    retries = settings.get("retries")
    return {"host": str(settings.get("host") or ""), "port": int(settings.get("port") or 0),
            "address": str(settings.get("address") or PAGING_ADDRESS),
            "answer_within": within.total_seconds() if isinstance(within, timedelta)
            else PAGING_ANSWER_WITHIN_S,
            "retries": retries if isinstance(retries, int) else PAGING_RETRIES,
            "device": str(settings.get("device") or ""),
            "baudrate": int(settings.get("baudrate") or PAGING_BAUDRATE)}
