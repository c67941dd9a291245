"""The SQL a helper module runs inside the caller's transaction, and nothing more.

The audit chain (audit.py) and the link nonces (nonces.py) are written by the same
transaction as the change they record, from inside `sql.Tx`. They type against these
protocols instead of `sql.Tx` and `sql.SqlStore`, so sql.py can call them without the
two modules importing each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Named(Protocol):
    @property
    def name(self) -> str:
        """The SQL dialect: "sqlite" or "postgresql"."""
        ...


class Statements(Protocol):
    # the audit chain's head as this transaction's last flush left it, and the rows kept
    # back since, hashed and written by that flush (audit.py keeps them; Tx.finish flushes)
    audit_head: tuple[int, str] | None
    audit_rows: list[tuple[Any, ...]]

    @property
    def dialect(self) -> Named: ...

    def execute(self, sql: str, params: Iterable[Any] = ()) -> Any: ...

    def rows(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]: ...

    def one(self, sql: str, params: Iterable[Any] = ()) -> dict[str, Any] | None: ...

    def insert_rows(self, table: str, columns: tuple[str, ...],
                    rows: list[tuple[Any, ...]]) -> None: ...

    def flush_kept(self) -> None:
        """Write the timeline and audit rows kept back so far (before reading them)."""
        ...


class Transactions(Protocol):
    async def transaction(self, fn: Callable[[Statements], T], *,
                          wait: float | None = None) -> T:
        """`fn` in one transaction."""
        ...
