"""The store keeper: once a second, keep the store usable and the roles right.

Each round reconnects the store if it dropped its connection, keeps or takes the
leader lock (leading or following as it comes and goes) and, on the leader, pokes
the waker when work may have come in unseen: on PostgreSQL an alarm another instance
took in (escalator/storage/listen.py hears them at once; this round is the safety net
for a lost NOTIFY), on SQLite only after the wall clock stepped forward (what fell
due in the jump is done now, not when the waker's monotonic timer fires). A follower
does not hear the leader's commits, so its board reads again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from escalator.domain.errors import StorageError
from escalator.runtime.clock import Clock, SteadyClock
from escalator.runtime.leadership import Leadership
from escalator.runtime.tasks import cancel_and_wait
from escalator.storage import SqlStore

log = logging.getLogger(__name__)

KEEP_EVERY_S = 1.0  # store reconnect, leader lock, cross-instance poke


class StoreKeeper:
    def __init__(self, store: SqlStore, leadership: Leadership, clock: Clock,
                 poke: Callable[[], None], reread: Callable[[], None]) -> None:
        self._store = store
        self._leadership = leadership
        self._clock = clock
        self._poke = poke
        self._reread = reread  # the board reads every row again
        self._forward_steps = 0  # the clock's steps forward this keeper has seen
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="store-keeper")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def run(self) -> None:
        while True:
            await asyncio.sleep(KEEP_EVERY_S)
            try:
                await self.round()
            except Exception:  # keep keeping; the next round tries again
                log.exception("store keeper round failed")

    async def round(self) -> None:
        leader = await self._store.keep()
        if not self._store.healthy:
            await self._store.probe()
        leading = self._leadership.leading
        if leader and not leading:
            await self._leadership.lead()
        elif not leader and leading:
            await self._leadership.follow()
        elif leader and (self._store.dialect.name != "sqlite" or self._stepped_forward()):
            self._poke()
        elif not leader:  # the leader's commits are not heard here: read again
            self._reread()

    def _stepped_forward(self) -> bool:
        """Reading the clock notices (and logs) a step; after one forward, what fell due
        in the jump is done now rather than when the waker's timer would have fired."""
        if not isinstance(self._clock, SteadyClock):
            return False
        self._clock.now()
        seen, self._forward_steps = self._forward_steps, self._clock.forward_steps
        return seen != self._forward_steps


async def clock_not_behind_store(store: SqlStore, clock: Clock) -> None:
    """A restart after the wall clock was stepped back (a VM restored from a backup
    with its clock behind): the timers stored by the last run are in its time, so
    this run starts its steady clock no earlier than the last time it wrote down."""
    if not isinstance(clock, SteadyClock) or not store.healthy:
        return
    try:
        latest = await store.transaction(lambda tx: tx.timeline.latest_at())
    except StorageError as exc:
        log.warning("could not read the last recorded time: %s", exc)
        return
    if latest is not None:
        clock.not_before(latest)
