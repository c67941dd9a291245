"""Webhook mode: Telegram POSTs updates to `http.public_url` + `webhook_path`.

Only requests carrying the secret we gave Telegram in setWebhook are
accepted (header `X-Telegram-Bot-Api-Secret-Token`), so nobody else can
inject button presses. The route exists only when `mode: webhook`. Forged
posts are logged at most once a minute (with a count), not one line each.
"""

from __future__ import annotations

import hmac
import logging

from aiohttp import web

from escalator.entrypoints.http.views import APP
from escalator.errors import NotifyError
from escalator.logthrottle import Throttle

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
FORGED: web.AppKey[Throttle] = web.AppKey("telegram_forged_log", Throttle)


def setup(web_app: web.Application) -> None:
    channel = web_app[APP].telegram
    if channel is not None and channel.settings.mode == "webhook":
        web_app[FORGED] = Throttle()
        web_app.router.add_post(channel.settings.webhook_path, receive)


async def receive(request: web.Request) -> web.Response:
    channel = request.app[APP].telegram
    assert channel is not None
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), channel.settings.webhook_secret.encode()):
        held = request.app[FORGED].allow(channel.clock.now())
        if held is not None:
            log.warning("telegram webhook: request without the right secret from %s "
                        "(%d more refused since the last such line)", request.remote, held)
        return web.json_response({"error": "forbidden"}, status=403)
    try:
        data = await request.json()
    except ValueError:
        return web.json_response({"error": "not JSON"}, status=400)
    if not isinstance(data, dict):
        return web.json_response({"error": "not an update"}, status=400)
    try:
        await channel.connection.feed(data)
    except ValueError:
        return web.json_response({"error": "not an update"}, status=400)
    except NotifyError:
        return web.json_response({"error": "not ready"}, status=503)  # Telegram retries
    return web.json_response({"ok": True})
