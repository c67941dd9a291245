"""A slow party never delays another: the live service, a real local HTTP sink.

One party's webhook answers after 10 s; the other party on the same step gets
each alarm within 100 ms (p99) of the event being accepted. The service runs
with its real scheduler and clock here, because the property is about time
spent waiting on a peer; the figures are also printed by
tests/perf/bench_delivery.py.
"""

from __future__ import annotations

import asyncio
import time

from aiohttp import web
from aiohttp.test_utils import TestServer
from support import TOKENS

from escalator.app import Escalator
from escalator.config import load_config_text
from escalator.domain.model import AlarmEvent

CONFIG = """
facility: {{id: iso, name: Isolation home, timezone: Europe/Helsinki, language: en}}
storage: "sqlite:///{db}"
people:
  slow: {{name: Slow desk, contact: [{{webhook: "{url}/slow"}}]}}
  fast: {{name: Nurse, contact: [{{webhook: "{url}/fast"}}]}}
ladders:
  fault:
    steps:
      - {{notify: [slow, fast], repeat_every: 1h, escalate_after: 1h}}
routes:
  - ladder: fault
delivery: {{send_timeout: 15s}}
"""


async def test_a_party_answering_after_10_s_does_not_delay_the_other(tmp_path):
    arrived: dict[int, float] = {}

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(10)
        return web.Response(text="ok")

    async def fast(request: web.Request) -> web.Response:
        body = await request.json()
        arrived.setdefault(body["incident"], time.perf_counter())
        return web.Response(text="ok")

    sink = web.Application()
    sink.router.add_post("/slow", slow)
    sink.router.add_post("/fast", fast)
    server = TestServer(sink, host="127.0.0.1")
    await server.start_server()
    url = f"http://127.0.0.1:{server.port}"
    cfg, _ = load_config_text(CONFIG.format(db=tmp_path / "iso.db", url=url), env=TOKENS)
    app = Escalator(cfg, env=TOKENS)
    await app.start(serve_http=False)
    accepted: dict[int, float] = {}
    try:
        for n in range(40):  # 20 alarms a second for 2 s
            res = await app.service.ingest(AlarmEvent(
                source="panel", code="FT", state="alarm", point=f"loop {n}",
                received_at=app.clock.now()))
            assert res.incident_id is not None
            accepted[res.incident_id] = time.perf_counter()
            await asyncio.sleep(0.05)
        deadline = time.monotonic() + 5
        while len(arrived) < len(accepted) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
    finally:
        started = time.monotonic()
        await app.stop()
        stopped_in = time.monotonic() - started
        await server.close()
    assert set(arrived) == set(accepted), "every alarm reached the nurse"
    waits = sorted(arrived[i] - accepted[i] for i in accepted)
    p99 = waits[int(len(waits) * 0.99) - 1]
    assert p99 <= 0.100, f"nurse waited p99 {p99 * 1e3:.1f} ms behind a slow party"
    assert stopped_in < 10  # the slow party's sends in flight do not hold up shutdown
