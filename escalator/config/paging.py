"""`channels.paging` and the `dect:` / `pager:` contacts: checked at their line.

A call address is what the paging or nurse-call system knows a handset by (ESPA
4.4.4 record 1, digits); the station address is the system's own place on the
line (one digit, 2 by default). Both are commonly written as bare numbers in
YAML (`dect: 4711`), so numbers and digit strings are both taken.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from escalator.config.problem import phrase
from escalator.config.validators import At, Problems, duration, integer, text

PAGING_KEYS = ("host", "port", "device", "baudrate", "address", "max_text", "answer_within",
               "retries", "fallback_after")
SPEEDS = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)  # serial line, bits/s
MAX_CALL_ADDRESS = 16  # digits; what ESPA 4.4.4 systems take as a call address
MIN_TEXT, MAX_TEXT = 16, 1000  # a block stays within what the ESPA reader takes (1024 bytes)


def _digits(at: At, most: int) -> str | None:
    value = at.value
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        value = str(value)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() \
            and len(value.strip()) <= most:
        return value.strip()
    return None


def call_address(problems: Problems, at: At) -> str | None:
    """`dect: 4711`, `pager: "0815"`: the handset's call address, 1 to 16 digits."""
    found = _digits(at, MAX_CALL_ADDRESS)
    if found is None:
        problems.bad(at, phrase("cfg.want.call_address", most=MAX_CALL_ADDRESS))
    return found


def _station(problems: Problems, at: At) -> str | None:
    found = _digits(at, 1)
    if found is None:
        problems.bad(at, phrase("cfg.want.espa_station"))
    return found


def _answer_within(problems: Problems, at: At) -> Any:
    found = duration(problems, at)
    if found is not None and not 0 < found.total_seconds() <= 30:
        problems.bad(at, phrase("cfg.want.answer_within"))
        return None
    return found


def _device(problems: Problems, at: At) -> str | None:
    if isinstance(at.value, str) and at.value.startswith("/") and at.value.strip() == at.value:
        return at.value
    problems.bad(at, phrase("cfg.want.serial_device"))
    return None


def _baudrate(problems: Problems, at: At) -> int | None:
    if isinstance(at.value, int) and not isinstance(at.value, bool) and at.value in SPEEDS:
        return at.value
    problems.bad(at, phrase("cfg.want.baudrate", speeds=", ".join(map(str, SPEEDS))))
    return None


def check_where(problems: Problems, at: At) -> None:
    """A serial `device`, or a `host` and a `port`: one of the two, at the `paging:` line."""
    keys = at.value if isinstance(at.value, dict) else {}
    if "device" in keys and ("host" in keys or "port" in keys):
        problems.error(at, "cfg.paging.device_or_host")
    elif "device" not in keys:
        for key in ("host", "port"):
            if key not in keys:
                problems.error(at, "cfg.missing_key", keyname=repr(key))


PAGING_VALUES: dict[str, Callable[[Problems, At], Any]] = {
    "host": text,
    "device": _device,
    "baudrate": _baudrate,
    "address": _station,
    "max_text": lambda p, a: integer(p, a, MIN_TEXT, MAX_TEXT),
    "answer_within": _answer_within,
    "retries": lambda p, a: integer(p, a, 0, 5),
}


# What editors are told (config/schema.py): the contacts, and the channel's own keys.
CALL_ADDRESS_PATTERN = rf"^\d{{1,{MAX_CALL_ADDRESS}}}$"
PAGING_CONTACTS: dict[str, dict[str, Any]] = {
    kind: {"type": ["integer", "string"], "pattern": CALL_ADDRESS_PATTERN,
           "description": f"A ward {what}'s call address in the paging system "
                          "(channels.paging), 1 to 16 digits."}
    for kind, what in (("dect", "DECT handset"), ("pager", "pager"))}
_OWN: dict[str, dict[str, Any]] = {
    "device": {"type": "string", "pattern": "^/",
               "description": "A serial port wired to the paging system (instead of host "
                              "and port), like /dev/ttyUSB0."},
    "baudrate": {"enum": list(SPEEDS), "default": 9600,
                 "description": "The serial line's speed (8 data bits, no parity, 1 stop bit)."},
    "host": {"type": "string", "minLength": 1,
             "description": "The paging or nurse-call system's ESPA 4.4.4 TCP host (or the "
                            "serial-to-TCP converter in front of it)."},
    "address": {"type": ["integer", "string"], "pattern": r"^\d$", "default": 2,
                "description": "The paging system's ESPA station address, one digit."},
    "max_text": {"type": "integer", "minimum": MIN_TEXT, "maximum": MAX_TEXT, "default": 80,
                 "description": "How many characters the handsets show."},
    "answer_within": {"$ref": "#/$defs/duration", "default": "2s",
                      "description": "How long to wait for each ACK or NAK (at most 30s)."},
    "retries": {"type": "integer", "minimum": 0, "maximum": 5, "default": 2,
                "description": "Further tries of the selection and of the block."},
}
PAGING_SCHEMA = {("paging", key): value for key, value in _OWN.items()}
