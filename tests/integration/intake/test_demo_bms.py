"""`escalator demo --bms modbus`: the story's fire-alarm loop fault from a Modbus coil.

The demo's building controller is a real pymodbus TCP device on 127.0.0.1; the demo's
config gains a `modbus` source polling it; the simulated terminal closes the coil
instead of posting a webhook. The alarm then walks the demo's ladder like any other:
the nurse of wing B is the first to be told, and opening the coil clears it.
"""

from __future__ import annotations

import random

from intake_support import incidents, until
from outside import free_port

from escalator.commands.demo import STORY, Terminal, demo_app, demo_config, demo_env
from escalator.commands.demo_plc import SOURCE, DemoPlc
from escalator.domain.model import State


async def test_the_demo_raises_the_fire_loop_fault_from_a_modbus_coil(tmp_path, clock):
    plc = DemoPlc()
    await plc.start()
    env = demo_env({})
    config = demo_config(tmp_path, "127.0.0.1", free_port(), env, bms_port=plc.port)
    assert config.sources[SOURCE].kind == "modbus"
    app = demo_app(config, env, clock=clock)
    await app.start(serve_http=False, schedule=False)
    try:
        source = app.intake[SOURCE]
        await until(lambda: _polled(source), "the first poll")
        assert [i for i in await incidents(app) if i.source == SOURCE] == []

        fault = STORY[0]
        assert fault.code == "FT"  # the story's loop fault
        terminal = Terminal("http://127.0.0.1:9", "unused", random.Random(0), (1, 1), plc)
        await terminal._post(None, fault)  # type: ignore[arg-type]  # no HTTP: the coil
        assert plc.coils == {1: True}
        assert await source.poll_once()
        [ft] = [i for i in await incidents(app) if i.source == SOURCE]
        assert (ft.code, ft.point, ft.state) == ("FT", fault.point, State.OPEN)

        await app.tick()
        told = await app.store.transaction(lambda tx: tx.deliveries.of_incident(ft.id))
        assert [d.party for d in told][:1] == ["ward-b"]  # the ladder's first step

        plc.set(1, False)  # the fault repaired: the contact opens again
        assert await source.poll_once()
        [after] = [i for i in await incidents(app) if i.source == SOURCE]
        assert after.state is not State.OPEN
    finally:
        await app.stop()
        await plc.stop()


async def _polled(source) -> bool:
    return source.polls >= 1 and source.failures == 0
