"""The device listeners and pollers of the configured sources, as the leader runs them.

All of them start, or none (a port taken by another program fails the start, and
what had started is stopped again). Webhook sources are served by the HTTP API and
have no adapter here. A silent device is a `source_silent` incident, not a health
failure: health says only whether each adapter runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from escalator.config.model import Config
from escalator.domain.model import Incident, State
from escalator.entrypoints.receivers import IntakeAdapter, OpenAlarms, build_adapters
from escalator.entrypoints.receivers.base import Ingest
from escalator.runtime.clock import Clock

log = logging.getLogger(__name__)


class Sources:
    def __init__(self, config: Callable[[], Config], ingest: Ingest, clock: Clock,
                 secret: Callable[[str | None], str | None], open_alarms: OpenAlarms) -> None:
        self._config = config
        self._ingest = ingest
        self._clock = clock
        self._secret = secret
        self._open_alarms = open_alarms
        self.adapters: dict[str, IntakeAdapter] = {}

    async def start(self) -> None:
        """Listeners and pollers for the sources; all of them, or none (then raise)."""
        self.adapters = build_adapters(self._config(), self._ingest, self._clock,
                                       self._secret, self._open_alarms)
        started = []
        try:
            for adapter in self.adapters.values():
                await adapter.start()
                started.append(adapter)
        except BaseException:
            for adapter in reversed(started):
                await adapter.stop()
            raise

    async def stop(self) -> None:
        for adapter in reversed(list(self.adapters.values())):
            await adapter.stop()
        self.adapters = {}

    def incident_changed(self, incident: Incident) -> None:
        """A service listener: an incident taken by a person is told to its source's
        adapter when that adapter can pass it on (BACnet `ack_in_bms`: AcknowledgeAlarm)."""
        adapter = self.adapters.get(incident.source)
        taken = getattr(adapter, "incident_taken", None)
        if taken is not None and incident.state is State.ACKNOWLEDGED and incident.acked_by:
            try:
                taken(incident)
            except Exception:  # the person's answer stands whatever the BMS side does
                log.exception("source %s: passing on a taken incident failed", incident.source)

    def health(self) -> dict[str, Any]:
        """Listeners and pollers run; a silent device is a source_silent incident instead."""
        sources = {sid: adapter.health() for sid, adapter in self.adapters.items()}
        return {"ok": all(h.get("running") for h in sources.values()), "sources": sources}
