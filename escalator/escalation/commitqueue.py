"""Group commit for intake: events that arrive together share one transaction.

Every accepted event must be committed (with `synchronous=FULL`: an fsync)
before its sender gets a 202. One transaction and one fsync per event caps
intake at a few hundred events a second and keeps the store's single thread
busy with round trips; the durability promise is just as well kept when the
events that queued while the previous commit ran are written, and answered,
together. A caller waits no longer than before: nothing is held back to make
a batch larger, a batch is simply what queued meanwhile.

A batch is all-or-nothing in the store; if it fails for a reason that may
lie with one event (a value the database refuses, a uniqueness conflict), the
events are run again one by one, so one bad event never costs the others
theirs. A caller whose turn has not come within `wait_s` gets StorageBusy
(a 503) and its event is not stored, exactly as a caller waiting for the lock
did before.

A caller awaits its own future and nothing else: no `wait_for` and `shield` per
event (each armed a timer and two more futures on the loop, at every alarm). The
queue keeps one timer, for the oldest caller not yet taken; when it fires it
answers those past their deadline and re-arms for the next. The queue is in
order of arrival and every caller gets the same `wait_s`, so the oldest is
always the first to expire.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from escalator.domain.errors import StorageBusy, StorageConflict, StorageError, UnstorableError

E = TypeVar("E")
R = TypeVar("R")


@dataclass(eq=False)
class _Waiting(Generic[E, R]):
    item: E
    deadline: float
    future: asyncio.Future[R] = field(repr=False)
    taken: bool = False


class CommitQueue(Generic[E, R]):
    """`submit(item)` -> the result of `run([item, ...], deadline)` for that item.

    `run` stores a batch in one transaction and returns one result per item,
    in order; it is called under `lock` (shared with everything else that
    writes), with `deadline` (time.monotonic) the earliest of the batch's."""

    def __init__(self, run: Callable[[list[E], float], Awaitable[list[R]]],
                 lock: asyncio.Lock, wait_s: float, max_batch: int = 100) -> None:
        self._run = run
        self._lock = lock
        self._wait_s = wait_s
        self._max_batch = max_batch
        self._queue: deque[_Waiting[E, R]] = deque()
        self._worker: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None  # for the oldest not yet taken
        self.batches = 0  # for benchmarks: how many transactions served how many items
        self.items = 0

    async def submit(self, item: E) -> R:
        loop = asyncio.get_running_loop()
        waiting = _Waiting[E, R](item, time.monotonic() + self._wait_s, loop.create_future())
        self._queue.append(waiting)
        if self._worker is None:
            self._worker = loop.create_task(self._work())
        if self._timer is None:
            self._timer = loop.call_later(self._wait_s, self._expire)
        try:
            return await waiting.future
        except asyncio.CancelledError:
            # the caller is gone. Taken: the transaction goes on, its outcome unread.
            if not waiting.taken and waiting in self._queue:
                self._queue.remove(waiting)
            raise

    def _expire(self) -> None:
        """The timer: every caller still queued past its deadline gets StorageBusy (its
        event is not stored); then the timer waits for the next oldest."""
        self._timer = None
        now = time.monotonic()
        while self._queue and self._queue[0].deadline <= now:
            waiting = self._queue.popleft()
            if not waiting.future.done():
                waiting.future.set_exception(
                    StorageBusy("intake: the store is backed up; retry shortly"))
        if self._queue:
            self._timer = asyncio.get_running_loop().call_later(
                self._queue[0].deadline - now, self._expire)

    async def _work(self) -> None:
        try:
            while self._queue:
                async with self._lock:
                    batch: list[_Waiting[E, R]] = []
                    while self._queue and len(batch) < self._max_batch:
                        waiting = self._queue.popleft()
                        waiting.taken = True
                        batch.append(waiting)
                    if batch:
                        await self._store(batch)
                await asyncio.sleep(0)  # callers answered; others get the lock in turn
        finally:
            self._worker = None

    async def _store(self, batch: list[_Waiting[E, R]]) -> None:
        deadline = min(w.deadline for w in batch)
        try:
            results = await self._run([w.item for w in batch], deadline)
        except asyncio.CancelledError:
            for waiting in batch:
                waiting.future.cancel()
            raise
        except Exception as exc:
            # one event may be the cause (a value the store refuses, a conflict, a bug):
            # each on its own. The store being down or busy is everyone's answer at once.
            if len(batch) > 1 and (isinstance(exc, UnstorableError | StorageConflict)
                                   or not isinstance(exc, StorageError)):
                for waiting in batch:
                    await self._store([waiting])
            else:
                _fail(batch, exc)
            return
        self.batches += 1
        self.items += len(batch)
        for waiting, result in zip(batch, results, strict=True):
            if not waiting.future.done():
                waiting.future.set_result(result)


def _fail(batch: list[_Waiting[E, R]], exc: BaseException) -> None:
    for waiting in batch:
        if not waiting.future.done():
            waiting.future.set_exception(exc)
