"""The small box: one core, 256 MB, 10,000 open incidents on a 10 s reminder (run by hand).

    .venv/bin/python tests/perf/bench_small_box.py [MINUTES] [--incidents=N] [--rate=R]
                                                   [--memory=MB] [--code=DIR] [--dedicated]

`escalator run` (SQLite, synchronous=FULL) runs as a real process inside a box of one
core and 256 MB (tests/perf/cgroupbox.py: systemd-run when it works, else a cgroup v2
group, else cgroup v1; the output says which; it refuses, exit 2, when none can be
made). The driver stays outside the box: this process sends, and a webhook sink runs
as a process of its own (so the sink's CPU is neither the service's nor the sender's).

It opens N incidents (default 10,000; 100 alarms per POST /api/v1/events), each
reminded every 10 s, then for MINUTES minutes (default 3) sends R new alarms a second
(default 5; each opens an incident of its own, so the open count grows a little) and
prints per minute:

- reminders that arrived, and their lateness p50 / p99 / max. A reminder is due 10 s
  after the incident's previous notice was decided (the policy counts from
  `last_notified_at`, so a late reminder moves the next one too), as
  tests/perf/bench_delivery.py computes it: lateness = the sink's arrival minus
  (the previous notice's `created_at` + 10 s), read from the deliveries table when
  the service has stopped;
- intake latency of the new alarms (request start to the 202, from this process);
- the box's memory (the process's peak RSS, and the cgroup's peak, which includes page
  cache the kernel reclaims under the limit), the service's CPU (% of a core, from
  /proc/<pid>/stat), how often the quota throttled it, and any OOM kill.

--dedicated raises the box's CPU weight so that, on a host shared with other work, it
gets its one core whenever it wants it (as on a machine of its own); without it the box
competes for the CPU like any process, and the load average says how much it had to.
--code=DIR runs the service from another checkout (a worktree of an older commit) for a
before/after table. Everything stays on 127.0.0.1. Prints tables; asserts nothing.
"""

from __future__ import annotations

import asyncio
import gc
import os
import platform
import signal
import sqlite3
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).parent))

from bench_vs_alertmanager import Escalator, Proc, free_port, open_many, pct  # noqa: E402
from cgroupbox import Box, NoBox, peak_rss  # noqa: E402

EVERY = 10.0  # the reminder interval of the bench's ladder

SINK = """
import sys, time
from aiohttp import web
out = open(sys.argv[2], "w", buffering=1 << 16)
async def esc(request):
    body = await request.json()
    out.write(f"{time.time():.6f} {body['delivery']} {body['reason']}\\n")
    return web.Response(text="ok")
app = web.Application()
app.router.add_post("/esc", esc)
try:
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
finally:
    out.close()
"""


class Sampler:
    """Once a second: the service's CPU and memory, the box's memory and throttling."""

    def __init__(self, box: Box, proc: Proc) -> None:
        self.box, self.proc = box, proc
        self.rows: list[tuple[float, float, int, int, int, int, int]] = []
        self.hwm = 0

    def sample(self) -> None:
        assert self.proc.p
        try:
            cpu = self.proc.cpu_s()
            rss, self.hwm = peak_rss(self.proc.p.pid)
        except (FileNotFoundError, ProcessLookupError, IndexError):
            return  # it has ended (an OOM kill shows in the box's count)
        anon, cache = self.box.anon_and_cache()
        self.rows.append((time.time(), cpu, rss, self.box.memory_now(), anon, cache,
                          self.box.throttled()[0]))

    async def run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(1.0)

    def minute(self, start: float, end: float) -> tuple[float, int, int, int]:
        """CPU % of a core, max RSS, max box memory, throttled periods in [start, end)."""
        rows = [r for r in self.rows if start <= r[0] < end]
        before = [r for r in self.rows if r[0] < start]
        if not rows:
            return float("nan"), 0, 0, 0
        first = before[-1] if before else rows[0]
        cpu = (rows[-1][1] - first[1]) / max(1e-9, rows[-1][0] - first[0]) * 100
        return (cpu, max(r[2] for r in rows), max(r[3] for r in rows),
                rows[-1][6] - first[6])


def arrivals(path: Path) -> dict[int, float]:
    """delivery id -> when the sink had it (unix time); the first arrival counts."""
    got: dict[int, float] = {}
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1].isdigit():
            got.setdefault(int(parts[1]), float(parts[0]))
    return got


