"""An alarm a PostgreSQL follower takes in reaches people at once: the follower's
intake transaction NOTIFYs, the leader LISTENs and pokes its waker
(escalator/storage/listen.py). The leader's once-a-second look is set to an hour
here, so only the notification can bring the alarm to it in time.

Two real services (real keeper, waker, dispatcher) on one real PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from support import TOKENS, config_text

import escalator.runtime.keeper
from escalator.app import Escalator
from escalator.config import load_config_text
from escalator.domain.model import AlarmEvent


@pytest.fixture
def pg_url(postgres_server, request):
    from pg import fresh_database

    return fresh_database(postgres_server, f"n_{abs(hash(request.node.nodeid)) % 10**12}")


class Heard:
    """A channel that notes when each alarm's notice reached it."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self.arrived = asyncio.Event()

    async def send(self, contact, message) -> None:
        self.at.setdefault(message.incident.point or "", time.monotonic())
        self.arrived.set()


async def test_the_leader_hears_a_followers_alarm_without_waiting_for_its_poll(
        pg_url, monkeypatch):
    monkeypatch.setattr(escalator.runtime.keeper, "KEEP_EVERY_S", 3600.0)  # no poll in this test
    cfg, _ = load_config_text(config_text(pg_url), env=TOKENS)
    heard = Heard()
    channels = {"telegram": heard, "email": heard, "sms": heard}
    leader = Escalator(cfg, env=TOKENS, notifiers=channels)
    await leader.start(serve_http=False)
    follower = Escalator(cfg, env=TOKENS, notifiers=channels)
    await follower.start(serve_http=False)
    try:
        assert leader.leading and not follower.leading
        for n in range(3):
            heard.arrived.clear()
            event = AlarmEvent(source="terminal", code="FT", state="alarm",
                               received_at=follower.clock.now(), point=f"loop {n}")
            accepted = time.monotonic()
            await follower.service.ingest(event)
            await asyncio.wait_for(heard.arrived.wait(), 10)  # the poll would be an hour
            print(f"follower's alarm to first notice: {heard.at[f'loop {n}'] - accepted:.3f} s")
        assert leader.listener is not None and leader.listener.heard >= 3
        assert leader.health()["scheduler"]["listening"] is True
        assert "listening" not in follower.health()["scheduler"]
    finally:
        await follower.stop()
        await leader.stop()
