"""OPC UA Alarms & Conditions: what one event notification means (pure).

The receiver (entrypoints/receivers/opcua.py) subscribes to the events of a node
and hands each notification here as plain values (`fields`: the selected event
fields by browse path, LocalizedText and NodeIds already turned into text). A
condition is identified by its `ConditionName` (or the configured `code`) and
`SourceName` (the point); its `ActiveState/Id` says alarm or not, and with
`clear_on: inactive_and_acked` a condition clears only once it is also
acknowledged in the BMS (`AckedState/Id`). A condition type without an active
state (a plain ConditionType) is read from `Retain`: retained means standing.
The BMS's Severity is not used: the code's own severity (codes catalogue) decides
the ladder, so a BMS that rates a fire loop fault 300 cannot quieten it.

The two markers of a ConditionRefresh (RefreshStartEventType, RefreshEndEventType)
are recognised by their type ids, so the receiver can clear what the refresh no
longer lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

REFRESH_START = "i=2787"
REFRESH_END = "i=2788"
FIELDS = ("EventId", "EventType", "SourceName", "Time", "Message", "Severity", "ConditionName",
          "Retain", "ActiveState/Id", "AckedState/Id")


@dataclass(frozen=True)
class Reading:
    """What an event says: `kind` alarm, clear, standing (inactive, not yet acked),
    refresh_start, refresh_end or ignore (with `why`)."""

    kind: str
    code: str = ""
    point: str = ""
    text: str = ""
    why: str = ""


def read_event(fields: Mapping[str, Any], *, code: str = "",
               clear_on: str = "inactive") -> Reading:
    """One notification, judged on its own; the receiver keeps the state between them."""
    etype = _text(fields.get("EventType"))
    if etype == REFRESH_START:
        return Reading("refresh_start")
    if etype == REFRESH_END:
        return Reading("refresh_end")
    name = code or _text(fields.get("ConditionName"))
    point = _text(fields.get("SourceName"))
    if not name:
        return Reading("ignore", why="an event that is not a condition (no ConditionName)")
    active = fields.get("ActiveState/Id")
    retain = fields.get("Retain")
    if not isinstance(active, bool):
        if not isinstance(retain, bool):
            return Reading("ignore", name, point, why="neither ActiveState/Id nor Retain")
        active = retain
    if active:
        return Reading("alarm", name, point, _text(fields.get("Message")))
    acked = fields.get("AckedState/Id")
    if clear_on == "inactive_and_acked" and acked is False:
        return Reading("standing", name, point)
    return Reading("clear", name, point)


def _text(value: Any) -> str:
    if value is None:
        return ""
    text = getattr(value, "Text", value)  # a LocalizedText not yet turned into text
    return text if isinstance(text, str) else str(text)
