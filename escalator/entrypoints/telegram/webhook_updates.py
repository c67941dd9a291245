"""Webhook mode: Telegram POSTs updates to `http.public_url` + `webhook_path`.

Only requests carrying the secret we gave Telegram in setWebhook are
accepted (header `X-Telegram-Bot-Api-Secret-Token`), so nobody else can
inject button presses. The route exists only when `mode: webhook`. Forged
posts are logged at most once a minute (with a count), not one line each.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from aiohttp import web

from escalator.domain.errors import NotifyError
from escalator.monitoring.logthrottle import LogThrottle

if TYPE_CHECKING:
    from escalator.notify.telegram.channel import TelegramChannel

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
FORGED: web.AppKey[LogThrottle] = web.AppKey("telegram_forged_log", LogThrottle)
CHANNEL: web.AppKey[TelegramChannel] = web.AppKey("telegram_channel")


def routes(channel: TelegramChannel | None) -> Callable[[web.Application], None]:
    """What the composition root hands to the web app: the webhook route for this
    channel, or nothing when it polls (or there is no Telegram at all)."""
    def setup(web_app: web.Application) -> None:
        if channel is not None and channel.settings.mode == "webhook":
            web_app[CHANNEL] = channel
            web_app[FORGED] = LogThrottle()
            web_app.router.add_post(channel.settings.webhook_path, receive)
    return setup


async def receive(request: web.Request) -> web.Response:
    channel = request.app[CHANNEL]
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
