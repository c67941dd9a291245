"""SIGTERM with a peer that never answers: the process ends within 10 s; what was sent
is recorded as sent, what was not stays due (and goes out after the restart)."""

from __future__ import annotations

import asyncio
import sqlite3
import time

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from test_crash_recovery import ENV, Service, free_port, health_of, until

pytestmark = pytest.mark.e2e

CONFIG = """
facility: {{id: e2e, name: E2E home, timezone: Europe/Helsinki, language: en}}
http: {{listen: "127.0.0.1:{port}", public_url: "http://127.0.0.1:{port}",
       outbound_allow: [127.0.0.1/32]}}  # the test peers are local
storage: "sqlite:///{db}"
sources:
  terminal: {{kind: webhook, token_env: ESCALATOR_TERMINAL_TOKEN}}
people:
  nurse: {{name: Nurse, contact: [{{webhook: "{hook}/nurse"}}]}}
  desk: {{name: Desk, contact: [{{webhook: "{hook}/desk"}}]}}
ladders:
  fault:
    steps:
      - {{notify: [nurse, desk], escalate_after: 1h}}
routes:
  - ladder: fault
delivery: {{send_timeout: 60s}}
"""


async def test_sigterm_ends_within_10_s_with_a_hanging_peer(tmp_path):
    nurse: list[dict] = []
    desk_seen: list[dict] = []
    hang = {"on": True}

    async def to_nurse(request: web.Request) -> web.Response:
        nurse.append(await request.json())
        return web.json_response({"ok": True})

    async def to_desk(request: web.Request) -> web.Response:
        desk_seen.append(await request.json())
        while hang["on"]:
            await asyncio.sleep(0.05)
        return web.json_response({"ok": True})

    hook_app = web.Application()
    hook_app.router.add_post("/nurse", to_nurse)
    hook_app.router.add_post("/desk", to_desk)
    async with TestServer(hook_app, host="127.0.0.1") as hook_server:
        port, db = free_port(), tmp_path / "term.db"
        cfg = tmp_path / "term.yaml"
        hook = str(hook_server.make_url("")).rstrip("/")
        cfg.write_text(CONFIG.format(port=port, db=db, hook=hook))
        service = Service(cfg, tmp_path / "service.log")
        base = f"http://127.0.0.1:{port}"
        terminal = {"Authorization": f"Bearer {ENV['ESCALATOR_TERMINAL_TOKEN']}"}
        try:
            async with aiohttp.ClientSession() as http:
                healthy = health_of(http, base)
                service.start()
                await until(healthy, "the service to start")
                body = {"code": "FT", "point": "loop 1", "id": "e1", "state": "alarm"}
                async with http.post(f"{base}/api/v1/events", json=body, headers=terminal) as r:
                    assert r.status == 202
                await until(lambda: _ready(nurse, desk_seen),
                            "the nurse's alarm and the desk hanging")
                started = time.monotonic()
                assert service.proc is not None
                service.proc.terminate()
                await asyncio.to_thread(service.proc.wait, 15)
                assert time.monotonic() - started < 10, "SIGTERM took 10 s or more"
                rows = dict(sqlite3.connect(db).execute(
                    "SELECT party, status FROM deliveries").fetchall())
                assert rows == {"nurse": "sent", "desk": "pending"}  # not sent: still due

                hang["on"] = False
                service.start()  # what stayed due goes out after the restart, once
                await until(healthy, "the service to restart")
                await until(lambda: _count(desk_seen, 2), "the desk's alarm to be sent again")
                await until(lambda: _sent(db), "the desk's delivery to be recorded")
                assert len(nurse) == 1  # the nurse's was recorded as sent: not sent again
        finally:
            hang["on"] = False
            await service.stop()


async def _ready(nurse: list[dict], desk: list[dict]) -> bool:
    return bool(nurse) and bool(desk)


async def _count(seen: list[dict], n: int) -> bool:
    return len(seen) >= n


async def _sent(db) -> bool:
    rows = dict(sqlite3.connect(db).execute("SELECT party, status FROM deliveries").fetchall())
    return rows.get("desk") == "sent"
