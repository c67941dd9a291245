"""The HTTP listener every instance runs, over the web app the composition root built.

Not aiohttp's TCPSite: every connection passes the caps and idle timeouts of
escalator/entrypoints/receivers/listeners.py (a flood from one address is turned away,
not held), and the port is read back as bound (the config may say 0).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiohttp import web

from escalator.config.model import Config
from escalator.config.tls import listener_context
from escalator.domain.outbound import Network
from escalator.entrypoints.receivers.listeners import HTTP_LIMITS, Gate, http_frames, listen

log = logging.getLogger(__name__)


def trusted_clients(config: Config) -> tuple[Network, ...]:
    """Who keeps reserved slots on the HTTP listener: the webhook sources' devices and
    `http.trusted_clients` (the reverse proxy)."""
    return (*config.http.trusted_clients,
            *(net for src in config.sources.values() for net in src.options.get("from", ())))


class HttpServing:
    def __init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self._server: asyncio.AbstractServer | None = None
        self.gate: Gate | None = None  # connection caps of the HTTP listener
        self.port: int | None = None  # as bound

    async def start(self, app: web.Application, config: Config,
                    trusted: Callable[[], tuple[Network, ...]]) -> None:
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        assert self._runner.server is not None
        http = config.http
        self._server, self.gate = await listen(
            "http", self._runner.server, http.host, http.port, HTTP_LIMITS, trusted=trusted,
            frames=http_frames, ssl=listener_context(http.tls, config.path) if http.tls else None)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("listening on %s://%s:%s", "https" if http.tls else "http", http.host, http.port)

    def stop_accepting(self) -> None:
        """No new connections; open ones get 503 for alarms while the rest stops."""
        if self._server is not None:
            self._server.close()

    async def close(self) -> None:
        """Close the open connections and the app (its cleanup hooks run)."""
        if self._server is not None:
            self._server = None
            if self.gate is not None:
                self.gate.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
