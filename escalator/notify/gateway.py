"""What the SMS and voice channels share: an HTTP gateway shaped by a preset.

A preset names the gateway's URL, method, body kind and field template; the
facility's `channels.<name>` may override each and add `params`. Templates are
filled in one pass, so a "{to}" inside an alarm text stays literal text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from escalator.config.channels import Preset
from escalator.domain.errors import NotifyError
from escalator.security.outbound import failure_text

Settings = Mapping[str, Any]


@dataclass(frozen=True)
class GatewayRequest:
    method: str
    url: str
    body: str  # form | json
    fields: dict[str, Any]


def template(settings: Settings, presets: Mapping[str, Preset]) -> tuple[Preset, dict[str, Any]]:
    """The preset and its field template with the facility's `params` (for `generic`,
    `params` is the whole template); a missing `from` drops the field."""
    name = settings.get("preset") or "generic"
    preset = presets[name]
    params = dict(settings.get("params") or {})
    fields = dict(params) if name == "generic" and params else {**preset.fields, **params}
    if not settings.get("from"):
        fields = {k: v for k, v in fields.items() if v != "{from}"}
    return preset, fields


def request(settings: Settings, preset: Preset, fields: dict[str, Any]) -> GatewayRequest:
    return GatewayRequest(str(settings.get("method") or preset.method),
                          str(settings.get("url") or preset.url),
                          str(settings.get("body") or preset.body), fields)


_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def expand(value: Any, values: Mapping[str, str]) -> Any:
    """Fill a template value; one pass, so placeholders inside the values stay literal."""
    if isinstance(value, dict):
        return {k: expand(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [expand(v, values) for v in value]
    if not isinstance(value, str):
        return value
    if value.endswith(":int}") and value[:-5] + "}" in values:
        digits = values[value[:-5] + "}"]
        return int(digits) if digits.isascii() and digits.isdigit() else digits
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(0), m.group(0)), value)


def flat(value: Any) -> str:
    """A form field's value: text as it is, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (a number); None when absent or unreadable."""
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def auth_headers(channel: str, settings: Settings,
                 secrets: Callable[[str], str | None]) -> dict[str, str]:
    """Accept JSON; Authorization from `auth_header_env` when the facility names one."""
    headers = {"Accept": "application/json"}
    env = settings.get("auth_header_env")
    if env:
        auth = secrets(env)
        if not auth:
            raise NotifyError(f"{channel}: environment variable {env} is not set",
                              recoverable=False, kind="not_set_up")
        headers["Authorization"] = auth
    return headers


async def send(session: aiohttp.ClientSession, req: GatewayRequest, headers: dict[str, str],
               timeout: aiohttp.ClientTimeout, channel: str) -> str:
    """One request to the gateway; its answer's text (at most 2,000 characters).

    2xx is accepted; 408, 425, 429 and 5xx, timeouts and network errors are retryable
    (with Retry-After); any other answer is permanent, so the party's next contact
    is tried.
    """
    kwargs: dict[str, Any] = {"headers": headers, "timeout": timeout}
    if req.method == "GET":
        kwargs["params"] = {k: flat(v) for k, v in req.fields.items()}
    elif req.body == "json":
        kwargs["data"] = json.dumps(req.fields, ensure_ascii=False).encode()
        headers["Content-Type"] = "application/json"
    else:
        kwargs["data"] = {k: flat(v) for k, v in req.fields.items()}
    try:
        async with session.request(req.method, req.url, **kwargs) as resp:
            body = (await resp.text())[:2000]
            if resp.status >= 300:
                recoverable = resp.status >= 500 or resp.status in (408, 425, 429)
                raise NotifyError(
                    f"{channel} gateway answered HTTP {resp.status}",
                    recoverable=recoverable,
                    retry_after=retry_after(resp.headers.get("Retry-After")),
                    kind="busy" if recoverable else "refused")
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise NotifyError(f"{channel} gateway unreachable: {failure_text(exc)}", recoverable=True,
                          kind="unreachable") from exc
    return body
