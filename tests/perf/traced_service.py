"""`escalator run` with marks at each hand-over of a new alarm (run by bench_path_trace.py).

    python tests/perf/traced_service.py run --config FILE

Wraps, in this process only, the functions an alarm passes through on its way from
the HTTP handler to the peer, and writes `monotonic-time mark` lines to
$TRACE_OUT at exit. CLOCK_MONOTONIC is one clock for every process on the machine,
so the bench lines these up with its own send and arrival times. With
$TRACE_STALLS set, a watchdog thread also writes the main thread's stack whenever
the event loop has not turned for 10 ms, and every garbage collection over 2 ms.
Nothing here is imported by the service itself.
"""

from __future__ import annotations

import asyncio
import atexit
import gc
import os
import sys
import threading
import time
import traceback
from typing import Any

MARKS: list[tuple[float, str]] = []
OUT = os.environ.get("TRACE_OUT", "trace-marks.txt")


def mark(name: str) -> None:
    MARKS.append((time.monotonic(), name))


def _dump() -> None:
    with open(OUT, "w") as f:
        for t, name in MARKS:
            f.write(f"{t:.6f} {name}\n")


def _wrap_async(owner: Any, attr: str, before: str, after: str | None = None) -> None:
    real = getattr(owner, attr)

    async def wrapped(*args: Any, **kwargs: Any) -> Any:
        mark(before)
        result = await real(*args, **kwargs)
        if after:
            mark(after)
        return result
    setattr(owner, attr, wrapped)


def _wrap(owner: Any, attr: str, before: str, after: str | None = None) -> None:
    real = getattr(owner, attr)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        mark(before)
        result = real(*args, **kwargs)
        if after:
            mark(after)
        return result
    setattr(owner, attr, wrapped)


def install_marks() -> None:
    import escalator.entrypoints.http.intake as intake
    from escalator.dispatch import stages
    from escalator.dispatch.dispatcher import Dispatcher
    from escalator.escalation.commitqueue import CommitQueue
    from escalator.notify.webhook import WebhookNotifier
    from escalator.storage import sql

    _wrap_async(intake, "receive", "a handler starts")
    _wrap_async(CommitQueue, "submit", "b queued for the commit", "h ingest returned (loop)")
    real_tx = sql.SqlStore._transaction_sync

    def tx(self: Any, fn: Any, deadline: Any) -> Any:
        if "ingest" not in getattr(getattr(fn, "func", fn), "__qualname__", ""):
            return real_tx(self, fn, deadline)
        mark("c transaction starts (store thread)")

        def statements(t: Any) -> Any:
            result = fn(t)
            mark("d statements done")
            return result
        result = real_tx(self, statements, deadline)
        mark("e committed")
        return result
    sql.SqlStore._transaction_sync = tx  # type: ignore[method-assign]
    _wrap(Dispatcher, "take_fresh", "f new rows on the loop")
    _wrap(stages, "compose", "g1 compose starts", "g2 composed")
    _wrap_async(WebhookNotifier, "send", "i POST starts", "j POST answered")
    atexit.register(_dump)


def install_watchdog(log_path: str) -> None:
    log = open(log_path, "a", buffering=1)  # noqa: SIM115
    beat = [time.monotonic()]
    main_id = threading.get_ident()

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            on_gc.started = time.monotonic()  # type: ignore[attr-defined]
        elif (took := time.monotonic() - on_gc.started) > 0.002:  # type: ignore[attr-defined]
            log.write(f"{time.monotonic():.4f} GC gen{info['generation']} {took * 1e3:.1f} ms\n")
    gc.callbacks.append(on_gc)

    def watch() -> None:
        reported = 0.0
        while True:
            time.sleep(0.002)
            lag = time.monotonic() - beat[0]
            if lag > 0.010 and beat[0] != reported:
                frame = sys._current_frames().get(main_id)
                stack = "".join(traceback.format_stack(frame, limit=12)) if frame else "?"
                log.write(f"{time.monotonic():.4f} STALL {lag * 1e3:.1f} ms\n{stack}\n")
                reported = beat[0]
    threading.Thread(target=watch, daemon=True).start()

    async def ticker() -> None:
        while True:
            beat[0] = time.monotonic()
            await asyncio.sleep(0.001)

    import escalator.runtime.eventloop as eventloop
    real_run = eventloop.run

    def run(main: Any, env: Any = None) -> Any:
        async def with_ticker() -> Any:
            asyncio.get_running_loop().create_task(ticker())
            return await main
        return real_run(with_ticker(), env)
    eventloop.run = run


if __name__ == "__main__":
    install_marks()
    if os.environ.get("TRACE_STALLS"):
        install_watchdog(os.environ["TRACE_STALLS"])
    from escalator.__main__ import main

    sys.exit(main(sys.argv[1:]))
