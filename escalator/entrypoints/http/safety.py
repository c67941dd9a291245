"""The safety register over HTTP: any API token reads; an operator token adds notes and
closes, recorded under the token's name (a `by` naming anyone else is refused).

    GET  /api/v1/safety-incidents?from=2026-11-01&to=2026-12-01&cause=...&state=open
         &limit=50&cursor=<next_cursor of the previous page>
    GET  /api/v1/safety-incidents/{id}                (?format=text: the HaiPro text)
    POST /api/v1/safety-incidents/{id}/notes  {"note"}
    POST /api/v1/safety-incidents/{id}/close  {"cause", "measures"?}

`from`/`to` are dates (facility time) or ISO times with an offset; newest
first; `cursor` is opaque to clients (today the last id of the page).

Reads are the register use case's named questions; a note and a closing are its
commands (escalator/usecases/register.py), which ask `domain/permits.py` whether the
token's role may write. This module reads the request in and says the result back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from escalator.domain import bounds
from escalator.domain.permits import Refusal
from escalator.entrypoints.http.api import _json_object, _limit
from escalator.entrypoints.http.keys import CONTEXT, REGISTER
from escalator.entrypoints.http.tokens import VIEWER, may_not_act, require
from escalator.entrypoints.http.views import ApiError
from escalator.reports import when
from escalator.reports.safety_text import as_json, as_text
from escalator.usecases.register import Close, Note, Page, Written

MAX_TEXT = 4000
STATES = ("open", "closed")


def setup(web_app: web.Application) -> None:
    r = web_app.router
    r.add_get("/api/v1/safety-incidents", list_records)
    r.add_get("/api/v1/safety-incidents/{id}", get_record)
    r.add_post("/api/v1/safety-incidents/{id}/notes", add_note)
    r.add_post("/api/v1/safety-incidents/{id}/close", close)


def parse_when(raw: str, tz: str, name: str) -> datetime:
    """`2026-11-24` (midnight, facility time) or `2026-11-24T08:00:00+02:00`; else 400."""
    try:
        return bounds.moment(when.parse_when(bounds.date_text(raw, name), tz, name), name)
    except bounds.BadInput:
        raise
    except ValueError as exc:
        raise ApiError(400, str(exc)) from None


def _id(request: web.Request) -> int:
    return bounds.row_id(request.match_info["id"], "safety incident id")


def _record_json(request: web.Request, v: Any) -> dict[str, Any]:
    config = request.app[CONTEXT].config
    lang, names = config.facility.language, {p: x.name for p, x in config.parties.items()}
    found = as_json(v, lang, names, config.facility.timezone)
    return {**found, "incident_id": found["incident"], "code_label": found["what"]}


async def list_records(request: web.Request) -> web.Response:
    require(request, VIEWER)
    q, tz = request.query, request.app[CONTEXT].config.facility.timezone
    start = parse_when(q["from"], tz, "from") if q.get("from") else None
    end = parse_when(q["to"], tz, "to") if q.get("to") else None
    state = q.get("state") or None
    if state is not None and state not in STATES:
        raise ApiError(400, f"state must be open or closed, got {state!r}", valid=list(STATES))
    cursor = bounds.row_id(q["cursor"], "cursor") if q.get("cursor") else None
    cause = bounds.text(q.get("cause"), "cause", MAX_TEXT) or None
    limit = _limit(request)
    views = await request.app[REGISTER].page(Page(limit, start, end, cause, state, cursor))
    return web.json_response({
        "safety_incidents": [_record_json(request, v) for v in views],
        "next_cursor": str(views[-1].safety.id) if len(views) == limit else None})


async def get_record(request: web.Request) -> web.Response:
    require(request, VIEWER)
    safety_id = _id(request)
    v = await request.app[REGISTER].record(safety_id)
    if v is None:
        raise ApiError(404, f"no safety incident {safety_id}")
    if request.query.get("format") == "text":
        config = request.app[CONTEXT].config
        names = {p: x.name for p, x in config.parties.items()}
        return web.Response(text=as_text(v, config.facility.language,
                                         config.facility.timezone, names),
                            content_type="text/plain", charset="utf-8")
    return web.json_response(_record_json(request, v))


def _field(body: dict[str, Any], name: str, *, required: bool = True) -> str:
    return bounds.text(body.get(name), name, MAX_TEXT, required=required)


def _by(request: web.Request, body: dict[str, Any]) -> tuple[str, str]:
    """Who writes, and with which role: the token's; a `by` naming anyone else is refused."""
    token = require(request, VIEWER)
    if body.get("by") not in (None, token.name):
        raise ApiError(400, f"by: this token writes as {token.name!r}; leave `by` out or use "
                            "a token of your own")
    return token.name, token.role


async def add_note(request: web.Request) -> web.Response:
    safety_id = _id(request)
    body = await _json_object(request)
    by, role = _by(request, body)
    done = await request.app[REGISTER].note(Note(by, role, safety_id, _field(body, "note")))
    return _written(request, done, safety_id, 201)


async def close(request: web.Request) -> web.Response:
    safety_id = _id(request)
    body = await _json_object(request)
    by, role = _by(request, body)
    done = await request.app[REGISTER].close(Close(
        by, role, safety_id, _field(body, "cause"), _field(body, "measures", required=False)))
    return _written(request, done, safety_id, 200)


def _written(request: web.Request, done: Written, safety_id: int, status: int
             ) -> web.Response:
    if done.refusal is Refusal.ROLE:
        raise may_not_act(require(request, VIEWER))
    if done.refusal is Refusal.CLOSED:
        raise ApiError(409, f"safety incident {safety_id} is already closed")
    if done.record is None:  # MISSING (or deleted meanwhile)
        raise ApiError(404, f"no safety incident {safety_id}")
    return web.json_response(_record_json(request, done.record), status=status)
