"""The safety register: its named reads, and notes and closings as commands.

A door (the operator API today, the board's register page next) reads its request
into a command (who, with which role, which record, what) and says the result back;
whether the role may write is `domain/permits.py`'s question, and the register's own
rules (a record is closed once, the first closing stands) are kept here, in the one
transaction that writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from escalator.domain.permits import Deed, Refusal, permitted
from escalator.domain.register import ContactLine, SafetyView, contact_lines
from escalator.reports import data
from escalator.storage.protocol import Store
from escalator.storage.sql import Tx
from escalator.usecases.context import Context


@dataclass(frozen=True)
class Page:
    """Which records: between `start` and `end`, of a cause, open or closed, older than
    the record `before` (a previous page's cursor), at most `limit`."""

    limit: int
    start: datetime | None = None
    end: datetime | None = None
    cause: str | None = None
    state: str | None = None
    before: int | None = None


@dataclass(frozen=True)
class Note:
    by: str
    role: str
    safety_id: int
    note: str


@dataclass(frozen=True)
class Close:
    by: str
    role: str
    safety_id: int
    cause: str
    measures: str = ""


@dataclass(frozen=True)
class Written:
    """The record after the command, or why nothing was written."""

    record: SafetyView | None = None
    refusal: Refusal | None = None


@dataclass(frozen=True)
class Register:
    context: Context
    store: Store
    poke: Callable[[], None]

    def _staff(self) -> frozenset[str]:
        return data.care_staff(self.context.config)

    async def page(self, q: Page) -> list[SafetyView]:
        staff, now = self._staff(), self.context.now()

        def read(tx: Tx) -> list[SafetyView]:
            rows = tx.register.safety_page(start=q.start, end=q.end, cause=q.cause,
                                     state=q.state, before_id=q.before, limit=q.limit)
            return data.views(tx, rows, staff, now)
        return await self.store.transaction(read)

    async def record(self, safety_id: int) -> SafetyView | None:
        staff, now = self._staff(), self.context.now()
        return await self.store.transaction(lambda tx: data.view(tx, safety_id, staff, now))

    async def of_incident(self, incident_id: int
                          ) -> tuple[list[SafetyView], list[ContactLine]]:
        """One alarm's records in full, and whom it contacted (a viewer's link page)."""
        staff, now = self._staff(), self.context.now()

        def read(tx: Tx) -> tuple[list[SafetyView], list[ContactLine]]:
            rows = [r for r in tx.register.safety_page(limit=1000) if r.incident_id == incident_id]
            timeline = tx.register.timelines([incident_id])[incident_id]
            deliveries = tx.register.deliveries([incident_id])[incident_id]
            return data.views(tx, rows, staff, now), list(contact_lines(timeline, deliveries))
        return await self.store.transaction(read)

    async def note(self, cmd: Note) -> Written:
        now = self.context.now()

        def write(tx: Tx) -> None:
            tx.register.add_note(cmd.safety_id, now, cmd.by, cmd.note)
        return await self._write(cmd.role, Deed.NOTE_RECORD, cmd.safety_id, write)

    async def close(self, cmd: Close) -> Written:
        """Once: a second closing is refused (CLOSED), the first one stands."""
        now = self.context.now()
        return await self._write(cmd.role, Deed.CLOSE_RECORD, cmd.safety_id, lambda tx: (
            None if tx.register.close(cmd.safety_id, now, cmd.by, cmd.cause, cmd.measures)
            else Refusal.CLOSED))

    async def _write(self, role: str, deed: Deed, safety_id: int,
                     write: Callable[[Tx], Refusal | None]) -> Written:
        """A command on one record: the role's permit, the record there, then `write` in
        the same transaction; what it says, or the record as it is now."""
        refused = permitted(role, deed)
        if refused is not None:
            return Written(refusal=refused)

        def guarded(tx: Tx) -> Refusal | None:
            if tx.register.safety_row(safety_id) is None:
                return Refusal.MISSING
            return write(tx)
        return await self._written(safety_id, await self.store.transaction(guarded))

    async def _written(self, safety_id: int, refusal: Refusal | None) -> Written:
        if refusal is not None:
            return Written(refusal=refusal)
        self.poke()
        return Written(await self.record(safety_id))
