"""The config editor's words, in the shared gettext catalogues (`escalator/i18n/locale/`).

The problems Check shows are `escalator config check`'s own, found once and stored
as reason codes with parameters (`escalator.config.problem`): the command line
prints them in English, the editor renders them in the reader's language, at the
same file, line and path. `et` stays so the editor's modules and templates keep one
name for the lookup.
"""

from __future__ import annotations

from escalator.entrypoints.http.board.texts import bt


def et(lang: str, key: str, **values: object) -> str:
    """An editor text in `lang` (English, then the key itself, when missing)."""
    return bt(lang, key, **values)
