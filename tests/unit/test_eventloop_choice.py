"""The service's event loop: uvloop when installed, asyncio's on request or without it."""

from __future__ import annotations

import asyncio
import importlib.util

import pytest

from escalator.runtime import eventloop


def test_asyncio_on_request():
    assert eventloop.loop_factory({"ESCALATOR_EVENT_LOOP": "asyncio"}) is None


@pytest.mark.skipif(importlib.util.find_spec("uvloop") is None, reason="uvloop not installed")
def test_uvloop_when_installed_and_the_service_code_runs_on_it():
    factory = eventloop.loop_factory({})
    assert factory is not None
    loop = factory()
    try:
        assert type(loop).__module__.startswith("uvloop")
    finally:
        loop.close()

    async def main() -> str:
        return type(asyncio.get_running_loop()).__module__

    assert eventloop.run(main(), {}).startswith("uvloop")
    assert not eventloop.run(main(), {"ESCALATOR_EVENT_LOOP": "asyncio"}).startswith("uvloop")


def test_startup_objects_leave_the_collectors_sight_and_new_ones_do_not():
    import gc

    class Made:  # a cycle, as the service's own objects make them
        def __init__(self) -> None:
            self.me = self

    try:
        frozen = eventloop.freeze_startup_objects()
        assert frozen == gc.get_freeze_count() > 1000  # the imported libraries, at least
        later = Made()
        assert gc.is_tracked(later)
        assert any(o is later for o in gc.get_objects())  # a later object is collected as usual
        del later
        assert gc.collect() >= 1  # ... and its cycle is freed
    finally:
        gc.unfreeze()
