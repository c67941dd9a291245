"""The kind-specific keys of `sources.<id>`: webhook, poll, sia, espa, email, mqtt, ...

(bacnet: `source_bacnet`; modbus and opcua: `sources_bms`; merged in here.)

`settings.parse_sources` checks what every source has (kind, heartbeat_timeout,
ladder); this module checks the rest and returns it as the source's `options`,
already typed (durations as timedelta, patterns compiled once to prove they are
valid, defaults filled in), so an adapter never re-validates its config. The key
sets here (bacnet's in config/source_bacnet.py) are the truth for loader and Schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from escalator.config import source_bacnet as bacnet
from escalator.config import sources_bms as bms
from escalator.config.outbound import NETWORKS_SCHEMA, networks
from escalator.config.problem import phrase
from escalator.config.sia_accounts import ACCOUNT_KEYS, SIA_ACCOUNT, accounts
from escalator.config.validators import (
    At,
    Problems,
    boolean,
    choice,
    duration,
    env_name,
    http_url,
    integer,
    mapping,
    sequence,
    text,
)
from escalator.parsing import patterns

COMMON = ("kind", "heartbeat_timeout", "ladder")
# a kind is accepted in the config only once it works
BUILT = ("webhook", "sia", "espa", "poll", "email", "mqtt", bacnet.KIND, *bms.KINDS)
_KEYS: dict[str, tuple[str, ...]] = {
    "webhook": ("kind", "token_env", "heartbeat_timeout", "ladder", "sends_clear", "from"),
    "poll": (*COMMON, "url", "every", "format", "items", "fields", "code", "token_env",
             "timeout", "max_backoff"),
    "sia": (*COMMON, "listen", "protocol", "accounts", "timestamp_window", "from"),
    "espa": (*COMMON, "listen", "serial", "baudrate", "address", "code", "rules", "from"),
    "email": (*COMMON, "listen", "senders", "recipients", "code", "rules", "from"),
    "mqtt": (*COMMON, "broker", "topic", "username_env", "password_env", "fields", "code",
             "client_id"), bacnet.KIND: (*COMMON, *bacnet.KEYS),
    **bms.KEYS,
}
SOURCE_KEYS = {kind: keys for kind, keys in _KEYS.items() if kind in BUILT}
SOURCE_REQUIRED: dict[str, tuple[str, ...]] = {
    "webhook": ("kind", "token_env"),
    "poll": ("kind", "url", "fields"),
    "sia": ("kind", "listen", "accounts"),
    "espa": ("kind",),
    "email": ("kind", "listen"),
    "mqtt": ("kind", "broker", "topic", "fields"), bacnet.KIND: bacnet.REQUIRED,
    **bms.REQUIRED,
}
POLL_FORMATS = ("json", "xml", "csv")
SIA_PROTOCOLS = ("tcp", "udp", "both")
FIELD_KEYS = ("code", "point", "text", "severity", "state")
POLL_FIELD_KEYS = ("code", "point", "text", "severity")
RULE_KEYS = ("match", "in", "code", "point", "state", "text", "severity")
RULE_PLACES = ("subject", "body", "any")
RULE_STATES = ("alarm", "clear", "heartbeat")
DEFAULTS: dict[str, dict[str, Any]] = {
    "poll": {"every": timedelta(seconds=30), "format": "json", "items": "",
             "timeout": timedelta(seconds=10), "max_backoff": timedelta(minutes=10)},
    "sia": {"protocol": "tcp", "timestamp_window": (timedelta(seconds=40),
                                                    timedelta(seconds=20))},
    "espa": {"baudrate": 9600, "address": "2", "code": "ESPA"},
    "email": {"code": "email_unmatched"},
    "mqtt": {}, bacnet.KIND: bacnet.DEFAULTS,
    **bms.DEFAULTS,
}
PATH = re.compile(r"^(\$topic\[\d+\]|[^.\[\]]+(\[\d+\])*(\.[^.\[\]]+(\[\d+\])*)*)$")
PATH_EXPECTED = phrase("cfg.want.field_path")
LISTEN_EXPECTED = phrase("cfg.want.listen", example="0.0.0.0:5000")


def parse_options(problems: Problems, kind: str, at: At) -> dict[str, Any]:
    """The kind-specific options of one source, with defaults; problems are reported."""
    options: dict[str, Any] = dict(DEFAULTS.get(kind, {}))
    for key, value_at in at.entries():
        if key in COMMON or key == "token_env" or key not in SOURCE_KEYS[kind]:
            continue
        value = _CHECKS.get((kind, key), _CHECKS.get(("*", key), _text))(problems, value_at)
        if value is not None:
            options[key] = value
    if kind == "espa" and at.key("listen") is None and at.key("serial") is None:
        problems.error(at, "cfg.espa_listen_or_serial")
    if kind in ("poll", "mqtt") and "fields" in options and "code" not in options \
            and "code" not in options["fields"]:
        problems.error(at, "cfg.code_from_where")
    if kind == "opcua":
        bms.check_security(problems, at, options)
    return options


def listen_address(problems: Problems, at: At) -> tuple[str, int] | None:
    """HOST:PORT; port 0 lets the system pick a free port (tests)."""
    if isinstance(at.value, str):
        host, sep, port = at.value.strip().rpartition(":")
        host = host.strip("[]")
        if sep and host and port.isascii() and port.isdigit() and len(port) <= 5 \
                and 0 <= int(port) < 65536:
            return host, int(port)
    problems.bad(at, LISTEN_EXPECTED)
    return None


def _text(problems: Problems, at: At) -> str | None:
    if isinstance(at.value, int) and not isinstance(at.value, bool):
        return str(at.value)  # `code: 130` means the code "130"
    return text(problems, at)


def _path(problems: Problems, at: At) -> str | None:
    if isinstance(at.value, str) and PATH.match(at.value.strip()):
        return at.value.strip()
    problems.bad(at, PATH_EXPECTED)
    return None


def _items_path(problems: Problems, at: At) -> str | None:
    if at.value in ("", None):
        return ""
    return _path(problems, at)


def _fields(keys: tuple[str, ...]) -> Callable[[Problems, At], dict[str, str] | None]:
    def check(problems: Problems, at: At) -> dict[str, str] | None:
        if mapping(problems, at, keys, expected=phrase("cfg.want.fields")) is None:
            return None
        found = {k: _path(problems, v) for k, v in at.entries() if k in keys}
        return None if None in found.values() else found  # type: ignore[return-value]
    return check


def _window(problems: Problems, at: At) -> tuple[timedelta, timedelta] | None | bool:
    """`[40s, 20s]` (how far in the past, in the future) or `off` (YAML reads it as false)."""
    if at.value is False or at.value == "off":
        return False
    expected = phrase("cfg.want.time_window")
    if not isinstance(at.value, list) or len(at.value) != 2:
        problems.bad(at, expected)
        return None
    past, future = (duration(problems, item) for item in at.items())
    return (past, future) if past is not None and future is not None else None


def _rules(problems: Problems, at: At) -> tuple[dict[str, Any], ...] | None:
    if not sequence(problems, at, phrase("cfg.want.text_rules")):
        return None
    rules = []
    for item in at.items():
        if mapping(problems, item, RULE_KEYS, ("match",)) is None:
            continue
        rule: dict[str, Any] = {"in": "any", "state": "alarm"}
        for key, value_at in item.entries():
            if key == "match":
                rule[key] = _regex(problems, value_at)
            elif key == "in":
                rule[key] = choice(problems, value_at, RULE_PLACES)
            elif key == "state":
                rule[key] = choice(problems, value_at, RULE_STATES)
            elif key in RULE_KEYS:
                rule[key] = _text(problems, value_at)
        if None not in rule.values():
            rules.append(rule)
    return tuple(rules)


def _regex(problems: Problems, at: At) -> str | None:
    if not isinstance(at.value, str) or not at.value:
        problems.bad(at, phrase("cfg.want.regex"))
        return None
    try:
        patterns.compile_rule(at.value)
    except patterns.PatternError as exc:
        problems.bad(at, phrase("cfg.want.regex"), str(exc))
        return None
    return at.value


def _addresses(problems: Problems, at: At) -> tuple[str, ...] | None:
    if isinstance(at.value, str):
        return (at.value.strip().lower(),)
    if not sequence(problems, at, phrase("cfg.want.email_list"), non_empty=True):
        return None
    found = [text(problems, item, phrase("cfg.want.email_address")) for item in at.items()]
    return None if None in found else tuple(f.lower() for f in found if f)


def _espa_address(problems: Problems, at: At) -> str | None:
    value = str(at.value) if isinstance(at.value, int | str) else ""
    if re.fullmatch(r"[0-9]", value):
        return value
    problems.bad(at, phrase("cfg.want.espa_digit"))
    return None


_CHECKS: dict[tuple[str, str], Callable[[Problems, At], Any]] = {
    ("*", "listen"): listen_address,
    ("*", "from"): networks,  # where the devices connect from: slots kept for them
    ("webhook", "sends_clear"): boolean,
    ("*", "broker"): listen_address,
    ("*", "every"): duration,
    ("*", "timeout"): duration,
    ("*", "max_backoff"): duration,
    ("*", "url"): http_url,
    ("*", "username_env"): env_name,
    ("*", "password_env"): env_name,
    ("*", "rules"): _rules,
    ("poll", "format"): lambda p, a: choice(p, a, POLL_FORMATS),
    ("poll", "items"): _items_path,
    ("poll", "fields"): _fields(POLL_FIELD_KEYS),
    ("mqtt", "fields"): _fields(FIELD_KEYS),
    ("sia", "protocol"): lambda p, a: choice(p, a, SIA_PROTOCOLS),
    ("sia", "accounts"): accounts,
    ("sia", "timestamp_window"): _window,
    ("espa", "baudrate"): lambda p, a: integer(p, a, 50, 1_000_000),
    ("espa", "address"): _espa_address,
    ("email", "senders"): _addresses,
    ("email", "recipients"): _addresses, **bacnet.CHECKS,
    **bms.CHECKS, ("modbus", "device"): listen_address,
}


def check_unique_listen(problems: Problems, at: At) -> None:
    """Two sources cannot listen on the same address (nor share a serial device)."""
    seen: dict[tuple[str, str], str] = {}
    for sid, entry in at.entries():
        if not isinstance(entry.value, dict):
            continue
        for key in ("listen", "serial"):
            value_at = entry.key(key)
            if value_at is None or not isinstance(value_at.value, str):
                continue
            where = value_at.value.strip()
            if where.endswith(":0"):
                continue  # a port picked by the system never collides
            if (key, where) in seen:
                problems.error(value_at, "cfg.address_taken", address=where,
                               source=repr(seen[(key, where)]))
            else:
                seen[(key, where)] = str(sid)


# -- JSON Schema pieces (used by escalator.config.schema) ---------------------------

_ENV = {"$ref": "#/$defs/env"}
_DURATION = {"$ref": "#/$defs/duration"}
_LISTEN = {"type": "string", "pattern": r"^\S+:\d{1,5}$"}
_PATH_SCHEMA = {"type": "string", "pattern": PATH.pattern,
                "description": PATH_EXPECTED.render("en")}
_CODE = {"oneOf": [{"type": "string", "minLength": 1}, {"type": "integer"}]}


def _strict(description: str, properties: dict[str, Any],
            required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "description": description,
                              "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    return schema


def _field_paths(keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: {**_PATH_SCHEMA, "description": f"Where the {k} is in each item."} for k in keys}


def schema_defs() -> dict[str, Any]:
    """Strict sub-objects of the source kinds; named like `key_sets()` below."""
    return {
        "sia_account": _strict("A panel account and its AES key.", {
            "account": {"description": "Account number, 3-16 hex digits (quote it).",
                        "oneOf": [{"type": "string", "pattern": SIA_ACCOUNT.pattern},
                                  {"type": "integer"}]},
            "key_env": {**_ENV, "description": "Environment variable with the AES key "
                                               "(16, 24 or 32 characters); absent: plain."},
            "allow_unencrypted": {"type": "boolean", "description":
                                  "Accept this account without a key (else a warning)."},
        }, ("account",)),
        "rule": _strict("Text matching this regular expression becomes an event.", {
            "match": {"type": "string", "minLength": 1, "format": "regex",
                      "description": "Regular expression; named groups fill {name} below."},
            "in": {"enum": list(RULE_PLACES), "default": "any",
                   "description": "E-mail: search the subject, the body or both."},
            "code": {**_CODE, "description": "Alarm code; may use {group}."},
            "point": {"type": "string", "description": "Where; may use {group}."},
            "state": {"enum": list(RULE_STATES), "default": "alarm"},
            "text": {"type": "string", "description": "Text; may use {group}."},
            "severity": {"type": "string"},
        }, ("match",)),
        "poll_fields": _strict("Paths of the fields in each active alarm.",
                               _field_paths(POLL_FIELD_KEYS)),
        **bms.SCHEMA_DEFS,
        "mqtt_fields": _strict("Paths of the fields in each JSON message "
                               "($topic[N] is a level of the topic).",
                               _field_paths(FIELD_KEYS)), **bacnet.schema_defs(),
    }


def key_sets() -> dict[str, tuple[str, ...]]:
    return {"sia_account": ACCOUNT_KEYS, "rule": RULE_KEYS, "poll_fields": POLL_FIELD_KEYS,
            "mqtt_fields": FIELD_KEYS, "bacnet_device": bacnet.DEVICE_KEYS,
            "modbus_point": bms.POINT_KEYS}


def schema_properties(kind: str, common: dict[str, Any]) -> dict[str, Any]:
    """The properties of `source_<kind>`; `common` describes kind, token_env and the rest."""
    rules = {"type": "array", "items": {"$ref": "#/$defs/rule"}}
    described: dict[str, Any] = {
        **common,
        "kind": {"const": kind, "description": f"A {kind} source."},
        "url": {"$ref": "#/$defs/url", "description": "The endpoint listing active alarms."},
        "every": {**_DURATION, "default": "30s", "description": "Poll interval."},
        "format": {"enum": list(POLL_FORMATS), "default": "json"},
        "items": {"oneOf": [{"const": ""}, _PATH_SCHEMA], "default": "",
                  "description": "Path to the list of active alarms; empty: the whole "
                                 "document (JSON list or CSV rows)."},
        "timeout": {**_DURATION, "default": "10s"},
        "max_backoff": {**_DURATION, "default": "10m",
                        "description": "Longest wait between polls after failures."},
        "listen": {**_LISTEN, "description": "HOST:PORT to listen on."},
        "from": {**NETWORKS_SCHEMA,
                 "description": "Addresses or networks the devices connect from: the "
                                "listener keeps connection slots for them."},
        "protocol": {"enum": list(SIA_PROTOCOLS), "default": "tcp"},
        "accounts": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/sia_account"}},
        "timestamp_window": {
            "description": "[past, future] accepted around the receiver's time, or off.",
            "default": ["40s", "20s"],
            "oneOf": [{"type": "array", "items": _DURATION, "minItems": 2, "maxItems": 2},
                      {"enum": ["off", False]}]},
        "serial": {"type": "string", "description": "Serial device, e.g. /dev/ttyUSB0."},
        "baudrate": {"type": "integer", "minimum": 50, "default": 9600},
        "address": {"oneOf": [{"type": "string", "pattern": "^[0-9]$"},
                              {"type": "integer", "minimum": 0, "maximum": 9}],
                    "default": "2", "description": "Our ESPA address."},
        "code": {**_CODE, "description": "Alarm code when no rule or field gives one."},
        "rules": {**rules, "description": "First matching rule wins."},
        "senders": {"type": "array", "items": {"type": "string"},
                    "description": "Accepted From addresses; absent: any."},
        "recipients": {"type": "array", "items": {"type": "string"},
                       "description": "Accepted To addresses; absent: any."},
        "broker": {**_LISTEN, "description": "MQTT broker HOST:PORT."},
        "topic": {"type": "string", "minLength": 1,
                  "description": "Topic filter, e.g. building/+/alarm."},
        "username_env": _ENV, "password_env": _ENV,
        "client_id": {"type": "string"}, **bacnet.SCHEMA_PROPERTIES,
        "sends_clear": {"type": "boolean", "default": False,
                        "description": "The terminal posts `state: clear` when an alarm ends: "
                                       "a person's 'resolved' then waits for it."},
        "fields": {"$ref": f"#/$defs/{kind}_fields"} if kind in ("poll", "mqtt") else {},
        **bms.SCHEMA,
    }
    return {k: described[k] for k in SOURCE_KEYS[kind]}


def sends_clear(kind: str, options: Mapping[str, Any]) -> bool:
    """Does this source tell us when an alarm is over? Then a person's "resolved" waits
    for it (the terminal has the last word); otherwise a person's "resolved" closes.

    SIA restores, a poll list, ESPA, Modbus and OPC UA, MQTT states report clears;
    e-mail only when a rule produces `state: clear`; a webhook when it says `sends_clear: true`.
    """
    if kind in ("sia", "poll", "espa", bacnet.KIND, *bms.KINDS):  # bacnet: to-normal
        return True
    if kind == "mqtt":
        return "state" in (options.get("fields") or {})
    if kind == "email":
        return any(rule.get("state") == "clear" for rule in options.get("rules", ()) or ()
                   if isinstance(rule, Mapping))
    return bool(options.get("sends_clear", False))
