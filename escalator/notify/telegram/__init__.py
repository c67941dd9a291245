"""The Telegram channel (issue 3): cards with buttons, edited in place; see channel.py."""

from __future__ import annotations

from escalator.notify.telegram.bot_settings import TelegramSettings, from_config
from escalator.notify.telegram.channel import TelegramChannel

__all__ = ["TelegramChannel", "TelegramSettings", "from_config"]
