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
import gc
import logging
import os
import sys
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)
CHOICE_ENV = "ESCALATOR_EVENT_LOOP"
SWITCH_INTERVAL_S = 0.0005


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
    """`asyncio.run(main)` on the chosen loop.

    The store runs on a thread of its own, and SQLite lets go of the GIL for every
    statement; with the event loop busy sending, each statement then waited up to
    Python's switch interval (5 ms) to get it back, and a transaction of twenty
    statements held intake for a tenth of a second. A shorter interval hands the
    GIL back sooner (a little more switching, far less waiting)."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    with asyncio.Runner(loop_factory=loop_factory(env)) as runner:
        return runner.run(main)


def freeze_startup_objects() -> int:
    """Once the service has started: what the imports and the start made (libraries,
    catalogues, the config) lives as long as the process, so it is moved out of the
    garbage collector's sight (`gc.freeze`). A full collection then walks only what
    the service made since: one such pass took 50 ms in the middle of an alarm's path
    before, about 2 ms after. Returns how many objects were frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
