"""The running service's state, part by part, for /healthz and for people reading it.

Assembled here from the parts that know it (the store, leadership and its waker,
the config in force, Telegram, the sources, the roster calendars), so the
composition root only hands them over. The HTTP side turns it into an answer
(usecases/health.py, entrypoints/http/health.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from escalator.config.model import Config
from escalator.liveconfig.reloading import Reloading
from escalator.rosters.feeds import RosterFeeds
from escalator.runtime.leadership import Leadership
from escalator.runtime.sources import Sources
from escalator.runtime.ticking import Ticking
from escalator.storage import SqlStore

if TYPE_CHECKING:  # the Telegram library loads only when Telegram is configured
    from escalator.notify.telegram import TelegramChannel


def store_status(store: SqlStore) -> dict[str, Any]:
    """Failing (cannot connect or write) or busy (another writer holds the lock intake
    needs, so intake answers 503): either way a load balancer should look elsewhere."""
    kind = store.dialect.name
    if not store.healthy:
        return {"ok": False, "kind": kind, "error": store.last_error}
    busy = store.busy_reason
    if busy:
        return {"ok": False, "kind": kind, "busy": True, "error": busy}
    return {"ok": True, "kind": kind}


class Status:
    def __init__(self, store: SqlStore, leadership: Leadership, ticking: Ticking,
                 reloading: Reloading, telegram: TelegramChannel | None, sources: Sources,
                 rosters: RosterFeeds, config: Callable[[], Config],
                 started_at: Callable[[], datetime | None]) -> None:
        self._store = store
        self._leadership = leadership
        self._ticking = ticking
        self._reloading = reloading
        self._telegram = telegram
        self._sources = sources
        self._rosters = rosters
        self._config = config
        self._started_at = started_at

    def __call__(self) -> dict[str, Any]:
        """Each component's state."""
        leading, waker = self._leadership.leading, self._ticking.waker
        listener = self._leadership.listener
        started = self._started_at()
        return {
            "store": store_status(self._store),
            "scheduler": {"ok": not leading or (waker is not None and waker.running),
                          "role": "leader" if leading else "standby",
                          # PostgreSQL leader: LISTEN in force (else followers' alarms wait
                          # for the once-a-second look)
                          **({"listening": listener.listening} if listener else {})},
            "config": self._reloading.health(),
            **({"telegram": self._telegram.health()} if self._telegram else {}),
            **({"intake": self._sources.health()} if self._sources.adapters else {}),
            **({"rosters": self._rosters.health()} if self._config().roster_feeds else {}),
            "started_at": started.astimezone(UTC).isoformat() if started else None,
        }
