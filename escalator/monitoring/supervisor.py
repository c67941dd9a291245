"""What watches the running service from outside: systemd's notify/watchdog protocol and
the outbound dead man's switch, both driven by one liveness check.

Started by `escalator run` after the service is up (so READY=1 means the
listeners accept), stopped before it shuts down (STOPPING=1 first, so
systemd does not count the shutdown as a hang).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import aiohttp

from escalator.monitoring import systemd
from escalator.monitoring.deadman import DeadmanSwitch
from escalator.monitoring.liveness import Liveness
from escalator.security.outbound import guarded_session
from escalator.storage import audit

if TYPE_CHECKING:
    from escalator.app import Escalator


class Supervision:
    def __init__(self, app: Escalator, env: Mapping[str, str]) -> None:
        self._app = app
        self._env = env
        self.liveness = Liveness(app.store, app.clock,
                                 lambda: app.waker is None or app.waker.running)
        interval = systemd.watchdog_interval(env)
        self.watchdog = (systemd.Watchdog(self.liveness.check, interval, env)
                         if interval else None)
        self._session: aiohttp.ClientSession | None = None
        self.deadman = DeadmanSwitch(lambda: app.config.deadman, self.liveness.check,
                                     self._http, app.secret, self._witness)

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = guarded_session(self._app.config.http.outbound_allow)
        return self._session

    async def _witness(self) -> dict[str, Any]:
        last_id, last_hash = await self._app.store.transaction(audit.head_tx)
        return {"service": "escalator", "facility": self._app.config.facility.id,
                "audit_head": {"id": last_id, "hash": last_hash}}

    def start(self) -> None:
        systemd.notify("READY=1", self._env)
        if self.watchdog:
            self.watchdog.start()
        self.deadman.start()

    async def stop(self) -> None:
        systemd.notify("STOPPING=1", self._env)
        if self.watchdog:
            await self.watchdog.stop()
        await self.deadman.stop()
        if self._session and not self._session.closed:
            await self._session.close()
