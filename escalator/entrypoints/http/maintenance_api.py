"""Operator API for maintenance windows: list, set, renew and end them.

    GET    /api/v1/maintenance           current and planned windows (file and API)
    POST   /api/v1/maintenance           a new window; with "id": renew that window
    PATCH  /api/v1/maintenance/{id}      renew: move "until" (at most maintenance_max from now)
    DELETE /api/v1/maintenance/{id}      end it now; what it held starts its ladder

Windows set here are stored, so they survive a restart; the file's windows
are listed too but are changed by editing the file. A refused window is a 400
whose "error" says why (too long, ends before it starts, unknown source).
After every change the waker is poked, so held alarms are reviewed at once.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from escalator.domain import bounds
from escalator.domain.hours import format_duration
from escalator.domain.maintenance import (
    LOCAL_TIME_EXPECTED,
    MAX_WINDOWS,
    MaintenanceWindow,
    WindowProblem,
    check_window,
    explain,
    local_to_utc,
    renew,
)
from escalator.entrypoints.http.api import _json_object
from escalator.entrypoints.http.keys import RECORDS
from escalator.entrypoints.http.tokens import OPERATOR, VIEWER, require
from escalator.entrypoints.http.views import ApiError, iso
from escalator.storage.sql import Tx

MAX_REASON = 200
CREATE_KEYS = {"match", "from", "until", "reason", "by"}
RENEW_KEYS = {"id", "until", "by"}
MATCH_KEYS = {"source", "code", "point"}


def setup(web_app: web.Application) -> None:
    r = web_app.router
    r.add_get("/api/v1/maintenance", list_windows)
    r.add_post("/api/v1/maintenance", create_or_renew)
    r.add_patch("/api/v1/maintenance/{id}", patch_window)
    r.add_delete("/api/v1/maintenance/{id}", end_window)


async def list_windows(request: web.Request) -> web.Response:
    require(request, VIEWER)
    records = request.app[RECORDS]
    now = records.context.now()
    from_api = await records.read(lambda tx: tx.maintenance.windows_ending_after(now))
    config = records.context.config
    tz = ZoneInfo(config.facility.timezone)
    found = [_json(w, tz, now, "config") for w in config.maintenance if w.ends > now]
    found += [{**_json(s.window, tz, now, "api"), "created_by": s.created_by,
               "created_at": iso(s.created_at), "updated_by": s.updated_by,
               "updated_at": iso(s.updated_at)} for s in from_api]
    return web.json_response({"maintenance": found,
                              "maintenance_max": format_duration(config.maintenance_max)})


def _json(w: MaintenanceWindow, tz: ZoneInfo, now: datetime, origin: str) -> dict[str, Any]:
    return {"id": w.id, "origin": origin, "reason": w.reason,
            "match": {"source": list(w.sources), "code": list(w.codes), "point": w.point},
            "from": iso(w.starts), "until": iso(w.ends),
            "from_local": f"{w.starts.astimezone(tz):%Y-%m-%d %H:%M}",
            "until_local": f"{w.ends.astimezone(tz):%Y-%m-%d %H:%M}",
            "active": w.active(now)}


async def create_or_renew(request: web.Request) -> web.Response:
    token = require(request, OPERATOR).name
    body = await _json_object(request)
    if "id" in body:
        return await _renew(request, _window_id(str(body["id"])), body, RENEW_KEYS, token)
    _only(body, CREATE_KEYS)
    records = request.app[RECORDS]
    now = records.context.now()
    config = records.context.config
    tz = ZoneInfo(config.facility.timezone)
    starts = now if body.get("from") in (None, "") else _time(body, "from", tz)
    ends = _time(body, "until", tz)
    problem = check_window(starts, ends, config.maintenance_max)
    if problem is None and ends <= now:
        problem = WindowProblem.ALREADY_ENDED
    if problem is not None:
        max_text = format_duration(config.maintenance_max)
        raise ApiError(400, f"until: {explain(problem, config.maintenance_max, max_text)}",
                       reason=problem.value)
    sources, codes, point = _match(body.get("match"), set(config.sources))
    draft = MaintenanceWindow("", starts, ends, _reason(body), sources, codes, point)
    by = _by(body.get("by"), token)
    limit = MAX_WINDOWS - sum(1 for w in config.maintenance if w.ends > now)

    def add(tx: Tx) -> int:
        if tx.maintenance.open_windows(now) >= limit:  # each alarm is checked against every one
            raise ApiError(409, f"at most {MAX_WINDOWS} maintenance windows may be current or"
                                " planned at once; end one first", reason="too_many_windows")
        return tx.maintenance.add_window(draft, by, now)

    window_id = await records.write(add)
    return web.json_response(_json(replace(draft, id=str(window_id)), tz, now, "api"),
                             status=201)


async def patch_window(request: web.Request) -> web.Response:
    token = require(request, OPERATOR).name
    body = await _json_object(request)
    return await _renew(request, _window_id(request.match_info["id"]), body, RENEW_KEYS - {"id"},
                        token)


async def _renew(request: web.Request, window_id: int, body: dict[str, Any],
                 allowed: set[str], token: str) -> web.Response:
    _only(body, allowed)
    records = request.app[RECORDS]
    now = records.context.now()
    tz = ZoneInfo(records.context.config.facility.timezone)
    until = _time(body, "until", tz)
    by = _by(body.get("by"), token)
    maximum = records.context.config.maintenance_max

    def work(tx: Tx) -> MaintenanceWindow:
        current = _existing(tx, window_id, now)
        renewed = renew(current, until, now, maximum)
        if not isinstance(renewed, MaintenanceWindow):
            text = explain(renewed, maximum, format_duration(maximum))
            raise ApiError(400, f"until: {text}", reason=renewed.value)
        tx.maintenance.set_until(window_id, until, by, now)
        return renewed

    renewed = await records.write(work)
    return web.json_response(_json(renewed, tz, now, "api"))


async def end_window(request: web.Request) -> web.Response:
    """End now rather than erase: the row stays as the record of who held what, and when."""
    token = require(request, OPERATOR).name
    window_id = _window_id(request.match_info["id"])
    records = request.app[RECORDS]
    now = records.context.now()
    by = _by(request.query.get("by"), token)

    def work(tx: Tx) -> MaintenanceWindow:
        current = _existing(tx, window_id, now)
        tx.maintenance.set_until(window_id, now, by, now)
        return replace(current, ends=now)

    ended = await records.write(work)
    tz = ZoneInfo(records.context.config.facility.timezone)
    return web.json_response(_json(ended, tz, now, "api"))


def _existing(tx: Tx, window_id: int, now: datetime) -> MaintenanceWindow:
    found = tx.maintenance.window(window_id)
    if found is None:
        raise ApiError(404, f"no maintenance window {window_id}")
    if found.window.ends <= now:
        raise ApiError(409, f"maintenance window {window_id} has already ended; "
                            "set a new one instead")
    return found.window


def _window_id(raw: str) -> int:
    if raw.startswith("config-"):
        raise ApiError(409, f"window {raw} is in the config file: edit the file and reload")
    return bounds.row_id(raw, "window id")


def _only(body: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ApiError(400, f"unknown key {unknown[0]!r}; expected {', '.join(sorted(allowed))}")


def _time(body: dict[str, Any], key: str, tz: ZoneInfo) -> datetime:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, f"{key}: required, {LOCAL_TIME_EXPECTED} ({tz.key})")
    try:
        return bounds.moment(local_to_utc(bounds.date_text(value, key), tz), key)
    except bounds.BadInput:
        raise
    except ValueError as exc:
        raise ApiError(400, f"{key}: {value!r}: {exc}") from None


def _reason(body: dict[str, Any]) -> str:
    reason = body.get("reason")
    if isinstance(reason, str) and (why := bounds.unstorable(reason)):
        raise ApiError(400, f"reason: {why}")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_REASON:
        raise ApiError(400, f"reason: required, what the work is (at most {MAX_REASON} "
                            "characters), like \"installation work\"")
    return reason.strip()


def _by(given: object, token: str) -> str:
    """Who acts is the token's name (`entrypoints/http/tokens.py`); a `by` naming anyone else is
    refused, so nobody can set a window in someone else's name."""
    if given not in (None, token):
        raise ApiError(400, f"by: changes with this token are recorded as {token!r}; leave "
                            "`by` out or use a token of your own")
    return token


