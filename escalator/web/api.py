"""The operator API: look at incidents, act on them, reload the configuration.

Every route needs the operator token. Actions go through the same
`service.act` as the ack links, so the timeline and the people on the
ladder see an operator's action exactly like a nurse's.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from aiohttp import web

from escalator.domain.model import Action, State
from escalator.errors import ActionError
from escalator.i18n import code_label
from escalator.service import parse_minutes
from escalator.storage.sql import Tx
from escalator.web.views import APP, BEARER_CHALLENGE, ApiError, delivery_json, incident_json

MAX_LIMIT = 500
MAX_NOTE = 2000


def setup(web_app: web.Application) -> None:
    r = web_app.router
    r.add_get("/api/v1/incidents", list_incidents)
    r.add_get("/api/v1/incidents/{id}", get_incident)
    r.add_post("/api/v1/incidents/{id}/actions", act)
    r.add_post("/api/v1/config/reload", reload_config)


def _require_operator(request: web.Request) -> None:
    app = request.app[APP]
    expected = app.secret(app.config.http.api_token_env)
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    ok = (bool(expected) and scheme.lower() == "bearer" and bool(token)
          and hmac.compare_digest(token.encode(), (expected or "").encode()))
    if not ok:
        raise ApiError(401, "missing or wrong operator token", headers=BEARER_CHALLENGE)


def _lang(request: web.Request) -> str:
    return request.app[APP].config.facility.language


def _incident_id(request: web.Request) -> int:
    raw = request.match_info["id"]
    if not raw.isdecimal() or len(raw) > 18:
        raise ApiError(400, f"incident id must be a whole number, got {raw!r}")
    return int(raw)


def _limit(request: web.Request) -> int:
    raw = request.query.get("limit", "100")
    if not raw.isdecimal() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiError(400, f"limit must be a whole number from 1 to {MAX_LIMIT}, got {raw!r}")
    return int(raw)


async def list_incidents(request: web.Request) -> web.Response:
    _require_operator(request)
    state = request.query.get("state") or None
    valid = [s.value for s in State]
    if state is not None and state not in valid:
        raise ApiError(400, f"state must be one of {', '.join(valid)}, got {state!r}",
                       valid=valid)
    limit = _limit(request)
    found = await request.app[APP].store.transaction(lambda tx: tx.incidents(state, limit))
    lang = _lang(request)
    return web.json_response({"incidents": [incident_json(i, lang) for i in found]})


async def get_incident(request: web.Request) -> web.Response:
    _require_operator(request)
    incident_id = _incident_id(request)
    lang = _lang(request)

    def read(tx: Tx) -> dict[str, Any] | None:
        inc = tx.incident(incident_id)
        if inc is None:
            return None
        return {**incident_json(inc, lang),
                "timeline": tx.timeline(incident_id),
                "deliveries": [delivery_json(d) for d in tx.deliveries(incident_id)],
                "events": [_event_json(e) for e in tx.events_for(incident_id)]}

    found = await request.app[APP].store.transaction(read)
    if found is None:
        raise ApiError(404, f"no incident {incident_id}")
    return web.json_response(found)


def _event_json(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("id", "source", "event_id", "code", "state", "point", "text",
                                "severity", "occurred_at", "received_at")}


async def act(request: web.Request) -> web.Response:
    _require_operator(request)
    incident_id = _incident_id(request)
    action, by, note, minutes = _parse_action(await _json_object(request))
    app = request.app[APP]
    exists = await app.store.transaction(lambda tx: tx.incident(incident_id) is not None)
    if not exists:
        raise ApiError(404, f"no incident {incident_id}")
    try:
        incident = await app.service.act(incident_id, action, by, minutes=minutes, note=note)
    except ActionError as exc:
        raise ApiError(400, str(exc)) from None
    return web.json_response(incident_json(incident, _lang(request)))


def _parse_action(body: dict[str, Any]) -> tuple[Action, str, str, int | None]:
    valid = [a.value for a in Action]
    name = body.get("action")
    if name not in valid:
        raise ApiError(400, f"action must be one of {', '.join(valid)}, got {name!r}",
                       valid=valid)
    by = body.get("by")
    if not isinstance(by, str) or not by.strip() or len(by) > 200:
        raise ApiError(400, "by: required, a non-empty string (who is acting), "
                            "at most 200 characters")
    note = body.get("note") or ""
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        raise ApiError(400, f"note: expected a string of at most {MAX_NOTE} characters")
    if name == Action.NOTE and not note.strip():
        raise ApiError(400, "note: required for the note action")
    minutes = body.get("minutes")
    if isinstance(minutes, bool) or not isinstance(minutes, int | str | None):
        raise ApiError(400, "minutes: expected a whole number")
    try:
        parsed = parse_minutes(minutes)
    except ActionError as exc:
        raise ApiError(400, str(exc)) from None
    return Action(name), by.strip(), note.strip(), parsed


async def _json_object(request: web.Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.read())
    except (ValueError, RecursionError):
        raise ApiError(400, "body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "body: expected a JSON object")
    return body


async def safety_incidents(request: web.Request) -> web.Response:
    _require_operator(request)
    limit = _limit(request)
    rows = await request.app[APP].store.transaction(lambda tx: tx.safety_incidents(limit))
    lang = _lang(request)
    found = [{**row, "code_label": code_label(lang, row["code"])} for row in rows]
    return web.json_response({"safety_incidents": found})


async def reload_config(request: web.Request) -> web.Response:
    """Swap the config only if the new one is valid; otherwise say why and keep the old one."""
    _require_operator(request)
    app = request.app[APP]
    before = app.config
    messages = app.reload()
    if app.config is before:  # nothing was swapped in: these are the problems
        return web.json_response({"ok": False, "problems": messages}, status=422)
    return web.json_response({"ok": True, "warnings": messages})