def lateness(db: Path, got: dict[int, float], end: float
             ) -> tuple[list[tuple[float, float]], int]:
    """(arrival, lateness) of every reminder that arrived, and how many were due by `end`
    and never arrived. Due: the incident's previous notice's decision + EVERY."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = con.execute("SELECT id, incident_id, reason, created_at FROM deliveries"
                       " ORDER BY incident_id, id").fetchall()
    con.close()
    out: list[tuple[float, float]] = []
    missing = 0
    prev: dict[int, float] = {}
    for delivery, incident, reason, created in rows:
        decided = datetime.fromisoformat(created).timestamp()
        if reason == "RENOTIFY" and incident in prev:
            due = prev[incident] + EVERY
            if delivery in got:
                out.append((got[delivery], got[delivery] - due))
            elif due < end - 5:
                missing += 1
        prev[incident] = decided
    return out, missing


async def intake(http: aiohttp.ClientSession, esc: Escalator, rate: float, seconds: float
                 ) -> list[tuple[float, float | None]]:
    """`rate` new alarms a second, each on time in its own task: (sent at, seconds to
    the 202, None for anything else)."""
    got: list[tuple[float, float | None]] = []
    tasks = []
    start = time.monotonic()

    async def one(n: int) -> None:
        wall, t0 = time.time(), time.monotonic()
        try:
            key = await esc.send(http, n, "new-")
        except aiohttp.ClientError:
            key = None
        got.append((wall, time.monotonic() - t0 if key else None))

    n = 0
    while time.monotonic() - start < seconds:
        delay = start + n / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n)))
        n += 1
    await asyncio.gather(*tasks)
    return got


async def main(minutes: float, incidents: int, rate: float, memory_mb: int,
               code: str | None, dedicated: bool) -> int:
    try:
        box = Box(memory_mb, dedicated=dedicated)
    except NoBox as exc:
        print(f"bench_small_box: {exc}", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="bench-smallbox-"))
    sink_port = free_port()
    sink = Proc([sys.executable, "-c", SINK, str(sink_port), str(tmp / "arrivals.txt")],
                log=tmp / "sink.log")
    sink.start()
    esc = Escalator(tmp, f"http://127.0.0.1:{sink_port}", repeat="repeat_every: 10s, ")
    if code:  # -P: not the working directory (this checkout) first, so PYTHONPATH wins
        esc.proc.args = [esc.proc.args[0], "-P", *esc.proc.args[1:]]
        esc.proc.env = {**(esc.proc.env or {}), "PYTHONPATH": code}
    esc.proc.args = box.wrap(esc.proc.args)
    sampler = Sampler(box, esc.proc)
    failed: str | None = None
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as http:
            await asyncio.sleep(1.0)  # the sink's start
            t_start = time.time()
            await esc.start(http)
            assert esc.proc.p
            box.started(esc.proc.p.pid)
            print(f"service pid {esc.proc.p.pid} in a {box.kind} box; logs in {tmp}", flush=True)
            sampler.sample()
            started_rss = sampler.rows[-1][2] if sampler.rows else 0
            up_s = time.time() - t_start
            watch = asyncio.create_task(sampler.run())
            t_open = time.time()
            try:
                await open_many(http, esc, incidents, "open-")
            except (RuntimeError, aiohttp.ClientError) as exc:
                failed = f"opening: {exc}"
            opened_s = time.time() - t_open
            t0 = time.time()
            sent: list[tuple[float, float | None]] = []
            if not failed:
                sent = await intake(http, esc, rate, minutes * 60)
            t_end = time.time()
            await asyncio.sleep(2.0)  # stragglers
            sampler.sample()
            watch.cancel()
            oom = box.oom_kills()
            peak_box = box.memory_peak()
            throttled = box.throttled()
            cpu_total = sampler.rows[-1][1] if sampler.rows else float("nan")
            alive = esc.proc.p.poll() is None
            code_rc = esc.proc.p.returncode
    finally:
        esc.proc.stop()
        sink.stop()
        box.close()
    got = arrivals(tmp / "arrivals.txt")
    late, missing = lateness(tmp / f"esc-{esc.port}.db", got, t_end)
    load = os.getloadavg()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()},"
          f" Python {platform.python_version()}; load average {load[0]:.1f} {load[1]:.1f}"
          f" {load[2]:.1f} at the end")
    print(f"box: {box.kind}, {box.cores:g} core (quota {box.quota_us} us per {100_000} us),"
          f" {memory_mb} MB{', raised CPU weight (--dedicated)' if dedicated else ''};"
          f" service code: {code or 'this checkout'}; logs in {tmp}")
    print(f"service up in {up_s:.1f} s, RSS {started_rss / 2**20:.1f} MB at start;"
          f" {incidents:,} incidents opened in {opened_s:.1f} s;"
          f" then {rate:g} new alarms a second for {minutes:g} min")
    if failed:
        print(f"FAILED: {failed}")
    print("| minute | reminders | lateness p50 | p99 | max | intake | intake p50 | p99 |"
          " CPU (% of a core) | throttled periods | RSS max | box memory max |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    spans = [("opening", t_open, t0)]  # reminders already fall due while it opens
    spans += [(str(m), t0 + 60 * m, min(t_end, t0 + 60 * (m + 1)))
              for m in range(int(-(-minutes // 1)))]
    for m, a, b in spans:
        values = [x for t, x in late if a <= t < b]
        answered = [x for t, x in sent if a <= t < b and x is not None]
        refused = sum(1 for t, x in sent if a <= t < b and x is None)
        cpu, rss, boxmem, thr = sampler.minute(a, b)
        print(f"| {m} | {len(values):,} | {pct(values, .5):.3f} s | {pct(values, .99):.3f} s |"
              f" {max(values, default=float('nan')):.3f} s | {len(answered)}"
              f"{f' ({refused} not 202)' if refused else ''} |"
              f" {pct(answered, .5) * 1e3:.1f} ms | {pct(answered, .99) * 1e3:.1f} ms |"
              f" {cpu:.0f} % | {thr} | {rss / 2**20:.0f} MB | {boxmem / 2**20:.0f} MB |")
    all_late = [x for t, x in late if t < t_end]  # not what a stopping service sends
    answered = [x for _, x in sent if x is not None]
    print(f"whole run (the opening included): {len(all_late):,} reminders"
          f" ({len(all_late) / max(1, t_end - t_open):,.0f}/s;"
          f" {incidents / EVERY:,.0f}/s due at the start), lateness p50 {pct(all_late, .5):.3f}"
          f" s, p99 {pct(all_late, .99):.3f} s, max {max(all_late, default=float('nan')):.3f}"
          f" s; {missing} due and never arrived; intake {len(answered)}/{len(sent)} answered"
          f" 202, p50 {pct(answered, .5) * 1e3:.1f} ms, p99 {pct(answered, .99) * 1e3:.1f} ms")
    peak = f"{peak_box / 2**20:.0f} MB" if peak_box is not None else "not reported"
    anon = [r[4] for r in sampler.rows]
    rss_max = max((r[2] for r in sampler.rows), default=0)
    print(f"memory: RSS at most {rss_max / 2**20:.0f} MB while running (sampled each second),"
          f" VmHWM {sampler.hwm / 2**20:.0f} MB (the peak, start-up included); box peak {peak}"
          f" (page cache"
          f" included); box's own (anonymous) memory at most"
          f" {max(anon, default=0) / 2**20:.0f} MB; OOM kills {oom};"
          f" service {'alive' if alive else f'ENDED (exit {code_rc})'} at the end")
    print(f"CPU: {cpu_total:.1f} s of the service in {t_end - t_start:.0f} s"
          f" ({cpu_total / max(1, len(all_late)) * 1e3:.2f} ms per reminder, the opening"
          f" included); quota throttled it in {throttled[0]:,} periods, {throttled[1]:.1f} s"
          f" in all")
    return 0


if __name__ == "__main__":
    # The driver is Python too: what it keeps (arrivals are in the sink's file) is small.
    gc.collect()
    gc.freeze()
    opts = {a.split("=", 1)[0]: a.split("=", 1)[1] for a in sys.argv[1:] if "=" in a}
    pos = [a for a in sys.argv[1:] if not a.startswith("--")]
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # finally: the box is removed
    sys.exit(asyncio.run(main(float(pos[0]) if pos else 3.0,
                              int(opts.get("--incidents", 10_000)),
                              float(opts.get("--rate", 5)), int(opts.get("--memory", 256)),
                              opts.get("--code"), "--dedicated" in sys.argv)))
