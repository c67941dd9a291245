"""Telegram's way in: button presses, chat commands and the webhook that carries them.

`TelegramInbound` is loaded on first use (python-telegram-bot comes with it): the
webhook's routes are built by every service, Telegram or not (issue 23, the small box)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from escalator.entrypoints.telegram.webhook_updates import routes as webhook_routes

if TYPE_CHECKING:
    from escalator.entrypoints.telegram.inbound import TelegramInbound

__all__ = ["TelegramInbound", "webhook_routes"]


def __getattr__(name: str) -> Any:
    if name == "TelegramInbound":
        from escalator.entrypoints.telegram.inbound import TelegramInbound

        return TelegramInbound
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
