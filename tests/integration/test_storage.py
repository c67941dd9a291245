"""The store on SQLite and PostgreSQL alike: durability, uniqueness, rollback, recovery."""

from __future__ import annotations

import pytest

from escalator.domain.errors import StorageError
from escalator.domain.model import Action, AlarmEvent, State
from escalator.storage import open_store


def alarm(clock, code="FT", state="alarm", event_id=None):
    return AlarmEvent(source="terminal", code=code, state=state, received_at=clock.now(),
                      point="loop 2", event_id=event_id)


async def test_flow_and_restart_on_both_databases(make_app, clock, recorder, store_url):
    app = await make_app(storage=store_url)
    a = await app.service.ingest(alarm(clock, event_id="e1"))
    dup = await app.service.ingest(alarm(clock, event_id="e1"))
    assert dup.duplicate and dup.incident_id == a.incident_id
    await app.tick()
    await app.service.act(a.incident_id, Action.ACKNOWLEDGE, "Nurse", party="ward-a")
    b = await app.service.ingest(alarm(clock, code="YX"))
    await app.tick()
    await app.stop()
    recorder.clear()
    clock.advance(minutes=5)
    again = await make_app(storage=store_url)
    await again.tick()
    assert [(m.incident.id, m.reason) for _, m in recorder.sent] == [(b.incident_id, "RENOTIFY")]
    acked = await again.store.transaction(lambda tx: tx.incidents.get(a.incident_id))
    assert acked.state is State.ACKNOWLEDGED
    timeline = await again.store.transaction(lambda tx: tx.timeline.of_incident(a.incident_id))
    assert [e["reason"] for e in timeline][:2] == ["OPENED", "FIRST"]


async def test_database_refuses_a_second_open_incident_for_one_key(make_app, clock, store_url):
    app = await make_app(storage=store_url)
    res = await app.service.ingest(alarm(clock))
    inc = await app.store.transaction(lambda tx: tx.incidents.get(res.incident_id))
    with pytest.raises(StorageError):
        await app.store.transaction(lambda tx: tx.incidents.add(inc, None))
    # the failed transaction was rolled back and the store still works
    assert len(await app.store.transaction(lambda tx: tx.incidents.listed("open"))) == 1


async def test_a_failing_unit_of_work_leaves_nothing_behind(make_app, clock, store_url):
    app = await make_app(storage=store_url)

    def half_done(tx):
        tx.events.add(alarm(clock), None)
        raise RuntimeError("crash in the middle")

    with pytest.raises(RuntimeError):
        await app.store.transaction(half_done)
    rows = await app.store.transaction(lambda tx: tx.rows("SELECT COUNT(*) AS n FROM events"))
    assert rows[0]["n"] == 0


async def test_opening_the_schema_twice_is_harmless(store_url):
    for _ in range(2):
        store = open_store(store_url)
        await store.open()
        version = await store.transaction(
            lambda tx: tx.one("SELECT value FROM meta WHERE key = 'schema_version'"))
        await store.close()
    assert version == {"value": "1"}


async def test_unreachable_database_is_a_storage_error(tmp_path):
    (tmp_path / "dir.db").mkdir()  # a directory where the database file should be
    store = open_store(f"sqlite:///{tmp_path}/dir.db")
    with pytest.raises(StorageError):
        await store.open()
    assert not store.healthy
    await store.close()
