"""The keys of the building-automation sources: `modbus` (TCP) and `opcua` (A&C).

Kept apart from `sources.py` (which merges these tables into its own) so each
protocol's checks stay small. A Modbus source is a device address and a point
map; every point is checked at its own line (table, address, bit, which value is
the alarm) and a (code, point) listed twice is an error, since the two could
never be told apart when one clears. An OPC UA source is an endpoint, the node
whose events are subscribed, security and credentials (by `*_env` names only).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from escalator.codecs.modbus import BIT_TABLES, TABLES, Point
from escalator.config.problem import phrase
from escalator.config.validators import At, Problems, choice, integer, mapping, sequence, text

KINDS = ("modbus", "opcua")
COMMON = ("kind", "heartbeat_timeout", "ladder")
KEYS: dict[str, tuple[str, ...]] = {
    "modbus": (*COMMON, "device", "unit", "every", "timeout", "max_backoff", "points"),
    "opcua": (*COMMON, "endpoint", "node", "username_env", "password_env", "security_policy",
              "security_mode", "certificate", "private_key", "server_certificate", "code",
              "clear_on", "timeout"),
}
REQUIRED: dict[str, tuple[str, ...]] = {"modbus": ("kind", "device", "points"),
                                        "opcua": ("kind", "endpoint")}
DEFAULTS: dict[str, dict[str, Any]] = {
    "modbus": {"unit": 1, "every": timedelta(seconds=10), "timeout": timedelta(seconds=3),
               "max_backoff": timedelta(minutes=5)},
    "opcua": {"node": "i=2253", "security_policy": "None", "security_mode": "None",
              "clear_on": "inactive", "timeout": timedelta(seconds=10)},
}
POINT_KEYS = ("table", "address", "bit", "code", "point", "text", "alarm", "severity")
POLICIES = ("None", "Basic256Sha256", "Aes128_Sha256_RsaOaep", "Aes256_Sha256_RsaPss")
MODES = ("None", "Sign", "SignAndEncrypt")
CLEAR_ON = ("inactive", "inactive_and_acked")
ENDPOINT = re.compile(r"^opc\.tcp://[^\s/:]+(:\d{1,5})?(/\S*)?$")
NODE = re.compile(r"^(ns=\d+;)?[isgb]=\S+$")


def points(problems: Problems, at: At) -> tuple[Point, ...] | None:
    """The point map: each entry checked at its line; duplicates are errors."""
    if not sequence(problems, at, phrase("cfg.want.modbus_points"), non_empty=True):
        return None
    found: list[Point] = []
    seen: set[tuple[str, str]] = set()
    for item in at.items():
        point = _point(problems, item)
        if point is None:
            continue
        if (point.code, point.point) in seen:
            problems.error(item, "cfg.point_twice", alarm=point.code, point=point.point)
            continue
        seen.add((point.code, point.point))
        found.append(point)
    return tuple(found) if len(found) == len(at.value) else None


def _point(problems: Problems, at: At) -> Point | None:
    if mapping(problems, at, POINT_KEYS, ("table", "address", "code")) is None:
        return None
    got: dict[str, Any] = {}
    bad = False
    for key, value_at in at.entries():
        if key == "table":
            value: Any = choice(problems, value_at, TABLES)
        elif key == "address":
            value = integer(problems, value_at, 0, 65535)
        elif key == "bit":
            value = integer(problems, value_at, 0, 15)
        elif key == "alarm":
            value = integer(problems, value_at, 0, 65535)
        elif key == "code" and isinstance(value_at.value, int) \
                and not isinstance(value_at.value, bool):
            value = str(value_at.value)
        elif key in POINT_KEYS:
            value = text(problems, value_at)
        else:
            continue  # reported by `mapping`
        bad = bad or value is None
        got[key] = value
    if bad:
        return None
    if got["table"] in BIT_TABLES and "bit" in got:
        problems.error(at.key("bit") or at, "cfg.modbus_bit_of_a_bit")
        return None
    if (got["table"] in BIT_TABLES or "bit" in got) and got.get("alarm", 1) not in (0, 1):
        problems.bad(at.key("alarm") or at, phrase("cfg.want.zero_or_one"))
        return None
    return Point(**got)


def endpoint(problems: Problems, at: At) -> str | None:
    if isinstance(at.value, str) and ENDPOINT.match(at.value.strip()):
        return at.value.strip()
    problems.bad(at, phrase("cfg.want.opcua_endpoint"))
    return None


def node(problems: Problems, at: At) -> str | None:
    if isinstance(at.value, str) and NODE.match(at.value.strip()):
        return at.value.strip()
    problems.bad(at, phrase("cfg.want.opcua_node"))
    return None


def check_security(problems: Problems, at: At, options: dict[str, Any]) -> None:
    """A security policy signs with our certificate: without one it cannot connect."""
    if options.get("security_policy", "None") != "None" and not (
            options.get("certificate") and options.get("private_key")):
        problems.error(at.key("security_policy") or at, "cfg.opcua_needs_certificate",
                       policy=options["security_policy"])
    if (options.get("security_policy", "None") == "None") != \
            (options.get("security_mode", "None") == "None"):
        problems.error(at.key("security_mode") or at, "cfg.opcua_policy_and_mode")


CHECKS: dict[tuple[str, str], Any] = {
    ("modbus", "device"): None,  # filled by sources.py: its listen_address (HOST:PORT)
    ("modbus", "unit"): lambda p, a: integer(p, a, 0, 255),
    ("modbus", "points"): points,
    ("opcua", "endpoint"): endpoint,
    ("opcua", "node"): node,
    ("opcua", "security_policy"): lambda p, a: choice(p, a, POLICIES),
    ("opcua", "security_mode"): lambda p, a: choice(p, a, MODES),
    ("opcua", "clear_on"): lambda p, a: choice(p, a, CLEAR_ON),
}

# -- JSON Schema pieces --------------------------------------------------------------

_TEXT = {"type": "string", "minLength": 1}
SCHEMA_DEFS: dict[str, Any] = {
    "modbus_point": {
        "type": "object", "additionalProperties": False,
        "required": ["table", "address", "code"],
        "description": "One alarm input of the Modbus device.",
        "properties": {
            "table": {"enum": list(TABLES), "description": "coil, discrete (input), "
                                                           "holding or input (register)."},
            "address": {"type": "integer", "minimum": 0, "maximum": 65535,
                        "description": "Zero-based address in that table."},
            "bit": {"type": "integer", "minimum": 0, "maximum": 15,
                    "description": "A register's bit (0 = least significant)."},
            "alarm": {"type": "integer", "minimum": 0, "maximum": 65535, "default": 1,
                      "description": "The value that is the alarm (of the bit or register)."},
            "code": {"oneOf": [_TEXT, {"type": "integer"}]},
            "point": {"type": "string"}, "text": {"type": "string"},
            "severity": {"type": "string"},
        }},
}
SCHEMA: dict[str, Any] = {
    "device": {"type": "string", "pattern": r"^\S+:\d{1,5}$",
               "description": "The Modbus TCP device HOST:PORT (usually port 502)."},
    "unit": {"type": "integer", "minimum": 0, "maximum": 255, "default": 1,
             "description": "Unit (slave) id of the device behind the address."},
    "points": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/modbus_point"}},
    "endpoint": {"type": "string", "pattern": ENDPOINT.pattern,
                 "description": "The OPC UA server, opc.tcp://host:4840/path."},
    "node": {"type": "string", "pattern": NODE.pattern, "default": "i=2253",
             "description": "Node whose events are subscribed (default: the Server)."},
    "security_policy": {"enum": list(POLICIES), "default": "None"},
    "security_mode": {"enum": list(MODES), "default": "None"},
    "certificate": {"type": "string", "description": "Our client certificate (DER/PEM)."},
    "private_key": {"type": "string", "description": "Its private key (PEM)."},
    "server_certificate": {"type": "string",
                           "description": "The server's certificate, to trust only it."},
    "clear_on": {"enum": list(CLEAR_ON), "default": "inactive",
                 "description": "When a condition clears: once inactive, or only once "
                                "inactive and acknowledged in the BMS."},
}
