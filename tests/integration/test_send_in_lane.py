"""A notice is sent from its lane's own task (escalator/dispatch/attempt.py).

The send timeout used to be `asyncio.wait_for` around the send: one more task (and a
waiter and a timer) for every notice, and a turn of the event loop before the POST
could start. The deadline is now a scope in the lane's task; the timeout itself is
pinned by the delivery tests (tests/integration/test_delivery_model.py,
test_delivery_fallback.py: a hanging peer is cut at `send_timeout`).
"""

from __future__ import annotations

import asyncio

from escalator.domain.model import AlarmEvent


class TaskNoting:
    """A channel that notes the task each send ran in, and whether it was a lane's."""

    def __init__(self) -> None:
        self.app = None
        self.in_lane: list[bool] = []

    async def send(self, contact, message) -> None:
        task = asyncio.current_task()
        assert self.app is not None
        self.in_lane.append(task in self.app.dispatcher._tasks)


async def test_a_notice_is_sent_from_its_lane_task_without_a_task_of_its_own(make_app, clock):
    noting = TaskNoting()
    app = await make_app(notifiers={"telegram": noting, "email": noting, "sms": noting})
    noting.app = app
    await app.service.ingest(AlarmEvent(source="terminal", code="FT", state="alarm",
                                        received_at=clock.now(), point="door 1"))
    await app.tick()
    assert noting.in_lane and all(noting.in_lane)
