"""The shutdown runs its steps in order, gives the sends what is left before the cut,
and a step that hangs holds up neither the ones after it nor the deadline
(escalator/runtime/shutdown.py; the whole stop: tests/integration/test_shutdown_drain.py).
"""

from __future__ import annotations

import asyncio

from escalator.dispatch.dispatcher import StopReport
from escalator.runtime import shutdown


async def test_steps_run_in_order_and_a_hung_step_is_left_behind(monkeypatch):
    monkeypatch.setattr(shutdown, "STOP_STEP", 0.05)  # a hung step is cut after this
    done: list[str] = []
    given: list[tuple[float, float]] = []

    def step(name: str):
        async def run() -> None:
            done.append(name)
        return run

    async def hangs() -> None:
        done.append("hangs")
        await asyncio.Event().wait()

    async def sends(grace: float, write: float) -> StopReport:
        given.append((grace, write))
        done.append("sends")
        return StopReport(lanes=3, cut=1)

    report = await shutdown.shut_down(
        [("config watch", step("config watch")), ("keeper", hangs), ("waker", step("waker"))],
        sends, [("http", step("http")), ("store", step("store"))])
    assert done == ["config watch", "hangs", "waker", "sends", "http", "store"]
    [(grace, write)] = given
    assert 0 < grace <= shutdown.SEND_CUT_S and write == shutdown.WRITE_S
    assert (report.lanes, report.cut) == (3, 1)

