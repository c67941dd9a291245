"""The `delivery:` section: how long a failing contact is retried, how long a send may take.

    delivery:
      fallback_after: 60s   # a contact failing this long hands over to the next one
      send_timeout: 10s     # one send attempt never takes longer

`channels.<name>.fallback_after` overrides the first for one channel (a
pager gateway that is often slow may get longer, Telegram shorter).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from escalator.config.channels import settings_of
from escalator.config.model import DeliveryConfig
from escalator.config.problem import phrase
from escalator.config.validators import At, Problems, duration, mapping

DELIVERY_KEYS = ("fallback_after", "send_timeout")
MAX_SEND_TIMEOUT = timedelta(minutes=2)


def parse_delivery(problems: Problems, at: At | None) -> DeliveryConfig:
    default = DeliveryConfig()
    if at is None or at.value is None or mapping(problems, at, DELIVERY_KEYS) is None:
        return default
    fallback = _positive(problems, at.key("fallback_after")) or default.fallback_after
    timeout = _positive(problems, at.key("send_timeout")) or default.send_timeout
    if timeout > MAX_SEND_TIMEOUT:
        problems.bad(at.key("send_timeout"), phrase("cfg.want.send_timeout"))  # type: ignore[arg-type]
        timeout = default.send_timeout
    return DeliveryConfig(fallback, timeout)


def _positive(problems: Problems, at: At | None) -> timedelta | None:
    if at is None:
        return None
    value = duration(problems, at)
    if value is not None and value <= timedelta(0):
        problems.bad(at, phrase("cfg.want.positive_duration"))
        return None
    return value


def fallback_after(config: DeliveryConfig, channels: Mapping[str, Mapping[str, Any]],
                   channel: str) -> timedelta:
    """The channel's own `fallback_after` if it sets one, else the `delivery:` default."""
    own = channels.get(settings_of(channel), {}).get("fallback_after")
    return own if isinstance(own, timedelta) else config.fallback_after
