"""A gate for a receiver whose events pass side by side but whose resync must go alone.

Used by the BACnet receiver: notifications from one device are stored side by side
(their commits group), while reading and comparing the device's alarm list goes
alone. A resync that waits holds back new notifications (it is never starved), and
waits for those already being stored; a to-normal that arrives during the read is
so applied after the read's snapshot, never before it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class Gate:
    """`shared()` for each event, `alone()` for a resync."""

    def __init__(self) -> None:
        self._busy = 0
        self._alone = False
        self._wanted = 0  # resyncs waiting: new notifications queue behind them
        self._changed = asyncio.Condition()

    @contextlib.asynccontextmanager
    async def shared(self) -> AsyncIterator[None]:
        async with self._changed:
            await self._changed.wait_for(lambda: not self._alone and not self._wanted)
            self._busy += 1
        try:
            yield
        finally:
            async with self._changed:
                self._busy -= 1
                self._changed.notify_all()

    @contextlib.asynccontextmanager
    async def alone(self) -> AsyncIterator[None]:
        async with self._changed:
            self._wanted += 1
            try:
                await self._changed.wait_for(lambda: not self._alone and not self._busy)
            finally:  # also when cancelled (stop): notifications must not wait for ever
                self._wanted -= 1
                self._changed.notify_all()
            self._alone = True
        try:
            yield
        finally:
            async with self._changed:
                self._alone = False
                self._changed.notify_all()
