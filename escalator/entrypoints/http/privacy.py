"""What a page may show of other people: names, never their addresses or account ids.

An ack link goes to outside companies too. Timeline details can carry an
e-mail address (a failed delivery), a phone number, a Telegram user or chat id
(who pressed a button, a refused attempt); the page shows them with those
parts replaced, so a contractor learns who handled the alarm, not how to reach
the night nurse.
"""

from __future__ import annotations

import re

HIDDEN = "…"
_PATTERNS = (
    re.compile(r"\s*\((?:Telegram|telegram) -?\d+\)"),  # "Anna (Telegram 1001)" -> "Anna"
    re.compile(r"(?i)\b(?:telegram user|chat|user)\s+(-?\d{4,}|@\w+)"),
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),  # e-mail addresses
    re.compile(r"(?<![\w-])\+\d[\d \-]{6,}\d"),  # international phone numbers
    re.compile(r"(?<![\w.:-])0\d{1,3}[ -]?\d{5,}(?![\w:])"),  # national ones: 040 1234567
    re.compile(r"(?<![\w-])-100\d{6,}"),  # Telegram group ids
)


def scrub(text: str) -> str:
    """`text` with addresses, phone numbers and Telegram ids replaced."""
    for pattern in _PATTERNS:
        text = pattern.sub(_replacement(pattern), text)
    return text


def _replacement(pattern: re.Pattern[str]) -> str:
    return "" if pattern is _PATTERNS[0] else HIDDEN
