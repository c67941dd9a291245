"""Audit log figures; run by hand, never as timed assertions in CI.

    .venv/bin/python tests/perf/bench_audit.py [rows]

How fast rows are appended (head lock, hash, insert, head update) and how
fast `audit verify` walks the chain, on SQLite (and PostgreSQL when
ESCALATOR_TEST_POSTGRES_URL names a database to use).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime

from escalator.storage import audit, open_store

AT = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


async def bench(url: str, rows: int, label: str) -> None:
    store = open_store(url)
    await store.open()
    try:
        def write(tx, start: int) -> None:
            for i in range(start, start + 100):
                audit.record(tx, "timeline.ACKED", at=AT, actor="ward-a", incident_id=i,
                             payload={"reason": "ACKED", "detail": f"taken by nurse {i}"})
        t0 = time.perf_counter()
        for start in range(0, rows, 100):
            await store.transaction(lambda tx, s=start: write(tx, s))
        appended = time.perf_counter() - t0
        t0 = time.perf_counter()
        verdict = await audit.verify(store)
        checked = time.perf_counter() - t0
        assert verdict.ok
        print(f"| {label:10} | {rows:>7,} | {rows / appended:>12,.0f} |"
              f" {verdict.count / checked:>12,.0f} |")
    finally:
        await store.close()


async def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    print("| store      |    rows | appended/s   | verified/s   |")
    print("|------------|---------|--------------|--------------|")
    with tempfile.TemporaryDirectory() as tmp:
        await bench(f"sqlite:///{tmp}/audit.db", rows, "SQLite")
    pg = os.environ.get("ESCALATOR_TEST_POSTGRES_URL")
    if pg:
        await bench(pg, rows, "PostgreSQL")


if __name__ == "__main__":
    asyncio.run(main())
