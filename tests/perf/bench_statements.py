"""Statements and CPU per alarm event on SQLite; run by hand, never as assertions in CI.

    .venv/bin/python tests/perf/bench_statements.py [events per kind]

Each event goes through `EscalationService.ingest` on its own (one transaction each,
synchronous=FULL on a temp file), grouped by kind: N new alarms, then a repeat of
each, the repeat sent again (a duplicate by event id), and a clear of each. For each
kind it prints the SQL statements per event (SQLite's trace hook on the store's
connection: every statement started, BEGIN and COMMIT included) and the process CPU
per event (the loop and the store thread together), and the wall time per event.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

from support import TOKENS, FakeClock, RecordingNotifier, config_text  # noqa: E402

from escalator.app import Escalator  # noqa: E402
from escalator.config import load_config_text  # noqa: E402
from escalator.domain.model import AlarmEvent  # noqa: E402


def _events(clock: FakeClock, n: int, kind: str) -> list[AlarmEvent]:
    state = "clear" if kind == "clear" else "alarm"
    ids = {"new": "n", "repeat": "r", "duplicate": "r", "clear": "c"}[kind]
    return [AlarmEvent(source="terminal", code="FT", state=state, received_at=clock.now(),
                       point=f"room {i}", event_id=f"{ids}{i}") for i in range(n)]


async def bench(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cfg, _ = load_config_text(config_text(f"sqlite:///{tmp}/bench.db"), env=TOKENS)
        clock = FakeClock()
        rec = RecordingNotifier()
        app = Escalator(cfg, clock=clock, env=TOKENS,
                        notifiers={"telegram": rec, "email": rec, "sms": rec})
        await app.start(serve_http=False, schedule=False)
        try:
            conn = await app.store._run(app.store._ensure_sync)
            count = [0]

            def traced(_sql: str) -> None:
                count[0] += 1

            print("| event     | events | statements/event | CPU µs/event | wall µs/event |")
            print("|-----------|-------:|-----------------:|-------------:|--------------:|")
            for kind in ("new", "repeat", "duplicate", "clear"):
                events = _events(clock, n, kind)
                count[0] = 0
                conn.set_trace_callback(traced)
                cpu, wall = time.process_time(), time.perf_counter()
                for ev in events:
                    await app.service.ingest(ev)
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                conn.set_trace_callback(None)
                print(f"| {kind:9} | {n:>6} | {count[0] / n:>16.1f} | {cpu / n * 1e6:>12,.0f} |"
                      f" {wall / n * 1e6:>13,.0f} |")
                clock.advance(seconds=1)
        finally:
            await app.stop()


if __name__ == "__main__":
    asyncio.run(bench(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
