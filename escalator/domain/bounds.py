"""One place where text, whole numbers and dates from a request are read and bounded.

Every door (ack page, operator API, maintenance API, safety register, board, voice,
intake) reads what a client typed through these functions before anything is
stored or compared, because what Python accepts is wider than what the stores take:

- `int()` reads `"٣"` (Arabic-Indic three), `" 5"`, `"1_000"` and `"+5"`, and
  `"²".isdigit()` is true while `int("²")` raises: a door that checks `isdigit()`
  and then calls `int()` answered 500. Only ASCII digits are a number here.
- A 30-digit id or cursor is a fine Python int but PostgreSQL's BIGINT (and
  SQLite's INTEGER) end at 2**63 - 1: the query failed with a 500.
- `0001-01-01` is a valid date, but moving it into UTC overflows (500); a date
  outside 2000..2100 is never meant for an alarm service.
- JSON may carry a lone surrogate (`"\\ud800"`) and any text may carry NUL;
  PostgreSQL refuses both, and the refusal used to read as an outage (503
  "retry later"), so clients retried for ever. Intake cleans such text
  (escalator/codecs/clean.py); a person's note is refused with the reason instead,
  since changing what someone wrote would put words in their mouth.

Each function raises `BadInput` naming the field and saying what is expected;
doors turn it into a 4xx in their own protocol (entrypoints/http/server.py). The
reason never echoes more than a few characters of the value.
"""

from __future__ import annotations

import re
from datetime import datetime

SURROGATE = re.compile("[\ud800-\udfff]")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
MAX_ID = 2**63 - 1  # PostgreSQL BIGINT, SQLite INTEGER: the ids the stores can hold
MAX_MINUTES = 10**6  # a snooze length as typed, before the guards ask if it is offered
FIRST_YEAR, LAST_YEAR = 2000, 2100
_SHOWN = 20  # characters of a bad value echoed back in a reason


class BadInput(ValueError):
    """A request value no rule or store can take; `reason` tells the client why."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(reason)
        self.name = name
        self.reason = reason  # a whole sentence naming the field


def shown(value: object) -> str:
    """The start of a bad value for a reason, printable whatever it holds."""
    text = str(value)
    short = text[:_SHOWN] + ("..." if len(text) > _SHOWN else "")
    return repr(short.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace"))


def unstorable(value: str) -> str | None:
    """Why no store can keep this text (a NUL, a lone surrogate), or None."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    return "contains a NUL character" if found.group() == "\x00" else \
        "contains a broken character (a lone UTF-16 surrogate)"


def text(value: object, name: str, max_len: int, *, required: bool = False) -> str:
    """A string of at most `max_len` characters that every store accepts, stripped."""
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise BadInput(name, f"{name}: expected a string of at most {max_len} characters")
    if len(value) > max_len:
        raise BadInput(name, f"{name}: at most {max_len} characters, got {len(value)}")
    why = unstorable(value)
    if why is not None:
        raise BadInput(name, f"{name}: {why}")
    if required and not value.strip():
        raise BadInput(name, f"{name}: required, a string of at most {max_len} characters")
    return value.strip()


def whole(value: object, name: str, low: int, high: int) -> int:
    """A whole number from `low` to `high`: a JSON integer, or ASCII digits only."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() \
            and len(value) <= len(str(high)):
        number = int(value)
    if number is None or not low <= number <= high:
        raise BadInput(name, f"{name} must be a whole number from {low} to {high}, "
                             f"got {shown(value)}")
    return number


def whole_or_none(value: object, name: str, low: int, high: int) -> int | None:
    """`whole`, or None for anything else: for what a page only shows, never stores."""
    try:
        return whole(value, name, low, high)
    except BadInput:
        return None


def row_id(value: object, name: str) -> int:
    """An id in a URL or a cursor: a whole number the stores' integer columns can hold."""
    return whole(value, name, 0, MAX_ID)


def moment(value: datetime, name: str) -> datetime:
    """A parsed date or time within 2000..2100, so converting it to UTC cannot overflow."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise BadInput(name, f"{name}: expected a date from {FIRST_YEAR} to {LAST_YEAR}, "
                             f"got {value.date().isoformat()}")
    return value


def date_text(value: str, name: str) -> str:
    """A date or time as typed, refused before parsing if its year is outside the range
    (`datetime.fromisoformat` reads year 1, and converting it to UTC overflows)."""
    head = value.strip()[:4]
    if len(head) == 4 and head.isascii() and head.isdigit() \
            and not FIRST_YEAR <= int(head) <= LAST_YEAR:
        raise BadInput(name, f"{name}: expected a date from {FIRST_YEAR} to {LAST_YEAR}, "
                             f"got {shown(value)}")
    return value
