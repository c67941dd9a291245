"""`POST /api/v1/events`: where alarm terminals hand an event over to us.

A 202 is a promise: the event is committed and escalation has started. So
every event in a request is validated before anything is stored (a buffered
batch is all-or-nothing), and the answer is written only after `ingest`
returned. A terminal that gets anything else keeps the event and retries;
its `id` makes that retry harmless.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from aiohttp import web

from escalator.codecs import clean
from escalator.codecs.clean import multi_line, one_line
from escalator.domain import bounds
from escalator.domain.errors import IntakeError, StorageError, UnstorableError
from escalator.domain.model import EVENT_STATES, AlarmEvent
from escalator.entrypoints.http.keys import INTAKE
from escalator.entrypoints.http.views import BEARER_CHALLENGE, ApiError
from escalator.usecases.intake import IngestResult

MAX_BATCH = 100
KNOWN_FIELDS = ("code", "state", "point", "text", "severity", "time", "id")
STOPPING_RETRY_S = "5"  # a restart takes a few seconds; another instance takes it at once
LIMITS = {"code": 64, "point": 256, "text": 2000, "severity": 32, "id": 128}


def setup(web_app: web.Application) -> None:
    web_app.router.add_post("/api/v1/events", receive)


async def receive(request: web.Request) -> web.Response:
    intake = request.app[INTAKE]
    source = _source_for(request)
    if source is None:
        raise _reject(request, 401, "unauthorized", "missing or unknown bearer token",
                      headers=BEARER_CHALLENGE)
    if not intake.accepting():  # stopping: nothing taken now could be sent before the exit
        raise _reject(request, 503, "stopping", "the service is stopping; retry shortly",
                      headers={"Retry-After": STOPPING_RETRY_S})
    payload = await _read_json(request)
    now = intake.context.now()
    try:
        if isinstance(payload, list):
            parsed = parse_batch(payload, source, now)
        else:
            parsed = [parse_event(payload, source, now)]
    except IntakeError as exc:
        raise _reject(request, 400, "invalid", str(exc)) from None
    results = []
    for event, ignored in parsed:
        result = await _ingest(request, event)  # counted by the use case
        results.append(_result_json(result, ignored))
    body: Any = results if isinstance(payload, list) else results[0]
    return web.json_response(body, status=202)


async def _ingest(request: web.Request, event: AlarmEvent) -> IngestResult:
    try:
        return await request.app[INTAKE].ingest(event)
    except UnstorableError as exc:
        reason = str(exc.__cause__ or "refused")[:200]
        raise _reject(request, 422, "unstorable",
                      f"the store refuses this event ({reason}); retrying will not help"
                      ) from None
    except StorageError:
        _count_rejected(request, "storage")
        raise  # the error boundary answers 503 + Retry-After


def _result_json(result: IngestResult, ignored: list[str]) -> dict[str, Any]:
    return {"incident": result.incident_id, "duplicate": result.duplicate,
            "reopened": result.reopened,
            "status": "stored", "ignored": ignored}


def _source_for(request: web.Request) -> str | None:
    """The webhook source whose token was presented; every token is compared, in constant time."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return request.app[INTAKE].source_for(token)


async def _read_json(request: web.Request) -> Any:
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise _reject(request, 413, "too_large",
                      "body too large: send at most 64 KiB, split a long buffer") from None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise _reject(request, 400, "not_json", "body is not valid JSON") from None


def _reject(request: web.Request, status: int, reason: str, message: str,
            **extra: Any) -> ApiError:
    _count_rejected(request, reason)
    return ApiError(status, message, **extra)


def _count_rejected(request: web.Request, reason: str) -> None:
    request.app[INTAKE].rejected(reason)


# -- validation -------------------------------------------------------------------

def parse_batch(items: list[Any], source: str, now: datetime
                ) -> list[tuple[AlarmEvent, list[str]]]:
    """A terminal flushing its buffer: all valid, or nothing stored."""
    if not items:
        raise IntakeError("body: empty array, expected 1 to 100 events")
    if len(items) > MAX_BATCH:
        raise IntakeError(f"body: {len(items)} events in one array, at most {MAX_BATCH}")
    parsed = []
    for i, item in enumerate(items):
        try:
            parsed.append(parse_event(item, source, now))
        except IntakeError as exc:
            raise IntakeError(f"[{i}].{exc}") from None
    return parsed


def parse_event(data: Any, source: str, now: datetime) -> tuple[AlarmEvent, list[str]]:
    """One event object -> (event, ignored field names); IntakeError names the bad field."""
    if not isinstance(data, dict):
        raise IntakeError(f"body: expected a JSON object, got {_kind(data)}")
    state = _text(data, "state") or "alarm"
    if state not in EVENT_STATES:
        raise IntakeError(f"state: expected one of {', '.join(EVENT_STATES)}, got {state!r}")
    code = one_line(_text(data, "code"))
    if not code:
        if state != "heartbeat":
            raise IntakeError("code: required, a non-empty string")
        code = "heartbeat"
    event_id = _event_id(data.get("id"))
    event = AlarmEvent(
        source=source, code=code, state=state, received_at=now,
        point=one_line(_text(data, "point")), text=multi_line(_text(data, "text")),
        severity=one_line(_text(data, "severity")), occurred_at=_time(data.get("time")),
        event_id=clean.event_id(event_id) if event_id is not None else None,
    )
    ignored = sorted(str(k) for k in data if k not in KNOWN_FIELDS)
    return event, ignored


def _text(data: dict[str, Any], name: str) -> str:
    """An optional string field; null counts as absent."""
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise IntakeError(f"{name}: expected a string, got {_kind(value)}")
    limit = LIMITS.get(name)
    if limit is not None and len(value) > limit:
        raise IntakeError(f"{name}: at most {limit} characters, got {len(value)}")
    return value


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise IntakeError(f"time: expected an ISO-8601 string, got {_kind(value)}")
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise IntakeError(f"time: not an ISO-8601 date and time: {value[:40]!r}") from None
    if when.tzinfo is None or when.utcoffset() is None:
        raise IntakeError("time: needs a timezone, e.g. 2026-11-24T09:00:00+02:00 or ...Z")
    try:  # year 1 parses, but moving it into UTC overflows (a 500). A panel whose clock
        return bounds.moment(when, "time")  # was reset still has an alarm: refusing it
    except bounds.BadInput:  # would lose the alarm, so its time is taken as unknown
        return None  # (the time it was received is used, as for an event without one)


def _event_id(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise IntakeError(f"id: expected a string or an integer, got {_kind(value)}")
    text = str(value)
    if not text or len(text) > LIMITS["id"]:
        raise IntakeError(f"id: 1 to {LIMITS['id']} characters, got {len(text)}")
    return text


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)
