"""What a bare SQLite commit costs on this disk, by how many pages it writes (by hand).

    .venv/bin/python tests/perf/bench_commit_cost.py [DIR]

WAL, `synchronous=FULL` (as the service): 300 commits each of 1, 5, 10 and 20 tables
(about 2 pages each: the row and its index), 10 ms apart; prints the commit's p50
and p90. The floor under the service's own commit (its WAL write and fsync).
"""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path


def main(directory: str) -> None:
    path = str(Path(directory) / "commit-cost.db")
    conn = sqlite3.connect(path, isolation_level="DEFERRED")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    for i in range(20):
        conn.execute(f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, a TEXT)")
        conn.execute(f"CREATE INDEX i{i} ON t{i}(a)")
    conn.commit()
    print(f"load average {os.getloadavg()[0]:.1f}; {path}")
    print("| tables written (about 2 pages each) | commit p50 ms | p90 ms |")
    print("| --- | --- | --- |")
    for tables in (1, 5, 10, 20):
        took = []
        for n in range(300):
            for i in range(tables):
                conn.execute(f"INSERT INTO t{i} (a) VALUES (?)", (f"{n}-{i}" * 10,))
            started = time.perf_counter()
            conn.commit()
            took.append(time.perf_counter() - started)
            time.sleep(0.01)
        took.sort()
        print(f"| {tables} | {took[150] * 1e3:.2f} | {took[270] * 1e3:.2f} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="commit-cost-"))
