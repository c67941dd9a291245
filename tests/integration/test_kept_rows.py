"""Timeline and audit rows kept on the transaction and written once before its commit.

A reminder round writes hundreds of timeline entries and as many audit rows; each
had an INSERT of its own, and each statement on the store thread waits for the GIL
while the event loop is busy (issue 23). They are now written by one multi-row
INSERT per table (a few, past the parameter limits) just before the commit, each
audit row still hashed in order. A statement of the same transaction that reads
those tables first gets them written, so it sees what the transaction did so far.
Both databases, for real.
"""

from __future__ import annotations

from typing import Any

import pytest

from escalator.domain.model import AlarmEvent, Entry, Reason
from escalator.storage import audit


class _Counting:
    """The store's connection, counting the statements a transaction sends (an
    executemany counts once per row, as the database runs it)."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self.sent: list[str] = []

    def cursor(self) -> Any:
        return _Cursor(self._conn.cursor(), self.sent)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


class _Cursor:
    def __init__(self, cur: Any, sent: list[str]) -> None:
        self._cur, self._sent = cur, sent

    def execute(self, sql: str, params: Any = ()) -> Any:
        self._sent.append(sql)
        return self._cur.execute(sql, params)

    def executemany(self, sql: str, rows: Any) -> Any:
        rows = list(rows)
        self._sent.extend([sql] * len(rows))
        return self._cur.executemany(sql, rows)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cur, name)


async def _incident(app, clock) -> int:
    res = await app.service.ingest(AlarmEvent(
        source="terminal", code="FT", state="alarm", received_at=clock.now(),
        point="room 7", event_id="k1"))
    assert res.incident_id is not None
    return res.incident_id


async def test_a_round_of_900_entries_is_written_in_a_few_statements_and_verifies(
        make_app, clock, store_url):
    app = await make_app(storage=store_url)
    incident_id = await _incident(app, clock)
    before = (await audit.verify(app.store)).count
    entries = [Entry(clock.now(), Reason.NOTE, None, f"round {n}") for n in range(900)]
    counted: list[_Counting] = []

    def work(tx) -> None:
        counted.append(_Counting(tx._conn))
        tx._conn = counted[0]
        tx.timeline.add(incident_id, entries)

    await app.store.transaction(work)
    sent = counted[0].sent
    timeline = [s for s in sent if s.startswith("INSERT INTO timeline")]
    chain = [s for s in sent if s.startswith("INSERT INTO audit_log")]
    assert len(timeline) <= 3, f"{len(timeline)} timeline INSERTs for 900 entries"
    assert len(chain) <= 3, f"{len(chain)} audit INSERTs for 900 rows"
    assert len(sent) <= 10, sent
    verdict = await audit.verify(app.store)  # each row hashed in order onto the head
    assert verdict.ok and verdict.count == before + 900
    stored = await app.store.transaction(lambda tx: tx.timeline.of_incident(incident_id))
    assert [r["detail"] for r in stored[-900:]] == [f"round {n}" for n in range(900)]
    rows = await app.store.transaction(lambda tx: audit.rows_tx(tx, incident_id, 900))
    assert [r["payload"]["detail"] for r in rows] == [f"round {n}" for n in range(900)]


async def test_a_read_in_the_same_transaction_sees_the_rows_kept_so_far(
        make_app, clock, store_url):
    app = await make_app(storage=store_url)
    incident_id = await _incident(app, clock)
    before = (await audit.verify(app.store)).count

    def work(tx) -> tuple[list[str], list[str], tuple[int, str]]:
        tx.timeline.add(incident_id, [Entry(clock.now(), Reason.NOTE, "ward-a", "first"),
                                      Entry(clock.now(), Reason.NOTE, "ward-a", "second")])
        seen = [r["detail"] for r in tx.timeline.of_incident(incident_id)]
        chained = [r["payload"].get("detail") for r in audit.rows_tx(tx, incident_id)]
        tx.timeline.add(incident_id, [Entry(clock.now(), Reason.NOTE, "ward-a", "third")])
        audit.record(tx, "test.after", at=clock.now(), actor="test", payload={"n": 1})
        return seen, chained, audit.head_tx(tx)

    seen, chained, head = await app.store.transaction(work)
    assert seen[-2:] == ["first", "second"]
    assert chained[-2:] == ["first", "second"]
    assert head[0] == before + 4  # the two flushes of one transaction: one chain, in order
    verdict = await audit.verify(app.store)
    assert verdict.ok and verdict.count == before + 4
    stored = await app.store.transaction(lambda tx: tx.timeline.of_incident(incident_id))
    assert [r["detail"] for r in stored[-3:]] == ["first", "second", "third"]


async def test_a_transaction_that_fails_writes_none_of_its_kept_rows(
        make_app, clock, store_url):
    app = await make_app(storage=store_url)
    incident_id = await _incident(app, clock)
    before = (await audit.verify(app.store)).count

    def work(tx) -> None:
        tx.timeline.add(incident_id, [Entry(clock.now(), Reason.NOTE, "ward-a", "lost")])
        raise RuntimeError("the caller gave up")

    with pytest.raises(RuntimeError):
        await app.store.transaction(work)
    stored = await app.store.transaction(lambda tx: tx.timeline.of_incident(incident_id))
    assert "lost" not in [r["detail"] for r in stored]
    verdict = await audit.verify(app.store)
    assert verdict.ok and verdict.count == before
