"""Escalator against Prometheus Alertmanager, same machine, same sink (run by hand).

    .venv/bin/python tests/perf/bench_vs_alertmanager.py [--quick] [--only=W1,W6]

Both run as real processes on 127.0.0.1 and notify one local webhook sink (in
this process). A bare aiohttp relay (receive, POST to the sink, answer) is the
floor: no service can be faster than one hop through Python's HTTP stack.
Alertmanager: Debian's `prometheus-alertmanager`, group_wait 0s,
group_interval 1s, one group per alert (group_by: ['...']).

W1 event -> notification latency at 20/s and 100/s (p50, p99)
W2 highest rate with >= 99 % delivered and p99 <= 100 ms, each system fresh on a lean sink,
   the events sent by processes of their own (loadgen.py; --senders=N, default 2); and two
   escalator instances on one throwaway PostgreSQL cluster, both taking intake (W2PG alone)
W3 stalls: 10,000 alarms at 100/s (2,000 with --quick), notices later than 20 ms, and the latest
W4 escalator with 10,000 open incidents: RSS per incident, idle CPU
W5 notifications arriving after an acknowledgement was answered (escalator)
W6 SIGKILL mid-stream with 10,000 open (2,000 with --quick), 10 s reminders (escalator):
   lost, duplicates per incident, time from restart to the first reminder

Request loops are bounded; nothing leaves 127.0.0.1. Prints a table; asserts nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import glob
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import aiohttp
import loadgen
from aiohttp import web

ENV = {"ESCALATOR_API_TOKEN": "bench-op", "ESCALATOR_SECRET_KEY": "bench-secret-0123456789",
       "ESCALATOR_TERMINAL_TOKEN": "bench-term"}
TERMINAL = {"Authorization": "Bearer bench-term"}
OPERATOR = {"Authorization": "Bearer bench-op"}
AM_BIN = shutil.which("prometheus-alertmanager") or "/usr/bin/prometheus-alertmanager"

ESC_CONFIG = """
facility: {{id: bench, name: Bench, timezone: Europe/Helsinki, language: en}}
http: {{listen: "127.0.0.1:{port}", public_url: "http://127.0.0.1:{port}",
       outbound_allow: [127.0.0.1/32]}}  # the sink is local
storage: "sqlite:///{db}"
sources:
  terminal: {{kind: webhook, token_env: ESCALATOR_TERMINAL_TOKEN}}
people:
  nurse: {{name: Nurse, contact: [{{webhook: "{sink}/esc"}}]}}
ladders:
  fault:
    steps:
      - {{notify: [nurse], {repeat}escalate_after: 24h}}
routes:
  - ladder: fault
"""

AM_CONFIG = """
route:
  receiver: sink
  group_by: ['...']
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: sink
    webhook_configs:
      - url: "{sink}/am"
        send_resolved: false
"""

RELAY = """
import sys, aiohttp
from aiohttp import web
async def main():
    session = aiohttp.ClientSession()
    async def relay(request):
        body = await request.read()
        async with session.post(sys.argv[2], data=body,
                                headers={"Content-Type": "application/json"}) as r:
            await r.read()
        return web.Response(status=202)
    app = web.Application()
    app.router.add_post("/relay", relay)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", int(sys.argv[1])).start()
    import asyncio
    await asyncio.Event().wait()
import asyncio
asyncio.run(main())
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


