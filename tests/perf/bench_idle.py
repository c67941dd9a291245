"""Idle is idle, and a board stream costs one row (run by hand; prints tables).

    .venv/bin/python tests/perf/bench_idle.py [idle|streams|all] [--code=DIR] [--quick]
                                              [--readers-in-process]

idle     The service as a real process with Telegram configured (the fake Bot API of
         tests/fake_telegram.py, in this process) and 10,000 open incidents (2,000
         with --quick) whose timers are a day away: the service's CPU over 30 s once
         the first notices are out. Target: <= 1 % of a core.
streams  400 open alarms; webhook intake latency (POST -> 202) of new alarms, one after
         another, in 6 blocks of 50 with no board open and 6 blocks of 50 with 50 live
         board streams (/board/events, 4 per signed-in session) reading along, taken in
         turn (2 of each with --quick). Target: p99 with streams
         within 10 % of without. The readers run in a child process; with
         --readers-in-process they share this process's event loop with the timed
         POSTs (as the bench did first), which adds their reading to the latency.

--code=DIR runs the service from another checkout (e.g. a worktree of an older commit)
for a before/after table; the bench itself stays this one. Only the service's own CPU
is counted (/proc/<pid>/stat); the fake Bot API and the sink run in this process.
Everything stays on 127.0.0.1. Asserts nothing.
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

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).parents[1]))
sys.path.insert(0, str(Path(__file__).parent))

from bench_vs_alertmanager import Proc, free_port, wait_up  # noqa: E402
from fake_telegram import FakeTelegram  # noqa: E402

from escalator.domain.limits import STREAMS_PER_SESSION  # noqa: E402
from escalator.entrypoints.http.board.auth import hash_password  # noqa: E402

PASSWORD = "bench-board-pw"
ENV = {"ESCALATOR_API_TOKEN": "bench-op", "ESCALATOR_SECRET_KEY": "bench-secret-0123456789",
       "ESCALATOR_TERMINAL_TOKEN": "bench-term"}
TERMINAL = {"Authorization": "Bearer bench-term"}
CONFIG = """
facility: {{id: bench, name: Bench, timezone: Europe/Helsinki, language: en}}
http: {{listen: "127.0.0.1:{port}", public_url: "http://127.0.0.1:{port}",
       outbound_allow: [127.0.0.1/32]}}  # the sink is local
storage: "sqlite:///{db}"
sources:
  terminal: {{kind: webhook, token_env: ESCALATOR_TERMINAL_TOKEN}}
people:
  nurse: {{name: Nurse, contact: [{{webhook: "{sink}/n"}}]}}
ladders:
  fault:
    steps:
      - {{notify: [nurse], escalate_after: 24h}}
routes:
  - ladder: fault
{telegram}
board:
  users:
    - {{name: Anna, role: nurse, password_hash_env: BOARD_HASH}}
"""
TELEGRAM = """channels:
  telegram: {{token_env: TG_TOKEN, api_url: "{api}"}}
