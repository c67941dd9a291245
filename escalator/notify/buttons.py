"""Button callback data: `<action>:<incident id>`, at most 64 bytes (Telegram's limit).

The action names are the core's (`acknowledge:17`, `false_alarm:17`,
`resolve:17`, `escalate:17`); a snooze carries its length in minutes in the
action part (`snooze15:17`, `snooze60:17`) so one tap is enough; so does "on my way,
there in" (`en_route60:17`), and "on site" (`on_site:17`) needs none. Nothing
else is encoded: the incident's current state is always read from storage,
so an old button can never act on stale information.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from escalator.domain.guards import ARRIVAL_CHOICES, CARD_SNOOZES, DEFAULT_SNOOZE
from escalator.domain.model import Action

MAX_BYTES = 64  # Telegram rejects longer callback data
SNOOZE_CHOICES = CARD_SNOOZES  # minutes offered on the card (domain/guards.py)
BUTTON_ACTIONS = (Action.ACKNOWLEDGE, Action.EN_ROUTE, Action.ON_SITE, Action.FALSE_ALARM,
                  Action.RESOLVE, Action.SNOOZE, Action.ESCALATE)
_PATTERN = re.compile(r"^(acknowledge|on_site|false_alarm|resolve|escalate|snooze(\d{1,5})"
                      r"|en_route(\d{1,5})):(\d{1,12})$")


@dataclass(frozen=True)
class Press:
    """What a button asks for."""

    action: Action
    incident_id: int
    minutes: int | None = None


def encode(action: Action, incident_id: int, minutes: int | None = None) -> str:
    """The callback data for one button; raises if it would not fit Telegram's limit."""
    if action is Action.SNOOZE:
        data = f"snooze{minutes or DEFAULT_SNOOZE}:{incident_id}"
    elif action is Action.EN_ROUTE:
        data = f"en_route{minutes or ARRIVAL_CHOICES[1]}:{incident_id}"
    else:
        data = f"{action.value}:{incident_id}"
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data longer than {MAX_BYTES} bytes: {data!r}")
    return data


def parse(data: str | None) -> Press | None:
    """The press a button's data names, or None for data this service never made."""
    match = _PATTERN.match(data or "")
    if match is None:
        return None
    name, minutes, arrive_in, incident = match.groups()
    if minutes is not None:
        value = int(minutes)
        if value not in SNOOZE_CHOICES:  # only the lengths the card offers
            return None
        return Press(Action.SNOOZE, int(incident), value)
    if arrive_in is not None:
        if int(arrive_in) not in ARRIVAL_CHOICES:  # only the times that may be promised
            return None
        return Press(Action.EN_ROUTE, int(incident), int(arrive_in))
    return Press(Action(name), int(incident))
