"""What an SMS reply says: `1` takes, `2` passes on, `3 30` snoozes, and which alarm.

A nurse without a smartphone answers the alarm SMS from any handset, so the
reply is a digit, an optional number of minutes (only after `3`) and an optional
short code ("K7", printed as "#K7" in every alarm SMS) naming the alarm when
the number has several open. Anything else is not an answer: the reply says how
to answer and nothing changes. Pure: the door reads the text here, the answer use
case decides whether it may be done (the guard table, `max_snooze`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from escalator.domain.model import Action

KEYS: dict[str, Action] = {"1": Action.ACKNOWLEDGE, "2": Action.ESCALATE,
                           "3": Action.SNOOZE}
CODE_LETTER = "K"  # "#K7": a letter, so a code is never read as snooze minutes
MAX_TEXT = 160  # a reply longer than one SMS is not an answer
_REPLY = re.compile(
    r"^(?P<key>[0-9])"  # the answer's digit
    r"(?:\s+(?P<minutes>[0-9]{1,4}))?"  # minutes, after 3 only
    r"(?:\s*#?\s*(?P<code>[A-Za-z][0-9]{1,9}))?$",  # the alarm's code
    re.ASCII)


def short_code(incident_id: int) -> str:
    """The alarm's code as the SMS prints it (without the '#'): K7 for incident 7."""
    return f"{CODE_LETTER}{incident_id}"


@dataclass(frozen=True)
class Reply:
    """A reply read: the answer, its minutes and the alarm it names (None: not named)."""

    action: Action
    minutes: int | None = None
    incident_id: int | None = None


def read(text: str) -> Reply | None:
    """The answer in an SMS reply; None when the text is not one (say how to answer).

    Case, spaces around and a trailing full stop are forgiven ("1 k7.", " 3 30 ");
    a code with another letter, minutes after 1 or 2, or anything longer than one
    SMS are not."""
    if len(text) > MAX_TEXT:
        return None
    found = _REPLY.match(" ".join(text.split()).rstrip(".").strip())
    if found is None or found["key"] not in KEYS:
        return None
    action = KEYS[found["key"]]
    minutes = found["minutes"]
    if minutes is not None and action is not Action.SNOOZE:
        return None
    code = found["code"]
    if code is not None and code[0].upper() != CODE_LETTER:
        return None
    return Reply(action, int(minutes) if minutes is not None else None,
                 int(code[1:]) if code is not None else None)

