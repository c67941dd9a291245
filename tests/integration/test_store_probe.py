"""The store's rate limits read the injected clock: the write probe runs at most once a
second and a met lock holds intake off for half a second, both of the service's clock,
so a test moves them with its fake clock instead of sleeping (issue 18, point 9).

Real SQLite and real PostgreSQL; the lock is another connection's, for real.
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import pytest

from escalator.domain.errors import StorageBusy
from escalator.storage import open_store


def take_write_lock(url: str) -> Any:
    """Another connection holds the lock the probe's write needs."""
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url[len("sqlite:///"):], isolation_level=None,
                               check_same_thread=False)  # released on another thread
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO meta (key, value) VALUES ('someone else', 'x')")
        return conn
    import psycopg

    conn = psycopg.connect(url, autocommit=False)
    conn.execute("LOCK TABLE incidents, sources IN EXCLUSIVE MODE")  # the probe, intake
    return conn


async def release(holder: Any) -> None:
    await asyncio.to_thread(holder.rollback)
    await asyncio.to_thread(holder.close)


@pytest.fixture
async def store(store_url, clock):
    db = open_store(store_url, monotonic=clock.monotonic)
    await db.open()
    yield db
    await db.close()


async def test_the_write_probe_runs_at_most_once_a_second_of_the_injected_clock(
        store, store_url, clock):
    assert await store.probe() is True
    holder = await asyncio.to_thread(take_write_lock, store_url)
    try:
        clock.advance(seconds=0.9)
        assert await store.probe() is True  # within the second: no write tried
        assert store.write_blocked is None
        clock.advance(seconds=0.2)  # a second after the last probe: it writes, meets the lock
        assert await store.probe() is False
        assert store.write_blocked and "busy" in store.write_blocked
        assert store.busy_reason == store.write_blocked or store.busy
    finally:
        await release(holder)
    assert await store.probe() is True  # rate-limited: the last answer's health stands
    assert store.write_blocked is not None  # ... and no probe got through yet
    clock.advance(seconds=1)
    assert await store.probe() is True
    assert store.write_blocked is None and store.busy_reason is None


async def test_a_met_lock_holds_intake_off_for_half_a_second_of_the_injected_clock(
        store, store_url, clock):
    holder = await asyncio.to_thread(take_write_lock, store_url)
    try:
        with pytest.raises(StorageBusy):
            await store.transaction(lambda tx: tx.sources.touch("terminal", clock.now()))
    finally:
        await release(holder)
    assert store.busy  # the lock is gone, but intake does not queue for it yet
    with pytest.raises(StorageBusy):
        await store.transaction(lambda tx: tx.sources.touch("terminal", clock.now()),
                                wait=1.0)
    clock.advance(seconds=0.4)
    assert store.busy
    clock.advance(seconds=0.1)
    assert not store.busy
    await store.transaction(lambda tx: tx.sources.touch("terminal", clock.now()), wait=1.0)
    found = await store.transaction(lambda tx: tx.sources.get("terminal"))
    assert found is not None
