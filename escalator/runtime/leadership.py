"""Leading and following: the work only one instance per database may do.

Every instance serves HTTP; the one holding the store's leader lock also runs the
timers and sends (the waker), Telegram's polling, the fixed-port listeners and
pollers of the sources and (PostgreSQL) the LISTEN that hears followers' alarms at
once. Taking the lead and giving it up live here, so that the order of the steps
(and what is undone when a step fails) reads in one place.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from escalator.config.model import Config
from escalator.dispatch.dispatcher import Dispatcher
from escalator.runtime.sources import Sources
from escalator.runtime.ticking import Ticking
from escalator.storage import SqlStore
from escalator.storage.listen import DueListener

if TYPE_CHECKING:  # the Telegram library loads only when Telegram is configured
    from escalator.notify.telegram import TelegramChannel

log = logging.getLogger(__name__)


class Leadership:
    def __init__(self, store: SqlStore, dispatcher: Dispatcher, telegram: TelegramChannel | None,
                 sources: Sources, ticking: Ticking, config: Callable[[], Config]) -> None:
        self._store = store
        self._dispatcher = dispatcher
        self._telegram = telegram
        self._sources = sources
        self._ticking = ticking
        self._config = config
        self.leading = False
        self.listener: DueListener | None = None  # PostgreSQL leader: followers' NOTIFY

    async def lead(self, *, schedule: bool = True) -> None:
        """Take up the work only one instance may do. Without `schedule` (tests driving
        the tick themselves) no waker runs and new outbox rows wait for the tick."""
        self.leading = True
        log.info("this instance leads (%s)", self._store.label)
        self._dispatcher.resume()
        await self._dispatcher.recover()  # rows a previous leader left in flight: once more
        if schedule:  # live: new outbox rows go straight to their lanes after the commit
            self._store.fresh_sink = self._dispatcher.take_fresh
        if self._telegram:
            await self._telegram.start()
        try:
            await self._sources.start()
        except BaseException:
            if self._telegram:
                await self._telegram.stop()
            self.leading = False
            raise
        if schedule:
            self._ticking.start()
            if self._store.dialect.name != "sqlite":  # hear a follower's alarm at once
                self.listener = DueListener(self._config().storage, self._ticking.poke)
                self.listener.start()

    async def follow(self) -> None:
        """The leader lock is gone (the session died): stop everything only one may do."""
        log.warning("this instance no longer leads; another one takes over")
        self.leading = False
        self._store.fresh_sink = None
        await self.stop_listening()
        await self._sources.stop()
        await self._ticking.stop(timeout=3.0)
        self._ticking.waker = None
        await self._dispatcher.stop(grace=4.0)
        if self._telegram:
            await self._telegram.stop()

    async def stop_listening(self) -> None:
        if self.listener is not None:
            await self.listener.stop()
            self.listener = None
