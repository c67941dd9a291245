"""Plain-language texts in the reader's language (Finnish first, Swedish, English).

Principle 5: the nurse reads "Fire alarm loop fault", not "FT". Lookups fall
back to English and then to the key itself, so a missing translation shows
something readable instead of failing a delivery.
"""

from __future__ import annotations

from escalator.i18n import codes
from escalator.i18n.catalog import CODES, TEXTS
from escalator.i18n.reports import REPORT_TEXTS

TEXTS.update(REPORT_TEXTS)  # the register's and the weekly summary's texts

LANGUAGES = ("fi", "sv", "en")


def t(lang: str, key: str, **values: object) -> str:
    table = TEXTS.get(key, {})
    template = table.get(lang) or table.get("en") or key
    try:
        return template.format(**values)
    except (KeyError, IndexError):
        return template


def code_label(lang: str, code: str) -> str:
    """Readable name of an alarm code; unknown codes are shown as they came.

    The facility's own `codes:` entries win, then this catalogue, then the SIA
    and Contact ID catalogue (`escalator.i18n.codes`).
    """
    own = codes.override_label(lang, code)
    if own:
        return own
    entry = CODES.get(code) or CODES.get(code.upper()) or CODES.get(code.lower())
    if not entry:
        return codes.label(lang, code) or code
    return entry.get(lang) or entry.get("en") or code


__all__ = ["CODES", "LANGUAGES", "TEXTS", "code_label", "t"]
