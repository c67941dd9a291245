"""The config editor's words, in the shared gettext catalogues (`escalator/i18n/locale/`).

The problems Check shows and the simulation's lines are `escalator config check`'s
and `escalator simulate`'s own (English), on purpose: the same words as the command
line. `et` stays so the editor's modules and templates keep one name for the lookup.
"""

from __future__ import annotations

from escalator.entrypoints.http.board.texts import bt


def et(lang: str, key: str, **values: object) -> str:
    """An editor text in `lang` (English, then the key itself, when missing)."""
    return bt(lang, key, **values)
