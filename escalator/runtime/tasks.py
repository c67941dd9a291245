"""Background-task lifecycle shared by adapters that run a loop of their own."""

from __future__ import annotations

import asyncio
import contextlib


async def cancel_and_wait(task: asyncio.Task[None] | None) -> None:
    """Cancel a background loop and wait until it has really stopped.

    Waiting matters: the store and HTTP sessions close right after, and a loop
    still running would touch them.
    """
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
