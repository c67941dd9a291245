"""The web board: open alarms live, one alarm's story, who is on duty, and the demo's outbox.

Routes only; the pages are in `pages` and `outbox_pages`, the words in
`texts`, the layout in `templates/`.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from escalator.entrypoints.http.board import (
    channel_pages,
    cover_pages,
    editor_pages,
    live,
    outbox_pages,
    pages,
    register_pages,
    signin,
)
from escalator.entrypoints.http.keys import BOARD

STATIC = Path(__file__).parent / "static"


def setup(web_app: web.Application) -> None:
    r = web_app.router
    r.add_get("/", pages.root)
    r.add_get("/board", pages.root)
    r.add_get("/board/", pages.board)
    r.add_get("/board/events", live.events)
    r.add_get("/board/login", signin.login_page)
    r.add_post("/board/login", signin.login)
    r.add_get("/board/login/once/{token}", signin.login_once)
    r.add_post("/board/logout", signin.logout)
    r.add_get("/board/language/{lang}", pages.choose_language)
    r.add_get("/board/incidents/{id}", pages.incident_page)
    r.add_post("/board/incidents/{id}/act", pages.act)
    r.add_get("/board/oncall", pages.oncall)
    cover_pages.setup(web_app)  # cover shifts: the duty page's form
    register_pages.setup(web_app)  # the safety register: read, note, close
    r.add_get("/board/outbox", outbox_pages.outbox)
    r.add_post("/board/outbox/press", outbox_pages.press)
    editor_pages.setup(web_app)  # the manager's config editor
    channel_pages.setup(web_app)  # the manager's channel health and test messages
    r.add_static("/board/static/", STATIC, append_version=False)
    web_app.on_shutdown.append(_stop_live)


async def _stop_live(web_app: web.Application) -> None:
    web_app[BOARD].changes.close()
