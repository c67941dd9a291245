"""An alarm taken in by a PostgreSQL follower: how long until the leader sends its
first notice (run by hand; prints a table, asserts nothing).

    .venv/bin/python tests/perf/bench_follower_notice.py [alarms] [per_second]

Two live services (real keeper, waker, dispatcher, real clock) on one throwaway
PostgreSQL cluster (tests/pg.py; or ESCALATOR_TEST_POSTGRES_URL). Each alarm is
a new incident, ingested on one instance; the time is taken from `ingest()`
returning (the commit the 202 waits for) to the leader's channel being handed
the notice. Rows: follower with LISTEN/NOTIFY (what runs), follower with the
once-a-second look only (the listener stopped: what ran before), and the
leader's own intake for reference. Target (issue 17): follower p99 <= 50 ms.
"""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

from pg import fresh_database, postgres_cluster  # noqa: E402
from support import TOKENS, config_text  # noqa: E402

from escalator.app import Escalator  # noqa: E402
from escalator.config import load_config_text  # noqa: E402
from escalator.domain.model import AlarmEvent  # noqa: E402


class Heard:
    def __init__(self) -> None:
        self.at: dict[str, float] = {}

    async def send(self, contact, message) -> None:
        self.at.setdefault(message.incident.point or "", time.monotonic())


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


async def run(url: str, where: str, alarms: int, rate: float) -> list[float]:
    cfg, _ = load_config_text(config_text(url), env=TOKENS)
    heard = Heard()
    channels = {"telegram": heard, "email": heard, "sms": heard}
    leader = Escalator(cfg, env=TOKENS, notifiers=channels)
    await leader.start(serve_http=False)
    follower = Escalator(cfg, env=TOKENS, notifiers=channels)
    await follower.start(serve_http=False)
    assert leader.leading and not follower.leading
    if where == "follower, poll only":
        await leader._stop_listening()
    intake = leader if where == "leader" else follower
    accepted: dict[str, float] = {}
    try:
        await asyncio.sleep(1.5)  # the listener connects; the first ticks settle
        for n in range(alarms):
            point = f"{where} {n}"
            await intake.service.ingest(AlarmEvent(
                source="terminal", code="FT", state="alarm", received_at=intake.clock.now(),
                point=point))
            accepted[point] = time.monotonic()
            await asyncio.sleep(1 / rate)
        deadline = time.monotonic() + 5
        while len(heard.at) < alarms and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    finally:
        await follower.stop()
        await leader.stop()
    missing = alarms - sum(1 for p in accepted if p in heard.at)
    if missing:
        print(f"  {where}: {missing} alarms not noticed within 5 s of the last")
    # the leader's own alarm is handed to its dispatcher at the commit: its notice may
    # go out before ingest() returns (counted as 0)
    return [max(0.0, heard.at[p] - t) * 1000 for p, t in accepted.items() if p in heard.at]


async def main(alarms: int, rate: float) -> None:
    server = os.environ.get("ESCALATOR_TEST_POSTGRES_URL")
    cluster = None if server else postgres_cluster()
    if cluster is not None:
        server = next(cluster)
    assert server is not None
    rows = []
    try:
        for i, where in enumerate(("follower, LISTEN/NOTIFY", "follower, poll only",
                                   "leader")):
            took = await run(fresh_database(server, f"bench_notice_{i}"), where, alarms, rate)
            rows.append((where, took))
    finally:
        if cluster is not None:
            cluster.close()
    load = os.getloadavg()
    print(f"\n{alarms} alarms at {rate:g}/s each; {platform.machine()}, {os.cpu_count()} cores,"
          f" load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; Python"
          f" {platform.python_version()}")
    print("\n| intake on | noticed | p50 ms | p99 ms | max ms | mean ms |")
    print("| --- | --- | --- | --- | --- | --- |")
    for where, took in rows:
        if not took:
            print(f"| {where} | 0 | - | - | - | - |")
            continue
        print(f"| {where} | {len(took)}/{alarms} | {pct(took, 0.5):.1f} | {pct(took, 0.99):.1f}"
              f" | {max(took):.1f} | {statistics.mean(took):.1f} |")


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    per_second = float(sys.argv[2]) if len(sys.argv) > 2 else 20.0
    asyncio.run(main(count, per_second))
