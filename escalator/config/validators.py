"""The small validators every section is built from.

Every check reports through `Problems` as `FILE:LINE: PATH: found X, expected
Y`, so a person reading the output of `escalator config check` can go
straight to the line, and sees both what is wrong and what would be right.
What is stored is a reason code and its parameters (`escalator.config.problem`),
so the board's editor can say the same in Finnish or Swedish: the English `X`
and `Y` are `cfg.value.*` and `cfg.want.*` phrases, never text glued here.
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

from escalator.config.problem import Alternatives, ConfigProblem, Phrase, aside, phrase
from escalator.config.yamlmarks import MarkedList, MarkedMap
from escalator.domain.hours import Unreadable, WeeklyHours, parse_duration

ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
GUESS_CUTOFF = 0.6  # difflib's default: close enough to be the intended word
DURATION = phrase("cfg.want.duration")  # "a duration like 30s, 5m, ..."


class Problems:
    """Errors and warnings of one load, with the line of every path seen.

    Lines are remembered per path because some checks (unset secrets) run on
    the built Config, after the YAML nodes are gone. Each problem is a reason
    code (a `cfg.*` catalogue key) and parameters (`escalator.config.problem`):
    `config check` prints it in English, the board's editor in the reader's language.
    """

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self._errors: list[ConfigProblem] = []
        self._warnings: list[ConfigProblem] = []
        self.lines: dict[str, int] = {}

    @property
    def errors(self) -> list[str]:
        """In file order, so the list reads top to bottom like the file."""
        return [p for p in sorted(self._errors, key=_line)]

    @property
    def warnings(self) -> list[str]:
        return [p for p in sorted(self._warnings, key=_line)]

    @property
    def count(self) -> int:
        return len(self._errors)

    def add(self, line: int, code: str, **params: Any) -> None:
        """A problem with no config path (a duplicate key found while reading YAML)."""
        self._errors.append(ConfigProblem(self.filename, line, "", code, params))

    def error(self, at: At, code: str, **params: Any) -> None:
        """Parameters quote what was found; `redact` masks a bot token or known secret in it."""
        self._errors.append(ConfigProblem(self.filename, at.line, at.path, code, params))

    def warn(self, at: At, code: str, **params: Any) -> None:
        self._warnings.append(ConfigProblem(self.filename, at.line, at.path, code, params))

    def bad(self, at: At, expected: Phrase | str, detail: Phrase | str | None = None) -> None:
        """The common shape: what was found, why it is wrong, what would be right.

        `expected` is a `cfg.want.*` phrase; `detail` a `cfg.why.*` phrase, or a
        library's own words (an OS error) shown as they are."""
        if detail is None:
            self.error(at, "cfg.found_expected", found=describe(at.value), expected=expected)
        else:
            self.error(at, "cfg.found_why_expected", found=describe(at.value), why=detail,
                       expected=expected)

    def line_for(self, path: str) -> int:
        """The line of `path` or of its nearest ancestor that was in the file; 0 if none."""
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return 0


def _line(problem: ConfigProblem) -> int:
    return problem.line


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


def describe(value: Any) -> str | Phrase:
    """A value as the person wrote it, short enough for one line; its kind in words
    (a phrase, in the reader's language) when it has no short spelling."""
    if value is None:
        return phrase("cfg.value.empty")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= 60 else text[:57] + '..."'
    if isinstance(value, dict):
        return phrase("cfg.value.mapping")
    if isinstance(value, list):
        return phrase("cfg.value.list")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def did_you_mean(word: Any, known: Collection[str]) -> Phrase | str:
    """` (did you mean 'x'?)` for a near miss, else ''."""
    close = difflib.get_close_matches(str(word), list(known), n=1, cutoff=GUESS_CUTOFF)
    return guess(close[0]) if close else ""


def guess(word: str) -> Phrase:
    return aside("cfg.hint.did_you_mean", guess=repr(word))


def one_of(options: Collection[str]) -> Alternatives:
    return Alternatives(tuple(repr(o) for o in options))


def mapping(
    problems: Problems, at: At, allowed: Collection[str], required: Collection[str] = (),
    *, expected: Phrase | None = None,
) -> dict | None:
    """Type-check a mapping, report unknown keys (with a guess) and missing ones.

    A misspelt required key is reported once, as the misspelling: "missing"
    on top of "did you mean" would only repeat it.
    """
    if not isinstance(at.value, dict):
        problems.bad(at, expected or phrase("cfg.want.mapping"))
        return None
    problems.lines[at.path] = at.line
    guessed = set()
    for key, entry in at.entries():
        if key in allowed:
            problems.lines[entry.path] = entry.line
            continue
        guess = difflib.get_close_matches(str(key), list(allowed), n=1, cutoff=GUESS_CUTOFF)
        guessed.update(guess)
        problems.error(At(key, entry.line, at.path), "cfg.unknown_key", keyname=repr(str(key)),
                       hint=_guess_of(guess))
    for key in required:
        if key not in at.value and key not in guessed:
            problems.error(at, "cfg.missing_key", keyname=repr(key))
    return at.value


def _guess_of(close: list[str]) -> Phrase | str:
    return guess(close[0]) if close else ""


