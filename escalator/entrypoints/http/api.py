"""The operator API: look at incidents, act on them, reload the configuration.

Every route needs one of the named tokens (`escalator.entrypoints.http.tokens`): a viewer
token reads, an operator token also acts and reloads. Actions go through the
same answer use case and guards as the ack links, so the timeline and the people on the
ladder see an operator's action exactly like a nurse's; who acted is the
token's name, never a name from the request body.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import yaml
from aiohttp import web

from escalator.domain import bounds
from escalator.domain.guards import Actor, Door, Kind, Role, Why
from escalator.domain.model import Action, State
from escalator.entrypoints.http.keys import ANSWERING, CONFIGURING, CONTEXT, QUERIES
from escalator.entrypoints.http.tokens import OPERATOR, VIEWER, require
from escalator.entrypoints.http.views import ApiError, delivery_json, incident_json
from escalator.errors import ActionError
from escalator.service import snooze_refusal, whole_minutes
from escalator.storage.sql import Tx
from escalator.usecases.answering import Command, Outcome

MAX_LIMIT = 500
MAX_NOTE = 2000


def setup(web_app: web.Application) -> None:
    r = web_app.router
    r.add_get("/api/v1/incidents", list_incidents)
    r.add_get("/api/v1/incidents/{id}", get_incident)
    r.add_post("/api/v1/incidents/{id}/actions", act)
    r.add_post("/api/v1/config/reload", reload_config)
    r.add_get("/api/v1/openapi.json", openapi)


async def openapi(request: web.Request) -> web.Response:
    """The API's OpenAPI description, for clients and for the fuzz test that holds us to it."""
    require(request, VIEWER)
    return web.json_response(openapi_document())


def openapi_document() -> dict[str, Any]:
    text = resources.files("escalator.entrypoints.http").joinpath("openapi.yaml").read_text()
    found: dict[str, Any] = yaml.safe_load(text)
    return found


def _lang(request: web.Request) -> str:
    return request.app[CONTEXT].config.facility.language


def _incident_id(request: web.Request) -> int:
    return bounds.row_id(request.match_info["id"], "incident id")


def _limit(request: web.Request) -> int:
    raw = request.query.get("limit", "100")
    try:
        return bounds.whole(raw, "limit", 1, MAX_LIMIT)
    except bounds.BadInput:
        raise ApiError(400, f"limit must be a whole number from 1 to {MAX_LIMIT}, "
                            f"got {bounds.shown(raw)}") from None


async def list_incidents(request: web.Request) -> web.Response:
    require(request, VIEWER)
    state = request.query.get("state") or None
    valid = [s.value for s in State]
    if state is not None and state not in valid:
        raise ApiError(400, f"state must be one of {', '.join(valid)}, got {state!r}",
                       valid=valid)
    limit = _limit(request)
    raw = request.query.get("cursor")
    before = bounds.row_id(raw, "cursor") if raw else None  # a previous page's cursor
    found = await request.app[QUERIES].read(
        lambda tx: tx.incidents.page(state, limit + 1, before))
    lang = _lang(request)
    page, more = found[:limit], len(found) > limit
    body: dict[str, Any] = {"incidents": [incident_json(i, lang) for i in page],
                            "cursor": str(page[-1].id) if more else None, "next": None}
    if more:  # the next page: older incidents, same filter
        query = {**request.query, "cursor": str(page[-1].id), "limit": str(limit)}
        body["next"] = str(request.rel_url.with_query(query))
    return web.json_response(body)


async def get_incident(request: web.Request) -> web.Response:
    require(request, VIEWER)
    incident_id = _incident_id(request)
    lang = _lang(request)

    def read(tx: Tx) -> dict[str, Any] | None:
        inc = tx.incidents.get(incident_id)
        if inc is None:
            return None
        return {**incident_json(inc, lang),
                "timeline": tx.timeline.of_incident(incident_id),
                "deliveries": [delivery_json(d) for d in tx.deliveries.of_incident(incident_id)],
                "events": [_event_json(e) for e in tx.events.of_incident(incident_id)]}

    found = await request.app[QUERIES].read(read)
    if found is None:
        raise ApiError(404, f"no incident {incident_id}")
    return web.json_response(found)


