"""One place where text from a device becomes text every channel and store accepts.

An event we accepted must reach people: a CR/LF in `point` ends up in an
e-mail Subject (and the mail library then refuses every mail about the
incident), a NUL in `text` is refused by PostgreSQL (a poison event the
sender retries for ever), a lone surrogate (JSON `"\\ud800"`, or an 8-bit
header decoded with `surrogateescape`) cannot be encoded as UTF-8 at all.
So every intake (webhook, SIA, ESPA, e-mail, MQTT, poll) passes its fields
through these two functions before the event exists:

- `one_line` (code, point, severity, ids): every control character (C0, DEL,
  C1) and the Unicode line/paragraph separators become a space; runs of
  spaces fold into one; ends are stripped.
- `multi_line` (text): the same, except that line breaks survive as `\\n`
  (CR LF and lone CR become LF), because a body may have several lines.

Both replace surrogates with U+FFFD, so the result always encodes as UTF-8.
"""

from __future__ import annotations

import re

from escalator.domain.bounds import SURROGATE as _SURROGATE

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u0085]")
_CONTROL_KEEP_LF = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u0085]")
_SPACES = re.compile(" {2,}")
_BLANK_LINES = re.compile("\n{3,}")


def one_line(value: str) -> str:
    """A single line with no control characters, valid UTF-8, stripped."""
    value = _SURROGATE.sub("\ufffd", value)
    value = _CONTROL.sub(" ", value)
    return _SPACES.sub(" ", value).strip()


def multi_line(value: str) -> str:
    """Lines joined by LF, no other control characters, valid UTF-8, stripped."""
    value = _SURROGATE.sub("\ufffd", value)
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL_KEEP_LF.sub(" ", value)
    value = _SPACES.sub(" ", value)
    value = "\n".join(line.strip() for line in value.split("\n"))
    return _BLANK_LINES.sub("\n\n", value).strip()


def event_id(value: str) -> str:
    """A sender's id, unchanged when clean; else escaped, so two ids stay two ids."""
    if _SURROGATE.search(value) or _CONTROL.search(value):
        return value.encode("unicode_escape").decode("ascii")
    return value
