"""Telegram's way in: button presses, chat commands and the webhook that carries them."""

from __future__ import annotations

from escalator.entrypoints.telegram.inbound import TelegramInbound
from escalator.entrypoints.telegram.webhook_updates import routes as webhook_routes

__all__ = ["TelegramInbound", "webhook_routes"]
