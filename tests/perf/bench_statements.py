"""Statements and CPU per alarm event on SQLite; run by hand, never as assertions in CI.

    .venv/bin/python tests/perf/bench_statements.py [events per kind]

Each event goes through `EscalationService.ingest` on its own (one transaction each,
synchronous=FULL on a temp file), grouped by kind: N new alarms, then a repeat of
each, the repeat sent again (a duplicate by event id), a clear of each, and N new
alarms again, ten at a time (they share one group-commit transaction). For each
kind it prints the SQL statements per event (SQLite's trace hook on the store's
connection: every statement started, BEGIN and COMMIT included), the process CPU per
event (the loop and the store thread together) split into user time (Python and
SQLite's own work) and system time (mostly the commit's fsync, synchronous=FULL), and
the wall time per event. Then the same kinds once more through the store's transaction
alone, on this thread: the part of the cost that the statements are. Last, ingest's
latency while a task keeps the event loop busy: each statement releases the GIL and
the store thread waits for it back (the service's switch interval, 0.5 ms).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from dataclasses import replace
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

from support import TOKENS, FakeClock, RecordingNotifier, config_text  # noqa: E402

from escalator.app import Escalator  # noqa: E402
from escalator.config import load_config_text  # noqa: E402
from escalator.domain.model import AlarmEvent  # noqa: E402
from escalator.runtime import eventloop  # noqa: E402


def _events(clock: FakeClock, n: int, kind: str) -> list[AlarmEvent]:
    state = "clear" if kind == "clear" else "alarm"
    ids = {"new": "n", "repeat": "r", "duplicate": "r", "clear": "c", "new x10": "b"}[kind]
    point = "bed" if kind == "new x10" else "room"
    return [AlarmEvent(source="terminal", code="FT", state=state, received_at=clock.now(),
                       point=f"{point} {i}", event_id=f"{ids}{i}") for i in range(n)]


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

            print("| event     | events | statements/event | user CPU µs/event |"
                  " system CPU µs/event | wall µs/event |")
            print("|-----------|-------:|-----------------:|------------------:|"
                  "--------------------:|--------------:|")
            for kind in ("new", "repeat", "duplicate", "clear", "new x10"):
                events = _events(clock, n, kind)
                count[0] = 0
                conn.set_trace_callback(traced)
                cpu, wall = os.times(), time.perf_counter()
                if kind == "new x10":  # ten at once: one group-commit transaction each
                    for start in range(0, n, 10):
                        await asyncio.gather(*(app.service.ingest(ev)
                                               for ev in events[start:start + 10]))
                for ev in events if kind != "new x10" else ():
                    await app.service.ingest(ev)
                done, wall = os.times(), time.perf_counter() - wall
                user, system = done.user - cpu.user, done.system - cpu.system
                conn.set_trace_callback(None)
                print(f"| {kind:9} | {n:>6} | {count[0] / n:>16.1f} | {user / n * 1e6:>17,.0f} |"
                      f" {system / n * 1e6:>19,.0f} | {wall / n * 1e6:>13,.0f} |")
                clock.advance(seconds=1)
            print()
            print("The transaction alone (called on this thread: no loop, no thread hop):")
            print("| event     | events | user CPU µs/event | system CPU µs/event |")
            print("|-----------|-------:|------------------:|--------------------:|")
            store, service = app.store, app.service
            for kind in ("new", "repeat", "clear", "new x10"):
                events = [replace(ev, point="alone " + ev.point, event_id="a" + str(ev.event_id))
                          for ev in _events(clock, n, kind)]
                size = 10 if kind == "new x10" else 1
                cpu = os.times()
                for start in range(0, n, size):
                    store._transaction_sync(partial(service._ingest_all,
                                                    events=events[start:start + size]), None)
                done = os.times()
                user, system = done.user - cpu.user, done.system - cpu.system
                print(f"| {kind:9} | {n:>6} | {user / n * 1e6:>17,.0f} |"
                      f" {system / n * 1e6:>19,.0f} |")
                clock.advance(seconds=1)
            print()
            print("With the event loop busy (a task spinning 1 ms at a time), one at a time:")
            print("| event     | events | ingest p50 ms | ingest p99 ms |")
            print("|-----------|-------:|--------------:|--------------:|")
            spinning = asyncio.create_task(_spin())
            try:
                for kind in ("new", "repeat", "clear"):
                    taken = []
                    for ev in _events(clock, min(n, 300), kind):
                        ev = replace(ev, point="busy " + ev.point, event_id="s" + str(ev.event_id))
                        t0 = time.perf_counter()
                        await app.service.ingest(ev)
                        taken.append(time.perf_counter() - t0)
                    taken.sort()
                    print(f"| {kind:9} | {len(taken):>6} | {taken[len(taken) // 2] * 1e3:>13.2f} |"
                          f" {taken[int(len(taken) * 0.99)] * 1e3:>13.2f} |")
                    clock.advance(seconds=1)
            finally:
                spinning.cancel()
        finally:
            await app.stop()


async def _spin() -> None:
    """Keeps the loop's thread busy in Python, as sending notices at load does: the
    store thread gets the GIL back after each statement only at a switch interval."""
    while True:
        until = time.perf_counter() + 0.001
        while time.perf_counter() < until:
            pass
        await asyncio.sleep(0)


if __name__ == "__main__":  # the service's own loop set-up (its GIL switch interval)
    eventloop.run(bench(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
