"""The Telegram channel's settings, read from `channels.telegram` and the environment.

The loader has already validated the keys; this turns them into one frozen
value with defaults, so the rest of the channel never touches config dicts.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.telegram.org"
DEFAULT_ALERT_AFTER = timedelta(minutes=10)
DEFAULT_WEBHOOK_PATH = "/telegram/webhook"


@dataclass(frozen=True)
class RateLimits:
    """python-telegram-bot's AIORateLimiter, on the wall clock (Telegram's own numbers)."""

    overall_per_second: float = 30
    group_per_minute: float = 20


@dataclass(frozen=True)
class TelegramSettings:
    token: str
    api_url: str = DEFAULT_API_URL
    mode: str = "polling"  # or "webhook"
    webhook_path: str = DEFAULT_WEBHOOK_PATH
    staff_users: tuple[int, ...] = ()
    alert_after: timedelta = DEFAULT_ALERT_AFTER
    alert_to: tuple[str, ...] = ()  # empty: every ladder's on_exhausted parties
    per_chat_per_minute: int = 20  # our own budget on the service clock, see budget.py
    poll_timeout: float = 10.0  # long-poll seconds for getUpdates
    reconnect_max: float = 60.0  # seconds between connection attempts at most
    limits: RateLimits = field(default_factory=RateLimits)

    @property
    def webhook_secret(self) -> str:
        """Telegram echoes this in a header; derived from the token, so no extra secret."""
        return hashlib.sha256(b"escalator-webhook:" + self.token.encode()).hexdigest()[:48]


def from_config(channel: Mapping[str, Any], env: Mapping[str, str]) -> TelegramSettings | None:
    """Settings when `channels.telegram` is configured and its token is set; else None."""
    token_env = channel.get("token_env")
    if not token_env:  # Telegram is not configured at all: nothing to warn about
        return None
    token = env.get(token_env)
    if not token:
        log.warning("channels.telegram: %s is not set; telegram deliveries go to the log",
                    token_env)
        return None
    return TelegramSettings(
        token=token,
        api_url=str(channel.get("api_url") or DEFAULT_API_URL).rstrip("/"),
        mode=channel.get("mode") or "polling",
        webhook_path=channel.get("webhook_path") or DEFAULT_WEBHOOK_PATH,
        staff_users=tuple(channel.get("staff_users") or ()),
        alert_after=channel.get("alert_after") or DEFAULT_ALERT_AFTER,
        alert_to=tuple(channel.get("alert_to") or ()),
    )
