"""What a stop of the dispatcher left, and the deadline every step of the stop keeps."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass


@dataclass
class StopReport:
    """What `Dispatcher.stop` left, for the shutdown's last log line."""

    lanes: int = 0  # lanes running when the stop began
    cut: int = 0  # sends cut at the deadline: may have been sent, sent again at start
    released: int = 0  # claimed, not started: `pending` again, sent at the next start
    unwritten: int = 0  # outcomes not written by the deadline: in flight, sent again
    seconds: float = 0.0


async def within(step: Awaitable[object], seconds: float) -> bool:
    """Await `step` for at most `seconds` (cancelled past that); whether it finished."""
    task = asyncio.ensure_future(step)
    done, _ = await asyncio.wait({task}, timeout=max(0.0, seconds))
    if not done:
        task.cancel()
        await asyncio.wait({task}, timeout=0.1)
        return False
    return True
