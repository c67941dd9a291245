"""What the service, the dispatcher and the web layer need from a store.

`SqlStore` implements it over SQLite and PostgreSQL. Code outside
`escalator/storage/` types against this Protocol, so it cannot reach for a
connection or write SQL of its own: every query is a method of one of the
transaction's aggregates (`tx.incidents.get(...)`, `tx.deliveries.claim(...)`),
and mypy checks each call against the typed `Tx` that `transaction` hands out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from escalator.storage.sql import Dialect, SqlStore, Tx

T = TypeVar("T")


class Store(Protocol):
    dialect: Dialect
    label: str
    healthy: bool
    last_error: str | None

    async def open(self) -> None:
        """Connect, create the schema; SQLite: refuse if another instance owns the file."""
        ...

    async def close(self) -> None: ...

    async def transaction(self, fn: Callable[[Tx], T], *, wait: float | None = None) -> T:
        """`fn` in one transaction; `wait`: raise StorageBusy rather than queue longer."""
        ...

    async def probe(self, min_interval: float = ...) -> bool:
        """A real write, rate-limited: is the store able to record anything now?"""
        ...

    async def keep(self) -> bool:
        """Reconnect if needed, keep or take the leader lock; True while leader."""
        ...

    @property
    def is_leader(self) -> bool: ...

    @property
    def busy(self) -> bool:
        """Another writer's lock was met a moment ago."""
        ...


def _sql_store_is_a_store(store: SqlStore) -> Store:
    """Never called: mypy refuses this if `SqlStore` drifts from the Protocol."""
    return store
