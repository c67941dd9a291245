"""Reading incidents, timelines, deliveries, the register and duty for pages and the API.

Each question is one read transaction; nothing here changes anything.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from escalator.domain.availability import Directory
from escalator.domain.model import SOURCE_SILENT
from escalator.storage.protocol import Store
from escalator.storage.sql import Tx
from escalator.usecases.context import Context

T = TypeVar("T")


@dataclass(frozen=True)
class Queries:
    context: Context
    store: Store
    current_directory: Callable[[], Directory]

    async def read(self, fn: Callable[[Tx], T]) -> T:
        """`fn` over one consistent snapshot of the store."""
        return await self.store.transaction(fn)

    @property
    def directory(self) -> Directory:
        """Who is who and on duty now (follows a config reload)."""
        return self.current_directory()


def open_alarms_reader(store: Store) -> Callable[[str], Awaitable[set[tuple[str, str]]]]:
    """The named query the device receivers get (they never see the store): (code, point)
    of a source's open incidents, not its "source silent" one, so that a poller that
    starts does not raise again what is already open."""
    async def open_alarms(source_id: str) -> set[tuple[str, str]]:
        found = await store.transaction(lambda tx: tx.incidents("open", limit=100_000))
        return {(i.code, i.point) for i in found
                if i.source == source_id and i.code != SOURCE_SILENT}
    return open_alarms
