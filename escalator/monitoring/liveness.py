"""Is the service able to do its job right now? The one answer the systemd watchdog and
the outbound dead man's switch both act on.

Alive means: the event loop turns (this coroutine got to run at all), the
scheduler runs, and the store takes a write within a bound. Anything else -
a stalled loop, a lost database, a full disk - must make the answer "no", so
systemd restarts the service and the outside monitor raises its alarm.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from escalator.domain.errors import StorageError
from escalator.runtime.clock import Clock
from escalator.storage.sql import SqlStore

log = logging.getLogger(__name__)

PROBE_TIMEOUT = 10.0  # seconds a store write may take before the store counts as down


class Liveness:
    def __init__(self, store: SqlStore, clock: Clock,
                 scheduler_ok: Callable[[], bool] = lambda: True,
                 timeout: float = PROBE_TIMEOUT) -> None:
        self._store = store
        self._clock = clock
        self._scheduler_ok = scheduler_ok
        self._timeout = timeout

    async def check(self) -> bool:
        if not self._scheduler_ok():
            return False
        now = self._clock.now()
        try:
            await asyncio.wait_for(self._store.transaction(lambda tx: tx.meta.write_alive(now)),
                                   self._timeout)
        except (StorageError, TimeoutError) as exc:
            log.debug("liveness: store write probe failed: %s", exc)
            return False
        except Exception:  # a probe must answer, never take the watchdog down with it
            log.exception("liveness: store write probe crashed")
            return False
        return True
