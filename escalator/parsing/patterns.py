"""User-written patterns (e-mail and ESPA rules), run with a linear-time engine.

Python's `re` backtracks: a rule such as `Maavuoto (?P<where>.+) alkoi` takes
time quadratic in a hostile Subject's length, and it would run on the event
loop, so one e-mail could freeze every alarm. RE2 guarantees time linear in
the text, so a rule can never stall intake, whatever it is matched against.
RE2 has no look-around and no back-references; `config check` refuses those
with a clear message.

Rules are written the Python way, so two Python habits are kept: `\\w` means
a Unicode word character (RE2's is ASCII only, which would miss "ä" in a
Finnish room name), and matching ignores case across lines (`(?im)`).
"""

from __future__ import annotations

import functools
import re
from typing import Any

import re2  # type: ignore[import-untyped]

WORD = r"\p{L}\p{N}_"


class PatternError(ValueError):
    """The pattern is not valid for the linear-time engine; the message says why."""


def translate(pattern: str) -> str:
    r"""`\w` -> Unicode word characters, inside and outside `[...]`; `\W` outside."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if nxt == "w":
                out.append(WORD if in_class else f"[{WORD}]")
            elif nxt == "W" and not in_class:
                out.append(f"[^{WORD}]")
            else:
                out.append(pattern[i:i + 2])
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
            out.append(ch)
            # a `]` or `^]` right after the opening bracket is a literal member
            if pattern.startswith("^", i + 1):
                out.append("^")
                i += 1
            if pattern.startswith("]", i + 1):
                out.append("]")
                i += 1
        elif ch == "]" and in_class:
            in_class = False
            out.append(ch)
        else:
            out.append(ch)
        i += 1
    return "".join(out)


@functools.lru_cache(maxsize=512)
def compile_rule(pattern: str) -> Any:
    """The compiled rule (case-insensitive, multi-line); PatternError if RE2 refuses it."""
    try:
        re.compile(pattern)  # compiling only: Python's messages name the position
    except re.error as exc:
        raise PatternError(f"{exc.msg} at position {exc.pos}") from None
    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile("(?im)" + translate(pattern), options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        reason = str(reason).replace("(?im)", "")
        raise PatternError(
            f"not supported: {reason} (rules use RE2 syntax, which runs in linear time: "
            "no look-around, no back-references)") from None


def search(pattern: str, text: str) -> dict[str, str] | None:
    """The named groups of the first match (missing ones as ""), or None."""
    found = compile_rule(pattern).search(text)
    if found is None:
        return None
    return {k: v or "" for k, v in found.groupdict().items()}
