"""How the service is doing, for /healthz and /metrics.

Both read the store live instead of caching: a health check that says "ok" while the
database is gone is worse than none.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from escalator.domain.errors import StorageError
from escalator.domain.model import State
from escalator.monitoring.metrics import Metrics
from escalator.storage.protocol import Store
from escalator.storage.sql import Tx

log = logging.getLogger(__name__)

Series = dict[tuple[tuple[str, str], ...], float]


@dataclass(frozen=True)
class Health:
    store: Store
    metrics: Metrics
    components: Callable[[], dict[str, Any]]  # each part's state (runtime/status.py)

    async def check(self) -> tuple[bool, dict[str, Any]]:
        """Healthy or not, and each component's state with the open incidents' count."""
        await self.store.probe()  # a real write, rate-limited: reading is not enough
        try:  # first: a failing query also marks the store unhealthy for components()
            counts = await self.store.transaction(lambda tx: tx.incidents.count_by_state())
            open_incidents: int | None = sum(n for s, n in counts.items()
                                             if s != State.RESOLVED)
        except StorageError as exc:
            log.warning("healthz: store check failed: %s", exc)
            open_incidents = None
        body: dict[str, Any] = {**self.components(), "open_incidents": open_incidents}
        healthy = all(v.get("ok", True) for v in body.values() if isinstance(v, dict))
        return healthy and open_incidents is not None, body

    async def metrics_text(self) -> str:
        """Prometheus text; still an answer when the store is down (`escalator_store_up 0`)."""
        try:
            gauges = await self.store.transaction(_store_gauges)
            up = 1.0
        except StorageError as exc:
            log.warning("metrics: store read failed: %s", exc)
            gauges, up = {}, 0.0
        gauges["escalator_store_up"] = ("1 if the store answered this scrape, else 0", {(): up})
        return self.metrics.render(gauges)


def _store_gauges(tx: Tx) -> dict[str, tuple[str, Series]]:
    by_state = {s.value: 0.0 for s in State}
    by_state.update({s: float(n) for s, n in tx.incidents.count_by_state().items()})
    deliveries: Series = {(("channel", ch), ("status", st)): float(n)
                          for (ch, st), n in tx.deliveries.counts().items()}
    safety = float(tx.safety.count())
    return {
        "escalator_incidents": ("Incidents in the store, by state",
                                {(("state", s),): n for s, n in by_state.items()}),
        "escalator_deliveries": ("Notification deliveries in the store, by channel and status",
                                 deliveries),
        "escalator_safety_incidents_total": (
            "Safety incidents recorded (nobody took an alarm, false alarm not cleared)",
            {(): safety}),
    }
