"""The outbound dead man's switch: ping an outside monitor while escalator is healthy.

When escalator goes quiet - host down, network cut, loop wedged, database
gone - the pings stop and the monitor (healthchecks.io and the like) raises
the alarm somewhere else. So a ping is sent only after the liveness check
passed, each ping has a hard time bound, and it runs in a task of its own:
a hanging or refusing monitor never delays anything else. A failing monitor
is logged once per outage, not once per ping. The POST body carries the audit
chain's head (last id and hash), so the monitor's ping log is also an outside
witness against a rewritten audit log. The token is never logged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from escalator.config.deadman import DeadmanConfig
from escalator.runtime.tasks import cancel_and_wait
from escalator.security.outbound import failure_text

log = logging.getLogger(__name__)

IDLE = 60.0  # seconds between looks at the config when no deadman is configured


def shown(url: str) -> str:
    """Where the pings go, for the log: scheme and host only (paths often hold the token)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}"


class DeadmanSwitch:
    def __init__(
        self,
        config: Callable[[], DeadmanConfig | None],
        alive: Callable[[], Awaitable[bool]],
        session: Callable[[], aiohttp.ClientSession],
        secret: Callable[[str | None], str | None],
        body: Callable[[], Awaitable[dict[str, Any]]] | None = None,
    ) -> None:
        self._config = config
        self._alive = alive
        self._session = session
        self._secret = secret
        self._body = body
        self._task: asyncio.Task[None] | None = None
        self.failing = False  # in an outage (logged once)
        self.pings = 0

    async def beat(self) -> bool:
        """One ping if healthy; True when the monitor took it."""
        cfg = self._config()
        if cfg is None:
            return False
        if not await self._alive():
            self._outage(cfg, "escalator is not healthy (loop or store); not pinging")
            return False
        token = self._secret(cfg.token_env)
        try:
            async with asyncio.timeout(cfg.timeout.total_seconds()):
                await self._ping(cfg, token)
        except TimeoutError:
            self._outage(cfg, f"no answer within {cfg.timeout.total_seconds():g} s")
            return False
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            why = failure_text(exc)
            self._outage(cfg, why.replace(token, "***") if token else why)
            return False
        if self.failing:
            log.info("dead man's switch: %s takes pings again", shown(cfg.url))
            self.failing = False
        self.pings += 1
        return True

    async def _ping(self, cfg: DeadmanConfig, token: str | None) -> None:
        url, headers = cfg.url, {}
        if token and "{token}" in url:
            url = url.replace("{token}", token)
        elif token:
            headers["Authorization"] = f"Bearer {token}"
        payload = await self._body() if (self._body and cfg.method == "POST") else None
        async with self._session().request(cfg.method, url, json=payload, headers=headers,
                                           allow_redirects=False) as resp:
            await resp.read()
            if resp.status >= 300:
                raise aiohttp.ClientResponseError(resp.request_info, (), status=resp.status,
                                                  message=f"HTTP {resp.status}")

    def _outage(self, cfg: DeadmanConfig, why: str) -> None:
        if not self.failing:
            log.error("dead man's switch: ping to %s failed: %s (said once until it works "
                      "again; the outside monitor will raise its alarm)", shown(cfg.url), why)
            self.failing = True

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            cfg = self._config()
            if cfg is not None:
                await self.beat()
            await asyncio.sleep(cfg.every.total_seconds() if cfg else IDLE)

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
