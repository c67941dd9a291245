"""The real `escalator run` process under a stand-in for systemd and an outside monitor.

systemd's side is a unix datagram socket passed as NOTIFY_SOCKET with a
watchdog period; the monitor is a local HTTP server. READY=1 must come once
the service is up, WATCHDOG=1 keep coming while it is healthy and stop when
its database goes away; the dead man's switch pings the monitor at start.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from outside import free_port
from pg import fresh_database

pytestmark = pytest.mark.e2e

ENV = {
    "ESCALATOR_API_TOKEN": "op-token-e2e",
    "ESCALATOR_SECRET_KEY": "e2e-link-secret-0123456789",
    "DEADMAN_TOKEN": "dm-secret-token-1234",
}

CONFIG = """
facility: {{id: e2e, name: E2E home, timezone: Europe/Helsinki, language: en}}
http: {{listen: "127.0.0.1:{port}", public_url: "http://127.0.0.1:{port}",
       outbound_allow: [127.0.0.1/32]}}  # the test peers are local
storage: "{db}"
people:
  nurse: {{name: Nurse, contact: [{{webhook: "http://127.0.0.1:9/hook"}}]}}
ladders:
  fault:
    steps:
      - {{notify: [nurse], escalate_after: 1h}}
routes:
  - ladder: fault
deadman:
  url: "{monitor}/ping/{{token}}"
  every: 30s
  token_env: DEADMAN_TOKEN
"""



def drain(sock: socket.socket) -> list[str]:
    got = []
    while True:
        try:
            got.append(sock.recv(4096).decode())
        except BlockingIOError:
            return got


async def until(predicate, what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def test_ready_watchdog_and_deadman_from_the_real_process(tmp_path, postgres_server):
    import psycopg

    db = fresh_database(postgres_server, "e2e_supervision")
    pings: list[dict] = []

    async def ping(request: web.Request) -> web.Response:
        pings.append({"path": request.path, "body": await request.json()})
        return web.Response(text="OK")

    monitor_app = web.Application()
    monitor_app.router.add_post("/ping/{token}", ping)
    notify_path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(notify_path)
    sock.setblocking(False)
    async with TestServer(monitor_app, host="127.0.0.1") as monitor:
        cfg = tmp_path / "e2e.yaml"
        cfg.write_text(CONFIG.format(port=free_port(), db=db,
                                     monitor=str(monitor.make_url("")).rstrip("/")))
        log = tmp_path / "service.log"
        env = {**os.environ, **ENV, "NOTIFY_SOCKET": notify_path, "WATCHDOG_USEC": "200000"}
        with log.open("ab") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "escalator", "run", "--config", str(cfg)],
                env=env, stdout=out, stderr=subprocess.STDOUT)
        seen: list[str] = []
        try:
            await until(lambda: seen.extend(drain(sock)) or "READY=1" in seen, "READY=1")
            await until(lambda: seen.extend(drain(sock)) or seen.count("WATCHDOG=1") >= 3,
                        "three watchdog pings")
            await until(lambda: bool(pings), "a dead man's switch ping")
            assert pings[0]["path"] == f"/ping/{ENV['DEADMAN_TOKEN']}"
            head = pings[0]["body"]["audit_head"]
            assert head["id"] >= 1 and len(head["hash"]) == 64  # the config load, at least

            # The database drops the service and lets nobody in again (the store would
            # otherwise reconnect at once, as it should after a mere restart).
            admin_url = db.rsplit("/", 1)[0] + "/postgres"
            name = db.rsplit("/", 1)[1]
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
                conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                             " WHERE datname = %s", (name,))
            await asyncio.sleep(0.5)  # a ping already decided may still arrive
            drain(sock)
            await asyncio.sleep(1.0)  # five watchdog periods
            assert "WATCHDOG=1" not in drain(sock), log.read_text()
            assert proc.poll() is None  # systemd, not the service, decides to restart it
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
            await until(lambda: "WATCHDOG=1" in drain(sock), "pings again once the database"
                        " lets the service back in (the store reconnects by itself)")
            proc.terminate()
            await asyncio.to_thread(proc.wait, 20)
            assert "STOPPING=1" in drain(sock)
            text = log.read_text()
            assert "not pinging systemd" in text
            assert ENV["DEADMAN_TOKEN"] not in text
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
            sock.close()
