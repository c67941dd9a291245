"""The Telegram channel (issue 3): cards with buttons, edited in place; see channel.py.

`TelegramChannel` is loaded on first use: importing a module of this package (the
settings, the card layout) must not load python-telegram-bot and httpx, about 30 MB
a service without Telegram would carry for nothing (issue 23, the small box)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from escalator.notify.telegram.bot_settings import TelegramSettings, from_config

if TYPE_CHECKING:
    from escalator.notify.telegram.channel import TelegramChannel

__all__ = ["TelegramChannel", "TelegramSettings", "from_config"]


def __getattr__(name: str) -> Any:
    if name == "TelegramChannel":
        from escalator.notify.telegram.channel import TelegramChannel

        return TelegramChannel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