def _event_json(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("id", "source", "event_id", "code", "state", "point", "text",
                                "severity", "occurred_at", "received_at")}


async def act(request: web.Request) -> web.Response:
    by = require(request, OPERATOR).name
    incident_id = _incident_id(request)
    action, note, minutes = _parse_action(await _json_object(request), by)
    actor = Actor(Door.API, by, role=Role.OPERATOR)
    outcome = await request.app[ANSWERING].answer(
        Command(actor, incident_id, action, minutes=minutes, note=note))
    return _outcome(request, outcome, incident_id, by, action)


_STATUS = {Kind.REFUSED: 403, Kind.CONFLICT: 409, Kind.INVALID: 400, Kind.LIMITED: 429,
           Kind.MISSING: 404}


def _outcome(request: web.Request, outcome: Outcome, incident_id: int, by: str,
             action: Action) -> web.Response:
    """The incident after the answer (200: done, or the same answer again changed
    nothing), else an error with the guard's reason code."""
    lang = _lang(request)
    if outcome.kind in (Kind.DONE, Kind.NOOP) and outcome.incident is not None:
        body = incident_json(outcome.incident, lang)
        return web.json_response({**body, "outcome": outcome.why.value})
    if outcome.why is Why.NOT_FOUND:
        raise ApiError(404, f"no incident {incident_id}")
    if outcome.why is Why.TOO_MANY and outcome.wait is not None:
        seconds = max(1, int(outcome.wait.total_seconds()))
        what = "notes" if action is Action.NOTE else "answers"
        raise ApiError(429, f"too many {what} from {by!r}: try again in {seconds} s",
                       headers={"Retry-After": str(seconds)}, retry_after=seconds,
                       reason=outcome.why.value)
    if outcome.why is Why.SNOOZE_TOO_LONG:
        raise ApiError(400, snooze_refusal(request.app[CONTEXT].config.http.max_snooze),
                       reason=outcome.why.value)
    state = outcome.incident.state.value if outcome.incident else None
    raise ApiError(_STATUS[outcome.kind], f"not done: {outcome.why.value}"
                   + (f": {outcome.detail}" if outcome.detail else "")
                   + (f" (the incident is {state})" if state else ""),
                   reason=outcome.why.value, state=state)


def _parse_action(body: dict[str, Any], by: str) -> tuple[Action, str, int | None]:
    valid = [a.value for a in Action]
    name = body.get("action")
    if name not in valid:
        raise ApiError(400, f"action must be one of {', '.join(valid)}, got {name!r}",
                       valid=valid)
    if body.get("by") not in (None, by):  # who acts is the token's name, not a claim
        raise ApiError(400, f"by: actions with this token are recorded as {by!r}; leave "
                            "`by` out or use a token of your own")
    note = bounds.text(body.get("note") or "", "note", MAX_NOTE)
    if name == Action.NOTE and not note:
        raise ApiError(400, "note: required for the note action")
    minutes = body.get("minutes")
    if isinstance(minutes, bool) or not isinstance(minutes, int | str | None):
        raise ApiError(400, "minutes: expected a whole number")
    try:
        parsed = whole_minutes(minutes) if name == Action.SNOOZE else None
    except ActionError as exc:
        raise ApiError(400, str(exc)) from None
    return Action(name), note, parsed


async def _json_object(request: web.Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.read())
    except (ValueError, RecursionError):
        raise ApiError(400, "body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "body: expected a JSON object")
    return body


async def reload_config(request: web.Request) -> web.Response:
    """Swap the config only if the new one is valid; otherwise say why and keep the old one."""
    require(request, OPERATOR)
    swapped, messages = await request.app[CONFIGURING].reload()
    if not swapped:  # the last good config stays: these are the problems
        return web.json_response({"ok": False, "problems": messages}, status=422)
    return web.json_response({"ok": True, "warnings": messages})
