"""Watch the config file: an edit on disk is reloaded like SIGHUP, without a signal.

Polls the file's size and modification time every POLL_S seconds (cheap; no
inotify dependency, works on every file system including network mounts),
and reads and hashes it only when they change. The hash decides: a file
touched but not changed is not reloaded, nor is the text the editor has just
saved. A broken file is refused by the reload itself, which keeps the last
good config; the board shows managers a banner until the file is fixed.
Tests call `poll()` directly instead of waiting for the loop.
"""

from __future__ import annotations

import asyncio
import logging
import os

from escalator.config.files import read
from escalator.liveconfig.alarm import ConfigAlarm
from escalator.liveconfig.editing import ConfigEditing
from escalator.runtime.tasks import cancel_and_wait

log = logging.getLogger(__name__)

POLL_S = 2.0


class ConfigWatch:
    def __init__(self, editing: ConfigEditing, every: float = POLL_S,
                 alarm: ConfigAlarm | None = None) -> None:
        self._editing = editing
        self._alarm = alarm
        self._every = every
        self._seen: tuple[int, int] | None = None
        self._calendars: dict[str, tuple[int, int] | None] = {}
        self._task: asyncio.Task[None] | None = None

    async def prime(self) -> None:
        """At start: the file as the service read it is the known version."""
        path = self._editing.path
        if not path:
            return
        self._seen = _stamp(path)
        self._calendars = self._calendar_stamps()
        try:
            text = await asyncio.to_thread(read, path)
        except OSError:
            return
        from escalator.config.files import digest

        self._editing.known = digest(text)
        if self._alarm is not None:
            try:
                await self._alarm.started(self._editing.known)
            except Exception:  # never keep the service from starting over this
                log.exception("config alarm: could not clear an alarm left from before")

    async def poll(self) -> bool | None:
        """One look at the file: None if unchanged, else whether the new text loaded.
        A refused file raises the `config_invalid` alarm; a good one clears it."""
        loaded = await self._look()
        if loaded is not None and self._alarm is not None:
            try:
                if loaded:
                    await self._alarm.loaded()
                else:
                    found = self._editing.disk_problem()
                    await self._alarm.broken(self._editing.known or "",
                                             found.line if found else 0)
            except Exception:  # the store may be down too: look again next round
                log.exception("config alarm could not be recorded")
                self._seen = None
                self._calendars = {}
        return loaded

    async def _look(self) -> bool | None:
        path = self._editing.path
        if not path:
            return None
        stamp = _stamp(path)
        if stamp is None or stamp == self._seen:
            return await self._poll_calendars()
        async with self._editing.lock:  # never between the editor's write and its reload
            self._seen = stamp
            try:
                text = await asyncio.to_thread(read, path)
            except (OSError, UnicodeDecodeError) as exc:
                log.error("config watch: cannot read %s: %s", path, exc)
                return False
            return await self._editing.disk_changed(text)

    async def _poll_calendars(self) -> bool | None:
        """A roster calendar file (shifts.ics) edited or replaced by the staffing system's
        export: reloaded like the config itself. None when no calendar changed."""
        stamps = self._calendar_stamps()
        if set(stamps) != set(self._calendars):  # the config now reads other files
            self._calendars = stamps
            return None
        if stamps == self._calendars:
            return None
        async with self._editing.lock:
            loaded = await self._editing.calendars_changed()
            self._calendars = self._calendar_stamps()  # as the reload left them
            return loaded

    def _calendar_stamps(self) -> dict[str, tuple[int, int] | None]:
        return {f: _stamp(f) for f in self._editing.calendar_files()}

    def start(self) -> None:
        if self._editing.path and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="config-watch")

    async def stop(self) -> None:
        if self._task is not None:
            await cancel_and_wait(self._task)
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._every)
            try:
                await self.poll()
            except Exception:  # keep watching; the next round looks again
                log.exception("config watch round failed")


def _stamp(path: str) -> tuple[int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_mtime_ns, found.st_size
