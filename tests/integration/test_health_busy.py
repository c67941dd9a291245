"""/healthz tells the truth while another writer holds the lock intake needs: 503 with
the reason for as long as intake answers 503, 200 again once the lock is gone, so a
load balancer sends the terminals elsewhere meanwhile.

Real SQLite (another connection holds the write lock) and real PostgreSQL (another
session holds the incidents table in EXCLUSIVE mode, as a schema change or a bulk
job would); the lock is held 10 s, the length the issue measured.
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

from support import TOKENS

from escalator.runtime.waker import Waker

TERMINAL = {"Authorization": f"Bearer {TOKENS['ESCALATOR_TERMINAL_TOKEN']}"}
DETAILS = {"Authorization": f"Bearer {TOKENS['ESCALATOR_API_TOKEN']}"}
HOLD_S = 10.0


def take_write_lock(url: str) -> Any:
    """Another connection takes the lock every intake write needs, and keeps it."""
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url[len("sqlite:///"):], isolation_level=None,
                               check_same_thread=False)  # released on another thread
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO meta (key, value) VALUES ('someone else', 'x')")
        return conn
    import psycopg

    conn = psycopg.connect(url, autocommit=False)
    conn.execute("LOCK TABLE incidents IN EXCLUSIVE MODE")  # reads go on, writes wait
    return conn


async def health(client) -> tuple[int, dict[str, Any]]:
    resp = await client.get("/healthz", headers=DETAILS)
    return resp.status, await resp.json()


async def post(client, n: int) -> int:
    resp = await client.post("/api/v1/events", headers=TERMINAL,
                             json={"code": "FT", "point": f"loop {n}", "id": f"busy-{n}"})
    await resp.read()
    return resp.status


async def test_healthz_is_503_with_the_reason_while_another_writer_holds_the_lock(
        make_app, aiohttp_client, store_url, clock):
    """The write probe (at most once a second) and the busy hold run on the service's
    clock: the test moves it instead of sleeping, and its seconds are that clock's."""
    app = await make_app(storage=store_url)
    app.waker = Waker(app.tick, app.clock)
    app.waker.start()
    client = await aiohttp_client(app.web_app())
    assert await post(client, 0) == 202

    holder = await asyncio.to_thread(take_write_lock, store_url)
    try:
        held_since, n = clock.monotonic(), 1
        while clock.monotonic() - held_since < HOLD_S:
            status, body = await health(client)
            assert status == 503, body
            assert body["store"]["ok"] is False and body["store"]["busy"] is True
            assert "busy" in body["store"]["error"]
            assert body["open_incidents"] is not None  # it reads; it cannot write
            assert await post(client, n) == 503  # what intake says at the same time
            n += 1
            clock.advance(seconds=0.5)
        unauthenticated = await client.get("/healthz")
        assert unauthenticated.status == 503
    finally:
        await asyncio.to_thread(holder.rollback)
        await asyncio.to_thread(holder.close)

    released = clock.monotonic()
    while (await health(client))[0] != 200:  # the next write probe gets through
        assert clock.monotonic() - released < 5, "still 503 after the lock went"
        clock.advance(seconds=0.2)
    status, body = await health(client)
    assert status == 200 and body["store"] == {"ok": True, "kind": app.store.dialect.name}
    while (status := await post(client, 100)) != 202:
        assert status == 503 and clock.monotonic() - released < 5
        clock.advance(seconds=0.1)
