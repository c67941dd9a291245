"""Several `escalator run` processes on one PostgreSQL: every due action happens once.

Real processes, a real PostgreSQL, a local webhook sink. Both instances take
alarms over HTTP; one leads (timers, sending). SIGKILL the leader: the other
takes over within 10 s and the reminders go on, once each.
And on SQLite, the one-machine default, a second process refuses to start.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from test_crash_recovery import ENV, free_port, until

pytestmark = pytest.mark.e2e

CONFIG = """
facility: {{id: region, name: Region home, timezone: Europe/Helsinki, language: en}}
http: {{listen: "127.0.0.1:{port}", public_url: "http://127.0.0.1:{port}",
       outbound_allow: [127.0.0.1/32]}}  # the test peers are local
storage: "{storage}"
sources:
  terminal: {{kind: webhook, token_env: ESCALATOR_TERMINAL_TOKEN}}
people:
  nurse: {{name: Nurse, contact: [{{webhook: "{hook}"}}]}}
ladders:
  fault:
    steps:
      - {{notify: [nurse], repeat_every: {repeat}s, escalate_after: 1h}}
routes:
  - ladder: fault
"""
REPEAT_S = 4
TERMINAL = {"Authorization": f"Bearer {ENV['ESCALATOR_TERMINAL_TOKEN']}"}
OPERATOR = {"Authorization": f"Bearer {ENV['ESCALATOR_API_TOKEN']}"}  # /healthz details


class Instance:
    def __init__(self, config: Path, port: int, log: Path) -> None:
        self.config, self.port, self.log = config, port, log
        self.base = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "escalator", "run", "--config", str(self.config),
                 "--listen", f"127.0.0.1:{self.port}"],
                env={**os.environ, **ENV}, stdout=out, stderr=subprocess.STDOUT)

    async def role(self, http: aiohttp.ClientSession) -> str | None:
        try:
            async with http.get(f"{self.base}/healthz", headers=OPERATOR) as r:
                if r.status != 200:
                    return None
                return str((await r.json())["scheduler"]["role"])
        except aiohttp.ClientError:
            return None

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    async def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                await asyncio.to_thread(self.proc.wait, 15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                raise AssertionError("an instance did not stop on SIGTERM") from None


@pytest.fixture
def pg_url(postgres_server):
    from pg import fresh_database

    return fresh_database(postgres_server, "instances_e2e")


async def test_two_instances_send_each_first_once_and_survive_the_leader_kill(
        tmp_path, pg_url):
    received: list[tuple[float, dict]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((time.monotonic(), await request.json()))
        return web.json_response({"ok": True})

    sink = web.Application()
    sink.router.add_post("/hook", hook)
    async with TestServer(sink, host="127.0.0.1") as sink_server:
        cfg = tmp_path / "region.yaml"
        cfg.write_text(CONFIG.format(port=1, storage=pg_url, repeat=REPEAT_S,
                                     hook=sink_server.make_url("/hook")))
        a = Instance(cfg, free_port(), tmp_path / "a.log")
        b = Instance(cfg, free_port(), tmp_path / "b.log")
        try:
            async with aiohttp.ClientSession() as http:
                a.start()
                await until(lambda: _is(a, http, "leader"), "the first instance to lead")
                b.start()
                await until(lambda: _is(b, http, "standby"), "the second one to stand by")

                limit = asyncio.Semaphore(20)

                async def alarm(n: int) -> int:
                    target = (a, b)[n % 2]  # split over both instances' intake
                    body = {"code": "FT", "point": f"room {n}", "id": f"evt-{n}"}
                    async with limit, http.post(f"{target.base}/api/v1/events", json=body,
                                                headers=TERMINAL) as r:
                        assert r.status == 202, await r.text()
                        return int((await r.json())["incident"])

                ids = await asyncio.gather(*(alarm(n) for n in range(200)))
                assert len(set(ids)) == 200

                async def all_first() -> bool:
                    return set(ids) <= {m["incident"] for _, m in received
                                        if m["reason"] == "FIRST"}

                await until(all_first, "every FIRST to be delivered", timeout=30)
                firsts = Counter(m["incident"] for _, m in received if m["reason"] == "FIRST")
                twice = {i: n for i, n in firsts.items() if n > 1}
                assert not twice, f"a FIRST went out twice: {twice}"

                killed_at = time.monotonic()
                a.kill()
                await until(lambda: _is(b, http, "leader"), "the other instance to take over",
                            timeout=10)
                took_over = time.monotonic() - killed_at
                print(f"take-over after SIGKILL: {took_over:.2f} s")
                assert took_over <= 10

                async def reminded_after_takeover() -> bool:
                    after = {m["incident"] for at, m in received
                             if m["reason"] == "RENOTIFY" and at > killed_at + took_over}
                    return set(ids) <= after

                await until(reminded_after_takeover, "reminders to continue", timeout=20)
                await asyncio.sleep(2 * REPEAT_S)  # let two more rounds happen
                _assert_once(received, killed_at + took_over)
        finally:
            await a.stop()
            await b.stop()
            for log in (a.log, b.log):
                text = log.read_text(errors="replace") if log.exists() else ""
                assert "Traceback" not in text, text[-3000:]


async def _is(instance: Instance, http: aiohttp.ClientSession, role: str) -> bool:
    return await instance.role(http) == role


def _assert_once(received: list[tuple[float, dict]], since: float) -> None:
    """After the take-over each delivery arrives once, and each incident's reminders
    keep their spacing (two leaders would remind twice per round)."""
    by_delivery = Counter(m["delivery"] for at, m in received if at > since)
    twice = {d: n for d, n in by_delivery.items() if n > 1}
    assert not twice, f"deliveries sent more than once after the take-over: {twice}"
    times: dict[int, list[float]] = defaultdict(list)
    for at, m in received:
        if m["reason"] == "RENOTIFY" and at > since:
            times[m["incident"]].append(at)
    for incident, seen in times.items():
        gaps = [b - a for a, b in zip(seen, seen[1:], strict=False)]
        assert all(g > REPEAT_S / 2 for g in gaps), f"incident {incident} reminded at {seen}"


def test_a_second_instance_on_one_sqlite_file_refuses_to_start(tmp_path):
    cfg = tmp_path / "one.yaml"
    cfg.write_text(CONFIG.format(port=free_port(), storage=f"sqlite:///{tmp_path}/one.db",
                                 repeat=60, hook="http://127.0.0.1:9/hook"))
    first = subprocess.Popen([sys.executable, "-m", "escalator", "run", "--config", str(cfg)],
                             env={**os.environ, **ENV}, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while not (tmp_path / "one.db.lock").exists() or \
                (tmp_path / "one.db.lock").read_text() != str(first.pid):
            assert time.monotonic() < deadline, "the first instance did not start"
            assert first.poll() is None, "the first instance exited"
            time.sleep(0.05)
        second = subprocess.run(
            [sys.executable, "-m", "escalator", "run", "--config", str(cfg),
             "--listen", f"127.0.0.1:{free_port()}"],
            env={**os.environ, **ENV}, capture_output=True, text=True, timeout=30)
        assert second.returncode == 1
        assert "another escalator is already running" in second.stderr
        assert f"process {first.pid}" in second.stderr
        assert "Traceback" not in second.stderr
        assert first.poll() is None, "the refused start disturbed the running instance"
    finally:
        first.terminate()
        first.wait(timeout=15)
        if first.stderr is not None:
            first.stderr.close()
