"""Background-task lifecycle shared by adapters that run a loop of their own."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable


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


async def cancel_all(tasks: Iterable[asyncio.Task[None]]) -> None:
    """Cancel every task of a set (connections a receiver serves) and wait for all of
    them; an error one of them ends with is its own, already logged where it arose."""
    running = list(tasks)
    for task in running:
        task.cancel()
    await asyncio.gather(*running, return_exceptions=True)
