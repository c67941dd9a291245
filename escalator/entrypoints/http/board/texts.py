"""The board's words, kept in the shared gettext catalogues (`escalator/i18n/locale/`).

`bt` stays so the board's modules and templates keep one name for the lookup.
"""

from __future__ import annotations

from datetime import datetime

from escalator.domain.covers import CoverProblem
from escalator.i18n import LANGUAGES, dates, t, tn

LANGS = LANGUAGES


def bt(lang: str, key: str, **values: object) -> str:
    """A board text in `lang` (English, then the key itself, when missing)."""
    return t(lang, key, **values)


def local(at: datetime, tz: str, now: datetime, lang: str) -> str:
    """9.05 today, 23.11. 21.40 on another day: as a Telegram card says it (i18n.dates)."""
    return dates.moment(at, tz, lang, now)


__all__ = ["LANGS", "bt", "cover_said", "local", "tn"]


# The duty page's message after a cover's form (board/cover_pages.py): a code from this
# list in the query, never text from the request.
SAID = {"done": "cover.board.done", "ended": "cover.board.ended",
        "unreadable": "cover.board.unreadable", "missing": "cover.board.missing",
        **{p.value: f"cover.problem.{p.value}" for p in CoverProblem}}


def cover_said(code: str | None) -> tuple[str, bool] | None:
    """(text key, good?) for the duty page's message, or None."""
    if code not in SAID:
        return None
    return SAID[code], code in ("done", "ended")
