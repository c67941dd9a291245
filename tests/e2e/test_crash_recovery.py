"""The real service process, killed with SIGKILL at a bad moment, must lose nothing.

Time here is real (it is a real process), so durations are seconds and the
test polls for outcomes with a deadline instead of sleeping for fixed times.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from outside import free_port

pytestmark = pytest.mark.e2e

ENV = {
    "ESCALATOR_API_TOKEN": "op-token-e2e",
    "ESCALATOR_SECRET_KEY": "e2e-link-secret-0123456789",
    "ESCALATOR_TERMINAL_TOKEN": "terminal-e2e",
}

CONFIG = """
facility: {{id: e2e, name: E2E home, timezone: Europe/Helsinki, language: en}}
http: {{listen: "127.0.0.1:{port}", public_url: "http://127.0.0.1:{port}",
       outbound_allow: [127.0.0.1/32]}}  # the test peers are local
storage: "sqlite:///{db}"
sources:
  terminal: {{kind: webhook, token_env: ESCALATOR_TERMINAL_TOKEN}}
people:
  nurse: {{name: Nurse, contact: [{{webhook: "{hook}"}}]}}
  vendor: {{name: Vendor, contact: [{{webhook: "{hook}"}}]}}
ladders:
  fault:
    steps:
      - {{notify: [nurse], repeat_every: 2s, escalate_after: 1h}}
      - {{notify: [vendor], escalate_after: 1h}}
routes:
  - ladder: fault
"""



class Service:
    def __init__(self, config: Path, log: Path) -> None:
        self.config, self.log = config, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, **ENV}
        with self.log.open("ab") as out:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "escalator", "run", "--config", str(self.config)],
                env=env, stdout=out, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    async def stop(self) -> None:
        """SIGTERM and wait off the event loop, which still serves the webhook receiver."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                await asyncio.to_thread(self.proc.wait, 15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                raise AssertionError("the service did not stop on SIGTERM") from None


def health_of(http: aiohttp.ClientSession, base: str):
    """A predicate for `until`: the service at `base` answers /healthz with 200."""
    async def healthy() -> bool:
        try:
            async with http.get(f"{base}/healthz") as r:
                return r.status == 200
        except aiohttp.ClientError:
            return False
    return healthy


async def until(predicate, what: str, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = await predicate()
        if result:
            return result
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def test_kill_9_loses_no_event_no_ack_and_resumes_timers(tmp_path):
    received: list[dict] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.json_response({"ok": True})

    hook_app = web.Application()
    hook_app.router.add_post("/hook", hook)
    async with TestServer(hook_app, host="127.0.0.1") as hook_server:
        port = free_port()
        cfg = tmp_path / "e2e.yaml"
        cfg.write_text(CONFIG.format(port=port, db=tmp_path / "e2e.db",
                                     hook=hook_server.make_url("/hook")))
        service = Service(cfg, tmp_path / "service.log")
        base = f"http://127.0.0.1:{port}"
        terminal = {"Authorization": f"Bearer {ENV['ESCALATOR_TERMINAL_TOKEN']}"}
        operator = {"Authorization": f"Bearer {ENV['ESCALATOR_API_TOKEN']}"}
        try:
            async with aiohttp.ClientSession() as http:
                healthy = health_of(http, base)
                service.start()
                await until(healthy, "the service to start")
                ids = []
                for n in range(20):
                    body = {"code": "FT", "point": f"loop {n}", "id": f"evt-{n}", "state": "alarm"}
                    async with http.post(f"{base}/api/v1/events", json=body,
                                         headers=terminal) as r:
                        assert r.status == 202, await r.text()
                        ids.append((await r.json())["incident"])
                async with http.post(f"{base}/api/v1/incidents/{ids[0]}/actions",
                                     json={"action": "acknowledge"},
                                     headers=operator) as r:
                    assert r.status == 200
                service.kill()  # right after the last 202: nothing may be lost

                service.start()
                await until(healthy, "the service to restart")
                async with http.get(f"{base}/api/v1/incidents?limit=100",
                                    headers=operator) as r:
                    listed = {i["id"]: i for i in (await r.json())["incidents"]}
                assert set(ids) <= listed.keys(), "an acknowledged (202) event was lost"
                assert listed[ids[0]]["state"] == "acknowledged", "an ack was lost"
                # a retry of an event sent before the crash is recognised, not doubled
                body = {"code": "FT", "point": "loop 3", "id": "evt-3", "state": "alarm"}
                async with http.post(f"{base}/api/v1/events", json=body, headers=terminal) as r:
                    assert (await r.json())["incident"] == ids[3]

                async def renotified():
                    return {m["incident"] for m in received if m["reason"] == "RENOTIFY"}

                reminded = await until(renotified, "timers to resume after the restart")
                assert ids[0] not in reminded, "an acknowledged incident was re-notified"
                await until(lambda: _all_first(received, ids), "every FIRST to be delivered")
                firsts: dict[int, int] = {}
                for m in received:
                    if m["reason"] == "FIRST":
                        firsts[m["incident"]] = firsts.get(m["incident"], 0) + 1
                assert max(firsts.values()) <= 2, f"more than one duplicate: {firsts}"
        finally:
            await service.stop()
            log = (tmp_path / "service.log").read_text(errors="replace")
            assert "Traceback" not in log, log[-3000:]


async def _all_first(received: list[dict], ids: list[int]) -> bool:
    return set(ids) <= {m["incident"] for m in received if m["reason"] == "FIRST"}


def test_config_check_cli_reports_file_line_and_exit_code(tmp_path):
    bad = tmp_path / "bad.yaml"
    text = CONFIG.format(port=1, db="x.db", hook="http://127.0.0.1:9/h").replace(
        "escalate_after: 1h}", "escalate_afer: 1h}", 1)
    bad.write_text(text)
    out = subprocess.run([sys.executable, "-m", "escalator", "config", "check", str(bad)],
                         capture_output=True, text=True, env={**os.environ, **ENV})
    assert out.returncode == 1
    assert f"{bad}:" in out.stderr and "did you mean 'escalate_after'" in out.stderr


def test_config_schema_cli_prints_json():
    out = subprocess.run([sys.executable, "-m", "escalator", "config", "schema"],
                         capture_output=True, text=True, check=True)
    assert "ladders" in json.loads(out.stdout)["properties"]
