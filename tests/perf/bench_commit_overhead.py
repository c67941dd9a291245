"""The event loop's own CPU per event in intake's group commit (run by hand).

    .venv/bin/python tests/perf/bench_commit_overhead.py [EVENTS]

`CommitQueue.submit` with a store that answers at once, 100 callers at a time (a
batch under load), on the service's loop (uvloop when installed): what a caller
costs the loop around its transaction. Then the send deadline of one notice as it
was (`asyncio.wait_for` around the send) and as it is (an `asyncio.timeout` scope in
the lane's task), around a send that returns at once. To compare with another
checkout: `cd /tmp && PYTHONPATH=/path/to/checkout .venv/bin/python .../this file`.
CPU time of this process (time.process_time); prints a table, asserts nothing.
"""

from __future__ import annotations

import asyncio
import os
import platform
import sys
import time

from escalator.escalation.commitqueue import CommitQueue
from escalator.runtime.eventloop import loop_factory


async def _queue(events: int) -> float:
    async def run(items: list[int], deadline: float) -> list[int]:
        return items

    queue: CommitQueue[int, int] = CommitQueue(run, asyncio.Lock(), 2.0, 100)
    started = time.process_time()
    for _ in range(events // 100):
        await asyncio.gather(*(queue.submit(i) for i in range(100)))
    return (time.process_time() - started) / events


async def _send() -> None:
    return None


async def _deadline(events: int, scoped: bool) -> float:
    async def one() -> None:
        if scoped:
            async with asyncio.timeout(10.0):
                await _send()
        else:
            await asyncio.wait_for(_send(), 10.0)

    started = time.process_time()
    for _ in range(events // 100):
        await asyncio.gather(*(one() for _ in range(100)))
    return (time.process_time() - started) / events


async def main(events: int) -> None:
    rows = []
    for _ in range(3):  # the best of three: the machine is shared
        rows.append((await _queue(events), await _deadline(events, False),
                     await _deadline(events, True)))
    queue, waited, scoped = (min(r[i] for r in rows) for i in range(3))
    load = os.getloadavg()[0]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, loop {type(asyncio.get_running_loop()).__module__},"
          f" load average {load:.1f}; {events:,} events, best of 3")
    print("| per event, loop CPU | µs |")
    print("| --- | --- |")
    print(f"| CommitQueue.submit ({CommitQueue.__module__}) | {queue * 1e6:.1f} |")
    print(f"| send deadline: wait_for (before) | {waited * 1e6:.1f} |")
    print(f"| send deadline: asyncio.timeout scope (now) | {scoped * 1e6:.1f} |")


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        runner.run(main(count))
