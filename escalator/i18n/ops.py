"""Texts of the operator commands (`audit`, `backup`, `restore`) in fi, sv and en.

Read by whoever runs the service, at a terminal; the words are in the gettext
catalogues (`audit.*`, `backup.*`, `restore.*`, `ops.*`).
"""

from __future__ import annotations

from escalator.i18n import t, tn


def say(lang: str, key: str, **values: object) -> str:
    return t(lang, key, **values)


__all__ = ["say", "tn"]