class Sink:
    """Arrival time per key, for every system: escalator's incident id, AM's label n."""

    def __init__(self) -> None:
        self.arrived: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        self.opened: dict[str, float] = {}  # escalator: the incident's opened_at (unix time)
        self.wall: dict[str, list[float]] = defaultdict(list)  # and arrivals in unix time

    async def start(self) -> str:
        app = web.Application(client_max_size=2**24)
        app.router.add_post("/esc", self._esc)
        app.router.add_post("/am", self._am)
        app.router.add_post("/relay", self._relay)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        port = free_port()
        await web.TCPSite(self.runner, "127.0.0.1", port).start()
        return f"http://127.0.0.1:{port}"

    async def _esc(self, request: web.Request) -> web.Response:
        body = await request.json()
        port = body["ack_url"].split(":")[2].split("/")[0]  # which escalator: ids restart
        key = f"{port}:{body['incident']}:{body['reason']}"
        self.arrived["esc"][key].append(time.monotonic())
        self.opened[key] = datetime.fromisoformat(body["opened_at"]).timestamp()
        self.wall[key].append(time.time())
        return web.Response(text="ok")

    async def _am(self, request: web.Request) -> web.Response:
        body = await request.json()
        now = time.monotonic()
        for alert in body.get("alerts", []):
            self.arrived["am"][alert["labels"]["n"]].append(now)
        return web.Response(text="ok")

    async def _relay(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.arrived["relay"][str(body["n"])].append(time.monotonic())
        return web.Response(text="ok")


class Proc:
    def __init__(self, args: list[str], env: dict[str, str] | None = None,
                 log: Path | None = None) -> None:
        self.args, self.env, self.log = args, env, log
        self.p: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115
        self.p = subprocess.Popen(self.args, env={**os.environ, **(self.env or {})},
                                  stdout=out, stderr=subprocess.STDOUT)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.p and self.p.poll() is None:
            self.p.send_signal(sig)
            try:
                self.p.wait(15)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()

    def rss_kb(self) -> int:
        assert self.p
        for line in Path(f"/proc/{self.p.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def cpu_s(self) -> float:
        assert self.p
        fields = Path(f"/proc/{self.p.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def wait_up(http: aiohttp.ClientSession, url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            async with http.get(url) as r:
                if r.status < 500:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


# -- the three systems, each "send event n, return its sink key" ----------------
class Escalator:
    name = "escalator"

    def __init__(self, tmp: Path, sink: str, repeat: str = "", storage: str | None = None
                 ) -> None:
        self.port = free_port()
        self.tmp = tmp
        cfg = tmp / f"esc-{self.port}.yaml"
        cfg.write_text(ESC_CONFIG.format(port=self.port, db=tmp / f"esc-{self.port}.db",
                                         sink=sink, repeat=repeat))
        if storage:  # PostgreSQL: every instance on the one database
            cfg.write_text(cfg.read_text().replace(f'"sqlite:///{tmp / f"esc-{self.port}.db"}"',
                                                   f'"{storage}"'))
        self.proc = Proc([sys.executable, "-m", "escalator", "run", "--config", str(cfg)], ENV,
                         tmp / "escalator.log")
        self.base = f"http://127.0.0.1:{self.port}"
        self.keys: dict[int, str] = {}

    async def start(self, http: aiohttp.ClientSession) -> None:
        self.proc.start()
        await wait_up(http, f"{self.base}/healthz")

    async def send(self, http: aiohttp.ClientSession, n: int, tag: str = "") -> str | None:
        body = {"code": "FT", "point": f"{tag}p{n}", "id": f"{tag}e{n}", "state": "alarm"}
        async with http.post(f"{self.base}/api/v1/events", json=body, headers=TERMINAL) as r:
            if r.status != 202:
                return None
            return f"{self.port}:{(await r.json())['incident']}:FIRST"


class Alertmanager:
    name = "alertmanager"

    def __init__(self, tmp: Path, sink: str) -> None:
        self.port = free_port()
        cfg = tmp / "am.yml"
        cfg.write_text(AM_CONFIG.format(sink=sink))
        (tmp / "am-data").mkdir(exist_ok=True)
        self.proc = Proc([AM_BIN, f"--config.file={cfg}", f"--storage.path={tmp / 'am-data'}",
                          f"--web.listen-address=127.0.0.1:{self.port}",
                          "--cluster.listen-address=", "--log.level=warn"],  # no HA gossip
                         log=tmp / "am.log")
        self.base = f"http://127.0.0.1:{self.port}"

    async def start(self, http: aiohttp.ClientSession) -> None:
        self.proc.start()
        await wait_up(http, f"{self.base}/-/ready")

    async def send(self, http: aiohttp.ClientSession, n: int, tag: str = "") -> str | None:
        key = f"{tag}{n}"
        alert = [{"labels": {"alertname": "bench", "n": key}}]
        async with http.post(f"{self.base}/api/v2/alerts", json=alert) as r:
            return key if r.status == 200 else None


class Relay:
    name = "relay (floor)"

    def __init__(self, tmp: Path, sink: str) -> None:
        self.port = free_port()
        self.proc = Proc([sys.executable, "-c", RELAY, str(self.port), f"{sink}/relay"])
        self.base = f"http://127.0.0.1:{self.port}"

    async def start(self, http: aiohttp.ClientSession) -> None:
        self.proc.start()
        await asyncio.sleep(1.5)

    async def send(self, http: aiohttp.ClientSession, n: int, tag: str = "") -> str | None:
        key = f"{tag}{n}"
        async with http.post(f"{self.base}/relay", json={"n": key}) as r:
            return key if r.status == 202 else None


def arrivals(sink: Sink, system: object) -> dict[str, list[float]]:
    kind = {"escalator": "esc", "alertmanager": "am"}.get(system.name, "relay")  # type: ignore[attr-defined]
    return sink.arrived[kind]


async def stream(http: aiohttp.ClientSession, sink: Sink, system, rate: float, count: int,
                 tag: str) -> tuple[list[float], int]:
    """`count` events at `rate`/s, each sent on time in its own task; latencies, delivered."""
    sent: dict[str, float] = {}
    tasks = []
    start = time.monotonic()

    async def one(n: int) -> None:
        t0 = time.monotonic()
        try:
            key = await system.send(http, n, tag)
        except aiohttp.ClientError:
            return
        if key is not None:
            sent[key] = t0

    for n in range(count):
        delay = start + n / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n)))
    await asyncio.gather(*tasks)
    await asyncio.sleep(2.0)  # stragglers
    got = arrivals(sink, system)
    lat = [got[k][0] - t0 for k, t0 in sent.items() if got.get(k)]
    return lat, len(lat)


