"""Texts of `escalator roster show` and of roster calendar fetches (`roster.*`, `feed.*`).

Read by the facility manager at a terminal; the words are in the gettext catalogues
(escalator/i18n/locale/), weekday names and dates come from `escalator.i18n.dates`.
`t` keeps the roster modules' argument order (key first).
"""

from __future__ import annotations

from typing import Any

from escalator.i18n import t as shared_t

LANGS = ("fi", "sv", "en")


def t(key: str, lang: str, **params: Any) -> str:
    return shared_t(lang, key, **params)
