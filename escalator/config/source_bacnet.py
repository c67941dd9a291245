"""The keys of a `kind: bacnet` source (BACnet/IP), checked and typed; its JSON Schema.

Kept apart from `config/sources.py` (which only refers to the pieces here) so each
building-automation protocol's keys live in one place. `devices` is the list of BMS
devices this source talks to: their BACnet/IP address (an IPv4 address and port:
BACnet/IP has no names), device instance, optionally the notification classes to
subscribe to, and `points`, a name and code per event object
(`binary-input,3: {code: FT, point: "Fire loop 1"}`).
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from typing import Any

from escalator.codecs.bacnet import MAX_INSTANCE, parse_object
from escalator.config.problem import phrase
from escalator.config.validators import At, Problems, boolean, integer, mapping, sequence, text

KIND = "bacnet"
KEYS = ("listen", "device_id", "every", "timeout", "code", "devices", "ack_in_bms")
REQUIRED = ("kind", "devices")
DEVICE_KEYS = ("address", "device_id", "notification_classes", "points")
POINT_KEYS = ("code", "point")
DEFAULTS: dict[str, Any] = {"listen": ("0.0.0.0", 47808), "device_id": MAX_INSTANCE - 1,
                            "every": timedelta(seconds=30), "timeout": timedelta(seconds=5),
                            "code": "BACNET", "ack_in_bms": False}
ADDRESS_EXPECTED = phrase("cfg.want.bacnet_address", example="10.0.0.20:47808")
OBJECT_EXPECTED = phrase("cfg.want.bacnet_object", example="binary-input,3")


def device_id(problems: Problems, at: At) -> int | None:
    return integer(problems, at, 0, MAX_INSTANCE - 1)


def address(problems: Problems, at: At) -> tuple[str, int] | None:
    """IPv4:PORT (port 47808 when left out)."""
    if isinstance(at.value, str):
        host, _, port = at.value.strip().partition(":")
        port = port or "47808"
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            host = ""
        if host and port.isascii() and port.isdigit() and 0 < int(port) < 65536:
            return host, int(port)
    problems.bad(at, ADDRESS_EXPECTED)
    return None


def devices(problems: Problems, at: At) -> tuple[dict[str, Any], ...] | None:
    if not sequence(problems, at, phrase("cfg.want.bacnet_devices"), non_empty=True):
        return None
    found, seen = [], set()
    for item in at.items():
        if mapping(problems, item, DEVICE_KEYS, ("address", "device_id")) is None:
            continue
        entry: dict[str, Any] = {}
        for key, value_at in item.entries():
            check = _DEVICE_CHECKS.get(key)
            if check is not None:
                entry[key] = check(problems, value_at)
        if None in entry.values() or len(entry) < 2:
            continue
        if entry["device_id"] in seen:
            problems.error(item, "cfg.bacnet_device_twice", device=entry["device_id"])
            continue
        seen.add(entry["device_id"])
        found.append(entry)
    return tuple(found)


def _classes(problems: Problems, at: At) -> tuple[int, ...] | None:
    if not sequence(problems, at, phrase("cfg.want.whole_number_from_to", low=0,
                                         high=MAX_INSTANCE - 1)):
        return None
    found = [integer(problems, item, 0, MAX_INSTANCE - 1) for item in at.items()]
    return None if None in found else tuple(n for n in found if n is not None)


def _points(problems: Problems, at: At) -> dict[str, dict[str, str]] | None:
    if not isinstance(at.value, dict):
        problems.bad(at, phrase("cfg.want.mapping"))
        return None
    found: dict[str, dict[str, str]] = {}
    for key, value_at in at.entries():
        parsed = parse_object(key)
        if parsed is None:
            problems.bad(At(key, value_at.line, value_at.path), OBJECT_EXPECTED)
            continue
        if mapping(problems, value_at, POINT_KEYS) is None:
            continue
        names = {k: text(problems, v) if not isinstance(v.value, int) or isinstance(
            v.value, bool) else str(v.value) for k, v in value_at.entries() if k in POINT_KEYS}
        if None not in names.values():
            found[f"{parsed[0]},{parsed[1]}"] = names  # type: ignore[assignment]
    return found


_DEVICE_CHECKS = {"address": address, "device_id": device_id,
                  "notification_classes": _classes, "points": _points}
CHECKS = {(KIND, "devices"): devices, (KIND, "device_id"): device_id,
          (KIND, "ack_in_bms"): boolean}

# -- JSON Schema pieces -------------------------------------------------------------

_DEVICE_ID = {"type": "integer", "minimum": 0, "maximum": MAX_INSTANCE - 1}
SCHEMA_PROPERTIES: dict[str, Any] = {
    "device_id": {**_DEVICE_ID, "default": MAX_INSTANCE - 1,
                  "description": "Our own BACnet device instance."},
    "ack_in_bms": {"type": "boolean", "default": False,
                   "description": "Acknowledge the alarm in the BMS when a person takes it."},
    "devices": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/bacnet_device"},
                "description": "The BMS devices whose event notifications are taken."},
}


def schema_defs() -> dict[str, Any]:
    point = {"type": "object", "additionalProperties": False, "properties": {
        "code": {"oneOf": [{"type": "string", "minLength": 1}, {"type": "integer"}]},
        "point": {"type": "string", "minLength": 1}}}
    return {"bacnet_device": {
        "type": "object", "additionalProperties": False, "required": ["address", "device_id"],
        "description": "A BMS device: where it is and what it sends.",
        "properties": {
            "address": {"type": "string", "pattern": r"^\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?$",
                        "description": "Its BACnet/IP address, IPv4[:PORT] (47808)."},
            "device_id": {**_DEVICE_ID, "description": "Its device instance."},
            "notification_classes": {
                "type": "array", "items": _DEVICE_ID,
                "description": "Classes whose recipient list gets our address."},
            "points": {"type": "object", "additionalProperties": point,
                       "description": "Per event object (binary-input,3): code and name."},
        }}}