async def w1(http, sink, systems, quick: bool) -> list[str]:
    rows = []
    for rate in (20, 100):
        count = int(rate * (3 if quick else 10))
        figures = {}
        for system in systems:
            lat, delivered = await stream(http, sink, system, rate, count, f"w1r{rate}-")
            figures[system.name] = (pct(lat, .5) * 1e3, pct(lat, .99) * 1e3, delivered, count)
        rows.append(_row(f"W1 {rate}/s p50 / p99 ms", figures,
                         lambda f: f"{f[0]:.2f} / {f[1]:.2f} ({f[2]}/{f[3]})", 1))
    return rows


async def w3(http, sink, systems, quick: bool) -> list[str]:
    count = 2_000 if quick else 10_000
    figures = {}
    for system in systems:
        lat, delivered = await stream(http, sink, system, 100, count, "w3-")
        figures[system.name] = (sum(1 for x in lat if x > 0.020), max(lat, default=0) * 1e3,
                                delivered, count)
    return [_row(f"W3 {count} alarms at 100/s: over 20 ms, max", figures,
                 lambda f: f"{f[0]}, {f[1]:.1f} ms ({f[2]}/{f[3]})", 1)]


# the senders run in processes of their own (loadgen.py), so the bench drives well above
# what one Python process could; the ladder goes on until every system has fallen short
RATES = (100, 200, 300, 400, 600, 800, 1200, 1600, 2400, 3200, 4800, 6400, 9600)
SENDER_CONNS = 48  # per system, all senders together (escalator lets one client have 64)


