"""The board's words, kept in the shared gettext catalogues (`escalator/i18n/locale/`).

`bt` stays so the board's modules and templates keep one name for the lookup.
"""

from __future__ import annotations

from escalator.i18n import LANGUAGES, t, tn

LANGS = LANGUAGES


def bt(lang: str, key: str, **values: object) -> str:
    """A board text in `lang` (English, then the key itself, when missing)."""
    return t(lang, key, **values)


__all__ = ["LANGS", "bt", "tn"]
