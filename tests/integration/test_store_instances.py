"""Several instances on one database: PostgreSQL elects one leader with an advisory
lock held by the store's own session; intake runs everywhere and survives the race
of two instances opening the same incident. (Delivery claims: test_delivery_claims.py.)"""

from __future__ import annotations

import asyncio

import pytest

from escalator.domain.errors import StoreLocked
from escalator.domain.model import AlarmEvent
from escalator.storage import open_store


@pytest.fixture
def pg_url(postgres_server, request):
    from pg import fresh_database

    return fresh_database(postgres_server, f"i_{abs(hash(request.node.nodeid)) % 10**12}")


async def test_one_leader_per_postgresql_database_and_takeover(pg_url):
    first, second = open_store(pg_url, exclusive=True), open_store(pg_url, exclusive=True)
    await first.open()
    await second.open()
    try:
        assert first.is_leader and not second.is_leader
        assert await first.keep() and not await second.keep()
        await first.close()  # the leader's session ends: its lock goes with it
        for _ in range(50):  # the server ends the old session a moment after the close
            if await second.keep():
                break
            await asyncio.sleep(0.1)
        assert second.is_leader, "the follower did not take over"
    finally:
        await second.close()


async def test_second_service_on_one_sqlite_file_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path}/one.db"
    first = open_store(url, exclusive=True)
    await first.open()
    second = open_store(url, exclusive=True)
    with pytest.raises(StoreLocked, match="another escalator is already running"):
        await second.open()
    await second.close()
    await first.close()
    third = open_store(url, exclusive=True)  # the lock went with the first one
    await third.open()
    await third.close()


async def test_two_instances_taking_the_same_alarms_open_one_incident_each(
        make_app, clock, pg_url):
    """Both answer 202 (no 503 from the unique-index race), one incident per alarm."""
    one = await make_app(storage=pg_url)
    other = await make_app(storage=pg_url)
    for round_ in range(30):
        event = AlarmEvent(source="terminal", code="FT", state="alarm",
                           received_at=clock.now(), point=f"loop {round_}")
        a, b = await asyncio.gather(one.service.ingest(event), other.service.ingest(event))
        assert a.incident_id == b.incident_id
    found = await one.store.transaction(lambda tx: tx.incidents.listed("open"))
    assert len(found) == 30
