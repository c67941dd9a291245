"""Building-automation intake, in figures: event on the device -> first notice sent.

    .venv/bin/python tests/perf/bench_bms.py [POINTS]      # default 1000

Run by hand, never as a timed assertion in CI. For each protocol a simulator
built with the protocol's own library (tests/bacnet_sim.py for BACnet/IP) changes
POINTS points to alarm at once, as a BMS does when a fire panel drops a whole
loop; the real service (`Escalator`, SQLite with fsync on commit, live dispatcher,
real clock) takes them through its receiver, and a recording channel stamps the
first notice of each point. Printed: p50/p99/max of event -> first notice, and
how long the whole burst took to be told.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

from intake_support import ENV, with_sources  # noqa: E402
from support import RecordingNotifier  # noqa: E402

from escalator.app import Escalator  # noqa: E402
from escalator.config import load_config_text  # noqa: E402

WINDOW = 32  # confirmed notifications a device has outstanding at once (invoke ids: 256)


class StampingNotifier(RecordingNotifier):
    """Keeps the time each point was first told to anyone."""

    def __init__(self) -> None:
        super().__init__()
        self.first: dict[str, float] = {}

    async def send(self, contact, message) -> None:  # type: ignore[no-untyped-def]
        self.first.setdefault(message.incident.point, time.perf_counter())
        await super().send(contact, message)


async def run_service(yaml: str, drive: Callable[[Escalator], Awaitable[dict[str, float]]],
                      points: int) -> tuple[list[float], float]:
    """Start the service with `yaml`'s source, let `drive` raise the points; latencies."""
    with tempfile.TemporaryDirectory() as tmp:
        cfg, _ = load_config_text(with_sources(f"sqlite:///{tmp}/bench.db", yaml), env=ENV)
        rec = StampingNotifier()
        app = Escalator(cfg, env=ENV, notifiers={"telegram": rec, "email": rec, "sms": rec})
        await app.start(serve_http=False)
        try:
            sent = await drive(app)
            started = min(sent.values())
            deadline = time.perf_counter() + 120
            while len(rec.first) < points and time.perf_counter() < deadline:
                await asyncio.sleep(0.05)
        finally:
            await app.stop()
    latencies = [rec.first[p] - t for p, t in sent.items() if p in rec.first]
    missing = points - len(latencies)
    if missing:
        print(f"  ({missing} points never told within 120 s)")
    return latencies, max(rec.first.values(), default=started) - started


async def bench_bacnet(points: int) -> tuple[list[float], float]:
    from bacnet_sim import SimDevice, free_udp_port, settle

    sim = SimDevice.at(free_udp_port(), 1001)
    await settle()
    yaml = f"""\
  bms:
    kind: bacnet
    listen: 127.0.0.1:{free_udp_port()}
    device_id: 599
    every: 1h
    code: FT
    devices:
      - address: 127.0.0.1:{sim.port}
        device_id: 1001
        notification_classes: [1]
"""

    async def drive(app: Escalator) -> dict[str, float]:
        source = app.intake["bms"]
        while source.rounds < 1:
            await asyncio.sleep(0.01)
        sent: dict[str, float] = {}
        window = asyncio.Semaphore(WINDOW)

        async def one(n: int) -> None:
            async with window:
                sent[f"1001/binary-input,{n}"] = time.perf_counter()
                await sim.notify(f"binary-input,{n}", "offnormal")  # acked once stored

        await asyncio.gather(*(one(n) for n in range(points)))
        return sent

    try:
        return await run_service(yaml, drive, points)
    finally:
        sim.close()


PROTOCOLS: dict[str, Callable[[int], Awaitable[tuple[list[float], float]]]] = {
    "BACnet/IP (confirmed notifications)": bench_bacnet,
}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


async def main(points: int) -> None:
    print("| protocol | points | event -> first notice p50 | p99 | max | burst told in |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, bench in PROTOCOLS.items():
        latencies, burst = await bench(points)
        if not latencies:
            print(f"| {name} | {points} | - | - | - | - |")
            continue
        print(f"| {name} | {len(latencies)} | {statistics.median(latencies) * 1e3:,.0f} ms | "
              f"{pct(latencies, 0.99) * 1e3:,.0f} ms | {max(latencies) * 1e3:,.0f} ms | "
              f"{burst:.2f} s |")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
