"""The group commit queue's own rules (escalator/escalation/commitqueue.py), with a
`run` that stands in for the store's transaction so a test can hold it mid-commit.

The queue's real use (SQLite, batching, a refused event) is pinned by
tests/integration/test_group_commit.py; here: what a caller costs the event loop,
and the deadline of a caller whose turn does not come.
"""

from __future__ import annotations

import asyncio

import pytest

from escalator.domain.errors import StorageBusy
from escalator.escalation.commitqueue import CommitQueue


class HeldStore:
    """`run` for the queue: records each batch, and waits while `hold` is clear."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.hold = asyncio.Event()
        self.hold.set()
        self.entered = asyncio.Event()

    async def run(self, items: list[int], deadline: float) -> list[int]:
        self.batches.append(list(items))
        self.entered.set()
        await self.hold.wait()
        return [i * 10 for i in items]


async def test_callers_queued_together_arm_one_timer_not_one_each() -> None:
    """Each caller used to wait through `wait_for(shield(...))`: a timer on the loop (and
    two futures more) per event. Now the queue keeps one timer for its oldest caller."""
    store = HeldStore()
    queue: CommitQueue[int, int] = CommitQueue(store.run, asyncio.Lock(), wait_s=30.0)
    loop = asyncio.get_running_loop()
    armed = 0
    real_call_at = loop.call_at  # asyncio's call_later arms its timer through call_at

    def counting_at(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal armed
        armed += 1
        return real_call_at(*args, **kwargs)

    loop.call_at = counting_at  # type: ignore[method-assign]
    try:
        results = await asyncio.gather(*(queue.submit(n) for n in range(50)))
    finally:
        del loop.call_at  # type: ignore[attr-defined]
    assert results == [n * 10 for n in range(50)]
    assert armed <= 1, f"{armed} timers armed for 50 callers"


async def test_a_caller_whose_turn_does_not_come_gets_storage_busy_and_is_not_stored(
) -> None:
    store = HeldStore()
    store.hold.clear()  # the first transaction hangs (a store stuck in a long commit)
    queue: CommitQueue[int, int] = CommitQueue(store.run, asyncio.Lock(), wait_s=0.05)
    first = asyncio.ensure_future(queue.submit(1))
    await store.entered.wait()  # 1 is in its transaction now: taken
    later = asyncio.ensure_future(queue.submit(2))  # queued behind it
    with pytest.raises(StorageBusy):
        await later
    assert not first.done()  # taken: its caller waits for its transaction's outcome
    store.hold.set()
    assert await first == 10
    assert store.batches == [[1]]  # 2 never reached the store
    assert await queue.submit(3) == 30  # and the queue goes on


async def test_the_timer_follows_the_next_oldest_caller() -> None:
    """Callers arriving after the oldest one keep their own deadline: the timer that
    answered the first re-arms for them instead of answering them early."""
    store = HeldStore()
    store.hold.clear()
    queue: CommitQueue[int, int] = CommitQueue(store.run, asyncio.Lock(), wait_s=1.0)
    taken = asyncio.ensure_future(queue.submit(0))
    await store.entered.wait()
    early = asyncio.ensure_future(queue.submit(1))
    await asyncio.sleep(0.5)  # 2 arrives half-way through 1's wait (0.5 s to spare)
    late = asyncio.ensure_future(queue.submit(2))
    with pytest.raises(StorageBusy):
        await early
    assert not late.done()  # its own deadline is still ahead
    store.hold.set()
    assert await taken == 0
    assert await late == 20
    assert store.batches == [[0], [2]]


async def test_a_cancelled_caller_leaves_the_queue() -> None:
    store = HeldStore()
    store.hold.clear()
    queue: CommitQueue[int, int] = CommitQueue(store.run, asyncio.Lock(), wait_s=30.0)
    taken = asyncio.ensure_future(queue.submit(0))
    await store.entered.wait()
    gone = asyncio.ensure_future(queue.submit(1))
    kept = asyncio.ensure_future(queue.submit(2))
    await asyncio.sleep(0)
    gone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gone
    store.hold.set()
    assert (await taken, await kept) == (0, 20)
    assert store.batches == [[0], [2]]
