"""Maintenance windows as commands: set, renew and end one, each in one transaction.

The operator API only reads its request into a command (who, with which role, which
window, until when) and says the result back. Here the command is checked against
who may do it (`domain/permits.py`) and the window rules (`domain/maintenance.py`:
it ends after it starts, lasts at most `maintenance_max`, a renewal reaches at most
that far from now, at most `MAX_WINDOWS` at once), then kept, and the service is
woken: a window that starts or ends now changes what is due.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from escalator.domain.maintenance import (
    MAX_WINDOWS,
    MaintenanceWindow,
    WindowProblem,
    check_window,
    renew,
)
from escalator.domain.permits import Deed, Refusal, permitted
from escalator.storage.maintenance import StoredWindow
from escalator.storage.protocol import Store
from escalator.storage.sql import Tx
from escalator.usecases.context import Context


@dataclass(frozen=True)
class By:
    """Who changes a window: the name recorded and the role that allows it."""

    name: str
    role: str


@dataclass(frozen=True)
class Kept:
    """A window set through the API, with who set it and who last changed it."""

    window: MaintenanceWindow
    created_by: str
    created_at: datetime
    updated_by: str | None = None
    updated_at: datetime | None = None

    @classmethod
    def of(cls, s: StoredWindow) -> Kept:
        return cls(s.window, s.created_by, s.created_at, s.updated_by, s.updated_at)


@dataclass(frozen=True)
class WindowResult:
    window: MaintenanceWindow | None = None  # as it is now (None if refused)
    refusal: Refusal | None = None
    problem: WindowProblem | None = None  # INVALID: which rule the times broke


class _Stop(Exception):
    def __init__(self, result: WindowResult) -> None:
        super().__init__(result.refusal)
        self.result = result


@dataclass(frozen=True)
class Maintenance:
    context: Context
    store: Store
    poke: Callable[[], None]

    def in_the_file(self, now: datetime) -> list[MaintenanceWindow]:
        """The config file's windows that are current or planned."""
        return [w for w in self.context.config.maintenance if w.ends > now]

    async def windows(self, now: datetime) -> list[Kept]:
        """Windows set through the API that have not ended, with who set them."""
        return await self.store.transaction(
            lambda tx: [Kept.of(s) for s in tx.maintenance.windows_ending_after(now)])

    async def set(self, by: By, draft: MaintenanceWindow) -> WindowResult:
        """A new window from `draft` (its id is given by the store)."""
        now, maximum = self.context.now(), self.context.config.maintenance_max
        refused = permitted(by.role, Deed.SET_WINDOW)
        if refused is not None:
            return WindowResult(refusal=refused)
        problem = check_window(draft.starts, draft.ends, maximum)
        if problem is None and draft.ends <= now:
            problem = WindowProblem.ALREADY_ENDED
        if problem is not None:
            return WindowResult(refusal=Refusal.INVALID, problem=problem)
        limit = MAX_WINDOWS - len(self.in_the_file(now))

        def add(tx: Tx) -> WindowResult:
            if tx.maintenance.open_windows(now) >= limit:  # each alarm is checked against all
                return WindowResult(refusal=Refusal.FULL)
            return WindowResult(replace(draft, id=str(tx.maintenance.add_window(draft, by.name,
                                                                        now))))
        return await self._write(add)

    async def renew(self, by: By, window_id: int, until: datetime) -> WindowResult:
        """Move the end to `until`: at most `maintenance_max` from now."""
        now, maximum = self.context.now(), self.context.config.maintenance_max
        refused = permitted(by.role, Deed.RENEW_WINDOW)
        if refused is not None:
            return WindowResult(refusal=refused)

        def work(tx: Tx) -> WindowResult:
            current = _current(tx, window_id, now)
            renewed = renew(current, until, now, maximum)
            if not isinstance(renewed, MaintenanceWindow):
                return WindowResult(refusal=Refusal.INVALID, problem=renewed)
            tx.maintenance.set_until(window_id, until, by.name, now)
            return WindowResult(renewed)
        return await self._write(work)

    async def end(self, by: By, window_id: int) -> WindowResult:
        """End it now rather than erase it: the row stays as the record of who held what."""
        now = self.context.now()
        refused = permitted(by.role, Deed.END_WINDOW)
        if refused is not None:
            return WindowResult(refusal=refused)

        def work(tx: Tx) -> WindowResult:
            current = _current(tx, window_id, now)
            tx.maintenance.set_until(window_id, now, by.name, now)
            return WindowResult(replace(current, ends=now))
        return await self._write(work)

    async def _write(self, work: Callable[[Tx], WindowResult]) -> WindowResult:
        try:
            result = await self.store.transaction(work)
        except _Stop as stop:
            return stop.result
        if result.window is not None:
            self.poke()
        return result


def _current(tx: Tx, window_id: int, now: datetime) -> MaintenanceWindow:
    found = tx.maintenance.window(window_id)
    if found is None:
        raise _Stop(WindowResult(refusal=Refusal.MISSING))
    if found.window.ends <= now:
        raise _Stop(WindowResult(refusal=Refusal.ENDED))
    return found.window
