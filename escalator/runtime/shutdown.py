"""Stopping within a promised time whatever the peers do (docs/architecture.md,
"Shutdown").

First no new work (the caller has HTTP intake answer 503 and the listener take no
new connections), then the steps before the sends (config watch, keeper, sources,
the waker), then the dispatcher drains with one deadline (sends cut at `SEND_CUT_S`
are marked "may have been sent"), then the rest, each step within what is left.
What was not sent stays due for the next start; the log says, at the end, what was
left.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from escalator.dispatch.dispatcher import StopReport

log = logging.getLogger(__name__)

STOP_STEP = 5.0  # seconds each part may take to stop, at most
# SIGTERM to the end of `stop`: the design promises an exit within 10 s (the unit's
# TimeoutStopSec and compose's stop_grace_period give 15 s); the rest is the process's
# own exit. Sends still waiting for a peer at SEND_CUT_S are cut; their outcomes get
# WRITE_S; closing the rest (HTTP, store) CLOSE_S.
STOP_WITHIN_S = 8.0
SEND_CUT_S = 5.0
WRITE_S = 1.0
CLOSE_S = 1.0

Step = tuple[str, Callable[[], Awaitable[Any]]]  # what is stopped (for the log), how


async def within(seconds: float, what: str, step: Awaitable[Any]) -> None:
    """Await one shutdown step for at most `seconds`; past that, log and go on.

    asyncio.wait (not wait_for): a step that swallows its cancellation cannot hold
    the shutdown either. Errors of a step that finished are raised as before.
    """
    task = asyncio.ensure_future(step)
    done, _ = await asyncio.wait({task}, timeout=seconds)
    if not done:
        task.cancel()
        log.warning("stopping %s took longer than %.0f s; going on without it", what, seconds)
        return
    task.result()


async def shut_down(before: Sequence[Step],
                    sends: Callable[[float, float], Awaitable[StopReport]],
                    after: Sequence[Step]) -> StopReport:
    """Run the steps before the sends, the sends' drain (`sends(grace, write_grace)`),
    then the steps after, all within `STOP_WITHIN_S` of the call."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    deadline = began + STOP_WITHIN_S

    def left(cap: float = STOP_STEP) -> float:
        return max(0.05, min(cap, deadline - loop.time()))

    for what, step in before:
        await within(left(), what, step())
    cut_at = min(began + SEND_CUT_S, deadline - WRITE_S - CLOSE_S)  # from the signal
    report = await sends(max(0.0, cut_at - loop.time()), WRITE_S)
    for what, step in after:
        await within(left(), what, step())
    log.log(logging.WARNING if report.cut or report.unwritten else logging.INFO,
            "stopped in %.1f s: %d delivery lanes were running; %d sends cut at the "
            "deadline (may have been sent: sent again at the start with the same "
            "delivery id), %d deliveries not started (due at the start), %d outcomes "
            "not written (in flight: sent again at the start)",
            loop.time() - began, report.lanes, report.cut, report.released,
            report.unwritten)
    return report
