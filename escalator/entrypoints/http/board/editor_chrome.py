"""What every board page shows a manager about the config: the editor's link and the banner.

Apart from `editor_pages` so the board's page shell (`pages.render`) can ask
for it without importing the editor's handlers.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from escalator.config.checking import line_of
from escalator.config.problem import message
from escalator.entrypoints.http.board.editor_texts import et
from escalator.entrypoints.http.board.texts import local
from escalator.entrypoints.http.keys import EDITING

EDITOR_ROLES = frozenset({"manager"})


@dataclass(frozen=True)
class Chrome:
    nav: str
    banner: str
    open: str
    why: str = ""  # the problem at the banner's line, in the reader's language


def chrome(request: web.Request, role: str | None, lang: str) -> Chrome | None:
    """None for anyone but a manager: nurses and viewers see neither link nor banner."""
    editing = request.app.get(EDITING)
    if editing is None or role not in EDITOR_ROLES:
        return None
    banner = why = ""
    found = editing.disk_problem()
    if found is not None:
        now = editing.now()
        since = local(found.since, editing.timezone, now, lang) if found.since else "?"
        banner = et(lang, "config.banner", line=found.line or "?", since=since)
        first = next((p for p in found.problems if line_of(p, editing.path or "") == found.line),
                     found.problems[0] if found.problems else "")
        why = message(first, lang) if first else ""
    return Chrome(et(lang, "nav.config"), banner, et(lang, "config.banner_open"), why)
