"""Shutdown's drain and the delivery id peers deduplicate on (issue 17, point 3).

The dispatcher stops with one deadline: a send still waiting for its peer then
is cut and stored as "may have been sent" (`maybe_sent`), due again with the
same delivery id; nothing new is started while it stops. Every webhook and
gateway request carries that id. The whole process is tested in
tests/e2e/test_sigterm_under_load.py; these pin each piece on a real store.
"""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from outside import free_port, outside_app, outside_config, sms_gateway
from support import TOKENS

from escalator.app import Escalator
from escalator.config import load_config_text
from escalator.dispatch.dispatcher import CUT, PARTY_PARALLEL
from escalator.domain.model import Action, AlarmEvent
from escalator.entrypoints.http.views import delivery_json
from escalator.notify.base import delivery_key

CONFIG = """
facility: {{id: drain-home, name: Drain home, timezone: Europe/Helsinki, language: en}}
storage: "{storage}"
sources:
  terminal: {{kind: webhook, token_env: ESCALATOR_TERMINAL_TOKEN}}
people:
  nurse: {{name: Nurse, contact: [{{webhook: "{hook}/nurse"}}]}}
ladders:
  fault:
    steps:
      - {{notify: [nurse], escalate_after: 1h}}
routes:
  - ladder: fault
delivery: {{send_timeout: 60s}}
"""


class Hanging:
    """A channel whose peer took the request and never answers (until told to)."""

    def __init__(self) -> None:
        self.got: list[str] = []
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def send(self, contact, message) -> None:
        self.got.append(message.delivery_key)
        self.entered.set()
        await self.release.wait()


async def _app(tmp_path, clock, hook: str = "http://127.0.0.1:9", storage: str | None = None,
               **kwargs) -> Escalator:
    storage = storage or f"sqlite:///{tmp_path / 'drain.db'}"
    cfg, _ = load_config_text(CONFIG.format(storage=storage, hook=hook), env=TOKENS)
    app = Escalator(cfg, clock=clock, env=TOKENS, **kwargs)
    await app.start(serve_http=False, schedule=False)
    return app


async def _rows(app: Escalator, incident_id: int):
    return await app.store.transaction(lambda tx: tx.deliveries.of_incident(incident_id))


async def test_a_send_cut_at_the_deadline_is_marked_and_goes_out_again_with_its_id(
        tmp_path, clock, store_url):
    peer = Hanging()
    app = await _app(tmp_path, clock, storage=store_url, notifiers={"webhook": peer})
    try:
        res = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now()))
        app.dispatcher.settle = False  # live: the lane runs on while run_due returns
        await app.dispatcher.run_due()
        await asyncio.wait_for(peer.entered.wait(), 5)

        report = await app.dispatcher.stop(grace=0.05, write_grace=2.0)

        assert (report.lanes, report.cut, report.unwritten) == (1, 1, 0)
        [row] = await _rows(app, res.incident_id)
        assert (row.status, row.maybe_sent, row.error) == ("pending", True, CUT)
        assert delivery_json(row)["maybe_sent"] is True  # the API shows it
        assert peer.got == [delivery_key("drain-home", row.id, row.created_at)]

        app.dispatcher.settle = True  # the next start: recovery sends it once more
        app.dispatcher.resume()
        await app.dispatcher.recover()
        peer.release.set()
        await app.dispatcher.run_due()
        [row] = await _rows(app, res.incident_id)
        assert (row.status, row.maybe_sent) == ("sent", True)  # the mark stays for the record
        assert len(peer.got) == 2 and peer.got[0] == peer.got[1]  # same id: a droppable repeat
    finally:
        peer.release.set()
        await app.stop()


async def test_nothing_new_is_started_while_stopping(tmp_path, clock):
    peer = Hanging()
    app = await _app(tmp_path, clock, notifiers={"webhook": peer})
    try:
        first = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now(),
                                                    point="loop 1"))
        app.dispatcher.settle = False
        await app.dispatcher.run_due()
        await asyncio.wait_for(peer.entered.wait(), 5)
        # the send under way holds the stop open until its peer answers
        stopping = asyncio.create_task(app.dispatcher.stop(grace=60, write_grace=5))
        await asyncio.sleep(0)  # the stop has begun
        second = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now(),
                                                     point="loop 2"))
        assert await app.dispatcher.run_due() is not None  # claims nothing, says when due
        fresh = await app.store.transaction(lambda tx: tx.deliveries.claim(clock.now()))
        assert [row.incident_id for row, _, _ in fresh] == [second.incident_id]
        app.dispatcher.take_fresh(fresh, {})  # rows handed over after the stop began
        assert app.dispatcher.lanes == 1  # no lane made for them
        assert not stopping.done()
        peer.release.set()  # the peer answers: the stop ends without cutting anything
        report = await stopping

        assert len(peer.got) == 1  # only the send already under way
        assert (report.cut, report.released, report.unwritten) == (0, 1, 0)
        [row] = await _rows(app, second.incident_id)
        assert (row.status, row.maybe_sent) == ("pending", False)  # due at the next start
        [done] = await _rows(app, first.incident_id)
        assert (done.status, done.maybe_sent) == ("sent", False)
    finally:
        peer.release.set()
        await app.stop()


