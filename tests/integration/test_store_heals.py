"""The store heals itself and tells the truth: a restarted PostgreSQL, a full disk
or a read-only database answer 503 + Retry-After while they last (through the real
HTTP intake), /healthz says the store is failing, and both come back by themselves
within 5 s of the database being usable, without restarting the service.

Real PostgreSQL (a private server this test stops and starts), real SQLite on a
real tmpfs (mounting one needs root; elsewhere those tests are skipped).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pg import PrivateCluster, fresh_database, private_cluster
from support import TOKENS, FakeClock

from escalator.app import Escalator
from escalator.config import load_config_text

TERMINAL = {"Authorization": f"Bearer {TOKENS['ESCALATOR_TERMINAL_TOKEN']}"}
HEAL_WITHIN_S = 5.0


@pytest.fixture
def own_pg() -> Iterator[PrivateCluster]:
    yield from private_cluster()


@pytest.fixture
def tmpfs(tmp_path) -> Iterator[Path]:
    """A small real filesystem of the test's own, which it can fill or make read-only."""
    where = tmp_path / "fs"
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


async def post(client, n: int, **extra):
    body = {"code": "FT", "point": f"loop {n}", "id": f"evt-{n}", "state": "alarm", **extra}
    return await client.post("/api/v1/events", json=body, headers=TERMINAL)


async def healed(client, clock: FakeClock | None, first: int) -> float:
    """Post until an event is taken (202) and /healthz is 200 again; seconds it took.

    With the service's fake clock, the store's backoffs and its write probe run on it:
    each try moves it 0.1 s instead of sleeping, and the seconds are that clock's.
    Without (a service on the system clock), real seconds."""
    now = clock.monotonic if clock is not None else time.monotonic
    since, n = now(), first
    while now() - since < HEAL_WITHIN_S + 5:
        resp = await post(client, n)
        n += 1
        if resp.status == 202:
            health = await client.get("/healthz")
            if (await health.json())["store"]["ok"]:  # (no scheduler here: only the store)
                print(f"healed after {now() - since:.2f} s")
                return now() - since
        else:
            assert resp.status == 503, await resp.text()
            assert resp.headers["Retry-After"]
        if clock is not None:
            clock.advance(seconds=0.1)
        else:
            await asyncio.sleep(0.1)
    raise AssertionError("the store did not come back")


async def assert_outage(client, n: int) -> None:
    resp = await post(client, n)
    assert resp.status == 503, await resp.text()
    assert resp.headers["Retry-After"]
    health = await client.get("/healthz")
    assert health.status == 503
    assert (await health.json())["store"]["ok"] is False


async def test_postgresql_restart_heals_without_restarting_the_service(
        own_pg, make_app, aiohttp_client, clock):
    url = fresh_database(own_pg.url, "heal")
    app = await make_app(storage=url)
    client = await aiohttp_client(app.web_app())
    assert (await post(client, 1)).status == 202
    await asyncio.to_thread(own_pg.stop)
    await assert_outage(client, 2)
    await asyncio.to_thread(own_pg.start)  # returns once the server accepts connections
    took = await healed(client, clock, 3)
    assert took <= HEAL_WITHIN_S, f"took {took:.1f} s to reconnect"
    open_ = await app.store.transaction(lambda tx: tx.incidents.listed("open"))
    assert {i.point for i in open_} >= {"loop 1"}  # what was stored before is still there


def fill(where: Path) -> Path:
    filler = where / "filler"
    with filler.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    return filler


async def test_full_disk_is_503_and_failing_health_then_heals(tmpfs, make_app, aiohttp_client,
                                                              clock):
    app = await make_app(storage=f"sqlite:///{tmpfs}/escalator.db")
    client = await aiohttp_client(app.web_app())
    assert (await post(client, 1)).status == 202
    filler = await asyncio.to_thread(fill, tmpfs)
    clock.advance(seconds=1.1)  # the write probe runs at most once a second (of its clock)
    # a long text so the event cannot squeeze into pages the database already has
    resp = await post(client, 2, text="x" * 1900)
    assert resp.status == 503 and resp.headers["Retry-After"]
    health = await client.get("/healthz")
    assert health.status == 503, await health.text()
    assert (await health.json())["store"]["ok"] is False
    filler.unlink()
    took = await healed(client, clock, 3)
    assert took <= HEAL_WITHIN_S


def remount(where: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(where)], check=True,
                   capture_output=True, text=True)


