"""`/healthz` for load balancers and people, `/metrics` for Prometheus.

Both read the store live instead of caching: a health check that says "ok"
while the database is gone is worse than none. Without a token, /healthz says
ok or not per component and nothing else (a load balancer needs no more, and
the config path, ports, bot name and errors help only an attacker); with any
API token (a viewer's is enough) it gives the details. /metrics still answers 200
when the store is down, with `escalator_store_up 0`, so the outage is
scraped and can alert instead of showing up as a gap.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from escalator.domain.model import State
from escalator.entrypoints.http.tokens import caller
from escalator.entrypoints.http.views import APP
from escalator.errors import StorageError
from escalator.storage.sql import Tx

log = logging.getLogger(__name__)

PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8"

Series = dict[tuple[tuple[str, str], ...], float]


def setup(web_app: web.Application) -> None:
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/metrics", metrics)


async def healthz(request: web.Request) -> web.Response:
    app = request.app[APP]
    await app.store.probe()  # a real write, rate-limited: reading is not enough
    try:  # first: a failing query also marks the store unhealthy for app.health()
        counts = await app.store.transaction(lambda tx: tx.count_by_state())
        open_incidents: int | None = sum(n for s, n in counts.items() if s != State.RESOLVED)
    except StorageError as exc:
        log.warning("healthz: store check failed: %s", exc)
        open_incidents = None
    body: dict[str, Any] = {**app.health(), "open_incidents": open_incidents}
    healthy = all(v.get("ok", True) for v in body.values() if isinstance(v, dict))
    if open_incidents is None:
        healthy = False
    body["ok"] = healthy
    if caller(request) is None:
        body = {"ok": healthy, **{k: {"ok": bool(v.get("ok", True))} for k, v in body.items()
                                  if isinstance(v, dict)}}
    return web.json_response(body, status=200 if healthy else 503,
                             headers={"Cache-Control": "no-store"})


def _store_gauges(tx: Tx) -> dict[str, tuple[str, Series]]:
    by_state = {s.value: 0.0 for s in State}
    by_state.update({s: float(n) for s, n in tx.count_by_state().items()})
    deliveries: Series = {(("channel", ch), ("status", st)): float(n)
                  for (ch, st), n in tx.delivery_counts().items()}
    safety = float(tx.safety_incident_count())
    return {
        "escalator_incidents": ("Incidents in the store, by state",
                                {(("state", s),): n for s, n in by_state.items()}),
        "escalator_deliveries": ("Notification deliveries in the store, by channel and status",
                                 deliveries),
        "escalator_safety_incidents_total": (
            "Safety incidents recorded (nobody took an alarm, false alarm not cleared)",
            {(): safety}),
    }


async def metrics(request: web.Request) -> web.Response:
    app = request.app[APP]
    try:
        gauges = await app.store.transaction(_store_gauges)
        up = 1.0
    except StorageError as exc:
        log.warning("metrics: store read failed: %s", exc)
        gauges, up = {}, 0.0
    gauges["escalator_store_up"] = ("1 if the store answered this scrape, else 0", {(): up})
    return web.Response(body=app.metrics.render(gauges).encode(),
                        headers={"Content-Type": PROMETHEUS_TYPE, "Cache-Control": "no-store"})
