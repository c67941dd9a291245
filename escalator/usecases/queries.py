"""Named questions the pages and the API ask about incidents and duty.

Each question is one read transaction and returns use-case values (`shapes`), never
a transaction or a storage row; nothing here changes anything. A page that needs a
new question gets a new method here, not a lambda over the store.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from escalator.domain.availability import Directory
from escalator.domain.model import SOURCE_SILENT, Incident
from escalator.storage.protocol import Store
from escalator.storage.sql import Tx
from escalator.usecases.context import Context
from escalator.usecases.holds import HeldAlarm, held
from escalator.usecases.shapes import Sent, Story

Holds = dict[int, HeldAlarm]  # the alarms a maintenance window holds, by id


@dataclass(frozen=True)
class Queries:
    context: Context
    store: Store
    current_directory: Callable[[], Directory]

    async def incident(self, incident_id: int) -> Incident | None:
        """One incident as it stands, or None."""
        return await self.store.transaction(lambda tx: tx.incidents.get(incident_id))

    async def story(self, incident_id: int, *, events: bool = False) -> Story | None:
        """The alarm, its timeline and its notices (and the events it was made of)."""
        def read(tx: Tx) -> Story | None:
            inc = tx.incidents.get(incident_id)
            if inc is None:
                return None
            return Story(inc, tx.timeline.of_incident(incident_id),
                         [Sent.of(d) for d in tx.deliveries.of_incident(incident_id)],
                         tx.events.of_incident(incident_id) if events else [])
        return await self.store.transaction(read)

    async def incidents_page(self, state: str | None, limit: int, before: int | None
                             ) -> list[Incident]:
        """Newest first, `limit` of them, older than `before` (a previous page's cursor)."""
        return await self.store.transaction(lambda tx: tx.incidents.page(state, limit, before))

    async def latest(self, limit: int) -> list[Incident]:
        """The newest incidents (the board lists the open ones among them)."""
        return await self.store.transaction(lambda tx: tx.incidents.listed(limit=limit))

    async def incidents(self, ids: Sequence[int]) -> list[Incident | None]:
        """These incidents as they are now (None for one that is gone)."""
        return await self.store.transaction(lambda tx: [tx.incidents.get(i) for i in ids])

    async def safety_list(self, limit: int) -> list[dict[str, Any]]:
        """The register's newest records with their alarm's code and point."""
        return await self.store.transaction(lambda tx: tx.safety.listed(limit=limit))

    async def listed_with_holds(self, limit: int) -> tuple[list[Incident], Holds]:
        """The newest `limit` incidents, and those of them a maintenance window holds,
        in one read (the board's list)."""
        config = self.context.config
        return await self.store.transaction(
            lambda tx: (tx.incidents.listed(limit=limit), held(tx, config)))

    async def these_with_holds(self, ids: Sequence[int]
                               ) -> tuple[list[Incident | None], Holds]:
        """Just these incidents (None for one that is gone) and their holds, in one read
        (a live change on the board: one row, not the list)."""
        config = self.context.config
        return await self.store.transaction(
            lambda tx: ([tx.incidents.get(i) for i in ids], held(tx, config, ids)))

    async def hold(self, incident_id: int) -> HeldAlarm | None:
        """The maintenance window holding this alarm, if one does."""
        config = self.context.config
        found = await self.store.transaction(lambda tx: held(tx, config, [incident_id]))
        return found.get(incident_id)

    @property
    def directory(self) -> Directory:
        """Who is who and on duty now (follows a config reload)."""
        return self.current_directory()


def open_alarms_reader(store: Store) -> Callable[[str], Awaitable[set[tuple[str, str]]]]:
    """The named query the device receivers get (they never see the store): (code, point)
    of a source's open incidents, not its "source silent" one, so that a poller that
    starts does not raise again what is already open."""
    async def open_alarms(source_id: str) -> set[tuple[str, str]]:
        found = await store.transaction(lambda tx: tx.incidents.listed("open", limit=100_000))
        return {(i.code, i.point) for i in found
                if i.source == source_id and i.code != SOURCE_SILENT}
    return open_alarms
