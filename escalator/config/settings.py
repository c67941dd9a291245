"""The service-level sections: facility, http, storage, sources and channels.

Defaults live here, next to the checks, so `config check` and the running
service agree on what an omitted key means.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from datetime import date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import holidays

from escalator.config import phones
from escalator.config.access import parse_access
from escalator.config.model import LANGUAGES, SOURCE_KINDS, Facility, HttpConfig, SourceConfig
from escalator.config.outbound import parse_outbound
from escalator.config.paging import PAGING_KEYS, PAGING_VALUES, check_where
from escalator.config.phones import country_of_timezone
from escalator.config.problem import phrase
from escalator.config.sources import (
    SOURCE_KEYS,
    SOURCE_REQUIRED,
    check_unique_listen,
    parse_options,
)
from escalator.config.tls import parse_tls
from escalator.config.validators import (
    At,
    Problems,
    choice,
    describe,
    did_you_mean,
    duration,
    env_name,
    http_url,
    identifier,
    integer,
    mapping,
    names,
    reference,
    sequence,
    text,
)

LADDER_ID = phrase("cfg.want.ladder_id")
FACILITY_KEYS = ("id", "name", "timezone", "language", "holidays", "closed_days", "country")
FACILITY_REQUIRED = ("id", "name")
HTTP_KEYS = ("listen", "public_url", "api_token_env", "secret_env", "link_ttl", "max_snooze",
             "previous_secret_env", "api_tokens", "tls", "outbound_allow",
             "trusted_clients")
BUILT_SOURCE_KINDS = tuple(SOURCE_KEYS)
CHANNEL_KEYS: dict[str, tuple[str, ...]] = {
    "telegram": ("token_env", "api_url", "mode", "webhook_path", "staff_users", "alert_after",
                 "alert_to", "fallback_after"),
    "email": ("host", "port", "security", "username_env", "password_env", "from",
              "fallback_after"),
    "sms": ("preset", "url", "method", "body", "auth_header_env", "from", "params",
            "fallback_after",
            # replies to alarm SMS (entrypoints/http/sms_inbound.py): the gateway's webhook
            "inbound", "inbound_user_env", "inbound_password_env", "inbound_token_env"),
    "voice": ("preset", "url", "method", "body", "auth_header_env", "from", "params",
              "ring_for", "fallback_after"),
    "webhook": ("fallback_after",),
    "paging": PAGING_KEYS,  # config/paging.py: the ward's DECT and pager handsets
}
CHANNEL_DEFAULTS: dict[str, dict[str, Any]] = {
    "telegram": {"api_url": "https://api.telegram.org"},
}
CHANNEL_CHOICES: dict[str, tuple[str, ...]] = {
    "mode": ("polling", "webhook"),
    "security": ("none", "starttls", "tls"),
    "method": ("GET", "POST"),
    "body": ("form", "json"),
    "preset": ("generic", "twilio", "46elks", "gatewayapi"),  # config/channels.py SMS_PRESETS
}
# A channel whose choices differ from the shared ones above.
CHANNEL_OWN_CHOICES: dict[str, dict[str, tuple[str, ...]]] = {
    "voice": {"preset": ("46elks", "twilio", "generic")},  # config/channels.py VOICE_PRESETS
    "sms": {"inbound": ("46elks", "twilio")},  # how the gateway signs its inbound webhook
}

SLUG = r"^[a-z0-9][a-z0-9_-]*$"
SLUG_EXPECTED = phrase("cfg.want.slug")
STORAGE_DEFAULT = "sqlite:///escalator.db"
STORAGE_PATTERN = r"^(sqlite:///.+|postgres(ql)?://.+)$"
STORAGE_EXPECTED = phrase("cfg.want.storage")
LISTEN_EXPECTED = phrase("cfg.want.listen", example="127.0.0.1:8080")
NORWAY = phrase("cfg.why.norway")  # `holidays: NO` is a YAML boolean


def parse_facility(problems: Problems, at: At | None) -> Facility | None:
    if at is None or mapping(problems, at, FACILITY_KEYS, FACILITY_REQUIRED,
                             expected=phrase("cfg.want.facility")) is None:
        return None
    before = problems.count
    fid = _slug(problems, at.key("id"))
    name = _opt(problems, at.key("name"), text)
    timezone = _opt(problems, at.key("timezone"), _timezone) or Facility.timezone
    language = _opt(problems, at.key("language"), lambda p, a: choice(p, a, LANGUAGES))
    country = _country(problems, at.key("holidays"))
    closed = _closed_days(problems, at.key("closed_days"))
    dialling = _opt(problems, at.key("country"), phone_country) or country_of_timezone(timezone)
    if problems.count > before or fid is None or name is None:
        return None
    return Facility(fid, name, timezone, language or Facility.language, country, closed,
                    dialling)


def _opt(problems: Problems, at: At | None, check: Callable) -> Any:
    return None if at is None else check(problems, at)


def _slug(problems: Problems, at: At | None) -> str | None:
    if at is None:
        return None
    if isinstance(at.value, str) and re.match(SLUG, at.value):
        return at.value
    problems.bad(at, SLUG_EXPECTED)
    return None


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def _timezone(problems: Problems, at: At) -> str | None:
    expected = phrase("cfg.want.timezone")
    if isinstance(at.value, str) and at.value.strip():
        try:
            ZoneInfo(at.value)
            return at.value
        except (ZoneInfoNotFoundError, ValueError):
            hint = did_you_mean(at.value, _zone_names())
            problems.error(at, "cfg.found_expected_hint", found=describe(at.value),
                           expected=expected, hint=hint)
            return None
    problems.bad(at, expected)
    return None


def phone_country(problems: Problems, at: At) -> str | None:
    """`facility.country`: how numbers without "+" are read (040 ... in FI, 070 ... in SE)."""
    expected = phrase("cfg.want.dialling_country")
    if isinstance(at.value, bool):
        problems.bad(at, expected, NORWAY)
        return None
    if isinstance(at.value, str) and phones.supported(at.value.strip()):
        return at.value.strip().upper()
    known = phones.regions()
    hint = did_you_mean(str(at.value).upper(), known) if isinstance(at.value, str) else ""
    problems.error(at, "cfg.found_expected_hint", found=describe(at.value), expected=expected,
                   hint=hint)
    return None


def _country(problems: Problems, at: At | None) -> str | None:
    """`holidays: NO` (Norway) is a YAML boolean, hence the hint to quote it."""
    if at is None or at.value is None:
        return None
    expected = phrase("cfg.want.holidays")
    if isinstance(at.value, bool):
        problems.bad(at, expected, NORWAY)
        return None
    supported = holidays.list_supported_countries()
    if isinstance(at.value, str) and at.value.strip().upper() in supported:
        return at.value.strip().upper()
    hint = did_you_mean(str(at.value).upper(), supported) if isinstance(at.value, str) else ""
    problems.error(at, "cfg.found_expected_hint", found=describe(at.value), expected=expected,
                   hint=hint)
    return None


def _closed_days(problems: Problems, at: At | None) -> tuple[date, ...]:
    if at is None or not sequence(problems, at, phrase("cfg.want.dates")):
        return ()
    days = []
    for item in at.items():
        value = item.value
        if isinstance(value, date) and not isinstance(value, datetime):
            days.append(value)
            continue
        try:
            days.append(date.fromisoformat(str(value).strip()))
        except ValueError:
            problems.bad(item, phrase("cfg.want.date"))
    return tuple(days)


def parse_http(problems: Problems, at: At | None) -> HttpConfig:
    if at is None or at.value is None:
        return HttpConfig()
    if mapping(problems, at, HTTP_KEYS) is None:
        return HttpConfig()
    default = HttpConfig()
    host, port = default.host, default.port
    listen_at = at.key("listen")
    if listen_at is not None:
        host, port = _listen(problems, listen_at) or (host, port)
    shown = f"[{host}]" if ":" in host else host
    public = _opt(problems, at.key("public_url"), http_url) or f"http://{shown}:{port}"
    token = _opt(problems, at.key("api_token_env"), env_name) or default.api_token_env
    secret = _opt(problems, at.key("secret_env"), env_name) or default.secret_env
    ttl = _opt(problems, at.key("link_ttl"), duration) or default.link_ttl
    access = parse_access(problems, at)
    token_at = at.key("api_token_env")
    if token_at is not None and any(t.name == "operator" for t in access.get("api_tokens", ())):
        problems.error(token_at, "cfg.token_name_twice", name=repr("operator"))
    return HttpConfig(host, port, public.rstrip("/"), token, secret, ttl, **access,
                      **parse_outbound(problems, at), api_token_env_set=token_at is not None,
                      tls=_opt(problems, at.key("tls"), parse_tls))


def _listen(problems: Problems, at: At) -> tuple[str, int] | None:
    if isinstance(at.value, str):
        host, sep, port = at.value.strip().rpartition(":")
        host = host.strip("[]")
        if sep and host and port.isascii() and port.isdigit() and len(port) <= 5 \
                and 0 < int(port) < 65536:
            return host, int(port)
    problems.bad(at, LISTEN_EXPECTED)
    return None


def parse_storage(problems: Problems, at: At | None) -> str:
    if at is None or at.value is None:
        return STORAGE_DEFAULT
    if isinstance(at.value, str) and re.match(STORAGE_PATTERN, at.value):
        return at.value
    problems.bad(at, STORAGE_EXPECTED)
    return STORAGE_DEFAULT


def parse_sources(
    problems: Problems, at: At | None, ladder_ids: Collection[str],
) -> dict[str, SourceConfig]:
    if at is None or at.value is None:
        return {}
    if not isinstance(at.value, dict):
        problems.bad(at, phrase("cfg.want.sources"))
        return {}
    sources = {}
    for sid, entry in at.entries():
        if identifier(problems, At(sid, entry.line, at.path), phrase("cfg.want.source_id")) is None:
            continue
        source = _source(problems, sid, entry, ladder_ids)
        if source is not None:
            sources[sid] = source
    check_unique_listen(problems, at)
    return sources


def _source(
    problems: Problems, sid: str, at: At, ladder_ids: Collection[str],
) -> SourceConfig | None:
    """Only built kinds are accepted: a configured but unbuilt source would be silent."""
    if not isinstance(at.value, dict):
        problems.bad(at, phrase("cfg.want.source"))
        return None
    kind_at = at.key("kind")
    if kind_at is None:
        problems.error(at, "cfg.missing_key", keyname=repr("kind"))
        return None
    kind = choice(problems, kind_at, SOURCE_KINDS)
    if kind is None:
        return None
    if kind not in SOURCE_KEYS:
        problems.error(kind_at, "cfg.kind_not_built", kind=repr(kind),
                       built=", ".join(BUILT_SOURCE_KINDS))
        return None
    before = problems.count
    mapping(problems, at, SOURCE_KEYS[kind], SOURCE_REQUIRED[kind])
    token = _opt(problems, at.key("token_env"), env_name)
    heartbeat = _opt(problems, at.key("heartbeat_timeout"), duration)
    ladder_at = at.key("ladder")
    ladder = None
    if ladder_at is not None and identifier(problems, ladder_at, LADDER_ID) is not None:
        ladder = reference(problems, ladder_at, ladder_ids, "ladder")
    options = parse_options(problems, kind, at)
    if problems.count > before:
        return None
    return SourceConfig(sid, kind, token, heartbeat, ladder, options)


def parse_channels(
    problems: Problems, at: At | None, party_ids: Collection[str] = (),
) -> dict[str, dict[str, Any]]:
    """Plain dicts: each notifier reads its own keys, the loader only vouches for them."""
    if at is None or at.value is None:
        return {}
    if mapping(problems, at, tuple(CHANNEL_KEYS), expected=phrase("cfg.want.channels")) is None:
        return {}
    channels = {}
    for name, entry in at.entries():
        if name not in CHANNEL_KEYS:
            continue
        if mapping(problems, entry, CHANNEL_KEYS[name]) is None:
            continue
        if name == "paging":
            check_where(problems, entry)
        settings = dict(CHANNEL_DEFAULTS.get(name, {}))
        for key, value_at in entry.entries():
            if key in CHANNEL_KEYS[name]:
                value = PAGING_VALUES[key](problems, value_at) \
                    if name == "paging" and key in PAGING_VALUES \
                    else _channel_value(problems, key, value_at, party_ids,
                                        CHANNEL_OWN_CHOICES.get(name, {}))
                if value is not None:
                    settings[key] = value
        channels[name] = settings
    return channels


def _channel_value(problems: Problems, key: str, at: At, party_ids: Collection[str],
                   own: dict[str, tuple[str, ...]]) -> Any:
    if key.endswith("_env"):
        return env_name(problems, at)
    if key in own:
        return choice(problems, at, own[key])
    if key in CHANNEL_CHOICES:
        return choice(problems, at, CHANNEL_CHOICES[key])
    if key in ("url", "api_url"):
        return http_url(problems, at)
    if key == "port":
        return integer(problems, at, 1, 65535)
    if key == "staff_users":
        if not sequence(problems, at, phrase("cfg.want.telegram_users")):
            return None
        users = [integer(problems, item) for item in at.items()]
        return None if None in users else users
    if key in ("alert_after", "ring_for", "fallback_after"):
        return duration(problems, at)
    if key == "alert_to":  # who hears that Telegram is down, through their other contacts
        found = [reference(problems, item, party_ids, "party")
                 for item in names(problems, at, "party_id")]
        return None if None in found or not found else found
    if key == "webhook_path":
        if isinstance(at.value, str) and at.value.startswith("/"):
            return at.value
        problems.bad(at, phrase("cfg.want.url_path"))
        return None
    if key == "params":
        return _params(problems, at)
    return text(problems, at)


def _params(problems: Problems, at: At) -> dict[str, Any] | None:
    if not isinstance(at.value, dict):
        problems.bad(at, phrase("cfg.want.request_params"))
        return None
    params = {}
    for key, value_at in at.entries():
        value = value_at.value
        if isinstance(value, str | int | float | bool) and isinstance(key, str):
            params[key] = value
        else:
            problems.bad(value_at, phrase("cfg.want.param_value"))
    return params
