"""A Telegram outage with alarms arriving: every alarm reaches the next contact in time.

Issue 17's report, replayed: the ward's contacts are `[telegram, webhook]` with
`delivery: {fallback_after: 20s}`; Telegram answers 500 (or hangs) for 60 s while
ten alarms arrive one every 6 s. python-telegram-bot runs for real against the
fake Bot API; the webhook is a real aiohttp server; time is the FakeClock, moved
the way the live waker moves: to the earliest of the next alarm and what the
service says is due next.

What must hold: every alarm reached a person within `fallback_after` plus one
send timeout of its first attempt: the webhook, or Telegram if it came back in
time (then Telegram really has it); no row is `sent` without a time; none is
`sent` on Telegram unless Telegram accepted a message for it; nothing went twice
to the webhook.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from fake_telegram import FakeTelegram
from tg_support import (
    CHAT_A,
    alarm,
    deliveries,
    incident,
    tg_app,  # noqa: F401 - fixture
)

from escalator.app import Escalator

FALLBACK = timedelta(seconds=20)
SEND_TIMEOUT = timedelta(seconds=0.3)  # a hanging Telegram is cut after this (real time)


class Hook:
    """The ward's ticket system: a real HTTP server that records every POST."""

    def __init__(self, clock: Any) -> None:
        self.clock = clock
        self.got: list[tuple[datetime, dict[str, Any]]] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> Hook:
        app = web.Application()
        app.router.add_post("/hook", self._post)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/hook"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _post(self, request: web.Request) -> web.Response:
        self.got.append((self.clock.now(), await request.json()))
        return web.Response(status=204)

    def incidents(self) -> list[int]:
        return [body["incident"] for _, body in self.got]


@pytest.fixture
async def hook(clock):
    server = await Hook(clock).start()
    yield server
    await server.stop()


@pytest.fixture
async def outage_app(tg_app, hook: Hook):  # noqa: F811 - the fixture
    """The ward reached by Telegram first, then by the webhook `hook`."""
    async def build() -> Escalator:
        return await tg_app(
            db="outage.db", step1="[ward-a]",
            edit=lambda text: text.replace("- email: ward-a@lehtioja.example",
                                           f"- webhook: {hook.url}"),
            more=(f"delivery:\n  fallback_after: {FALLBACK.seconds}s\n"
                  f"  send_timeout: {SEND_TIMEOUT.total_seconds()}s\n"))

    return build


async def replay_outage(app: Escalator, fake_tg: FakeTelegram, kind: str,
                        ) -> dict[int, datetime]:
    """Telegram down for 60 s from t=0, ten alarms at t = 0, 6 ... 54 s; then on to
    t = 120 s. Returns each incident's opening time."""
    clock = app.clock
    start = clock.now()
    if kind == "send500":  # polling works, every message is refused: Telegram looks up
        fake_tg.fail("sendMessage", 500, times=100_000, description="Internal Server Error")
    else:
        await fake_tg.outage(kind)
    arrivals = [start + timedelta(seconds=6 * n) for n in range(10)]
    back_at = start + timedelta(seconds=60)
    end = start + timedelta(seconds=120)
    opened: dict[int, datetime] = {}
    due: datetime | None = clock.now()
    for _ in range(2000):
        while arrivals and arrivals[0] <= clock.now():
            arrivals.pop(0)
            iid = await alarm(app, point=f"Room {len(opened) + 1}")
            opened[iid] = (await incident(app, iid)).opened_at
        if (fake_tg.down or fake_tg.scripts) and clock.now() >= back_at:
            fake_tg.scripts.clear()
            await fake_tg.restore()
        due = await app.tick()
        later = [t for t in (due, arrivals[0] if arrivals else None,
                             back_at if fake_tg.down or fake_tg.scripts else None)
                 if t is not None]
        nxt = min(later) if later else end
        if nxt > end:
            break
        clock.set(max(nxt, clock.now() + timedelta(milliseconds=100)))
    return opened


async def check(app: Escalator, fake_tg: FakeTelegram, hook: Hook,
                opened: dict[int, datetime]) -> None:
    assert len(opened) == 10
    back_at = min(opened.values()) + timedelta(seconds=60)
    hooked = {iid: min(at for at, body in hook.got if body["incident"] == iid)
              for iid in set(hook.incidents())}
    assert sorted(hook.incidents()) == sorted(hooked), "a notice went twice to the webhook"
    accepted = [c for c in fake_tg.calls_of("sendMessage", CHAT_A) if c.at >= back_at]
    for n, (iid, at) in enumerate(opened.items(), 1):
        [row] = await deliveries(app, iid)
        assert row.status == "sent" and row.sent_at is not None, row
        assert row.sent_at - at <= FALLBACK + SEND_TIMEOUT, row  # reached someone in time
        cards = [c for c in accepted if re.search(rf"Room {n}\b", str(c.params.get("text")))]
        if at + FALLBACK < back_at:  # Telegram was down all along: the webhook has it
            assert row.channel == "webhook", row
        if row.channel == "telegram":  # only if Telegram really took it, after it came back
            assert len(cards) == 1 and iid not in hooked, (row, cards)
        else:  # the webhook has it, once, and Telegram never got it as well
            assert row.channel == "webhook" and hooked.get(iid) == row.sent_at, row
            assert not cards, (row, cards)


async def test_telegram_answering_500_for_a_minute_every_alarm_reaches_the_webhook(
        outage_app, fake_tg, hook):
    app = await outage_app()
    opened = await replay_outage(app, fake_tg, "500")
    await check(app, fake_tg, hook, opened)


async def test_telegram_hanging_for_a_minute_every_alarm_reaches_the_webhook(
        outage_app, fake_tg, hook):
    app = await outage_app()
    opened = await replay_outage(app, fake_tg, "hang")
    await check(app, fake_tg, hook, opened)


async def test_telegram_refusing_every_message_while_polling_works_still_falls_back(
        outage_app, fake_tg, hook):
    """Telegram looks reachable (getUpdates answers) but refuses every sendMessage: a
    notice must not wait in a digest for Telegram to be "down" before it falls back."""
    app = await outage_app()
    opened = await replay_outage(app, fake_tg, "send500")
    await check(app, fake_tg, hook, opened)


async def test_a_message_telegram_refused_costs_the_chat_no_budget(outage_app, fake_tg, hook):
    app = await outage_app()
    chat = str(CHAT_A)
    fake_tg.fail("sendMessage", 500, times=3, description="Internal Server Error")
    iid = await alarm(app)
    await app.dispatcher.run_due()
    [row] = await deliveries(app, iid)
    assert row.status == "pending" and row.attempts == 1  # a retry is due
    assert app.telegram.budget.used(chat, app.clock.now()) == 0
    app.clock.advance(seconds=5)
    fake_tg.scripts.clear()
    await app.dispatcher.run_due()
    [row] = await deliveries(app, iid)
    assert (row.status, row.channel, row.sent_at) == ("sent", "telegram", app.clock.now())
    assert app.telegram.budget.used(chat, app.clock.now()) == 1  # the card Telegram took