"""


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


class Service:
    """escalator run, from this checkout or from --code."""

    def __init__(self, tmp: Path, sink: str, code: str | None, telegram: str = "") -> None:
        self.port = free_port()
        cfg = tmp / f"esc-{self.port}.yaml"
        cfg.write_text(CONFIG.format(port=self.port, db=tmp / f"esc-{self.port}.db", sink=sink,
                                     telegram=telegram))
        env = {**ENV, "BOARD_HASH": hash_password(PASSWORD), "TG_TOKEN": FakeTelegram.token}
        if code:
            env["PYTHONPATH"] = code
        # -P: not the working directory first, so --code (PYTHONPATH) wins
        self.proc = Proc([sys.executable, "-P", "-m", "escalator", "run", "--config",
                          str(cfg)], env, tmp / "escalator.log")
        self.refused = 0  # answers other than 202 (e.g. 503 when intake waited too long)
        self.base = f"http://127.0.0.1:{self.port}"

    async def start(self, http: aiohttp.ClientSession) -> None:
        self.proc.start()
        await wait_up(http, f"{self.base}/healthz")

    async def alarm(self, http: aiohttp.ClientSession, tag: str) -> float:
        started = time.perf_counter()
        body = {"code": "FT", "point": tag, "id": tag, "state": "alarm"}
        async with http.post(f"{self.base}/api/v1/events", json=body, headers=TERMINAL) as r:
            await r.read()
            self.refused += r.status != 202
        return time.perf_counter() - started

    async def fill(self, http: aiohttp.ClientSession, n: int, tag: str) -> None:
        sem = asyncio.Semaphore(20)

        async def one(i: int) -> None:
            async with sem:
                await self.alarm(http, f"{tag}{i}")

        await asyncio.gather(*(one(i) for i in range(n)))


async def sink() -> tuple[web.AppRunner, str, list[int]]:
    got = [0]

    async def take(request: web.Request) -> web.Response:
        await request.read()
        got[0] += 1
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/{name}", take)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}", got


async def settle(got: list[int], want: int, limit: float = 300) -> None:
    deadline = time.monotonic() + limit
    while got[0] < want and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    note(f"{got[0]} of {want} first notices at the sink")


def note(text: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


async def idle(tmp: Path, code: str | None, quick: bool) -> list[str]:
    n = 2_000 if quick else 10_000
    fake = await FakeTelegram().start()
    runner, sink_url, got = await sink()
    svc = Service(tmp, sink_url, code, TELEGRAM.format(api=fake.url))
    async with aiohttp.ClientSession() as http:
        await svc.start(http)
        note("service up")
        await svc.fill(http, n, "idle-")
        await settle(got, n)
        await asyncio.sleep(5)  # the last writes and the Telegram connection settle
        c0, t0 = svc.proc.cpu_s(), time.monotonic()
        await asyncio.sleep(30)
        cpu = (svc.proc.cpu_s() - c0) / (time.monotonic() - t0) * 100
    svc.proc.stop()
    await runner.cleanup()
    await fake.stop()
    return [f"| idle, Telegram configured, {n:,} open ({got[0]:,} first notices out) "
            f"| {cpu:.2f} % of a core over 30 s |"]


async def sign_in(base: str) -> aiohttp.ClientSession:
    """A reader with a board session of its own (one board, one browser)."""
    reader = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    page = await (await reader.get(f"{base}/board/login")).text()
    csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    async with reader.post(f"{base}/board/login", allow_redirects=False, data={
            "name": "Anna", "password": PASSWORD, "next": "/board/", "csrf": csrf}) as r:
        assert r.status == 303, r.status
    return reader


async def board_streams(base: str, n: int
                        ) -> tuple[list[asyncio.Task[None]], list[int],
                                   list[aiohttp.ClientSession]]:
    """Open n live streams, STREAMS_PER_SESSION per signed-in session (the service
    refuses more on one session), each reading along."""
    readers = [await sign_in(base) for _ in range(-(-n // STREAMS_PER_SESSION))]
    read = [0] * n

    async def follow(i: int) -> None:
        async with readers[i // STREAMS_PER_SESSION].get(
                f"{base}/board/events", headers={"Accept": "text/event-stream"}) as resp:
            if resp.status != 200:
                raise RuntimeError(f"board stream {i}: {resp.status}")
            async for chunk in resp.content.iter_any():
                read[i] += len(chunk)

    tasks = [asyncio.create_task(follow(i)) for i in range(n)]
    for _ in range(600):  # each stream has its first list (bounded: 60 s)
        if all(read) or any(t.done() for t in tasks):
            break
        await asyncio.sleep(0.1)
    failed = [t for t in tasks if t.done()]
    if failed or not all(read):
        raise RuntimeError(f"board streams did not open: {failed[:1]}")
    return tasks, read, readers


async def readers_main(base: str, n: int) -> None:
    """The board readers in a process of their own (`--readers=BASE,N`): "open" on
    stdout once every stream has its first list, then read along until stdin closes,
    then the bytes read. Kept out of the bench's process so that the 50 readers'
    work does not delay the timing of the alarms' POSTs (which would measure the
    bench, not the service)."""
    tasks, read, readers = await board_streams(base, n)
    print("open", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for reader in readers:
        await reader.close()
    print(sum(read), flush=True)


class Readers:
    """50 board readers: in a child process (default), or in this one
    (`--readers-in-process`, how the bench measured before)."""

    def __init__(self, base: str, n: int, here: bool) -> None:
        self.base, self.n, self.here = base, n, here
        self.read = 0

    async def __aenter__(self) -> Readers:
        if self.here:
            self._tasks, self._read, self._readers = await board_streams(self.base, self.n)
            return self
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable, __file__, f"--readers={self.base},{self.n}",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        assert self._proc.stdout is not None
        line = await asyncio.wait_for(self._proc.stdout.readline(), 90)
        if line.strip() != b"open":
            raise RuntimeError(f"board readers did not start: {line!r}")
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.here:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            for reader in self._readers:
                await reader.close()
            self.read = sum(self._read)
            return
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.close()
        out = await asyncio.wait_for(self._proc.stdout.read(), 60)
        await self._proc.wait()
        self.read = int(out.split()[-1]) if out.split() else 0


async def streams(tmp: Path, code: str | None, quick: bool, here: bool) -> list[str]:
    """Blocks of alarms without and with the 50 streams, taken in turn (ABAB...), so a
    shared machine's load moving during the run weighs on both alike."""
    runner, sink_url, got = await sink()
    svc = Service(tmp, sink_url, code)
    blocks, per_block = (2, 50) if quick else (6, 50)
    quiet: list[list[float]] = []
    busy: list[list[float]] = []
    cpu = {"quiet": 0.0, "busy": 0.0}
    refused, read = 0, 0
    # few connections: the service lets one address hold 64 (listeners.HTTP_LIMITS)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=10)) as http:
        await svc.start(http)
        note("service up")
        await svc.fill(http, 400, "open-")
        await settle(got, 400)
        for warm in range(20):
            await svc.alarm(http, f"warm-{warm}")
        for block in range(blocks):
            c0 = svc.proc.cpu_s()
            quiet.append([await svc.alarm(http, f"quiet-{block}-{i}") for i in range(per_block)])
            cpu["quiet"] += svc.proc.cpu_s() - c0
            async with Readers(svc.base, 50, here) as readers:
                c0, r0 = svc.proc.cpu_s(), svc.refused
                busy.append([await svc.alarm(http, f"busy-{block}-{i}")
                             for i in range(per_block)])
                cpu["busy"] += svc.proc.cpu_s() - c0
                refused += svc.refused - r0
                await asyncio.sleep(1)  # the last rows reach the readers
            read += readers.read
            note(f"block {block + 1} of {blocks} done (readers "
                 f"{'in this process' if here else 'in a child'}), {readers.read:,} bytes read")
    svc.proc.stop()
    await runner.cleanup()
    n = blocks * per_block
    flat_quiet, flat_busy = [v for b in quiet for v in b], [v for b in busy for v in b]
    lines = []
    for label, values in (("no board open", flat_quiet), ("50 board streams", flat_busy)):
        ms = [v * 1000 for v in values]
        lines.append(f"| {label} | {n} | {statistics.median(ms):.1f} ms "
                     f"| {pct(ms, 0.95):.1f} ms | {pct(ms, 0.99):.1f} ms | {max(ms):.1f} ms |")
    lines.append(f"| p99 with / without streams | | | | "
                 f"{pct(flat_busy, 0.99) / pct(flat_quiet, 0.99):.2f} | |")
    # the noise floor: the no-board blocks against each other (odd against even)
    odd = [v for b in quiet[1::2] for v in b]
    even = [v for b in quiet[0::2] for v in b]
    lines.append(f"| p99 no board: odd / even blocks (noise) | | | | "
                 f"{pct(odd, 0.99) / pct(even, 0.99):.2f} | |")
    lines.append(f"| service CPU for the {n} alarms: no board / 50 streams "
                 f"| | {cpu['quiet']:.2f} s | {cpu['busy']:.2f} s | | |")
    lines.append(f"| alarms refused (not 202) with streams | {refused} | | | | |")
    lines.append(f"| bytes the 50 readers got | {read:,} | | | | |")
    return lines


async def main() -> None:
    child = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--readers=")), None)
    if child:
        base, n = child.rsplit(",", 1)
        await readers_main(base, int(n))
        return
    what = next((a for a in sys.argv[1:] if not a.startswith("--")), "all")
    code = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--code=")), None)
    quick = "--quick" in sys.argv
    here = "--readers-in-process" in sys.argv
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}, python {platform.python_version()}"
          f"{', service code from ' + code if code else ''}")
    with tempfile.TemporaryDirectory() as tmp:
        if what in ("idle", "all"):
            (Path(tmp) / "idle").mkdir()
            print("\n| idle | service CPU |\n| --- | --- |")
            for line in await idle(Path(tmp) / "idle", code, quick):
                print(line)
        if what in ("streams", "all"):
            (Path(tmp) / "streams").mkdir()
            print("\n| webhook intake, 400 open | alarms | p50 | p95 | p99 | max |\n"
                  "| --- | --- | --- | --- | --- | --- |")
            for line in await streams(Path(tmp) / "streams", code, quick, here):
                print(line)
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    asyncio.run(main())
