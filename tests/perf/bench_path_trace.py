"""Where a new alarm's time goes, hand-over by hand-over (run by hand; prints a table).

    .venv/bin/python tests/perf/bench_path_trace.py [rate] [count] [--stalls]

Starts the service as `bench_vs_alertmanager.py` does (same config, same local
webhook sink), but through tests/perf/traced_service.py, which marks each point
of the path in the service. Sends `count` alarms (default 300) at `rate` a second
(default 20), each alone on the path, and prints, per point, the p50 and p90 of
the time since the sender started the request. The same run gives the
end-to-end p50/p99 and the 202's. With --stalls, also the loop stalls over
10 ms and collections over 2 ms, with the stack the loop was in.
"""

from __future__ import annotations

import asyncio
import bisect
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).parent))

import bench_vs_alertmanager as bench  # noqa: E402

TRACED = str(Path(__file__).parent / "traced_service.py")


async def run(rate: float, count: int, stalls: bool) -> None:
    gc.collect()
    gc.freeze()
    gc.disable()  # the sender must not pause: see bench_vs_alertmanager.main
    tmp = Path(tempfile.mkdtemp(prefix="bench-trace-"))
    marks_path, stalls_path = tmp / "marks.txt", tmp / "stalls.txt"
    sink = bench.Sink()
    sink_url = await sink.start()
    esc = bench.Escalator(tmp, sink_url)
    esc.proc.args = [sys.executable, TRACED, *esc.proc.args[3:]]
    esc.proc.env = {**(esc.proc.env or {}), "TRACE_OUT": str(marks_path),
                    **({"TRACE_STALLS": str(stalls_path)} if stalls else {})}
    sent: dict[str, tuple[float, float]] = {}
    async with aiohttp.ClientSession() as http:
        await esc.start(http)
        await bench.stream(http, sink, esc, 50, 50, "warm-")
        start = time.monotonic()

        async def one(n: int) -> None:
            t0 = time.monotonic()
            key = await esc.send(http, n, "t-")
            if key:
                sent[key] = (t0, time.monotonic())
        tasks = []
        for n in range(count):
            delay = start + n / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(n)))
        await asyncio.gather(*tasks)
        await asyncio.sleep(2.0)
        esc.proc.stop()
    await sink.runner.cleanup()
    got = bench.arrivals(sink, esc)
    events = sorted((t0, t202, got[k][0]) for k, (t0, t202) in sent.items() if got.get(k))
    marks = sorted((float(t), name.strip()) for t, name in
                   (line.split(" ", 1) for line in marks_path.read_text().splitlines()))
    table(events, marks, rate, count)
    if stalls and stalls_path.exists():
        print(f"\nloop stalls over 10 ms and collections over 2 ms ({stalls_path}):")
        print("\n".join(line for line in stalls_path.read_text().splitlines()
                        if " STALL " in line or " GC " in line) or "none")


def table(events: list[tuple[float, float, float]], marks: list[tuple[float, str]],
          rate: float, count: int) -> None:
    times = [t for t, _ in marks]
    per: dict[str, list[float]] = {}
    alone = 0
    for i, (t0, t202, arrived) in enumerate(events):
        after = events[i + 1][0] if i + 1 < len(events) else t0 + 1.0
        if i and t0 - events[i - 1][2] < 0:  # the one before is still on the path
            continue
        lo, hi = bisect.bisect_left(times, t0), bisect.bisect_left(times, min(after, arrived + .01))
        seen: dict[str, float] = {}
        for t, name in marks[lo:hi]:
            seen.setdefault(name, t - t0)
        if "j POST answered" not in seen:
            continue
        alone += 1
        for name, d in seen.items():
            per.setdefault(name, []).append(d)
        per.setdefault("k the sink has it", []).append(arrived - t0)
        per.setdefault("l the 202 is back at the sender", []).append(t202 - t0)
    load = os.getloadavg()
    latency = sorted(a - t0 for t0, _, a in events)
    print(f"{len(events)}/{count} alarms at {rate:g}/s, {alone} alone on the path; "
          f"end to end p50 {bench.pct(latency, .5) * 1e3:.2f} ms, "
          f"p99 {bench.pct(latency, .99) * 1e3:.2f} ms; load average {load[0]:.1f}")
    print("| point on the path (ms since the request started) | p50 | p90 |")
    print("| --- | --- | --- |")
    for name in sorted(per):
        values = sorted(per[name])
        print(f"| {name[2:] if name[1] == ' ' else name[3:]} | {bench.pct(values, .5) * 1e3:.2f} "
              f"| {bench.pct(values, .9) * 1e3:.2f} |")


if __name__ == "__main__":
    numbers = [a for a in sys.argv[1:] if not a.startswith("--")]
    asyncio.run(run(float(numbers[0]) if numbers else 20.0,
                    int(numbers[1]) if len(numbers) > 1 else 300, "--stalls" in sys.argv))
