"""The BACnet receiver's gate: notifications side by side, a resync alone and in order."""

from __future__ import annotations

import asyncio

from escalator.entrypoints.receivers.gate import Gate


async def test_notifications_share_and_a_resync_waits_for_them_and_holds_new_ones():
    gate, order = Gate(), []
    first_in, release_first = asyncio.Event(), asyncio.Event()

    async def notification(name: str, hold: asyncio.Event | None = None) -> None:
        async with gate.shared():
            order.append(f"{name} in")
            if hold is not None:
                first_in.set()
                await hold.wait()
            order.append(f"{name} out")

    async def resync() -> None:
        async with gate.alone():
            order.append("resync in")
            await asyncio.sleep(0)
            order.append("resync out")

    first = asyncio.create_task(notification("a", release_first))
    await first_in.wait()
    await notification("b")  # side by side with a: not blocked by it
    sync = asyncio.create_task(resync())
    await asyncio.sleep(0)
    late = asyncio.create_task(notification("c"))  # arrives while the resync waits
    await asyncio.sleep(0)
    assert "resync in" not in order and "c in" not in order
    release_first.set()
    await asyncio.gather(first, sync, late)
    assert order == ["a in", "b in", "b out", "a out", "resync in", "resync out",
                     "c in", "c out"]
