"""Cover shifts on the duty page: "I cover Anna's shift tonight" as a board form.

The form posts with the session's CSRF token (`signed_in` checks it) and becomes a
command for the cover use case (`usecases/cover.py`), which asks the rule
(`domain/covers.py`: the covering person themself, or a manager) and keeps it
audited under the signed-in name. The answer comes back to the duty page as a
code from a fixed list (`?cover=done`), never as text from the request.
"""

from __future__ import annotations

from aiohttp import web

from escalator.domain import bounds
from escalator.domain.covers import Asker, CoverProblem
from escalator.entrypoints.http.board.auth import Session
from escalator.entrypoints.http.board.pages import forbidden, signed_in
from escalator.entrypoints.http.keys import CONTEXT, COVERING


def setup(web_app: web.Application) -> None:
    web_app.router.add_post("/board/oncall/cover", add)
    web_app.router.add_post("/board/oncall/cover/{id}/end", end)


def _asker(request: web.Request, session: Session) -> Asker:
    """The signed-in user, with the party the config says they are."""
    board = request.app[CONTEXT].config.board
    party = next((u.party for u in (board.users if board else ()) if u.name == session.name),
                 None)
    return Asker(session.name, session.role, party)


def _back(code: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(f"/board/oncall?cover={code}#covers")


@signed_in
async def add(request: web.Request, session: Session) -> web.StreamResponse:
    if not session.can_act:
        return forbidden(request, session)
    covering, form = request.app[COVERING], await request.post()
    asker = _asker(request, session)
    covered = covering.party(str(form.get("covered", "")))
    cover = covering.party(str(form.get("cover", ""))) if form.get("cover") else asker.party
    if form.get("when") == "tonight":
        span = covering.period("tonight")
    else:
        start, until = str(form.get("from", "")), str(form.get("until", ""))
        span = covering.period(f"{start}..{until}") if start and until else None
    if covered is None or cover is None:
        raise _back(CoverProblem.UNKNOWN.value)
    if span is None:
        raise _back("unreadable")
    result = await covering.cover(asker, covered, cover, *span)
    raise _back("done" if result.cover else (result.problem or CoverProblem.UNKNOWN).value)


@signed_in
async def end(request: web.Request, session: Session) -> web.StreamResponse:
    if not session.can_act:
        return forbidden(request, session)
    try:
        cover_id = bounds.row_id(request.match_info["id"], "cover id")
    except bounds.BadInput:
        raise _back("missing") from None
    result = await request.app[COVERING].end(_asker(request, session), cover_id)
    if result.missing:
        raise _back("missing")
    raise _back("ended" if result.cover else (result.problem or CoverProblem.ROLE).value)
