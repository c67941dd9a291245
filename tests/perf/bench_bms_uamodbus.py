"""Building automation points to the first notice, per protocol (run by hand; prints a
table, asserts nothing).

    .venv/bin/python tests/perf/bench_bms_uamodbus.py [points] [per_second] [modbus_every]

One live service (real clock, keeper, dispatcher; SQLite in a temp folder) with a
Modbus TCP source and an OPC UA source, each against its own in-process simulator
built with the same library as the tests (pymodbus' simulator, an asyncua server).
`points` points go into alarm one after another at `per_second`; each is timed from
the moment the simulator's value changes (Modbus) or the condition event is fired
(OPC UA) to the channel being handed the incident's first notice. Modbus is polled:
its figure includes the wait for the next poll (`modbus_every`, default 1 s), so half
of that is the floor of its p50.
"""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))
sys.path.insert(0, str(Path(__file__).parents[1] / "integration" / "intake"))

from intake_support import ENV, with_sources  # noqa: E402
from test_intake_modbus import Plant  # noqa: E402
from test_intake_opcua import Bms  # noqa: E402

from escalator.app import Escalator  # noqa: E402
from escalator.config import load_config_text  # noqa: E402


class Heard:
    """The channel: when each point's first notice was handed over."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}

    async def send(self, contact, message) -> None:
        self.at.setdefault(f"{message.incident.source}/{message.incident.point}",
                           time.monotonic())


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def sources_yaml(points: int, modbus_port: int, ua_port: int, every: float) -> str:
    rows = "".join(f"      - {{table: coil, address: {n}, code: FT, point: m{n}}}\n"
                   for n in range(points))
    return f"""\
  plc:
    kind: modbus
    device: 127.0.0.1:{modbus_port}
    every: {every}s
    timeout: 3s
    points:
{rows}  ua:
    kind: opcua
    endpoint: opc.tcp://127.0.0.1:{ua_port}/bms
    timeout: 5s
"""


async def until_heard(heard: Heard, keys: list[str], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not all(k in heard.at for k in keys):
        await asyncio.sleep(0.05)


async def main(points: int, rate: float, every: float) -> None:
    plant, bms = Plant(), Bms()
    await plant.start()
    await bms.start()
    heard = Heard()
    with tempfile.TemporaryDirectory() as tmp:
        text = with_sources(f"sqlite:///{tmp}/bench.db",
                            sources_yaml(points, plant.port, bms.port, every))
        cfg, _ = load_config_text(text, env=ENV)
        app = Escalator(cfg, env=ENV, notifiers={"telegram": heard, "email": heard,
                                                  "sms": heard})
        await app.start(serve_http=False)
        rows = []
        try:
            while not (app.intake["ua"].connected and app.intake["plc"].polls):
                await asyncio.sleep(0.05)
            await asyncio.sleep(1.0)  # the first ticks settle
            changed: dict[str, float] = {}
            for n in range(points):
                plant.values[("coil", n)] = 1
                changed[f"plc/m{n}"] = time.monotonic()
                await asyncio.sleep(1 / rate)
            await until_heard(heard, list(changed), 30)
            rows.append((f"Modbus TCP (poll every {every:g}s)", changed))
            changed = {}
            for n in range(points):
                changed[f"ua/u{n}"] = time.monotonic()
                await bms.set("FT", f"u{n}", active=True)
                await asyncio.sleep(1 / rate)
            await until_heard(heard, list(changed), 30)
            rows.append(("OPC UA A&C (subscription)", changed))
        finally:
            await app.stop()
            await plant.stop()
            await bms.stop()
    load = os.getloadavg()
    print(f"\n{points} points per protocol going into alarm at {rate:g}/s; "
          f"{platform.machine()}, {os.cpu_count()} cores, load average {load[0]:.2f} "
          f"{load[1]:.2f} {load[2]:.2f}; Python {platform.python_version()}")
    print("\n| protocol | noticed | p50 ms | p99 ms | max ms | mean ms |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, changed in rows:
        took = [(heard.at[k] - t) * 1000 for k, t in changed.items() if k in heard.at]
        if not took:
            print(f"| {name} | 0/{points} | - | - | - | - |")
            continue
        print(f"| {name} | {len(took)}/{points} | {pct(took, 0.5):.0f} | {pct(took, 0.99):.0f}"
              f" | {max(took):.0f} | {statistics.mean(took):.0f} |")


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    per_second = float(sys.argv[2]) if len(sys.argv) > 2 else 50.0
    poll = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
    asyncio.run(main(count, per_second, poll))
