"""What a group commit of delivery outcomes costs (run by hand; prints figures).

    .venv/bin/python tests/perf/bench_outcomes.py [outcomes] [rounds]

Each outcome is a conditional UPDATE (the delivery state machine's `accept`,
written only under the claim it was sent on); a batch of them is one
transaction on a SQLite file, as the dispatcher writes them. Run it with
PYTHONPATH pointing at an older tree (whose Tx has `update_delivery`) to compare.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from typing import Any

from escalator.domain.model import Notice, Reason
from escalator.storage import open_store
from escalator.storage.sql import Tx


async def main(count: int, rounds: int) -> None:
    store = open_store(f"sqlite:///{tempfile.mkdtemp()}/bench.db", exclusive=True)
    await store.open()
    now = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    new = not hasattr(Tx, "update_delivery")  # the state machine's moves (any newer tree)
    took = []
    for _ in range(rounds):
        def make(tx: Any) -> list[Any]:
            tx.claim_fresh = True  # as intake writes them: claimed in the same transaction
            tx.deliveries.add(1, [Notice("nurse", Reason.FIRST, 0)] * count, now)
            return tx.deliveries.of_incident(1)[-count:]

        rows = await store.transaction(make)

        def write(tx: Any, rows: list[Any] = rows) -> None:
            for r in rows:
                if new:
                    from escalator.domain.delivery import Move, Status

                    tx.deliveries.move(r.id, Move.ACCEPT, now=now, current=Status.SENDING,
                                       claim=r.claims, sent_at=now, channel="webhook",
                                       attempts=1, error=None)
                else:
                    tx.update_delivery(r.id, status="sent", sent_at=now, channel="webhook",
                                       attempts=1, error=None)

        started = time.perf_counter()
        await store.transaction(write)
        took.append(time.perf_counter() - started)
    took.sort()
    print(f"{'conditional' if new else 'plain'} UPDATE, {count} outcomes per commit:"
          f" median {took[len(took) // 2] * 1000:.2f} ms,"
          f" p90 {took[int(len(took) * 0.9)] * 1000:.2f} ms ({rounds} rounds)")
    await store.close()


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    asyncio.run(main(*(args + [100, 50][len(args):])))
