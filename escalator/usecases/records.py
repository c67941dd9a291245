"""Changing what operators keep by hand: maintenance windows and the safety register.

A write is one transaction; after it the service is woken, because a window that
starts or ends now changes what is due.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from escalator.storage.protocol import Store
from escalator.storage.sql import Tx
from escalator.usecases.context import Context

T = TypeVar("T")


@dataclass(frozen=True)
class Records:
    context: Context
    store: Store
    poke: Callable[[], None]

    async def read(self, fn: Callable[[Tx], T]) -> T:
        return await self.store.transaction(fn)

    async def write(self, fn: Callable[[Tx], T]) -> T:
        """`fn` in one transaction, then wake the service to look again."""
        found = await self.store.transaction(fn)
        self.poke()
        return found
