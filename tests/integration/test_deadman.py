"""The outbound dead man's switch against real local HTTP servers: one that takes pings,
one that refuses connections, one that never answers, one that answers 500."""

from __future__ import annotations

import asyncio
import logging
import socket
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from support import FakeClock

from escalator.config import ConfigError, load_config_text
from escalator.config.deadman import DeadmanConfig
from escalator.monitoring.deadman import DeadmanSwitch
from escalator.monitoring.liveness import Liveness
from escalator.storage import open_store

TOKEN = "hc-secret-0f9e8d7c"


class Monitor:
    """A healthchecks.io-like endpoint that records pings; can hang or fail."""

    def __init__(self) -> None:
        self.pings: list[dict] = []
        self.mode = "ok"
        self.release = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        if self.mode == "hang":
            await self.release.wait()
        body = await request.read()
        self.pings.append({"method": request.method, "path": request.path,
                           "auth": request.headers.get("Authorization"), "body": body})
        return web.Response(status=500 if self.mode == "fail" else 200, text="OK")


@pytest.fixture
async def monitor():
    m = Monitor()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", m.handle)
    async with TestServer(app, host="127.0.0.1") as server:
        m.url = str(server.make_url("")).rstrip("/")
        yield m
        m.release.set()


@pytest.fixture
async def store(tmp_path):
    s = open_store(f"sqlite:///{tmp_path}/dm.db")
    await s.open()
    yield s
    await s.close()


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as s:
        yield s


def switch(cfg, store, session, healthy=lambda: True, body=None):
    secrets = {"HC_TOKEN": TOKEN}
    return DeadmanSwitch(lambda: cfg, Liveness(store, FakeClock(), healthy).check,
                         lambda: session, lambda name: secrets.get(name) if name else None,
                         body)


def refusing_url() -> str:
    with socket.socket() as s:  # bound then closed: nothing listens there
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/ping"


async def test_a_healthy_service_pings_with_its_token_and_audit_head(monitor, store, session):
    async def body():
        return {"audit_head": {"id": 7, "hash": "ab" * 32}}

    cfg = DeadmanConfig(f"{monitor.url}/ping", token_env="HC_TOKEN")
    dm = switch(cfg, store, session, body=body)
    assert await dm.beat()
    assert monitor.pings[0]["method"] == "POST"
    assert monitor.pings[0]["auth"] == f"Bearer {TOKEN}"
    assert b'"hash": "' + b"ab" * 32 + b'"' in monitor.pings[0]["body"]
    get = DeadmanConfig(f"{monitor.url}/ping/{{token}}", token_env="HC_TOKEN", method="GET")
    assert await switch(get, store, session).beat()
    assert monitor.pings[1]["path"] == f"/ping/{TOKEN}" and monitor.pings[1]["auth"] is None


async def test_no_ping_while_the_scheduler_or_store_is_down(monitor, store, session, caplog):
    dm = switch(DeadmanConfig(f"{monitor.url}/ping"), store, session, healthy=lambda: False)
    for _ in range(3):
        assert not await dm.beat()
    assert monitor.pings == []
    assert caplog.text.count("dead man's switch") == 1
    await store.close()  # the store is gone: still no ping, no crash
    dm2 = switch(DeadmanConfig(f"{monitor.url}/ping"), store, session)
    assert not await dm2.beat()
    assert monitor.pings == []


async def test_a_refusing_monitor_is_logged_once_per_outage(store, session, monitor, caplog):
    cfg = DeadmanConfig(refusing_url(), token_env="HC_TOKEN")
    current = [cfg]
    dm = DeadmanSwitch(lambda: current[0], Liveness(store, FakeClock()).check,
                       lambda: session, lambda name: TOKEN)
    with caplog.at_level(logging.INFO, logger="escalator.monitoring.deadman"):
        for _ in range(4):
            assert not await dm.beat()
        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert len(errors) == 1 and dm.failing
        current[0] = DeadmanConfig(f"{monitor.url}/ping")  # the monitor is back
        assert await dm.beat()
        assert not dm.failing and "takes pings again" in caplog.text
        current[0] = cfg
        assert not await dm.beat()  # a new outage is told again
        assert len([r for r in caplog.records if r.levelno == logging.ERROR]) == 2
    assert TOKEN not in caplog.text


async def test_a_hanging_monitor_is_cut_off_and_never_blocks_the_loop(monitor, store, session,
                                                                      caplog):
    monitor.mode = "hang"
    cfg = DeadmanConfig(f"{monitor.url}/ping/{{token}}", token_env="HC_TOKEN",
                        timeout=timedelta(seconds=0.3))
    dm = switch(cfg, store, session)
    turns = 0

    async def other_work():
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0.01)

    worker = asyncio.create_task(other_work())
    try:
        loop = asyncio.get_running_loop()
        started = loop.time()
        assert not await asyncio.wait_for(dm.beat(), 5)
        assert loop.time() - started < 3  # bounded by the timeout, not by the monitor
        assert turns > 5  # the loop kept running other work meanwhile
    finally:
        worker.cancel()
    assert "no answer within 0.3 s" in caplog.text
    assert TOKEN not in caplog.text


async def test_an_error_answer_counts_as_a_failed_ping(monitor, store, session, caplog):
    monitor.mode = "fail"
    dm = switch(DeadmanConfig(f"{monitor.url}/ping"), store, session)
    assert not await dm.beat()
    assert "500" in caplog.text and dm.pings == 0


async def test_the_loop_pings_on_its_own(monitor, store, session):
    dm = switch(DeadmanConfig(f"{monitor.url}/ping", every=timedelta(seconds=30)), store,
                session)
    dm.start()
    try:
        for _ in range(500):
            if monitor.pings:
                break
            await asyncio.sleep(0.01)
        assert len(monitor.pings) == 1  # at once at start, then every 30 s
    finally:
        await dm.stop()


BASE = """\
facility: {id: x, name: X}
people: {a: {name: A, contact: [{email: a@b.example}]}}
ladders: {l: {steps: [{notify: [a], escalate_after: 5m}]}}
routes: [{ladder: l}]
"""


def test_deadman_config_loads_with_defaults_and_names_bad_lines():
    cfg, _ = load_config_text(BASE + "deadman: {url: 'https://hc-ping.com/{token}', "
                                     "token_env: HC_TOKEN}\n", env={"HC_TOKEN": "x"})
    assert cfg.deadman == DeadmanConfig("https://hc-ping.com/{token}", token_env="HC_TOKEN")
    assert ("deadman.token_env", "HC_TOKEN") in cfg.secret_envs()
    with pytest.raises(ConfigError) as err:
        load_config_text(BASE + "deadman:\n  url: ftp://x\n  every: 10s\n  methd: GET\n",
                         filename="f.yaml")
    text = "\n".join(err.value.problems)
    assert "f.yaml:6: deadman.url" in text
    assert "f.yaml:7: deadman.every" in text and "30s" in text
    assert "methd" in text and "did you mean 'method'" in text
    assert load_config_text(BASE)[0].deadman is None


def test_the_readme_example_loads():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "docs" / "deployment.md").read_text(
        encoding="utf-8")
    block = readme.split("```yaml\ndeadman:", 1)[1].split("```", 1)[0]
    cfg, _ = load_config_text(BASE + "deadman:" + block, env={"HEALTHCHECKS_TOKEN": "x"})
    assert cfg.deadman == DeadmanConfig("https://hc-ping.com/{token}", timedelta(minutes=5),
                                        "HEALTHCHECKS_TOKEN", "POST", timedelta(seconds=10))
