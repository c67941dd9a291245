"""A new alarm's first notice is composed while its transaction commits, and sent
only once the commit is done (storage/sql.py hands the rows over before `commit`,
dispatch/ waits for it before the send).

Why: the commit waits for the disk (an fsync); composing the message meanwhile takes
that work off the path from the commit to the peer. What must never happen is a
notice leaving for an alarm that a failing commit did not store, or an outcome
written for a row that does not exist (its id may be given to the next row).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading

import pytest

from escalator.dispatch import stages
from escalator.domain.errors import StorageError
from escalator.domain.model import AlarmEvent


class HeldCommit:
    """The store's SQLite connection, with a commit that waits or fails on cue."""

    def __init__(self, real: sqlite3.Connection) -> None:
        self.real = real
        self.started = threading.Event()
        self.release = threading.Event()
        self.fail = False

    def commit(self) -> None:
        self.started.set()
        if self.fail:
            raise sqlite3.OperationalError("disk I/O error")
        self.release.wait(10)
        self.real.commit()

    def __getattr__(self, name: str):  # cursor, rollback, execute, close, ...
        return getattr(self.real, name)


def alarm(clock, n: int) -> AlarmEvent:
    return AlarmEvent(source="terminal", code="FT", state="alarm", received_at=clock.now(),
                      point=f"loop {n}", event_id=f"gate-{n}")


@pytest.fixture
async def live(make_app, monkeypatch):
    app = await make_app()
    app.store.fresh_sink = app.dispatcher.take_fresh  # as a live leader has it
    held = HeldCommit(app.store._ensure_sync())
    app.store._conn = held
    composed: list[int] = []
    real_compose = stages.compose

    def counting(a, signer, nonce):
        composed.append(a.row.id)
        return real_compose(a, signer, nonce)

    monkeypatch.setattr(stages, "compose", counting)
    return app, held, composed


async def until(flag: threading.Event) -> None:
    for _ in range(2000):
        if flag.is_set():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the commit never started")


async def test_the_notice_is_composed_during_the_commit_and_sent_after_it(live, recorder,
                                                                          clock):
    app, held, composed = live
    ingest = asyncio.create_task(app.service.ingest(alarm(clock, 1)))
    await until(held.started)
    for _ in range(20):  # the loop is free while the store thread waits for the disk
        await asyncio.sleep(0)
    assert composed, "the message is composed while the commit runs"
    assert recorder.sent == [], "nothing leaves before the commit is done"
    held.release.set()
    result = await ingest
    await app.dispatcher.drain()
    assert [m.incident.id for m in recorder.to("ward-a")] == [result.incident_id]
    rows = await app.store.transaction(lambda tx: tx.deliveries.of_incident(result.incident_id))
    assert [str(r.status) for r in rows if r.party == "ward-a"] == ["sent"]


async def test_a_commit_that_fails_sends_nothing_and_writes_nothing(live, recorder, clock):
    app, held, composed = live
    held.fail = True
    with pytest.raises(StorageError):
        await app.service.ingest(alarm(clock, 2))
    await app.dispatcher.drain()
    assert recorder.sent == []
    assert len(app.dispatcher.gates) == 0
    count = await app.store.transaction(
        lambda tx: tx.one("SELECT COUNT(*) AS n FROM deliveries"))
    assert count == {"n": 0}
    # the store comes back; the next alarm (it may get the same ids) goes out once
    if isinstance(app.store._conn, HeldCommit):
        app.store._conn.fail = False
        app.store._conn.release.set()
    result = await app.service.ingest(alarm(clock, 3))
    await app.dispatcher.drain()
    assert [m.incident.id for m in recorder.to("ward-a")] == [result.incident_id]
    assert [m.incident.point for m in recorder.to("ward-a")] == ["loop 3"]
