"""The safety register as a facility manager uses it on the board: read, note, close.

Until now notes and closing were only possible through the API or the CLI, so the
register on the board was a list nobody could finish. These are the named
operations the board's register pages take: each read is one transaction that
builds the records (`escalator.reports.data`, the same records the weekly
summary and the API show), each write one transaction whose audit entry is
written with it (`escalator.storage.register`), under the signed-in person's
name. Who may write is the board's to decide (`board.auth.REGISTER_WRITERS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from escalator.domain.register import SafetyView
from escalator.reports import data
from escalator.storage import register as store
from escalator.storage.sql import Tx
from escalator.usecases.records import Records

PAGE = 200  # the newest records the register page shows


class Closed(StrEnum):
    CLOSED = "closed"
    ALREADY = "already"  # closed before (by someone else, or a second press): unchanged
    MISSING = "missing"


@dataclass(frozen=True)
class SafetyRecords:
    records: Records

    async def newest(self, limit: int = PAGE) -> list[SafetyView]:
        """The newest records, each built from its incident's timeline and deliveries."""
        context = self.records.context
        staff, now = data.care_staff(context.config), context.now()

        def read(tx: Tx) -> list[SafetyView]:
            return data.views(tx, store.safety_page(tx, limit=limit), staff, now)

        return await self.records.read(read)

    async def one(self, safety_id: int) -> SafetyView | None:
        context = self.records.context
        staff, now = data.care_staff(context.config), context.now()
        return await self.records.read(lambda tx: data.view(tx, safety_id, staff, now))

    async def note(self, safety_id: int, by: str, note: str) -> bool:
        """A note under `by`'s name (audited); False when there is no such record."""
        now = self.records.context.now()

        def write(tx: Tx) -> bool:
            if store.safety_row(tx, safety_id) is None:
                return False
            store.add_note(tx, safety_id, now, by, note)
            return True

        return await self.records.write(write)

    async def close(self, safety_id: int, by: str, cause: str, measures: str) -> Closed:
        """Closed with the cause found and the measures proposed (audited), once."""
        now = self.records.context.now()

        def write(tx: Tx) -> Closed:
            if store.safety_row(tx, safety_id) is None:
                return Closed.MISSING
            done = store.close(tx, safety_id, now, by, cause, measures)
            return Closed.CLOSED if done else Closed.ALREADY

        return await self.records.write(write)
