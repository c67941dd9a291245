"""The aiohttp application: routes from each web module plus one error boundary.

The error boundary exists so that no caller ever sees a traceback (it may
name files, SQL or secrets) and so that a store outage reads as "retry later"
(503 + Retry-After) rather than a crash: alarm terminals retry on 5xx.

Bad input is never an outage: a value the request parsers refuse (`BadInput`,
escalator/domain/bounds.py) and, as a last line, a value the store itself refuses
(`UnstorableError`: a NUL or a lone surrogate that slipped past a parser) are a
400 with the reason, so no client is told to retry for ever.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web

from escalator.domain.bounds import BadInput
from escalator.domain.errors import StorageError, UnstorableError
from escalator.entrypoints.http import (
    ackpage,
    api,
    board,
    cover_api,
    intake,
    maintenance_api,
    probes,
    safety,
    sms_inbound,
    voice,
)
from escalator.entrypoints.http.guesses import GUESSES_KEY, Guesses, link_guesses
from escalator.entrypoints.http.keys import CONTEXT, UseCases
from escalator.entrypoints.http.views import ApiError, message_page
from escalator.i18n import t
from escalator.monitoring.metrics import DOOR

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # an alarm event is a few hundred bytes; a full buffer of 100 fits easily
RETRY_AFTER_S = "5"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Routes = Callable[[web.Application], None]


def build_web_app(uses: UseCases, more_routes: Sequence[Routes] = ()) -> web.Application:
    """The HTTP entry points over the use cases they may take. `more_routes`: routes an
    outbound channel brings along (Telegram's webhook), added by the composition root
    so this layer knows no channel."""
    web_app = web.Application(client_max_size=MAX_BODY,
                              middlewares=[error_boundary, link_guesses, door])
    web_app[GUESSES_KEY] = Guesses()  # ack/voice link guessing, per address (guesses.py)
    uses.install(web_app)
    intake.setup(web_app)
    api.setup(web_app)
    safety.setup(web_app)  # the safety register (replaces api's plain list)
    maintenance_api.setup(web_app)
    cover_api.setup(web_app)  # cover shifts
    ackpage.setup(web_app)
    probes.setup(web_app)
    for add in more_routes:  # e.g. the Telegram channel's webhook (only in webhook mode)
        add(web_app)
    board.setup(web_app)  # the web board (and / redirects to it)
    voice.setup(web_app)  # a voice gateway's key presses and hang-ups
    sms_inbound.setup(web_app)  # replies to alarm SMS ("1", "2", "3 30")
    return web_app


DOORS = (("/ack/", "ack_page"), ("/voice/", "voice"), ("/api/", "api"),
         ("/board/outbox", "outbox"), ("/board/", "board"), ("/sms/", "sms"))


def door_of(path: str) -> str:
    """Which way in a request is, for the answer-time metric."""
    return next((name for prefix, name in DOORS if path.startswith(prefix)), "other")


@web.middleware
async def door(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Name the door for anything this request answers (`metrics.DOOR`; per task)."""
    DOOR.set(door_of(request.path))
    return await handler(request)


def _is_page(request: web.Request) -> bool:
    return request.path.startswith(("/ack/", "/board"))


@web.middleware
async def error_boundary(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return web.json_response({"error": exc.message, **exc.extra}, status=exc.status,
                                 headers=exc.headers)
    except web.HTTPException as exc:
        if exc.status >= 400 and request.path.startswith("/api/"):
            return web.json_response({"error": exc.reason}, status=exc.status,
                                     headers=_keep_headers(exc))
        raise
    except BadInput as exc:
        return _bad_input(request, exc.reason)
    except UnstorableError as exc:
        log.warning("%s %s: the store refused a value: %s", request.method, request.path, exc)
        return _bad_input(request, "a value in this request cannot be stored (a NUL character "
                                   "or a broken character); remove it and send again")
    except StorageError as exc:
        log.error("%s %s: storage unavailable: %s", request.method, request.path, exc)
        return _unavailable(request)
    except Exception:
        ref = secrets.token_hex(6)
        log.exception("%s %s failed (ref %s)", request.method, request.path, ref)
        return _internal(request, ref)


def _keep_headers(exc: web.HTTPException) -> dict[str, str]:
    """Allow, WWW-Authenticate and friends must survive the JSON rewrite."""
    return {k: v for k, v in exc.headers.items() if k.lower() not in
            ("content-type", "content-length")}


def _bad_input(request: web.Request, reason: str) -> web.Response:
    """400 with the reason: sending the same again cannot help."""
    if _is_page(request):
        lang = request.app[CONTEXT].config.facility.language
        return message_page(lang, t(lang, "page.title"), t(lang, "page.bad_input"), 400)
    return web.json_response({"error": reason}, status=400)


def _unavailable(request: web.Request) -> web.Response:
    headers = {"Retry-After": RETRY_AFTER_S}
    if _is_page(request):
        lang = request.app[CONTEXT].config.facility.language
        page = message_page(lang, t(lang, "page.title"), t(lang, "page.unavailable"), 503)
        page.headers.update(headers)
        return page
    return web.json_response({"error": "storage unavailable, retry later"}, status=503,
                             headers=headers)


def _internal(request: web.Request, ref: str) -> web.Response:
    if _is_page(request):
        lang = request.app[CONTEXT].config.facility.language
        return message_page(lang, t(lang, "page.title"), t(lang, "page.error"), 500)
    return web.json_response({"error": "internal error", "ref": ref}, status=500)
