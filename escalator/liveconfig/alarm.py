"""A config file on disk that does not load is an alarm, until it loads again.

The service keeps running on the last good config (the board shows managers a
banner), but a broken file that nobody opens the board to see would stay broken
until the next restart refuses to start. So, like `telegram_down`, an event from
the internal source `escalator` with code `config_invalid` is ingested: an
ordinary, durable incident that walks the ladder its route gives it (route
`{match: {source: escalator}, ladder: ...}` to the facility manager's ladder),
and is cleared when a good file loads. Event ids carry the broken text's digest,
so a second look at the same file never opens a second incident.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from escalator.domain.model import AlarmEvent
from escalator.runtime.clock import Clock

log = logging.getLogger(__name__)

SOURCE, CODE = "escalator", "config_invalid"


class ConfigAlarm:
    def __init__(self, ingest: Callable[[AlarmEvent], Awaitable[object]], clock: Clock,
                 path: str, is_open: Callable[[str], Awaitable[bool]] | None = None) -> None:
        self._ingest = ingest
        self._is_open = is_open
        self._clock = clock
        self._point = Path(path).name if path else "config"
        self.raised_for: str | None = None  # the digest of the broken text it is about

    async def broken(self, digest: str, line: int) -> None:
        """The file on disk (this text) was refused: raise the alarm once for it."""
        if self.raised_for == digest:
            return
        await self._event("alarm", f"{CODE}:alarm:{digest}")
        self.raised_for = digest
        log.warning("config on disk refused (line %s): alarm raised", line)

    async def loaded(self) -> None:
        """A good config is in force again: clear the alarm if it was raised."""
        if self.raised_for is None:
            return
        await self._event("clear", f"{CODE}:clear:{self.raised_for}")
        self.raised_for = None

    async def started(self, digest: str) -> None:
        """At start the file loaded: an alarm left open by a run before (the file broken
        then) is cleared, since the service would not have started on a broken file."""
        if self._is_open is not None and await self._is_open(self.dedup_key()):
            self.raised_for = digest
            await self.loaded()

    def dedup_key(self) -> str:
        return AlarmEvent(source=SOURCE, code=CODE, state="clear",
                          received_at=self._clock.now(), point=self._point).dedup_key

    async def _event(self, state: str, event_id: str) -> None:
        """The point is the file's name, the same for alarm and clear (one incident);
        the line is on the board's banner and editor, where it can be mended."""
        await self._ingest(AlarmEvent(
            source=SOURCE, code=CODE, state=state, received_at=self._clock.now(),
            point=self._point, severity="medium", event_id=event_id))
