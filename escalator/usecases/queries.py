"""Reading incidents, timelines, deliveries, the register and duty for pages and the API.

Each question is one read transaction; nothing here changes anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from escalator.domain.availability import Directory
from escalator.domain.model import Incident
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

    async def incident(self, incident_id: int) -> Incident | None:
        """One incident as it stands, or None."""
        return await self.store.transaction(lambda tx: tx.incident(incident_id))

    @property
    def directory(self) -> Directory:
        """Who is who and on duty now (follows a config reload)."""
        return self.current_directory()
