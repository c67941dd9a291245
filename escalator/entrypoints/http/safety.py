"""The safety register over HTTP: any API token reads; an operator token adds notes and
closes, recorded under the token's name (a `by` naming anyone else is refused).

    GET  /api/v1/safety-incidents?from=2026-11-01&to=2026-12-01&cause=...&state=open
         &limit=50&cursor=<next_cursor of the previous page>
    GET  /api/v1/safety-incidents/{id}                (?format=text: the HaiPro text)
    POST /api/v1/safety-incidents/{id}/notes  {"note"}
    POST /api/v1/safety-incidents/{id}/close  {"cause", "measures"?}

`from`/`to` are dates (facility time) or ISO times with an offset; newest
first; `cursor` is opaque to clients (today the last id of the page).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from escalator.domain import bounds
from escalator.entrypoints.http.api import _json_object, _limit
from escalator.entrypoints.http.keys import RECORDS
from escalator.entrypoints.http.tokens import OPERATOR, VIEWER, require
from escalator.entrypoints.http.views import ApiError
from escalator.reports import data, when
from escalator.reports.safety_text import as_json, as_text
from escalator.storage.sql import Tx
from escalator.usecases.records import Records

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


def _record_json(records: Records, v: Any) -> dict[str, Any]:
    config = records.context.config
    lang, names = config.facility.language, {p: x.name for p, x in config.parties.items()}
    found = as_json(v, lang, names, config.facility.timezone)
    return {**found, "incident_id": found["incident"], "code_label": found["what"]}


async def list_records(request: web.Request) -> web.Response:
    require(request, VIEWER)
    records = request.app[RECORDS]
    q, tz = request.query, records.context.config.facility.timezone
    start = parse_when(q["from"], tz, "from") if q.get("from") else None
    end = parse_when(q["to"], tz, "to") if q.get("to") else None
    state = q.get("state") or None
    if state is not None and state not in STATES:
        raise ApiError(400, f"state must be open or closed, got {state!r}", valid=list(STATES))
    cursor = bounds.row_id(q["cursor"], "cursor") if q.get("cursor") else None
    cause = bounds.text(q.get("cause"), "cause", MAX_TEXT) or None
    staff, now = data.care_staff(records.context.config), records.context.now()
    limit = _limit(request)

    def read(tx: Tx) -> list[Any]:
        rows = tx.register.safety_page(start=start, end=end, cause=cause,
                                 state=state, before_id=cursor,
                                 limit=limit)
        return data.views(tx, rows, staff, now)

    views = await records.read(read)
    return web.json_response({
        "safety_incidents": [_record_json(records, v) for v in views],
        "next_cursor": str(views[-1].safety.id) if len(views) == limit else None})


async def get_record(request: web.Request) -> web.Response:
    require(request, VIEWER)
    records, safety_id = request.app[RECORDS], _id(request)
    staff, now = data.care_staff(records.context.config), records.context.now()
    v = await records.read(lambda tx: data.view(tx, safety_id, staff, now))
    if v is None:
        raise ApiError(404, f"no safety incident {safety_id}")
    if request.query.get("format") == "text":
        names = {p: x.name for p, x in records.context.config.parties.items()}
        return web.Response(text=as_text(v, records.context.config.facility.language,
                                         records.context.config.facility.timezone, names),
                            content_type="text/plain", charset="utf-8")
    return web.json_response(_record_json(records, v))


def _field(body: dict[str, Any], name: str, *, required: bool = True) -> str:
    return bounds.text(body.get(name), name, MAX_TEXT, required=required)


def _by(request: web.Request, body: dict[str, Any]) -> str:
    """Who writes: the operator token's name; a `by` naming anyone else is refused."""
    by = require(request, OPERATOR).name
    if body.get("by") not in (None, by):
        raise ApiError(400, f"by: this token writes as {by!r}; leave `by` out or use a token"
                            " of your own")
    return by


async def add_note(request: web.Request) -> web.Response:
    require(request, OPERATOR)
    records, safety_id = request.app[RECORDS], _id(request)
    body = await _json_object(request)
    by, note = _by(request, body), _field(body, "note")
    now = records.context.now()

    def write(tx: Tx) -> bool:
        if tx.register.safety_row(safety_id) is None:
            return False
        tx.register.add_note(safety_id, now, by, note)
        return True

    if not await records.write(write):
        raise ApiError(404, f"no safety incident {safety_id}")
    return await _answer(request, safety_id, 201)


async def close(request: web.Request) -> web.Response:
    require(request, OPERATOR)
    records, safety_id = request.app[RECORDS], _id(request)
    body = await _json_object(request)
    by, cause = _by(request, body), _field(body, "cause")
    measures = _field(body, "measures", required=False)
    now = records.context.now()

    def write(tx: Tx) -> str:
        if tx.register.safety_row(safety_id) is None:
            return "missing"
        return "closed" if tx.register.close(safety_id, now, by, cause, measures) else "already"

    result = await records.write(write)
    if result == "missing":
        raise ApiError(404, f"no safety incident {safety_id}")
    if result == "already":
        raise ApiError(409, f"safety incident {safety_id} is already closed")
    return await _answer(request, safety_id, 200)


async def _answer(request: web.Request, safety_id: int, status: int) -> web.Response:
    records = request.app[RECORDS]
    staff, now = data.care_staff(records.context.config), records.context.now()
    v = await records.read(lambda tx: data.view(tx, safety_id, staff, now))
    return web.json_response(_record_json(records, v), status=status)