async def w2(http, tmp: Path, quick: bool, senders: int, sqlite: bool) -> list[str]:
    """Each system on its own, fresh, notifying a lean sink; the highest rate of RATES
    with >= 99 % delivered and p99 <= 100 ms, counted from each event's due time."""
    sink = loadgen.LeanSink()
    url = await sink.start()
    (tmp / "w2").mkdir()
    rows = []
    figures: dict[str, tuple] = {}
    for make in (Escalator, Alertmanager, Relay) if sqlite else ():
        system = make(tmp / "w2", url)
        figures[system.name] = await _ladder(http, sink, [system], quick, senders)
    if figures:
        rows.append(_row("W2 max rate, >=99% and p99<=100ms", figures, _w2_cell, 0))
    rows.append(await _w2_postgres(http, tmp, sink, url, quick, senders))
    await sink.close()
    return rows


def _w2_cell(f: tuple) -> str:
    best, why, late, cpu = f
    if not best:
        return f"below {RATES[0]}/s: {why}"
    top = " (the bench's top rate)" if best == RATES[-1] else f"; next: {why}"
    return (f"{best}/s{top}; at {best}/s the senders were late p99 {late * 1e3:.1f} ms"
            f" and used {cpu * 1e6:.0f} µs of CPU per event")


async def _ladder(http, sink: loadgen.LeanSink, group: list, quick: bool, senders: int,
                  same_store: bool = False) -> tuple[int, str, float, float]:
    """(best rate, why the next one failed, the senders' lateness p99 and CPU time per
    event at the best)."""
    kind = {"escalator": "esc", "alertmanager": "am"}.get(group[0].name, "relay")
    targets = [s.base for s in group]
    for s in group:
        await s.start(http)
    best, why, late, cpu = 0, "", 0.0, 0.0
    try:
        await _level(sink, kind, targets, 50, 50, "w2warm-", 1, same_store)
        for rate in RATES:
            count = int(rate * (1.5 if quick else 3))
            procs = max(1, min(senders, -(-rate // 1000)))
            lat, dups, res = await _level(sink, kind, targets, rate, count, f"w2r{rate}-",
                                          procs, same_store)
            if len(lat) >= 0.99 * count and pct(lat, .99) <= 0.100 and not dups:
                best, late, cpu = rate, res["late_p99"], res["cpu_s"] / max(1, count)
                continue
            failed = ", ".join(f"{v} {k}" for k, v in res["failed"].items())
            why = (f"{rate}/s {len(lat)}/{count} delivered, p99 {pct(lat, .99) * 1e3:.0f} ms"
                   + (f", {dups} sent twice" if dups else "") + (f" ({failed})" if failed else ""))
            break
    finally:
        for s in group:
            s.proc.stop()
    return best, why, late, cpu


async def _level(sink: loadgen.LeanSink, kind: str, targets: list[str], rate: int,
                 count: int, tag: str, procs: int, same_store: bool
                 ) -> tuple[list[float], int, dict]:
    """One rate: latencies of the delivered, how many keys arrived twice, the senders'
    merged result. `same_store`: instances share one database (incident ids are
    global, and whichever instance leads sends): keys drop the instance's port."""
    res = await loadgen.drive(kind, targets, rate, count, tag, procs, SENDER_CONNS)
    await asyncio.sleep(2.0)  # stragglers
    arrived: dict[str, list[float]] = defaultdict(list)
    for path, body, mono, _wall in sink.take():
        if path == "/esc":
            port = body["ack_url"].split(":")[2].split("/")[0]
            arrived[f"{port}:{body['incident']}:{body['reason']}"].append(mono)
        elif path == "/am":
            for alert in body.get("alerts", []):
                arrived[alert["labels"]["n"]].append(mono)
        else:
            arrived[str(body["n"])].append(mono)
    if same_store:
        arrived = defaultdict(list, {k.split(":", 1)[1]: v for k, v in arrived.items()})
        sent = {k.split(":", 1)[1]: due for k, due in res["sent"].items()}
    else:
        sent = res["sent"]
    lat = [arrived[k][0] - due for k, due in sent.items() if arrived.get(k)]
    dups = sum(1 for k in sent if len(arrived.get(k, ())) > 1)
    return lat, dups, res


async def _w2_postgres(http, tmp: Path, sink: loadgen.LeanSink, url: str, quick: bool,
                       senders: int) -> str:
    label = "W2 escalator x2 on one PostgreSQL (both take intake)"
    with postgres() as (db, why):
        if db is None:
            return f"| {label} | skipped: {why} | - | - | - |"
        (tmp / "w2pg").mkdir()
        group = [Escalator(tmp / "w2pg", url, storage=db) for _ in range(2)]
        figures = await _ladder(http, sink, group, quick, senders, same_store=True)
    return f"| {label} | {_w2_cell(figures)} | - | - | - |"


@contextlib.contextmanager
def postgres() -> Iterator[tuple[str | None, str]]:
    """A throwaway PostgreSQL cluster with the server's defaults for durability (fsync
    and synchronous_commit on, unlike the tests' cluster): (URL, "") or (None, why not)."""
    def find(name: str) -> str | None:
        found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
        return found if isinstance(found, str) else (found[-1] if found else None)

    initdb, pg_ctl = find("initdb"), find("pg_ctl")
    if not initdb or not pg_ctl:
        yield None, "PostgreSQL binaries (initdb, pg_ctl) not found"
        return
    base = tempfile.mkdtemp(prefix="bench-pg-")
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_user:
        shutil.chown(base, "postgres", "postgres")
    data, port = os.path.join(base, "data"), free_port()
    try:
        for cmd in ([initdb, "-D", data, "--auth=trust", "-U", "postgres"],
                    [pg_ctl, "-D", data, "-w", "-l", os.path.join(base, "log"), "-o",
                     f"-p {port} -k {base} -c listen_addresses=127.0.0.1", "start"]):
            subprocess.run([*as_user, *cmd], check=True, capture_output=True, timeout=120)
    except (subprocess.CalledProcessError, OSError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(base, ignore_errors=True)
        yield None, f"could not start a cluster ({type(exc).__name__})"
        return
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres", ""
    finally:
        subprocess.run([*as_user, pg_ctl, "-D", data, "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


def _row(label: str, figures: dict, fmt, index: int) -> str:
    esc, am = figures.get("escalator"), figures.get("alertmanager")
    ratio = f"{esc[index] / am[index]:.2f}x" if esc and am and am[index] else "-"
    cells = [fmt(figures[k]) if k in figures else "-"
             for k in ("escalator", "alertmanager", "relay (floor)")]
    return f"| {label} | {' | '.join(cells)} | {ratio} |"


async def w4(http, tmp: Path, sink_url: str, quick: bool) -> list[str]:
    n = 2000 if quick else 10_000
    (tmp / "w4").mkdir()
    esc = Escalator(tmp / "w4", sink_url)
    await esc.start(http)
    await asyncio.sleep(2)
    before = esc.proc.rss_kb()
    sem = asyncio.Semaphore(20)

    async def one(i: int) -> None:
        async with sem:
            await esc.send(http, i, "w4-")

    await asyncio.gather(*(one(i) for i in range(n)))
    await asyncio.sleep(10)  # FIRSTs go out; then nothing is due for 24 h
    after = esc.proc.rss_kb()
    c0 = esc.proc.cpu_s()
    await asyncio.sleep(20)
    idle = (esc.proc.cpu_s() - c0) / 20 * 100
    esc.proc.stop()
    per = (after - before) * 1024 / n
    return [f"| W4 RSS per open incident ({n:,}) | {per / 1024:.2f} KB | - | - | - |",
            f"| W4 idle CPU with {n:,} open | {idle:.2f} % of a core | - | - | - |"]


async def w5(http, tmp: Path, sink: Sink, sink_url: str) -> list[str]:
    (tmp / "w5").mkdir()
    esc = Escalator(tmp / "w5", sink_url, repeat="repeat_every: 1s, ")
    await esc.start(http)
    late = 0
    for i in range(20):
        key = await esc.send(http, i, "w5-")
        assert key
        incident = key.split(":")[1]
        deadline = time.monotonic() + 5
        while not sink.arrived["esc"].get(key) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        await asyncio.sleep(1.0 + (i % 5) * 0.05)  # around a reminder's due time
        async with http.post(f"{esc.base}/api/v1/incidents/{incident}/actions",
                             json={"action": "acknowledge"}, headers=OPERATOR) as r:
            if r.status != 200:  # an ack that did not land would count as "late" forever
                raise RuntimeError(f"W5: acknowledge answered {r.status}: {await r.text()}")
            answered = time.monotonic()
        await asyncio.sleep(2.5)
        late += sum(1 for k, ts in sink.arrived["esc"].items()
                    if k.startswith(f"{esc.port}:{incident}:")
                    and k.split(":")[2] in ("FIRST", "RENOTIFY", "ESCALATED")
                    for t in ts if t > answered)
    esc.proc.stop()
    return [f"| W5 calls to action after the ack was answered (20 acks) | {late} | n/a | - | - |"]


async def open_many(http: aiohttp.ClientSession, esc: Escalator, n: int, tag: str
                    ) -> list[str]:
    """`n` alarms through the API, 100 to a request, 10 requests at a time; their keys."""
    keys: list[str] = []
    sem = asyncio.Semaphore(10)

    async def chunk(start: int) -> None:
        body = [{"code": "FT", "point": f"{tag}p{i}", "id": f"{tag}e{i}", "state": "alarm"}
                for i in range(start, min(n, start + 100))]
        async with sem, http.post(f"{esc.base}/api/v1/events", json=body,
                                  headers=TERMINAL) as r:
            if r.status != 202:
                raise RuntimeError(f"W6: opening answered {r.status}: {await r.text()}")
            keys.extend(f"{esc.port}:{res['incident']}:FIRST" for res in await r.json())

    await asyncio.gather(*(chunk(start) for start in range(0, n, 100)))
    return keys


async def w6(http, tmp: Path, sink: Sink, sink_url: str, quick: bool) -> list[str]:
    """SIGKILL while events stream in, with `opened` incidents open (10 s reminders, so
    about opened/10 reminders a second are due): nothing accepted is lost, at most one
    duplicate, and reminders flow again soon after the restart."""
    (tmp / "w6").mkdir()
    opened = 2000 if quick else 10_000
    esc = Escalator(tmp / "w6", sink_url, repeat="repeat_every: 10s, ")
    await esc.start(http)
    accepted: list[str] = await open_many(http, esc, opened, "w6open-")
    total = 300 if quick else 1000

    async def one(i: int) -> None:
        try:
            key = await esc.send(http, i, "w6-")
        except aiohttp.ClientError:
            return
        if key:
            accepted.append(key)

    tasks = []
    for i in range(total):
        if i == total // 2:
            esc.proc.stop(signal.SIGKILL)
            killed, killed_wall = time.monotonic(), time.time()
            esc.proc.start()
            await wait_up(http, f"{esc.base}/healthz")
            restarted, restarted_wall = time.monotonic(), time.time()
        tasks.append(asyncio.create_task(one(i)))
        await asyncio.sleep(0.01)
    await asyncio.gather(*tasks)
    first_reminder = None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        times = [t for k, ts in sink.arrived["esc"].items()
                 if k.startswith(f"{esc.port}:") and k.endswith(":RENOTIFY")
                 for t in ts if t > restarted]
        if times:
            first_reminder = min(times) - restarted
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(12)
    esc.proc.stop()
    got = sink.arrived["esc"]
    lost = sum(1 for k in accepted if not got.get(k))
    dups = max((len(got[k]) - 1 for k in accepted if got.get(k)), default=0)
    late = restart_lateness(sink, esc.port, killed_wall, restarted_wall)
    live = (f"reminders due from the kill to 10 s after the restart ({len(late):,}) arrived"
            f" p50 {pct(late, .5):.2f} s, max {max(late):.2f} s after due (or after the"
            f" restart)" if late else "no reminder after the restart")
    first = f"{first_reminder:.2f} s" if first_reminder is not None else "none in 20 s"
    return [f"| W6 SIGKILL mid-stream, {opened:,} open ({len(accepted):,} accepted;"
            f" down {restarted - killed:.1f} s)"
            f" | lost {lost}, max dup/incident {dups}; first reminder {first} after the"
            f" restart; {live} | n/a | - | - |"]


def restart_lateness(sink: Sink, port: int, killed: float, restarted: float,
                     every: float = 10.0) -> list[float]:
    """How late the reminders that fell due around the restart arrived (unix times).
    An incident's reminders are due every `every` seconds from its opened_at (the
    payload says it), so one arriving at `t` was due at the last such point before
    `t`; lateness counts from that point, or from the restart for one that fell due
    while the service was down."""
    late = []
    for key, times in sink.wall.items():
        if not key.startswith(f"{port}:") or not key.endswith(":RENOTIFY"):
            continue
        opened = sink.opened[key]
        for t in times:
            due = t - (t - opened) % every
            if killed <= due <= restarted + every and t > restarted:
                late.append(t - max(due, restarted))
    return late


async def main(quick: bool, only: set[str], senders: int) -> None:
    # The bench is Python too: a full collection in the sender would hold every request
    # it is about to send (one such pause read as an 84 ms stall of the system measured).
    # What it keeps is small and lives for the run: no collector while it measures.
    gc.collect()
    gc.freeze()
    gc.disable()
    sink = Sink()
    tmp = Path(tempfile.mkdtemp(prefix="bench-am-"))
    rows = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200)) as http:
        sink_url = await sink.start()
        systems = [Escalator(tmp, sink_url), Alertmanager(tmp, sink_url), Relay(tmp, sink_url)]
        if only & {"W1", "W3"}:
            for s in systems:
                await s.start(http)
            for s in systems:  # warm up: connections, caches, first-use paths
                await stream(http, sink, s, 50, 50, "warm-")
            try:
                if "W1" in only:
                    rows += await w1(http, sink, systems, quick)
                if "W3" in only:
                    rows += await w3(http, sink, systems, quick)
            finally:
                for s in systems:
                    s.proc.stop()
        if only & {"W2", "W2PG"}:
            rows += await w2(http, tmp, quick, senders, sqlite="W2" in only)
        if "W4" in only:
            rows += await w4(http, tmp, sink_url, quick)
        if "W5" in only:
            rows += await w5(http, tmp, sink, sink_url)
        if "W6" in only:
            rows += await w6(http, tmp, sink, sink_url, quick)
        await sink.runner.cleanup()
    load = os.getloadavg()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}, "
          f"Python {platform.python_version()}, load average {load[0]:.1f} at the end")
    print("| workload | escalator | Alertmanager | relay (floor) | escalator / Alertmanager |")
    print("| --- | --- | --- | --- | --- |")
    for r in rows:
        print(r)
    print(f"(logs in {tmp})")


if __name__ == "__main__":
    # --only=W1,W6: just those workloads (default: all)
    picked = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--only=")),
                  "W1,W2,W3,W4,W5,W6")
    # --senders=N: W2's sender processes at the top rates (default 2)
    senders = int(next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--senders=")),
                       "2"))
    asyncio.run(main("--quick" in sys.argv, set(picked.upper().split(",")), senders))
