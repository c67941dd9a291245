"""Pure readers shared by the receivers: text rules -> event fields (e-mail, ESPA) and
field paths into structured data (poll, MQTT). No I/O: unit-testable on their own."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from escalator.parsing import patterns

# -- rules: text -> event (email, espa) ------------------------------------------------

@dataclass(frozen=True)
class RuleMatch:
    code: str
    state: str
    point: str
    text: str
    severity: str


def apply_rules(rules: Any, texts: Mapping[str, str]) -> RuleMatch | None:
    """The first rule whose regex matches; `{name}` in its fields takes the named group.

    `texts` maps a place ("subject", "body") to its text; a rule's `in` picks one,
    "any" tries each place in order.
    """
    for rule in rules:
        places = list(texts) if rule.get("in", "any") == "any" else [rule["in"]]
        for place in places:
            groups = patterns.search(rule["match"], texts.get(place, ""))
            if groups is not None:
                return RuleMatch(
                    code=_fill(rule.get("code", ""), groups),
                    state=rule.get("state", "alarm"),
                    point=_fill(rule.get("point", ""), groups),
                    text=_fill(rule.get("text", ""), groups),
                    severity=_fill(rule.get("severity", ""), groups))
    return None


def _fill(template: str, groups: Mapping[str, str]) -> str:
    try:
        return template.format_map(groups)
    except (KeyError, IndexError, ValueError):
        return template


# -- field paths: structured data -> values (poll, mqtt) -------------------------------

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def path_steps(path: str) -> list[str | int]:
    """`a.b[0].@id` -> ['a', 'b', 0, '@id']."""
    steps: list[str | int] = []
    for name, index in _STEP.findall(path):
        steps.append(int(index) if index else name)
    return steps


def get_path(data: Any, path: str) -> Any:
    """The value at `path` in nested dicts/lists, or None when any step is missing."""
    value = data
    for step in path_steps(path):
        if isinstance(step, int):
            if not isinstance(value, list) or step >= len(value):
                return None
            value = value[step]
        elif isinstance(value, dict):
            value = value.get(step)
        else:
            return None
        if value is None:
            return None
    return value


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return ""
    return str(value)
