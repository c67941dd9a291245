"""The open transaction's plumbing: statements on one connection, and what it keeps.

`sql.Tx` builds on this and hands each aggregate (incidents, deliveries, ...) one
of these to work on; the aggregates live in modules of their own and import this
module, not `sql`, so the transaction that holds them and they never import each
other back.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the fresh hand-over's rows (no import of the aggregates at run time)
    from escalator.domain.model import Incident
    from escalator.storage.rows import DeliveryRow


@dataclass(frozen=True)
class Dialect:
    name: str
    pk: str
    param: str  # placeholder style the driver wants instead of "?"


SQLITE = Dialect("sqlite", "INTEGER PRIMARY KEY AUTOINCREMENT", "?")
POSTGRES = Dialect("postgresql", "BIGSERIAL PRIMARY KEY", "%s")


class TxBase:
    """Statements inside one open transaction, and what it keeps until its commit."""

    def __init__(self, conn: Any, dialect: Dialect, claim_fresh: bool = False) -> None:
        self._conn = conn
        self._d = dialect
        # claim_fresh: new outbox rows are written in flight (`sending`) and their ids kept
        # in `fresh`, handed to the dispatcher after the commit (no second transaction)
        self.claim_fresh = claim_fresh
        self.fresh: list[tuple[DeliveryRow, Incident, None]] = []
        self.fresh_nonces: dict[int, bytes] = {}  # their incidents' ack-link nonces
        self.needs_claim = False  # it left outbox rows only a claim (a tick) will send
        self.audit_head: tuple[int, str] | None = None  # escalator.storage.audit keeps it
        # rows kept back to be written together once per transaction (`flush_kept`): each
        # statement costs the store thread a GIL hand-over while the loop is busy
        self.timeline_rows: list[tuple[Any, ...]] = []  # storage/timeline.py
        self.audit_rows: list[tuple[Any, ...]] = []  # storage/audit.py, hashed at the flush
        self._flushing = False
        self.nonces_wanted: list[int] = []  # fresh rows' incidents: nonces read in finish()

    @property
    def dialect(self) -> Dialect:
        return self._d

    def _sql(self, sql: str) -> str:
        return sql if self._d.param == "?" else sql.replace("?", self._d.param)

    def execute(self, sql: str, params: Iterable[Any] = ()) -> Any:
        if (self.timeline_rows or self.audit_rows) and _reads_kept(sql):
            self.flush_kept()  # a statement on those tables sees what this transaction kept
        cur = self._conn.cursor()
        cur.execute(self._sql(sql), tuple(params))
        return cur

    def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if (self.timeline_rows or self.audit_rows) and _reads_kept(sql):
            self.flush_kept()
        if rows:
            self._conn.cursor().executemany(self._sql(sql), rows)

    def rows(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        cur = self.execute(sql, params)
        names = [c[0] for c in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def one(self, sql: str, params: Iterable[Any] = ()) -> dict[str, Any] | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def insert_rows(self, table: str, columns: tuple[str, ...],
                    rows: list[tuple[Any, ...]]) -> None:
        """Many rows in as few statements as the parameter limits allow (one, mostly):
        one multi-row INSERT, in the rows' order (their ids follow it)."""
        one = "(" + ",".join("?" * len(columns)) + ")"
        head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
        for start in range(0, len(rows), ROWS_PER_INSERT):
            chunk = rows[start:start + ROWS_PER_INSERT]
            self._write(head + ",".join([one] * len(chunk)),
                        [value for row in chunk for value in row])

    def _write(self, sql: str, params: list[Any]) -> None:
        self._conn.cursor().execute(self._sql(sql), params)  # no look at the kept rows

    def flush_kept(self) -> None:
        """Write the rows kept back (`sql.Tx` knows which); called before the commit and
        before any statement that touches their tables."""
        if self._flushing:
            return
        self._flushing = True
        try:
            self._flush_kept()
        finally:
            self._flushing = False

    def _flush_kept(self) -> None:
        """Overridden by `sql.Tx`: the timeline's rows, then the audit chain's."""

    def insert(self, sql: str, params: Iterable[Any]) -> int:
        cur = self.execute(sql + " RETURNING id", params)
        return int(cur.fetchall()[0][0])  # fetch all: SQLite finalises the statement


ROWS_PER_INSERT = 400  # x 8 columns at most: well under SQLite's 32,766 parameters
KEPT_TABLES = ("timeline", "audit_")  # audit_log, audit_head


def _reads_kept(sql: str) -> bool:
    """The statement names a table whose rows this transaction may still hold back."""
    return any(name in sql for name in KEPT_TABLES)


def marks(values: Collection[Any]) -> str:
    """One placeholder per value, for an `IN (...)` list."""
    return ",".join("?" * len(values))