def _match(value: Any, known_sources: set[str]) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    if value is None:
        return (), (), ""
    if not isinstance(value, dict):
        raise ApiError(400, 'match: expected an object like {"point": "B-wing*"}')
    _only_match(value)
    sources = _names(value.get("source"), "match.source")
    for s in sources:
        if s not in known_sources:
            raise ApiError(400, f"match.source: unknown source {s!r}",
                           valid=sorted(known_sources))
    codes = _names(value.get("code"), "match.code")
    point = value.get("point") or ""
    if not isinstance(point, str) or len(point) > MAX_REASON:
        raise ApiError(400, 'match.point: expected a point or a pattern like "B-wing*"')
    return sources, codes, bounds.text(point, "match.point", MAX_REASON)


def _only_match(value: dict[str, Any]) -> None:
    unknown = sorted(set(value) - MATCH_KEYS)
    if unknown:
        raise ApiError(400, f"match: unknown key {unknown[0]!r}; expected code, point or source")


def _names(value: Any, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str | int) and not isinstance(value, bool) else value
    if not isinstance(items, list) or not all(
            isinstance(i, str | int) and not isinstance(i, bool) and str(i).strip()
            for i in items):
        raise ApiError(400, f"{key}: expected a name or a list of names")
    return tuple(bounds.text(str(i), key, MAX_REASON) for i in items)
