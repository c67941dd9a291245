"""Benchmarks that print figures; run by hand, never as timed assertions in CI.

    .venv/bin/python tests/perf/bench_escalation.py

1. The pure policy: how much simulated ladder time one second of CPU covers.
2. Durable intake on SQLite (synchronous=FULL): events per second and the
   latency of `ingest`, which is what a terminal waits for before its 202.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

from support import TOKENS, FakeClock, RecordingNotifier, config_text  # noqa: E402

from escalator.app import Escalator  # noqa: E402
from escalator.config import build_directory, load_config_text  # noqa: E402
from escalator.domain import policy  # noqa: E402
from escalator.domain.model import AlarmEvent, Incident, State  # noqa: E402


def bench_policy(runs: int = 200) -> None:
    cfg, _ = load_config_text(config_text(), env=TOKENS)
    directory, ladder = build_directory(cfg), cfg.ladders["technical-fault"]
    clock = FakeClock()
    started = time.perf_counter()
    decisions = 0
    for i in range(runs):
        at = clock.now() + timedelta(minutes=37 * i)
        inc = Incident(i, "terminal", "FT", "", "", "", ladder.id, State.OPEN, at, at)
        decisions += len(policy.simulate(inc, ladder, directory, at + timedelta(days=2)))
    wall = time.perf_counter() - started
    simulated = runs * 48 * 3600
    print(f"policy: {runs} incidents x 48 h of ladder, {decisions} decisions in {wall:.3f} s"
          f" -> {decisions / wall:,.0f} decisions/s, {simulated / wall:,.0f}x real time")


async def bench_ingest(events: int = 500) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cfg, _ = load_config_text(config_text(f"sqlite:///{tmp}/bench.db"), env=TOKENS)
        clock = FakeClock()
        rec = RecordingNotifier()
        app = Escalator(cfg, clock=clock, env=TOKENS,
                        notifiers={"telegram": rec, "email": rec, "sms": rec})
        await app.start(serve_http=False, schedule=False)
        latencies = []
        started = time.perf_counter()
        for n in range(events):
            ev = AlarmEvent(source="terminal", code="FT", state="alarm" if n % 2 == 0 else "clear",
                            received_at=clock.now(), point=f"loop {n // 2}", event_id=f"e{n}")
            t0 = time.perf_counter()
            await app.service.ingest(ev)
            latencies.append(time.perf_counter() - t0)
        wall = time.perf_counter() - started
        t0 = time.perf_counter()
        await app.tick()
        dispatch = time.perf_counter() - t0
        await app.stop()
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(f"ingest (SQLite, fsync on commit): {events} events in {wall:.2f} s -> "
          f"{events / wall:,.0f} events/s; latency p50 {statistics.median(latencies) * 1e3:.2f} ms,"
          f" p99 {p99 * 1e3:.2f} ms")
    print(f"dispatch: {len(rec.sent)} notifications rendered and recorded in {dispatch:.2f} s")


if __name__ == "__main__":
    bench_policy()
    asyncio.run(bench_ingest())
