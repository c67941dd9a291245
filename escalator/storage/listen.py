"""The leader hears at once that a follower stored work: PostgreSQL LISTEN/NOTIFY.

A follower's intake transaction ends with `NOTIFY escalator_due`, which
PostgreSQL delivers when (and only if) it commits (escalator/storage/sql.py).
The leader LISTENs on a connection of its own, on the event loop, and pokes
its waker for each notification, so an alarm taken in by a follower reaches
people as fast as one taken in by the leader, instead of at the leader's next
once-a-second look (`runtime.keeper.StoreKeeper`, kept as the safety net for a
notification lost with a dropped connection).

Its own connection, not the store's: the store's session is busy on the store
thread for whole transactions, and a notification would wait for the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from escalator.storage.connect import PG_CONNECT_OPTIONS
from escalator.storage.sql import DUE_CHANNEL

log = logging.getLogger(__name__)

RETRY_FIRST_S = 0.5  # then doubling to RETRY_MAX_S while the database is away
RETRY_MAX_S = 5.0


class DueListener:
    def __init__(self, url: str, on_notify: Callable[[], None]) -> None:
        self._url = url
        self._on_notify = on_notify
        self._task: asyncio.Task[None] | None = None
        self.listening = False  # LISTEN is in force on a live connection
        self.heard = 0  # notifications received (for /healthz details and the tests)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._listen(),
                                                                name="due-listener")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.listening = False

    async def _listen(self) -> None:
        import psycopg  # optional dependency, only needed for postgresql:// URLs

        delay = RETRY_FIRST_S
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                        self._url, autocommit=True, **PG_CONNECT_OPTIONS) as conn:
                    await conn.execute(f"LISTEN {DUE_CHANNEL}")
                    self.listening, delay = True, RETRY_FIRST_S
                    self._on_notify()  # what a follower stored while nobody listened
                    async for _ in conn.notifies():
                        self.heard += 1
                        self._on_notify()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the poll covers; try again shortly
                log.warning("not hearing followers (%s); listening again in %.1f s",
                            str(exc).strip().splitlines()[0] if str(exc).strip() else
                            type(exc).__name__, delay)
            self.listening = False
            await asyncio.sleep(delay)
            delay = min(RETRY_MAX_S, delay * 2)
