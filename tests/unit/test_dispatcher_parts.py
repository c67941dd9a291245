"""The dispatcher on its own, as a composition root other than app.py would build it:
every hook has a working default (a hook set only by the app once sat after a
`return` and was never set by the constructor)."""

from __future__ import annotations

from typing import Any, cast

from support import FakeClock

from escalator.dispatch.dispatcher import Dispatcher


async def test_a_dispatcher_built_alone_awaits_its_sends_untimed() -> None:
    none = cast(Any, None)
    dispatcher = Dispatcher(none, lambda: none, {}, none, none, FakeClock())
    sent: list[str] = []

    async def send() -> None:
        sent.append("sent")

    await dispatcher.timed("webhook", none, send())
    assert sent == ["sent"]
    assert dispatcher.lanes == 0
