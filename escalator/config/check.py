"""The small validators every section is built from.

Every check reports through `Problems` as `FILE:LINE: PATH: found X, expected
Y`, so a person reading the output of `escalator config check` can go
straight to the line, and sees both what is wrong and what would be right.
Checks return None on failure and keep going: all problems are collected in
one run instead of one per attempt.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

from escalator.config.yamlmarks import MarkedList, MarkedMap
from escalator.domain.hours import DURATION_EXPECTED, HOURS_EXPECTED, WeeklyHours, parse_duration
from escalator.redact import redact

ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
GUESS_CUTOFF = 0.6  # difflib's default: close enough to be the intended word
ENV_EXPECTED = "an environment variable name like ESCALATOR_TOKEN (A-Z, 0-9, _)"


class Problems:
    """Errors and warnings of one load, with the line of every path seen.

    Lines are remembered per path because some checks (unset secrets) run on
    the built Config, after the YAML nodes are gone.
    """

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self._errors: list[tuple[int, str]] = []
        self._warnings: list[tuple[int, str]] = []
        self.lines: dict[str, int] = {}

    @property
    def errors(self) -> list[str]:
        """In file order, so the list reads top to bottom like the file."""
        return [text for _, text in sorted(self._errors, key=lambda e: e[0])]

    @property
    def warnings(self) -> list[str]:
        return [text for _, text in sorted(self._warnings, key=lambda e: e[0])]

    @property
    def count(self) -> int:
        return len(self._errors)

    def where(self, line: int, path: str) -> str:
        prefix = f"{self.filename}:{line}" if line else self.filename
        return f"{prefix}: {path}: " if path else f"{prefix}: "

    def add(self, line: int, message: str) -> None:
        """A problem with no config path (a duplicate key found while reading YAML)."""
        self._errors.append((line, self.where(line, "") + redact(message)))

    def error(self, at: At, message: str) -> None:
        """Messages quote what was found; `redact` masks a bot token or known secret in it."""
        self._errors.append((at.line, self.where(at.line, at.path) + redact(message)))

    def warn(self, at: At, message: str) -> None:
        self._warnings.append((at.line, self.where(at.line, at.path) + redact(message)))

    def bad(self, at: At, expected: str, detail: str | None = None) -> None:
        """The common shape: what was found, why it is wrong, what would be right."""
        why = f" ({detail})" if detail else ""
        self.error(at, f"found {describe(at.value)}{why}, expected {expected}")

    def line_for(self, path: str) -> int:
        """The line of `path` or of its nearest ancestor that was in the file; 0 if none."""
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return 0


@dataclass(frozen=True)
class At:
    """A value together with the line and dotted path it came from."""

    value: Any
    line: int  # 0: not in the file (a default)
    path: str

    def key(self, key: str) -> At | None:
        """The entry `key` of this mapping, or None when absent."""
        if not isinstance(self.value, dict) or key not in self.value:
            return None
        return At(self.value[key], _key_line(self.value, key, self.line), self.sub(key))

    def sub(self, key: Any) -> str:
        return f"{self.path}.{key}" if self.path else str(key)

    def items(self) -> Iterator[At]:
        """The items of this list, each with its own line and `[i]` path."""
        for i, value in enumerate(self.value):
            line = self.value.item_line(i) if isinstance(self.value, MarkedList) else self.line
            yield At(value, line, f"{self.path}[{i}]")

    def entries(self) -> Iterator[tuple[Any, At]]:
        """The (key, value) pairs of this mapping, in file order."""
        for key, value in self.value.items():
            yield key, At(value, _key_line(self.value, key, self.line), self.sub(key))


def _key_line(mapping: dict, key: Any, default: int) -> int:
    return mapping.key_line(key) if isinstance(mapping, MarkedMap) else default


def describe(value: Any) -> str:
    """A value as the person wrote it, short enough for one line."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= 60 else text[:57] + '..."'
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def did_you_mean(word: Any, known: Collection[str]) -> str:
    """` (did you mean 'x'?)` for a near miss, else ''."""
    close = difflib.get_close_matches(str(word), list(known), n=1, cutoff=GUESS_CUTOFF)
    return f" (did you mean {close[0]!r}?)" if close else ""


def one_of(options: Collection[str]) -> str:
    items = [repr(o) for o in options]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def mapping(
    problems: Problems, at: At, allowed: Collection[str], required: Collection[str] = (),
    *, expected: str = "a mapping",
) -> dict | None:
    """Type-check a mapping, report unknown keys (with a guess) and missing ones.

    A misspelt required key is reported once, as the misspelling: "missing"
    on top of "did you mean" would only repeat it.
    """
    if not isinstance(at.value, dict):
        problems.bad(at, expected)
        return None
    problems.lines[at.path] = at.line
    guessed = set()
    for key, entry in at.entries():
        if key in allowed:
            problems.lines[entry.path] = entry.line
            continue
        guess = difflib.get_close_matches(str(key), list(allowed), n=1, cutoff=GUESS_CUTOFF)
        guessed.update(guess)
        hint = f" (did you mean {guess[0]!r}?)" if guess else ""
        problems.error(At(key, entry.line, at.path), f"unknown key {str(key)!r}{hint}")
    for key in required:
        if key not in at.value and key not in guessed:
            problems.error(at, f"missing required key {key!r}")
    return at.value


