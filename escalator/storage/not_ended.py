"""What is not ended at a moment, read once per transaction.

Why: intake asks for the cover shifts and the maintenance windows of every new
incident, and a group-commit batch's events each come with their own time. The
rows not ended at the batch's earliest moment include those of every later one,
so one read serves the batch; a write to the table, or an earlier moment, reads
again (`forget`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Generic, TypeVar

T = TypeVar("T")


class NotEndedAt(Generic[T]):
    def __init__(self, read: Callable[[datetime], Iterable[T]],
                 ends: Callable[[T], datetime]) -> None:
        self._read, self._ends = read, ends
        self._since: datetime | None = None
        self._kept: tuple[T, ...] = ()

    def at(self, now: datetime) -> tuple[T, ...]:
        if self._since is None or now < self._since:
            self._since, self._kept = now, tuple(self._read(now))
        return tuple(x for x in self._kept if self._ends(x) > now)

    def forget(self) -> None:
        self._since = None
