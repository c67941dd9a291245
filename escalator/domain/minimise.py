"""What may leave the service in a record, a report or a spreadsheet (issue 19, point 5).

A purchaser's read-only link, the weekly summary and its mail are read by
people outside the care home. They name parties; they never show a party's
phone number, e-mail address, chat id or webhook URL (which may carry an api
key). The dispatcher stores a failed send as "<channel> <address>: <error>",
so those texts are cut down here to the channel's kind and a reason that holds
nothing address-like; anything doubtful is left out rather than shown.

CSV files are opened in spreadsheets, where a cell beginning with `=`, `+`,
`-`, `@`, a tab or a carriage return is read as a formula (`=HYPERLINK(...)`,
`-2+3+cmd|' /C calc'!A0` from an alarm point). Every CSV writer passes its
cells through `cell()`, which prefixes such a cell with `'` as OWASP advises.
"""

from __future__ import annotations

import re

CHANNEL_KINDS = ("telegram", "email", "sms", "voice", "webhook", "dect", "pager")

# "<channel> <address>: <reason>" as the dispatcher writes a failed send
_SENT_TO = re.compile(r"^(?:log:)?(?P<kind>[a-z]+) \S.*?: (?P<reason>.*)$", re.DOTALL)
# what an address looks like in an exception's text: URLs, e-mail, numbers, hosts
_ADDRESS_LIKE = re.compile(
    r"[a-z][a-z0-9+.-]*://"  # a URL
    r"|@"  # an e-mail address or a Telegram @name
    r"|\d[\d\s().-]{4,}\d"  # a phone number or a chat id (six digits and more)
    r"|\d{1,3}(?:\.\d{1,3}){3}"  # an IPv4 address
    r"|\[?[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,}"  # an IPv6 address
    r"|[a-z0-9-]+(?:\.[a-z0-9-]+)+(?::\d+)?"  # a host name (smtp.example.com:587)
    r"|key|token|secret|password",
    re.IGNORECASE)
MAX_REASON = 90
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def channel_kind(channel: str | None, error: str | None = None) -> str:
    """The kind of channel (`telegram`, `sms`, …) of a delivery: its stored channel
    (`log:sms` is still sms), or, when it never went out, the kind its error names."""
    for value in (channel, (error or "").split(" ", 1)[0]):
        kind = (value or "").removeprefix("log:")
        if kind in CHANNEL_KINDS:
            return kind
    return ""


def failure_reason(error: str | None) -> str:
    """The reason a send failed, without the address it was sent to, or "" when the
    reason itself holds anything that looks like an address, a number or a key."""
    text = (error or "").strip()
    found = _SENT_TO.match(text)
    if found and found["kind"] in CHANNEL_KINDS:
        text = found["reason"].strip()
    if not text or _ADDRESS_LIKE.search(text):
        return ""
    return text if len(text) <= MAX_REASON else text[:MAX_REASON - 1] + "…"


def cell(value: object) -> object:
    """One CSV cell as a spreadsheet may open it: text that would start a formula gets
    a leading `'`; numbers stay numbers (a negative figure is not a formula)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def row(values: list[object] | tuple[object, ...]) -> list[object]:
    return [cell(v) for v in values]
