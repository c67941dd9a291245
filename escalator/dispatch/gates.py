"""New outbox rows that reach the dispatcher while their transaction still commits.

Why: the store hands a new alarm's notices over before its commit
(`SqlStore.fresh_sink`), so the lane checks and composes the message while the
store thread waits for the disk, and the POST starts the moment the commit is
done. Such a row exists only if that commit succeeds: until it says so nothing
is sent, and no outcome is written for it - a failed transaction's row id is
given to the next row, and an outcome meant for the one must never move the
other. The link nonces the transaction made are kept only once it committed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Future
from functools import partial

from escalator.dispatch.outcome import Item, Outcome

Gate = asyncio.Future[bool]


class CommitGates:
    """Per row handed over early: its transaction's outcome and the nonces it made; and
    the nonces of committed incidents (a cache: a claim or a hand-over refills it)."""

    def __init__(self) -> None:
        self.nonces: dict[int, bytes] = {}
        self._gates: dict[int, tuple[Gate, dict[int, bytes]]] = {}

    def __len__(self) -> int:
        return len(self._gates)

    def keep(self, nonces: dict[int, bytes]) -> None:
        self.nonces.update(nonces)
        if len(self.nonces) > 20_000:
            self.nonces = dict(nonces)

    def admit(self, items: list[Item], nonces: dict[int, bytes],
              committed: Future[bool] | None) -> None:
        """Rows handed over; `committed` None: their transaction has committed."""
        if committed is None:
            self.keep(nonces)
            return
        gate = asyncio.wrap_future(committed)
        gate.add_done_callback(partial(self._committed, nonces))
        for row, _, _ in items:
            self._gates[row.id] = (gate, nonces)

    def _committed(self, nonces: dict[int, bytes], gate: Gate) -> None:
        if gate.result():
            self.keep(nonces)

    def of(self, row_id: int) -> tuple[Gate | None, dict[int, bytes]]:
        """The row's gate (None: committed) and the nonces its link is signed with."""
        return self._gates.get(row_id) or (None, self.nonces)

    def ready(self, outcome: Outcome, record: Callable[[Outcome], None]) -> Outcome | None:
        """The outcome to write now (nothing to write if its transaction failed), or None
        when its transaction is still committing: `record` gets it once it is done."""
        gated = self._gates.get(outcome.row.id)
        if gated is None:
            return outcome
        gate = gated[0]
        if not gate.done():
            gate.add_done_callback(lambda _: record(outcome))
            return None
        del self._gates[outcome.row.id]
        return outcome if gate.result() else Outcome(outcome.row, None, {})
