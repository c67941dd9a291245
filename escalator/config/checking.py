"""One answer to "does this config check?", for the command line and the board's editor.

`escalator config check FILE` and the editor's Check button must say the
same thing, so both come here: the loader's problems (`FILE:LINE: PATH: found
X, expected Y`) and the channels' own checks. Each is a `ConfigProblem`: the
command line prints its English text, the editor renders it in the reader's
language and highlights its `line`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from escalator.config.channels import (
    email_problems,
    paging_problems,
    sms_inbound_problems,
    sms_problems,
    voice_problems,
)
from escalator.config.loader import Ready, configured_channels, load_config, load_config_text
from escalator.config.model import Config
from escalator.config.problem import ConfigProblem
from escalator.domain.errors import ConfigError


@dataclass(frozen=True)
class Checked:
    """The outcome of one check: a config (when it loads) or problems; warnings either way."""

    filename: str
    config: Config | None
    problems: tuple[ConfigProblem, ...]  # `.text` as `config check` prints it
    warnings: tuple[str, ...]  # ConfigProblems too, where the loader gave them

    @property
    def ok(self) -> bool:
        return self.config is not None and not self.problems

    @property
    def lines(self) -> frozenset[int]:
        return frozenset(p.line for p in self.problems if p.line)


def line_of(text: str, filename: str) -> int:
    """The line number in `FILE:LINE: ...`; 0 when the problem names none."""
    if isinstance(text, ConfigProblem):
        return text.line
    found = re.match(re.escape(filename) + r":(\d+):", text)
    return int(found.group(1)) if found else 0


def as_problem(text: str, filename: str) -> ConfigProblem:
    """A problem as found, or text without a code (from code that raises plain text) kept
    word for word: its code `cfg.text` shows it as it is in every language."""
    if isinstance(text, ConfigProblem):
        return text
    line = line_of(text, filename)
    if line:
        rest = text[len(f"{filename}:{line}: "):]
        return ConfigProblem(filename, line, "", "cfg.text", {"text": rest})
    return ConfigProblem("", 0, "", "cfg.text", {"text": text})


def _checked(filename: str, load: Callable[[], tuple[Config, list[str]]]) -> Checked:
    try:
        config, warnings = load()
    except ConfigError as exc:
        return Checked(filename, None, tuple(as_problem(p, filename) for p in exc.problems),
                       tuple(exc.warnings))

    unusable = [_in_file(p, filename) for p in channel_problems(config)]
    if unusable:
        return Checked(filename, None, tuple(unusable), tuple(warnings))
    return Checked(filename, config, (), tuple(warnings))


def _in_file(problem: str, filename: str) -> ConfigProblem:
    """A channel's problem (`channels.email.host: ...`) under the config file's name."""
    if isinstance(problem, ConfigProblem):
        return ConfigProblem(filename, 0, problem.path, problem.code, problem.params)
    return ConfigProblem(filename, 0, "", "cfg.text", {"text": problem})


def channel_problems(config: Config) -> list[str]:
    """A channel whose settings are well-formed but cannot send (Twilio without `url`).

    The same checks the channels run when `escalator run` builds them, so `check`
    passing means `run` will not stop on them.
    """
    found: list[str] = []
    for name, problems in CHECKS.items():
        if name in config.channels:
            found += problems(config.channels[name])
    return found


CHECKS = {"email": email_problems, "voice": voice_problems, "paging": paging_problems,
          "sms": lambda settings: sms_problems(settings) + sms_inbound_problems(settings)}


def check_file(path: str, *, env: Mapping[str, str] | None = None,
               strict_secrets: bool = False, ready: Ready | None = configured_channels,
               ) -> Checked:
    """`ready`: the channels that can send; by default those the file sets up, as in
    `escalator run` (a contact through any other is a problem at its line)."""
    return _checked(path, lambda: load_config(path, env=env, strict_secrets=strict_secrets,
                                              ready=ready))


def check_text(text: str, filename: str, *, env: Mapping[str, str] | None = None,
               strict_secrets: bool = False, ready: Ready | None = configured_channels,
               ) -> Checked:
    """Text not yet saved (the editor), reported under the name of the file it will be."""
    return _checked(filename, lambda: load_config_text(
        text, filename=filename, env=env, strict_secrets=strict_secrets, ready=ready))
