"""BACnet event notifications and alarm lists as escalator events (pure; no I/O, no bacpypes3).

The receiver (escalator/entrypoints/receivers/bacnet.py) turns what bacpypes3 decoded
into plain values (`Notice`, `Active`); this module decides what they mean, so the
rules are unit-tested without a network:

- to-offnormal, to-fault, high/low limit and life-safety alarm open (`alarm`);
  to-normal clears. An unknown state is read as an alarm: the safe reading.
- An "ack-notification" (someone acknowledged in the BMS) changes nothing here.
- Each event object of a device is one point: `points` in the config may name it
  and give its code; otherwise the point is `<device>/<object-type>,<instance>` and
  the code is the source's `code`.
- Severity: a configured code's own severity wins; otherwise the BACnet priority
  decides (0-63 life safety -> critical, 64-127 property -> high, 128-191
  supervisory -> medium, 192-255 routine -> low; ASHRAE 135 annex M).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

OPEN_STATES = frozenset({"offnormal", "fault", "highlimit", "lowlimit", "lifesafetyalarm"})
OBJECT = re.compile(r"^\s*([a-z][a-z-]*|\d+)\s*[,:]\s*(\d{1,7})\s*$")
MAX_INSTANCE = 4_194_303  # 22 bits; 4194303 itself is the wildcard


@dataclass(frozen=True)
class PointName:
    """How one event object is shown: its code and its point text ('' = the default)."""

    code: str = ""
    point: str = ""


@dataclass(frozen=True)
class Notice:
    """One (un)confirmed event notification, as plain values."""

    device: int
    object_type: str
    instance: int
    to_state: str
    from_state: str = ""
    notify_type: str = "alarm"  # alarm | event | ack-notification
    priority: int | None = None
    message: str = ""


@dataclass(frozen=True)
class Reading:
    """What to hand to the intake: `IntakeContext.event(code, state, point=, text=, ...)`."""

    code: str
    state: str  # alarm | clear
    point: str
    text: str
    severity: str


def parse_object(text: object) -> tuple[str, int] | None:
    """`binary-input,3` (or `binary-input:3`, or a numeric type `3,3`) -> ('binary-input', 3)."""
    if not isinstance(text, str):
        return None
    found = OBJECT.match(text.lower())
    if not found or int(found.group(2)) >= MAX_INSTANCE:
        return None
    return found.group(1), int(found.group(2))


def object_key(object_type: str, instance: int) -> str:
    return f"{object_type},{instance}"


def is_open(state: str) -> bool:
    """Does this event state mean the point is in alarm? normal -> False, unknown -> True."""
    word = state.replace("-", "").replace("_", "").strip().lower()
    return word != "normal"


def severity_for_priority(priority: int | None) -> str:
    if priority is None or not 0 <= priority <= 255:
        return ""
    return ("critical", "high", "medium", "low")[priority // 64]


def point_for(device: int, object_type: str, instance: int,
              points: Mapping[str, PointName], default_code: str) -> tuple[str, str, bool]:
    """(code, point, named): `named` when the config gave this object's code."""
    name = points.get(object_key(object_type, instance), PointName())
    point = name.point or f"{device}/{object_key(object_type, instance)}"
    return name.code or default_code, point, bool(name.code)


def read_notice(notice: Notice, points: Mapping[str, PointName],
                default_code: str) -> Reading | None:
    """The event a notification means, or None (an acknowledgement in the BMS)."""
    if notice.notify_type.replace("_", "-").lower() == "ack-notification":
        return None
    code, point, named = point_for(notice.device, notice.object_type, notice.instance,
                                   points, default_code)
    state = "alarm" if is_open(notice.to_state) else "clear"
    text = notice.message.strip() or _state_text(notice.from_state, notice.to_state)
    severity = "" if named else severity_for_priority(notice.priority)
    return Reading(code, state, point, text, severity)


def _state_text(from_state: str, to_state: str) -> str:
    return f"{from_state} -> {to_state}" if from_state else to_state


@dataclass(frozen=True)
class Active:
    """One entry of GetEventInformation / GetAlarmSummary: an object not in `normal`."""

    object_type: str
    instance: int
    state: str
    priority: int | None = None


def active_readings(device: int, entries: Iterable[Active], points: Mapping[str, PointName],
                    default_code: str) -> list[Reading]:
    """The alarms a device lists as active now (entries in `normal` are left out)."""
    found: dict[tuple[str, str], Reading] = {}
    for entry in entries:
        if not is_open(entry.state):
            continue
        code, point, named = point_for(device, entry.object_type, entry.instance, points,
                                       default_code)
        severity = "" if named else severity_for_priority(entry.priority)
        found.setdefault((code, point), Reading(code, "alarm", point, entry.state, severity))
    return list(found.values())


def owned_points(device: int, points: Mapping[str, PointName]) -> tuple[str, frozenset[str]]:
    """What identifies this device's points among the source's open incidents:
    the default-name prefix and the configured names (a resync clears only these)."""
    return f"{device}/", frozenset(p.point for p in points.values() if p.point)
