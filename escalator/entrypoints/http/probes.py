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

from aiohttp import web

from escalator.entrypoints.http.keys import HEALTH
from escalator.entrypoints.http.tokens import caller

PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def setup(web_app: web.Application) -> None:
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/metrics", metrics)


async def healthz(request: web.Request) -> web.Response:
    healthy, body = await request.app[HEALTH].check()
    body["ok"] = healthy
    if caller(request) is None:
        body = {"ok": healthy, **{k: {"ok": bool(v.get("ok", True))} for k, v in body.items()
                                  if isinstance(v, dict)}}
    return web.json_response(body, status=200 if healthy else 503,
                             headers={"Cache-Control": "no-store"})


async def metrics(request: web.Request) -> web.Response:
    text = await request.app[HEALTH].metrics_text()
    return web.Response(body=text.encode(),
                        headers={"Content-Type": PROMETHEUS_TYPE, "Cache-Control": "no-store"})
