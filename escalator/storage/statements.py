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
    # the audit chain's head as this transaction left it, and whether it moved since it
    # was last written (audit.py keeps them; Tx.finish writes the head before the commit)
    audit_head: tuple[int, str] | None
    audit_moved: bool

    @property
    def dialect(self) -> Named: ...

    def execute(self, sql: str, params: Iterable[Any] = ()) -> Any: ...

    def rows(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]: ...

    def one(self, sql: str, params: Iterable[Any] = ()) -> dict[str, Any] | None: ...


class Transactions(Protocol):
    async def transaction(self, fn: Callable[[Statements], T], *,
                          wait: float | None = None) -> T:
        """`fn` in one transaction."""
        ...