async def test_read_only_database_made_writable_again_is_reopened(tmpfs, tmp_path,
                                                                  aiohttp_client):
    """The service starts on a read-only database (e.g. a mount that came up read-only),
    serves 503s, and takes events within 5 s of the file being writable again."""
    from support import config_text

    db = tmpfs / "escalator.db"
    cfg, _ = load_config_text(config_text(f"sqlite:///{db}", "http://127.0.0.1:9/hook"),
                              env=TOKENS)
    first = Escalator(cfg, env=TOKENS, notifiers={"telegram": _Null(), "email": _Null(),
                                                   "sms": _Null()})
    await first.start(serve_http=False, schedule=False)  # creates the database
    await first.stop()
    remount(tmpfs, "ro")
    app = Escalator(cfg, env=TOKENS, notifiers={"telegram": _Null(), "email": _Null(),
                                                 "sms": _Null()})
    try:
        await app.start(serve_http=False)  # the real scheduler and store keeper
        client = await aiohttp_client(app.web_app())
        await assert_outage(client, 1)
        remount(tmpfs, "rw")
        took = await healed(client, None, 2)
        assert took <= HEAL_WITHIN_S
    finally:
        if os.path.ismount(tmpfs):
            subprocess.run(["mount", "-o", "remount,rw", str(tmpfs)], capture_output=True)
        await app.stop()


async def test_first_start_on_a_read_only_file_system_serves_503_then_heals(
        tmpfs, aiohttp_client, caplog):
    """No database and no lock file yet, and the file system is read-only (it came up
    read-only at boot): the service starts, serves 503 with the real reason, takes the
    lock file and the database once it can write; a second one is still refused."""
    import logging

    from support import config_text

    from escalator.domain.errors import StoreLocked

    db = tmpfs / "escalator.db"
    cfg, _ = load_config_text(config_text(f"sqlite:///{db}", "http://127.0.0.1:9/hook"),
                              env=TOKENS)
    remount(tmpfs, "ro")
    nulls = {"telegram": _Null(), "email": _Null(), "sms": _Null()}
    app = Escalator(cfg, env=TOKENS, notifiers=nulls)
    try:
        with caplog.at_level(logging.ERROR, logger="escalator.app"):
            await app.start(serve_http=False)  # not an exit: 503 and keep trying
        assert "Read-only file system" in caplog.text
        client = await aiohttp_client(app.web_app())
        await assert_outage(client, 1)
        details = {"Authorization": f"Bearer {TOKENS['ESCALATOR_API_TOKEN']}"}
        body = await (await client.get("/healthz", headers=details)).json()
        assert "Read-only file system" in body["store"]["error"]
        assert not db.with_suffix(".db.lock").exists()
        remount(tmpfs, "rw")
        took = await healed(client, None, 2)
        assert took <= HEAL_WITHIN_S
        assert db.with_suffix(".db.lock").exists() and db.exists()

        second = Escalator(cfg, env=TOKENS, notifiers=nulls)
        with pytest.raises(StoreLocked, match="another escalator is already running"):
            await second.start(serve_http=False)  # `escalator run` exits 1 on this
        await second.stop()
    finally:
        if os.path.ismount(tmpfs):
            subprocess.run(["mount", "-o", "remount,rw", str(tmpfs)], capture_output=True)
        await app.stop()


class _Null:
    async def send(self, contact, message) -> None:
        return None


async def test_a_store_that_cannot_record_a_send_sends_it_at_most_once_more(
        tmpfs, make_app, clock, recorder):
    """The disk fills between a send and its record: the message must not go out on
    every tick while the fault lasts; after it, at most one duplicate."""
    from escalator.domain.errors import StorageError
    from escalator.domain.model import AlarmEvent

    app = await make_app(storage=f"sqlite:///{tmpfs}/escalator.db")
    await app.service.ingest(AlarmEvent(source="terminal", code="FT", state="alarm",
                                        received_at=clock.now(), point="loop 1"))
    recorder.failures.clear()
    filler = None

    class FillAfterSend:
        async def send(self, contact, message) -> None:
            nonlocal filler
            await recorder.send(contact, message)
            if filler is None:  # the fault starts right after the channel took it
                filler = await asyncio.to_thread(fill, tmpfs)

    app.dispatcher.notifiers = {k: FillAfterSend() for k in app.dispatcher.notifiers}
    for _ in range(6):  # a minute of ticks while the disk stays full
        try:
            await app.tick()
        except StorageError:
            pass
        clock.advance(seconds=10)
    sent_during = len(recorder.sent)
    assert filler is not None and sent_during >= 1
    filler.unlink()
    for _ in range(6):
        await app.tick()
        clock.advance(seconds=10)
    firsts = [m for _, m in recorder.sent if m.reason == "FIRST"]
    per_delivery = {m.delivery_id: 0 for m in firsts}
    for m in firsts:
        per_delivery[m.delivery_id] += 1
    assert sent_during == 1, f"sent {sent_during} times while the store could not record it"
    assert max(per_delivery.values()) <= 2, per_delivery