def sequence(problems: Problems, at: At, expected: str, *, non_empty: bool = False) -> bool:
    if not isinstance(at.value, list):
        problems.bad(at, expected)
        return False
    if non_empty and not at.value:
        problems.error(at, f"found an empty list, expected {expected}")
        return False
    problems.lines[at.path] = at.line
    for item in at.items():
        problems.lines[item.path] = item.line
    return True


def text(problems: Problems, at: At, expected: str = "text") -> str | None:
    if not isinstance(at.value, str) or not at.value.strip():
        problems.bad(at, expected)
        return None
    return at.value.strip()


def identifier(problems: Problems, at: At, expected: str) -> str | None:
    """Ids are compared as text; YAML would happily make `123` or `yes` non-text."""
    if not isinstance(at.value, str) or not at.value.strip():
        problems.bad(at, expected)
        return None
    return at.value


def integer(
    problems: Problems, at: At, minimum: int | None = None, maximum: int | None = None,
) -> int | None:
    """Booleans are ints in Python; `loops: yes` is a mistake, not 1."""
    span = _span(minimum, maximum)
    if isinstance(at.value, bool) or not isinstance(at.value, int):
        problems.bad(at, f"a whole number{span}")
        return None
    if (minimum is not None and at.value < minimum) or (maximum is not None and at.value > maximum):
        problems.bad(at, f"a whole number{span}")
        return None
    return at.value


def _span(minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        return f" from {minimum} to {maximum}"
    if minimum is not None:
        return f" of at least {minimum}"
    return f" of at most {maximum}" if maximum is not None else ""


def boolean(problems: Problems, at: At) -> bool | None:
    if not isinstance(at.value, bool):
        problems.bad(at, "true or false")
        return None
    return at.value


def choice(problems: Problems, at: At, options: Collection[str]) -> str | None:
    if isinstance(at.value, str) and at.value in options:
        return at.value
    hint = did_you_mean(at.value, options) if isinstance(at.value, str) else ""
    problems.error(at, f"found {describe(at.value)}, expected {one_of(options)}{hint}")
    return None


def duration(problems: Problems, at: At) -> timedelta | None:
    try:
        return parse_duration(at.value)
    except ValueError as exc:
        why = str(exc)
    value = at.value
    if isinstance(value, int | float) and not isinstance(value, bool):
        problems.bad(at, DURATION_EXPECTED, "a number without a unit")
    elif why.startswith("a duration must be longer"):
        problems.bad(at, "a duration longer than zero")
    elif why.startswith("unknown unit"):
        problems.bad(at, DURATION_EXPECTED, why)
    else:
        problems.bad(at, DURATION_EXPECTED)
    return None


def hours(problems: Problems, at: At) -> WeeklyHours | None:
    if not isinstance(at.value, str):
        problems.bad(at, HOURS_EXPECTED)
        return None
    try:
        return WeeklyHours.parse(at.value)
    except ValueError as exc:
        problems.bad(at, HOURS_EXPECTED, str(exc))
        return None


def env_name(problems: Problems, at: At) -> str | None:
    if isinstance(at.value, str) and ENV_NAME.match(at.value):
        return at.value
    # Never echo the value: this is where a secret pasted into the file would be shown
    # (config check, the log, the reload API's answer, /healthz).
    problems.error(at, f"found {_kind_of(at.value)} (not shown: it may be a secret), "
                       f"expected {ENV_EXPECTED}")
    return None


def _kind_of(value: Any) -> str:
    if isinstance(value, str):
        return f"text of {len(value)} characters" if value else "empty text"
    return "an empty value" if value is None else f"a {type(value).__name__}"


def http_url(problems: Problems, at: At) -> str | None:
    if isinstance(at.value, str) and is_http_url(at.value):
        return at.value.strip()
    problems.bad(at, "an http:// or https:// URL")
    return None


def is_http_url(value: str) -> bool:
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in value.strip()


def names(problems: Problems, at: At, what: str, *, non_empty: bool = True) -> list[At]:
    """A single name or a list of names (`notify: manager` reads naturally too)."""
    if isinstance(at.value, str) and at.value.strip():
        return [at]
    if not sequence(problems, at, f"a list of {what}s", non_empty=non_empty):
        return []
    found = []
    for item in at.items():
        if isinstance(item.value, str) and item.value.strip():
            found.append(item)
        else:
            problems.bad(item, f"a {what}")
    return found


def reference(problems: Problems, at: At, known: Collection[str], what: str) -> str | None:
    """A name that must point at something defined elsewhere in the file."""
    if at.value in known:
        return at.value
    problems.error(at, f"unknown {what} {str(at.value)!r}{did_you_mean(at.value, known)}")
    return None
