"""Keeping up and isolation, measured on the live service (run by hand; prints figures).

    .venv/bin/python tests/perf/bench_delivery.py [incidents] [seconds]

1. N open incidents (default 10,000) with a 10 s reminder, every reminder sent to a
   local webhook sink: lateness of each reminder (decided late + sent late) per
   minute, so growth shows; intake latency of events ingested meanwhile.
2. One party answering after 10 s, the other on the same step: the other's
   event -> notification latency (what tests/integration/test_delivery_isolation.py pins).
"""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestServer

sys.path.insert(0, str(Path(__file__).parents[1]))

from support import TOKENS  # noqa: E402

from escalator.app import Escalator  # noqa: E402
from escalator.config import load_config_text  # noqa: E402
from escalator.domain.model import AlarmEvent  # noqa: E402
from escalator.storage.rows import dt  # noqa: E402

CONFIG = """
facility: {{id: bench, name: Bench home, timezone: Europe/Helsinki, language: en}}
http: {{outbound_allow: [127.0.0.1/32]}}  # the sink is local
storage: "sqlite:///{db}"
people:
  nurse: {{name: Nurse, contact: [{{webhook: "{url}/nurse"}}]}}
  slow: {{name: Slow desk, contact: [{{webhook: "{url}/slow"}}]}}
ladders:
  fault:
    steps:
      - {{notify: [{notify}], repeat_every: 10s, escalate_after: 24h}}
routes:
  - ladder: fault
delivery: {{send_timeout: 15s}}
"""


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


async def sink() -> tuple[TestServer, dict[str, list[tuple[float, dict]]]]:
    got: dict[str, list[tuple[float, dict]]] = {"nurse": [], "slow": []}

    async def nurse(request: web.Request) -> web.Response:
        got["nurse"].append((time.perf_counter(), await request.json()))
        return web.Response(text="ok")

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(10)
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/nurse", nurse)
    app.router.add_post("/slow", slow)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server, got


SINK = """
import sys
from aiohttp import web
async def ok(request):
    await request.read()
    return web.Response(text="ok")
app = web.Application()
app.router.add_post("/nurse", ok)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


async def keeping_up(incidents: int, seconds: float) -> None:
    """The sink runs in its own process, as a real receiver would: its CPU is not ours."""
    import socket
    import subprocess

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-c", SINK, str(port)])
    await asyncio.sleep(1.5)
    with tempfile.TemporaryDirectory() as tmp:
        text = CONFIG.format(db=f"{tmp}/b.db", url=f"http://127.0.0.1:{port}",
                             notify="nurse")
        cfg, _ = load_config_text(text, env=TOKENS)
        app = Escalator(cfg, env=TOKENS)
        await app.start(serve_http=False)
        t0 = time.perf_counter()
        for start in range(0, incidents, 500):  # the service's own path, 500 per commit
            def opened(tx, start=start):
                now = app.clock.now()
                for n in range(start, min(incidents, start + 500)):
                    ev = AlarmEvent(source="panel", code="FT", state="alarm", point=f"p{n}",
                                    received_at=now)
                    app.service._open(tx, ev, now)
            await app.store.transaction(opened)
        app.poke()
        print(f"opened {incidents} incidents in {time.perf_counter() - t0:.1f} s")
        intake: list[float] = []
        cpu0 = time.process_time()
        end = time.perf_counter() + seconds
        n = 0
        while time.perf_counter() < end:
            s = time.perf_counter()
            await app.service.ingest(AlarmEvent(source="panel", code="XX", state="alarm",
                                                point=f"new {n}", received_at=app.clock.now()))
            intake.append(time.perf_counter() - s)
            n += 1
            await asyncio.sleep(0.1)
        cpu = time.process_time() - cpu0
        stats = await app.store.transaction(lambda tx: tx.rows(
            "SELECT incident_id, created_at, sent_at FROM deliveries WHERE reason = 'RENOTIFY'"
            " AND status = 'sent' ORDER BY incident_id, id"))
        backlog = await app.store.transaction(lambda tx: tx.rows(
            "SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status"))
        await app.stop()
    proc.terminate()
    proc.wait()
    late: dict[int, list[float]] = {}
    prev: dict[int, object] = {}
    first = None
    for r in stats:
        created, sent = dt(r["created_at"]), dt(r["sent_at"])
        if first is None:
            first = created
        p = prev.get(r["incident_id"])
        if p is not None:
            lateness = (created - p - timedelta(seconds=10)).total_seconds() \
                + (sent - created).total_seconds()
            minute = int((created - first).total_seconds() // 60)
            late.setdefault(minute, []).append(lateness)
        prev[r["incident_id"]] = created
    due_rate = incidents / 10
    print(f"reminders sent: {len(stats)} in {seconds:.0f} s ({len(stats) / seconds:,.0f}/s;"
          f" {due_rate:,.0f}/s due); deliveries by status: "
          f"{ {r['status']: r['n'] for r in backlog} }")
    print(f"CPU of the service (all its threads): {cpu:.1f} s in {seconds:.0f} s ="
          f" {cpu / seconds * 100:.0f} % of a core; {cpu / max(1, len(stats)) * 1e3:.2f} ms"
          f" per reminder sent; load average at the end {os.getloadavg()[0]:.1f}")
    print("minute  reminders  lateness p50    p99     max")
    for minute, values in sorted(late.items()):
        print(f"{minute:>6}  {len(values):>9}  {pct(values, .5):>9.3f} s {pct(values, .99):>6.3f} s"
              f" {max(values):>6.3f} s")
    print(f"intake while reminding: {len(intake)} events, p50 {pct(intake, .5) * 1e3:.1f} ms,"
          f" p99 {pct(intake, .99) * 1e3:.1f} ms")


async def isolation(alarms: int = 200, rate: float = 20.0) -> None:
    server, got = await sink()
    with tempfile.TemporaryDirectory() as tmp:
        text = CONFIG.format(db=f"{tmp}/i.db", url=f"http://127.0.0.1:{server.port}",
                             notify="slow, nurse").replace("repeat_every: 10s, ", "")
        cfg, _ = load_config_text(text, env=TOKENS)
        app = Escalator(cfg, env=TOKENS)
        await app.start(serve_http=False)
        accepted: dict[int, float] = {}
        for n in range(alarms):
            res = await app.service.ingest(AlarmEvent(source="panel", code="FT", state="alarm",
                                                      point=f"i{n}", received_at=app.clock.now()))
            accepted[res.incident_id] = time.perf_counter()  # type: ignore[index]
            await asyncio.sleep(1 / rate)
        await asyncio.sleep(1)
        await app.stop()
    await server.close()
    waits = [t - accepted[b["incident"]] for t, b in got["nurse"] if b["reason"] == "FIRST"]
    print(f"isolation: {alarms} alarms at {rate:g}/s, the other party answering after 10 s:"
          f" nurse got {len(waits)}; p50 {statistics.median(waits) * 1e3:.1f} ms,"
          f" p99 {pct(waits, .99) * 1e3:.1f} ms, max {max(waits) * 1e3:.1f} ms")


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    secs = float(sys.argv[2]) if len(sys.argv) > 2 else 300
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, {platform.platform()}")
    from escalator.runtime import eventloop

    eventloop.run(isolation())
    eventloop.run(keeping_up(n, secs))
