"""The event loop the service runs on: uvloop when it is installed, asyncio's otherwise.

Why: the service's own work per alarm is small next to the event loop's and
aiohttp's (reading a request, writing the answer, posting a webhook); uvloop
does that part in C, which cuts the CPU per event and the latency of event ->
notification. It changes no behaviour the service relies on (the same asyncio
API: signal handlers, executors, servers), and it is optional: without the
package, or with ESCALATOR_EVENT_LOOP=asyncio (to rule it out when hunting a
problem), the standard loop runs.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)
CHOICE_ENV = "ESCALATOR_EVENT_LOOP"


def loop_factory(env: dict[str, str] | None = None
                 ) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop factory, or None for asyncio's default loop."""
    choice = (env if env is not None else os.environ).get(CHOICE_ENV, "").strip().lower()
    if choice == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        if choice == "uvloop":
            log.warning("%s=uvloop but uvloop is not installed; using asyncio's loop",
                        CHOICE_ENV)
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def run(main: Coroutine[Any, Any, T], env: dict[str, str] | None = None) -> T:
    """`asyncio.run(main)` on the chosen loop."""
    with asyncio.Runner(loop_factory=loop_factory(env)) as runner:
        return runner.run(main)
