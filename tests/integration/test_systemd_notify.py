"""sd_notify over a real unix datagram socket: READY=1 arrives, WATCHDOG=1 arrives only
while the loop runs and the store takes a write, and stops when the store fails."""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3

import pytest
from support import FakeClock

from escalator.monitoring import systemd
from escalator.monitoring.liveness import Liveness
from escalator.storage import open_store


@pytest.fixture
def notify_socket(tmp_path):
    path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.setblocking(False)
    yield path, sock
    sock.close()


def received(sock) -> list[str]:
    got = []
    while True:
        try:
            got.append(sock.recv(4096).decode())
        except BlockingIOError:
            return got


async def wait_for_message(sock, wanted: str, deadline: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while loop.time() < end:
        if wanted in received(sock):
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{wanted} never arrived")


def test_notify_sends_one_datagram_and_is_silent_without_a_socket(notify_socket):
    path, sock = notify_socket
    assert systemd.notify("READY=1", {"NOTIFY_SOCKET": path})
    assert received(sock) == ["READY=1"]
    assert not systemd.notify("READY=1", {})


def test_notify_reaches_an_abstract_socket():
    name = f"escalator-test-{os.getpid()}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    sock.setblocking(False)
    try:
        assert systemd.notify("WATCHDOG=1", {"NOTIFY_SOCKET": "@" + name})
        assert received(sock) == ["WATCHDOG=1"]
    finally:
        sock.close()


def test_a_missing_socket_is_logged_not_raised(tmp_path, caplog):
    assert not systemd.notify("READY=1", {"NOTIFY_SOCKET": str(tmp_path / "gone")})
    assert "notify" in caplog.text


def test_watchdog_interval_is_half_the_timeout_and_for_this_process_only():
    assert systemd.watchdog_interval({"WATCHDOG_USEC": "30000000"}) == 15.0
    assert systemd.watchdog_interval({"WATCHDOG_USEC": "30000000",
                                      "WATCHDOG_PID": str(os.getpid())}) == 15.0
    assert systemd.watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}) is None
    assert systemd.watchdog_interval({}) is None
    assert systemd.watchdog_interval({"WATCHDOG_USEC": "soon"}) is None


async def break_postgres(url: str, *, allow: bool = False) -> None:
    """The database drops the service's connections and lets nobody back in (a mere
    restart would not do: the store reconnects by itself); `allow` lets them in again."""
    import psycopg

    admin, name = url.rsplit("/", 1)[0] + "/postgres", url.rsplit("/", 1)[1]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS {str(allow).lower()}')
        if not allow:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                         " WHERE datname = %s", (name,))


async def test_watchdog_pings_while_healthy_and_stops_when_the_store_fails(
        notify_socket, store_url):
    path, sock = notify_socket
    store = open_store(store_url)
    await store.open()
    blocker = None
    try:
        liveness = Liveness(store, FakeClock(), timeout=0.5)
        dog = systemd.Watchdog(liveness.check, 0.02, {"NOTIFY_SOCKET": path})
        assert await dog.beat()
        assert received(sock) == ["WATCHDOG=1"]
        dog.start()
        await wait_for_message(sock, "WATCHDOG=1")  # the loop pings on its own
        if store_url.startswith("sqlite"):  # another process holds the write lock
            blocker = sqlite3.connect(store_url[len("sqlite:///"):], isolation_level=None)
            blocker.execute("BEGIN EXCLUSIVE")
        else:
            await break_postgres(store_url)
        while await liveness.check():  # until the failure is seen
            await asyncio.sleep(0.01)
        received(sock)  # a ping already in flight before the failure
        for _ in range(3):
            assert not await dog.beat()
        await asyncio.sleep(0.1)  # several periods of the running loop
        assert "WATCHDOG=1" not in received(sock)
        await dog.stop()
    finally:
        if blocker is not None:
            blocker.close()  # rolls the lock back
        elif store_url.startswith("postgresql"):
            await break_postgres(store_url, allow=True)
        await store.close()


async def test_watchdog_is_silent_when_the_scheduler_stopped(notify_socket, tmp_path):
    path, sock = notify_socket
    store = open_store(f"sqlite:///{tmp_path}/s.db")
    await store.open()
    try:
        running = [True]
        dog = systemd.Watchdog(Liveness(store, FakeClock(), lambda: running[0]).check, 1.0,
                               {"NOTIFY_SOCKET": path})
        assert await dog.beat()
        running[0] = False
        assert not await dog.beat()
        assert received(sock) == ["WATCHDOG=1"]
    finally:
        await store.close()
