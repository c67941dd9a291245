"""Operator API for cover shifts: list, set and end them.

    GET    /api/v1/covers          current and planned covers
    POST   /api/v1/covers          {"covered": "anna", "cover": "ben", "tonight": true}
                                   or with "from"/"until" in the facility's local time
    DELETE /api/v1/covers/{id}     end it now (the covered person is back on the roster)

An API token is nobody on the roster, so only an operator token may set a cover
(domain/covers.py: the covering person themself, or a manager). The change is a
command of the cover use case (usecases/cover.py), audited under the token's name;
this module reads the request into it and says the result back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from escalator.domain import bounds
from escalator.domain.covers import MAX_COVER, Asker, Cover, CoverProblem
from escalator.domain.maintenance import LOCAL_TIME_EXPECTED, local_to_utc
from escalator.entrypoints.http.api import _json_object
from escalator.entrypoints.http.keys import COVERING
from escalator.entrypoints.http.tokens import VIEWER, may_not_act, require
from escalator.entrypoints.http.views import ApiError, iso
from escalator.usecases.cover import CoverResult

KEYS = {"covered", "cover", "tonight", "from", "until"}
WHY = {
    CoverProblem.UNKNOWN: "covered/cover: no such person",
    CoverProblem.SAME: "cover: nobody covers their own shift",
    CoverProblem.VIEWER: "cover: a read-only party cannot take a shift",
    CoverProblem.ENDS_BEFORE_START: "until: ends before it starts",
    CoverProblem.TOO_LONG: f"until: a cover lasts at most {MAX_COVER.days} days; longer is a"
                           " roster change",
    CoverProblem.PAST: "from/until: the period is over or started too long ago",
    CoverProblem.TOO_FAR: "from: starts too far ahead",
    CoverProblem.CLASH: "covered: already covered for part of that period",
    CoverProblem.FULL: "too many covers current or planned; end one first",
}


def setup(web_app: web.Application) -> None:
    r = web_app.router
    r.add_get("/api/v1/covers", list_covers)
    r.add_post("/api/v1/covers", create)
    r.add_delete("/api/v1/covers/{id}", end)


def _json(c: Cover, tz: ZoneInfo, now: datetime) -> dict[str, Any]:
    return {"id": c.id, "covered": c.covered, "cover": c.cover, "from": iso(c.start),
            "until": iso(c.end), "from_local": f"{c.start.astimezone(tz):%Y-%m-%d %H:%M}",
            "until_local": f"{c.end.astimezone(tz):%Y-%m-%d %H:%M}", "active": c.active(now)}


async def list_covers(request: web.Request) -> web.Response:
    require(request, VIEWER)
    covering = request.app[COVERING]
    tz, now = ZoneInfo(covering.context.config.facility.timezone), covering.context.now()
    found = [{**_json(k.cover, tz, now), "created_by": k.created_by,
              "created_at": iso(k.created_at)} for k in await covering.listed()]
    return web.json_response({"covers": found})


async def create(request: web.Request) -> web.Response:
    token = require(request, VIEWER)  # who may is the command's question
    body = await _json_object(request)
    unknown = sorted(set(body) - KEYS)
    if unknown:
        raise ApiError(400, f"unknown key {unknown[0]!r}; expected {', '.join(sorted(KEYS))}")
    covering = request.app[COVERING]
    tz = ZoneInfo(covering.context.config.facility.timezone)
    covered, cover = _person(covering.party, body, "covered"), _person(covering.party, body,
                                                                        "cover")
    if body.get("tonight") is True:
        start, until = covering.tonight()
    else:
        start, until = _time(body, "from", tz), _time(body, "until", tz)
    done = await covering.cover(Asker(token.name, token.role), covered, cover, start, until)
    return _result(request, done, 201)


async def end(request: web.Request) -> web.Response:
    token = require(request, VIEWER)
    cover_id = bounds.row_id(request.match_info["id"], "cover id")
    done = await request.app[COVERING].end(Asker(token.name, token.role), cover_id)
    if done.missing:
        raise ApiError(404, f"no current cover {cover_id}")
    return _result(request, done, 200)


def _result(request: web.Request, done: CoverResult, status: int) -> web.Response:
    if done.problem is CoverProblem.ROLE:
        raise may_not_act(require(request, VIEWER))
    if done.problem is not None:
        raise ApiError(409 if done.problem in (CoverProblem.CLASH, CoverProblem.FULL) else 400,
                       WHY[done.problem], reason=done.problem.value)
    assert done.cover is not None
    covering = request.app[COVERING]
    tz = ZoneInfo(covering.context.config.facility.timezone)
    return web.json_response(_json(done.cover, tz, covering.context.now()), status=status)


def _person(find: Any, body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    found = find(value) if isinstance(value, str) and len(value) <= 200 else None
    if found is None:
        raise ApiError(400, f"{key}: required, a person's id or name", reason="unknown")
    return str(found)


def _time(body: dict[str, Any], key: str, tz: ZoneInfo) -> datetime:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, f"{key}: required (or \"tonight\": true), {LOCAL_TIME_EXPECTED}"
                            f" ({tz.key})")
    try:
        return bounds.moment(local_to_utc(bounds.date_text(value, key), tz), key)
    except bounds.BadInput:
        raise
    except ValueError as exc:
        raise ApiError(400, f"{key}: {value!r}: {exc}") from None