async def test_a_lane_waiting_for_its_party_slot_sends_nothing_once_stopping(tmp_path, clock):
    """Past PARTY_PARALLEL sends to one party a lane waits for a slot; a slot freed during
    the stop must not start its send (it would only be cut, or hold the stop up)."""
    peer = Hanging()
    app = await _app(tmp_path, clock, notifiers={"webhook": peer})
    try:
        for n in range(PARTY_PARALLEL + 1):
            await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now(),
                                                point=f"loop {n}"))
        app.dispatcher.settle = False
        await app.dispatcher.run_due()
        while len(peer.got) < PARTY_PARALLEL:
            await asyncio.sleep(0.01)
        stopping = asyncio.create_task(app.dispatcher.stop(grace=60, write_grace=5))
        await asyncio.sleep(0)
        peer.release.set()  # the sixteen answer; the seventeenth lane gets a slot now
        report = await stopping
        assert len(peer.got) == PARTY_PARALLEL
        assert (report.cut, report.released) == (0, 1)
    finally:
        peer.release.set()
        await app.stop()


async def test_every_webhook_request_carries_the_same_delivery_id(tmp_path, clock):
    seen: list[tuple[dict, dict]] = []
    answers = [500, 200]

    async def nurse(request: web.Request) -> web.Response:
        seen.append((dict(request.headers), await request.json()))
        return web.json_response({}, status=answers.pop(0))

    hook = web.Application()
    hook.router.add_post("/nurse", nurse)
    async with TestServer(hook, host="127.0.0.1") as server:
        app = await _app(tmp_path, clock, hook=str(server.make_url("")).rstrip("/"))
        try:
            res = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now()))
            await app.tick()
            clock.advance(seconds=10)  # the retry after the 500
            await app.tick()
            [row] = await _rows(app, res.incident_id)
        finally:
            await app.stop()
    assert row.status == "sent" and len(seen) == 2
    key = delivery_key("drain-home", row.id, row.created_at)
    assert key.startswith(f"drain-home-{row.id}-")
    for headers, body in seen:
        assert headers["Idempotency-Key"] == headers["X-Escalator-Delivery"] == key
        assert body["delivery_key"] == key and body["delivery"] == row.id


GATEWAYAPI = """  sms:
    preset: gatewayapi
    url: "{sms_url}"
    from: Lehtioja
    auth_header_env: SMS_AUTH
"""


@pytest.mark.parametrize("block", [None, GATEWAYAPI], ids=["46elks", "gatewayapi"])
async def test_sms_gateways_get_the_delivery_id(tmp_path, clock, recorder, block):
    async with sms_gateway() as gateway:
        kwargs = {"sms_block": block} if block else {}
        text = outside_config(f"sqlite:///{tmp_path}/sms.db", smtp_port=free_port(),
                              sms_url=gateway.url("/rest/mtsms" if block else "/a1/sms"),
                              **kwargs)
        async with outside_app(text, clock, {"telegram": recorder, "email": recorder}) as app:
            res = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now()))
            await app.tick()
            for _ in range(2):  # up to the contractor, reached by SMS only
                await app.service.act(res.incident_id, Action.ESCALATE, "test")
            await app.tick()
            rows = await _rows(app, res.incident_id)
            facility = app.config.facility.id
    [sms] = [r for r in rows if r.party == "contractor"]
    [req] = gateway.accepted
    key = delivery_key(facility, sms.id, sms.created_at)
    assert req.headers["Idempotency-Key"] == req.headers["X-Escalator-Delivery"] == key
    if block:  # GatewayAPI's own reference field
        assert req.json["userref"] == key


async def test_intake_answers_503_while_the_service_stops(tmp_path, clock):
    app = await _app(tmp_path, clock)
    client = TestClient(TestServer(app.web_app()))
    await client.start_server()
    try:
        auth = {"Authorization": f"Bearer {TOKENS['ESCALATOR_TERMINAL_TOKEN']}"}
        event = {"code": "FT", "state": "alarm", "id": "e1"}
        app.accepting = False  # as `stop` sets first
        r = await client.post("/api/v1/events", json=event, headers=auth)
        assert r.status == 503 and r.headers["Retry-After"]
        assert await app.store.transaction(lambda tx: tx.incidents.listed()) == []
    finally:
        await client.close()
        await app.stop()


async def test_a_database_made_before_the_mark_gets_its_column(tmp_path, clock):
    import sqlite3

    app = await _app(tmp_path, clock)
    await app.stop()
    db = sqlite3.connect(tmp_path / "drain.db")
    db.execute("ALTER TABLE deliveries DROP COLUMN maybe_sent")  # as an earlier version left it
    db.commit()
    db.close()
    app = await _app(tmp_path, clock)
    try:
        res = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now()))
        [row] = await _rows(app, res.incident_id)
        assert row.maybe_sent is False
    finally:
        await app.stop()
