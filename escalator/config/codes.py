"""The `codes:` section: the facility's own names for alarm codes.

    codes:
      MAAVUOTO:
        fi: Maavuoto keittiössä
        en: Earth leakage in the kitchen
        severity: high
        todo: {fi: Soita sähköurakoitsijalle, en: Call the electrician}

An entry overrides the built-in SIA / Contact ID catalogue for that code, or
adds a code the catalogue does not know. At least one language is needed.
"""

from __future__ import annotations

from typing import Any

from escalator.config.model import LANGUAGES
from escalator.config.problem import phrase
from escalator.config.validators import At, Problems, choice, identifier, mapping, text
from escalator.i18n.codes import SEVERITIES, CodeInfo

CODE = phrase("cfg.want.alarm_code")
CODE_ENTRY_KEYS = (*LANGUAGES, "severity", "todo")


def parse_codes(problems: Problems, at: At | None) -> dict[str, CodeInfo]:
    if at is None or at.value is None:
        return {}
    if not isinstance(at.value, dict):
        problems.bad(at, phrase("cfg.want.codes_section"))
        return {}
    found = {}
    for code, entry in at.entries():
        code_text = str(code) if isinstance(code, int) and not isinstance(code, bool) else code
        if identifier(problems, At(code_text, entry.line, at.path), CODE) is None:
            continue
        info = _entry(problems, entry)
        if info is not None:
            found[str(code_text)] = info
    return found


def _entry(problems: Problems, at: At) -> CodeInfo | None:
    if mapping(problems, at, CODE_ENTRY_KEYS,
               expected=phrase("cfg.want.code_entry")) is None:
        return None
    before = problems.count
    labels = {lang: text(problems, v) for lang, v in at.entries() if lang in LANGUAGES}
    if not labels:
        problems.error(at, "cfg.code_no_name", languages=", ".join(LANGUAGES))
    severity_at = at.key("severity")
    severity = choice(problems, severity_at, SEVERITIES) if severity_at else "medium"
    todo = _todo(problems, at.key("todo"))
    if problems.count > before:
        return None
    return CodeInfo({k: v for k, v in labels.items() if v}, severity or "medium", todo)


def _todo(problems: Problems, at: At | None) -> dict[str, Any]:
    if at is None:
        return {}
    if isinstance(at.value, str):
        value = text(problems, at)
        return {lang: value for lang in LANGUAGES} if value else {}
    if mapping(problems, at, LANGUAGES, expected=phrase("cfg.want.todo")) \
            is None:
        return {}
    return {lang: text(problems, v) for lang, v in at.entries() if lang in LANGUAGES}
