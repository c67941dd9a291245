"""Cover shifts and maintenance windows read once per transaction, right at each moment.

A batch of events shares one transaction and each event comes with its own time;
the covers and windows not ended at the first moment are read once, and a later
moment's are found among them (`until > now`). An earlier moment, or a cover or
window written in the same transaction, reads again.
"""

from __future__ import annotations

from datetime import timedelta

from escalator.domain.covers import Cover
from escalator.domain.maintenance import MaintenanceWindow


async def test_a_later_moment_in_the_same_transaction_drops_what_ended_by_then(
        make_app, clock, store_url):
    app = await make_app(storage=store_url)
    t0 = clock.now()
    soon, later = t0 + timedelta(seconds=1), t0 + timedelta(hours=1)

    def setup(tx) -> None:
        tx.covers.add(Cover("ward-a", "ward-b", t0 - timedelta(hours=1), soon), "test", t0)
        tx.covers.add(Cover("ward-b", "ward-a", t0 - timedelta(hours=1), later), "test", t0)
        tx.maintenance.add_window(MaintenanceWindow("", t0, soon, "short work"), "test", t0)
        tx.maintenance.add_window(MaintenanceWindow("", t0, later, "long work"), "test", t0)

    await app.store.transaction(setup)

    def read(tx):
        return [([c.end for c in tx.covers.in_force(at)],
                 [w.reason for w in tx.maintenance.current(at)])
                for at in (t0, soon, t0, later)]

    seen = await app.store.transaction(read)
    assert seen == [([soon, later], ["short work", "long work"]),
                    ([later], ["long work"]),
                    ([soon, later], ["short work", "long work"]),
                    ([], [])]


async def test_a_cover_or_window_written_in_the_transaction_is_read_again(
        make_app, clock, store_url):
    app = await make_app(storage=store_url)
    t0 = clock.now()
    end = t0 + timedelta(hours=2)

    def work(tx):
        before = (len(tx.covers.in_force(t0)), len(tx.maintenance.current(t0)))
        tx.covers.add(Cover("ward-a", "ward-b", t0, end), "test", t0)
        tx.maintenance.add_window(MaintenanceWindow("", t0, end, "work"), "test", t0)
        return before, (len(tx.covers.in_force(t0)), len(tx.maintenance.current(t0)))

    before, after = await app.store.transaction(work)
    assert after == (before[0] + 1, before[1] + 1)
