"""A config problem as a reason code and parameters, rendered in the reader's language.

A problem is found once (by the loader, a section's check, a channel) and read in
several places: `escalator config check` prints it in English, the board's editor
shows it in the manager's Finnish or Swedish. So what is stored is the place
(`file`, `line`, `path`), the catalogue key of the sentence (`code`, a `cfg.*` key
in `escalator/i18n/locale`) and its parameters; the sentence is made when shown.

A parameter is one of:

- text or a number shown as it is: a value quoted from the file, a key, a path, a
  library's own words (the YAML parser's reason, an OS error) that no catalogue has;
- a `Phrase`: a piece of sentence with its own key and parameters ("a mapping of
  party ids to parties"), rendered in the same language;
- `Alternatives`: a list of options joined with the language's "or".

`ConfigProblem` is a `str` whose value is the English rendering, byte for byte what
`config check` printed before problems had codes: everything that handled problems
as text (the CLI, the log, /healthz, the reload API, tests) keeps working, and what
wants the reader's language asks `render(problem, lang)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from escalator.i18n import t
from escalator.security.redact import redact

Params = tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Phrase:
    """A piece of a sentence: a catalogue key and its parameters.

    `aside` phrases are the optional tails "(did you mean 'x'?)" and "(why)": they
    render with a leading space, so a sentence without one has no stray space and a
    translator's text has none to forget.
    """

    key: str
    params: Params = ()
    aside: bool = False

    def render(self, lang: str) -> str:
        text = t(lang, self.key, **{k: _render(v, lang) for k, v in self.params})
        return f" {text}" if self.aside else text


@dataclass(frozen=True)
class Alternatives:
    """Options shown as `'a', 'b' or 'c'`, the "or" in the reader's language."""

    items: tuple[str, ...]

    def render(self, lang: str) -> str:
        if len(self.items) == 1:
            return self.items[0]
        return t(lang, "cfg.or", rest=", ".join(self.items[:-1]), last=self.items[-1])


def phrase(key: str, /, **params: Any) -> Phrase:
    return Phrase(key, _params(params))


def aside(key: str, /, **params: Any) -> Phrase:
    return Phrase(key, _params(params), aside=True)


def _params(params: Mapping[str, Any]) -> Params:
    """Quoted text is masked here (a bot token pasted as a value), before it is stored."""
    return tuple((k, redact(v) if isinstance(v, str) else v) for k, v in params.items())


def _render(value: Any, lang: str) -> Any:
    if isinstance(value, Phrase | Alternatives):
        return value.render(lang)
    return value


class ConfigProblem(str):
    """One problem (or warning) of a config: its place, its code, its parameters.

    The string value is the English sentence with its `FILE:LINE: PATH: ` prefix,
    as `escalator config check` prints it.
    """

    file: str
    line: int  # 0: not tied to a line
    path: str
    code: str
    params: Params

    def __new__(cls, file: str, line: int, path: str, code: str,
                params: Mapping[str, Any] | Params = ()) -> ConfigProblem:
        stored = _params(params) if isinstance(params, Mapping) else tuple(params)
        english = redact(where(file, line, path) + Phrase(code, stored).render("en"))
        self = super().__new__(cls, english)
        for name, value in (("file", file), ("line", line), ("path", path), ("code", code),
                            ("params", stored)):
            object.__setattr__(self, name, value)
        return self

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a ConfigProblem is not changed once found")

    def __reduce__(self) -> tuple[Any, ...]:
        return ConfigProblem, (self.file, self.line, self.path, self.code, self.params)

    @property
    def text(self) -> str:
        """As `config check` prints it (English)."""
        return str.__str__(self)

    def message(self, lang: str) -> str:
        """The sentence alone, without its place."""
        return redact(Phrase(self.code, self.params).render(lang))

    def render(self, lang: str) -> str:
        """As `config check` would print it, in `lang`; masked like the English."""
        return redact(where(self.file, self.line, self.path) + self.message(lang))


def where(file: str, line: int, path: str) -> str:
    """`FILE:LINE: PATH: `, leaving out what is not known."""
    prefix = f"{file}:{line}" if line else file
    if not prefix:
        return f"{path}: " if path else ""
    return f"{prefix}: {path}: " if path else f"{prefix}: "


def render(problem: str, lang: str) -> str:
    """A problem in `lang`; text that was never given a code is shown as it is."""
    return problem.render(lang) if isinstance(problem, ConfigProblem) else problem


def message(problem: str, lang: str) -> str:
    """The sentence with its config path but not its file and line (shown apart, as a
    "line N" the reader can follow); plain text as it is."""
    if isinstance(problem, ConfigProblem):
        return where("", 0, problem.path) + problem.message(lang)
    return problem


def rendered(problems: Iterable[str], lang: str) -> list[str]:
    return [render(p, lang) for p in problems]
