"""The `deadman:` section: an optional outbound ping to an outside monitor.

If escalator itself stops (host down, network cut, wedged process), nobody
inside the building is told: the part that tells people is the part that
failed. A monitor elsewhere (healthchecks.io, Uptime Kuma's push monitor,
Cronitor) expects a ping every few minutes and raises its own alarm when the
pings stop. Kept in its own module so the section's keys, defaults and
checks sit together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from escalator.config.problem import phrase
from escalator.config.validators import (
    At,
    Problems,
    choice,
    duration,
    env_name,
    http_url,
    mapping,
)

DEADMAN_KEYS = ("url", "every", "token_env", "method", "timeout")
DEADMAN_REQUIRED = ("url",)
DEADMAN_METHODS = ("POST", "GET")
MIN_EVERY = timedelta(seconds=30)


@dataclass(frozen=True)
class DeadmanConfig:
    url: str  # may contain {token}: replaced by the token_env secret when pinging
    every: timedelta = timedelta(minutes=5)
    token_env: str | None = None  # the secret: in the URL's {token}, else a Bearer header
    method: str = "POST"  # POST carries a small JSON body (the audit chain's head)
    timeout: timedelta = timedelta(seconds=10)


def parse_deadman(problems: Problems, at: At | None) -> DeadmanConfig | None:
    if at is None or at.value is None:
        return None
    if mapping(problems, at, DEADMAN_KEYS, DEADMAN_REQUIRED,
               expected=phrase("cfg.want.deadman")) is None:
        return None
    before = problems.count
    url_at = at.key("url")
    url = http_url(problems, url_at) if url_at is not None else None
    default = DeadmanConfig("")
    every = _opt(problems, at.key("every"), duration) or default.every
    every_at = at.key("every")
    if every_at is not None and every < MIN_EVERY:
        problems.bad(every_at, phrase("cfg.want.deadman_every"))
    token = _opt(problems, at.key("token_env"), env_name)
    method_at = at.key("method")
    method = (choice(problems, method_at, DEADMAN_METHODS) if method_at is not None
              else None) or default.method
    timeout = _opt(problems, at.key("timeout"), duration) or default.timeout
    timeout_at = at.key("timeout")
    if timeout_at is not None and timeout >= every:
        problems.bad(timeout_at, phrase("cfg.want.deadman_timeout"))
    if problems.count > before or url is None:
        return None
    return DeadmanConfig(url, every, token, method, timeout)


def _opt(problems: Problems, at: At | None, check: Any) -> Any:
    return None if at is None else check(problems, at)


def deadman_schema(ref: Any) -> dict[str, Any]:
    """The section's JSON Schema; `ref` builds a $ref to the shared definitions."""
    return {
        "type": "object", "additionalProperties": False, "required": list(DEADMAN_REQUIRED),
        "description": "Optional ping to an outside monitor while escalator is healthy.",
        "properties": {
            "url": {**ref("url"), "description": "The monitor's ping URL; {token} is "
                                                 "replaced by the token_env secret."},
            "every": {**ref("duration"), "default": "5m", "description": "Ping period."},
            "token_env": {**ref("env"), "description": "Environment variable with the "
                                                       "monitor's secret (URL or Bearer)."},
            "method": {"enum": list(DEADMAN_METHODS), "default": "POST",
                       "description": "POST sends the audit chain's head as JSON."},
            "timeout": {**ref("duration"), "default": "10s",
                        "description": "A ping that takes longer counts as failed."},
        },
    }
