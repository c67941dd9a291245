"""Telegram's texts: chat-shaped (emoji headlines, popups of at most 200 characters,
command help), kept in the shared gettext catalogues (`escalator/i18n/locale/`) with
the others, so translators have one set of files.

`t` stays so the channel's modules keep one import; it is the shared lookup.
"""

from __future__ import annotations

from escalator.i18n import t, tn

__all__ = ["t", "tn"]
