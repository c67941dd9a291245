"""A poll source against a local HTTP server whose list of active alarms changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiohttp import web
from intake_support import events, incidents, until

from escalator.domain.model import State


class Bms:
    """A building-management system: serves its active alarms; can be made to fail."""

    def __init__(self) -> None:
        self.body = b"[]"
        self.content_type = "application/json"
        self.status = 200
        self.auth: list[str | None] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.auth.append(request.headers.get("Authorization"))
        return web.Response(body=self.body, status=self.status, content_type=self.content_type)


@pytest.fixture
async def bms(aiohttp_server):
    fake = Bms()
    app = web.Application()
    app.router.add_get("/alarms", fake.handle)
    server = await aiohttp_server(app)
    fake.url = str(server.make_url("/alarms"))
    return fake


def poll_yaml(url: str, fmt: str = "json", items: str = "data.active",
              fields: str = "{code: code, point: where.name, text: text}") -> str:
    return f"""\
  bms:
    kind: poll
    url: {url}
    format: {fmt}
    every: 1h
    max_backoff: 4h
    items: "{items}"
    fields: {fields}
    token_env: POLL_TOKEN
    heartbeat_timeout: 20m
"""


def active(*alarms: tuple[str, str]) -> bytes:
    import json

    items = [{"code": c, "where": {"name": p}, "text": f"{c} at {p}"} for c, p in alarms]
    return json.dumps({"data": {"active": items}}).encode()


async def started(app):
    poller = app.intake["bms"]
    await until(lambda: _polled(poller), "the first poll")
    return poller


async def _polled(poller) -> bool:
    return poller.polls >= 1 and not poller._lock.locked()


async def test_new_entries_are_alarms_and_vanished_ones_clear(intake_app, bms):
    app = await intake_app(poll_yaml(bms.url))
    poller = await started(app)
    assert bms.auth[0] == "Bearer poll-token-1"
    bms.body = active(("FT", "Loop 2"))
    assert await poller.poll_once()
    [ft] = await incidents(app)
    assert (ft.code, ft.point, ft.text, ft.state) == ("FT", "Loop 2", "FT at Loop 2", State.OPEN)
    bms.body = active(("FT", "Loop 2"), ("YX", "Kitchen"))
    assert await poller.poll_once()
    assert await poller.poll_once()  # unchanged: nothing new
    assert sorted(i.code for i in await incidents(app, "open")) == ["FT", "YX"]
    bms.body = active(("YX", "Kitchen"))
    assert await poller.poll_once()
    states = {i.code: i.state for i in await incidents(app)}
    assert states == {"FT": State.RESOLVED, "YX": State.OPEN}
    stored = [(e["code"], e["state"]) for e in await events(app, "bms")]
    assert stored == [("heartbeat", "heartbeat"), ("FT", "alarm"), ("YX", "alarm"),
                      ("FT", "clear")]


async def test_xml_with_attributes(intake_app, bms):
    bms.content_type = "application/xml"
    bms.body = ("<alarms><alarm code='YX'><point>Keittiö</point></alarm>"
                "<alarm code='FT'><point>Silmukka 2</point><text>Vika</text></alarm>"
                "</alarms>").encode()
    app = await intake_app(poll_yaml(bms.url, "xml", "alarm",
                                     "{code: '@code', point: point, text: text}"))
    await started(app)
    found = sorted((i.code, i.point, i.text) for i in await incidents(app))
    assert found == [("FT", "Silmukka 2", "Vika"), ("YX", "Keittiö", "")]


async def test_csv_columns(intake_app, bms):
    bms.content_type = "text/csv"
    bms.body = b"Alarm code,Location\nFT,Loop 1\nYX,Sauna\n"
    app = await intake_app(poll_yaml(bms.url, "csv", "",
                                     "{code: Alarm code, point: Location}"))
    await started(app)
    assert sorted((i.code, i.point) for i in await incidents(app)) == [("FT", "Loop 1"),
                                                                      ("YX", "Sauna")]


async def test_failures_back_off_and_count_toward_silence(intake_app, bms, clock):
    bms.status = 500
    app = await intake_app(poll_yaml(bms.url))
    poller = await started(app)
    assert poller.failures == 1 and "HTTP 500" in poller.last_error
    assert app.health()["intake"]["sources"]["bms"]["failures"] == 1
    assert poller.next_delay() == timedelta(hours=2)
    assert not await poller.poll_once()
    assert poller.next_delay() == timedelta(hours=4)  # capped at max_backoff
    bms.status, bms.body = 200, b"{not json"
    assert not await poller.poll_once()
    await app.tick()
    clock.advance(minutes=21)
    await app.tick()
    [silent] = [i for i in await incidents(app, "open") if i.source == "bms"]
    assert silent.code == "source_silent"
    bms.body = active()
    assert await poller.poll_once()
    assert poller.next_delay() == timedelta(hours=1)
    assert [i for i in await incidents(app, "open") if i.source == "bms"] == []


async def test_a_restart_does_not_raise_standing_alarms_again(intake_app, bms, recorder):
    bms.body = active(("FT", "Loop 2"), ("YX", "Kitchen"))
    first = await intake_app(poll_yaml(bms.url))
    await started(first)
    await first.tick()
    await first.stop()
    told = len(recorder.sent)
    bms.body = active(("FT", "Loop 2"))  # YX cleared while we were down
    second = await intake_app(poll_yaml(bms.url))
    await started(second)
    await second.tick()
    states = {i.code: (i.state, i.count) for i in await incidents(second)}
    assert states == {"FT": (State.OPEN, 1), "YX": (State.RESOLVED, 1)}
    stored = [(e["code"], e["state"]) for e in await events(second, "bms")]
    assert stored[-1] == ("YX", "clear") and stored.count(("FT", "alarm")) == 1
    assert all(m.reason == "CLEARED" for _, m in recorder.sent[told:])


async def test_a_point_with_control_characters_is_matched_as_stored_after_a_restart(
        intake_app, bms):
    bms.body = active(("FT", "Loop 2\r\nwing\tB"))
    first = await intake_app(poll_yaml(bms.url))
    await started(first)
    [ft] = await incidents(first)
    assert ft.point == "Loop 2 wing B"  # cleaned when stored
    await first.stop()
    second = await intake_app(poll_yaml(bms.url))  # the BMS still lists it, raw
    await started(second)
    await second.intake["bms"].poll_once()
    [ft] = await incidents(second)
    assert (ft.state, ft.count) == (State.OPEN, 1)  # neither cleared nor raised again