def sequence(problems: Problems, at: At, expected: Phrase, *, non_empty: bool = False) -> bool:
    if not isinstance(at.value, list):
        problems.bad(at, expected)
        return False
    if non_empty and not at.value:
        problems.error(at, "cfg.empty_list", expected=expected)
        return False
    problems.lines[at.path] = at.line
    for item in at.items():
        problems.lines[item.path] = item.line
    return True


def text(problems: Problems, at: At, expected: Phrase | None = None) -> str | None:
    if not isinstance(at.value, str) or not at.value.strip():
        problems.bad(at, expected or phrase("cfg.want.text"))
        return None
    return at.value.strip()


def identifier(problems: Problems, at: At, expected: Phrase) -> str | None:
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
        problems.bad(at, span)
        return None
    if (minimum is not None and at.value < minimum) or (maximum is not None and at.value > maximum):
        problems.bad(at, span)
        return None
    return at.value


def _span(minimum: int | None, maximum: int | None) -> Phrase:
    if minimum is not None and maximum is not None:
        return phrase("cfg.want.whole_number_from_to", low=minimum, high=maximum)
    if minimum is not None:
        return phrase("cfg.want.whole_number_at_least", low=minimum)
    if maximum is not None:
        return phrase("cfg.want.whole_number_at_most", high=maximum)
    return phrase("cfg.want.whole_number")


def boolean(problems: Problems, at: At) -> bool | None:
    if not isinstance(at.value, bool):
        problems.bad(at, phrase("cfg.want.boolean"))
        return None
    return at.value


def choice(problems: Problems, at: At, options: Collection[str]) -> str | None:
    if isinstance(at.value, str) and at.value in options:
        return at.value
    hint = did_you_mean(at.value, options) if isinstance(at.value, str) else ""
    problems.error(at, "cfg.found_expected_hint", found=describe(at.value),
                   expected=one_of(options), hint=hint)
    return None


def duration(problems: Problems, at: At) -> timedelta | None:
    try:
        return parse_duration(at.value)
    except ValueError as exc:
        why = str(exc)
        reason = exc
    value = at.value
    if isinstance(value, int | float) and not isinstance(value, bool):
        problems.bad(at, DURATION, phrase("cfg.why.no_unit"))
    elif why.startswith("a duration must be longer"):
        problems.bad(at, phrase("cfg.want.duration_above_zero"))
    elif why.startswith("unknown unit"):
        problems.bad(at, DURATION, why_of(reason))
    else:
        problems.bad(at, DURATION)
    return None


def why_of(exc: Exception) -> Phrase | str:
    """Why a value could not be read: our own reason in words of the reader's language
    (`Unreadable`), or a library's own words as they are."""
    if isinstance(exc, Unreadable):
        return phrase(exc.code, **exc.params)
    return str(exc)


def hours(problems: Problems, at: At) -> WeeklyHours | None:
    expected = phrase("cfg.want.hours")
    if not isinstance(at.value, str):
        problems.bad(at, expected)
        return None
    try:
        return WeeklyHours.parse(at.value)
    except ValueError as exc:
        problems.bad(at, expected, why_of(exc))
        return None


def env_name(problems: Problems, at: At) -> str | None:
    if isinstance(at.value, str) and ENV_NAME.match(at.value):
        return at.value
    # Never echo the value: this is where a secret pasted into the file would be shown
    # (config check, the log, the reload API's answer, /healthz).
    problems.error(at, "cfg.secret_in_file", found=_kind_of(at.value),
                   expected=phrase("cfg.want.env_name"))
    return None


def _kind_of(value: Any) -> Phrase:
    if isinstance(value, str):
        return phrase("cfg.value.text_of", n=len(value)) if value \
            else phrase("cfg.value.empty_text")
    return phrase("cfg.value.empty") if value is None \
        else phrase("cfg.value.a_type", type=type(value).__name__)


def http_url(problems: Problems, at: At) -> str | None:
    if isinstance(at.value, str) and is_http_url(at.value):
        return at.value.strip()
    problems.bad(at, phrase("cfg.want.http_url"))
    return None


def is_http_url(value: str) -> bool:
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in value.strip()


def names(problems: Problems, at: At, what: str, *, non_empty: bool = True) -> list[At]:
    """A single name or a list of names (`notify: manager` reads naturally too).

    `what` names the kind of id (`party_id`, `target_id`, `source_id`, `recipient`):
    the phrases `cfg.want.list_of.WHAT` and `cfg.want.one.WHAT` say it."""
    if isinstance(at.value, str) and at.value.strip():
        return [at]
    if not sequence(problems, at, phrase(f"cfg.want.list_of.{what}"), non_empty=non_empty):
        return []
    found = []
    for item in at.items():
        if isinstance(item.value, str) and item.value.strip():
            found.append(item)
        else:
            problems.bad(item, phrase(f"cfg.want.one.{what}"))
    return found


def reference(problems: Problems, at: At, known: Collection[str], what: str) -> str | None:
    """A name that must point at something defined elsewhere in the file
    (`what`: party, target, source or ladder; the sentence is `cfg.unknown.WHAT`)."""
    if at.value in known:
        return at.value
    problems.error(at, f"cfg.unknown.{what}", name=repr(str(at.value)),
                   hint=did_you_mean(at.value, known))
    return None
