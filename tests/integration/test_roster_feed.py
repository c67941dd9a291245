"""A roster calendar at a URL, against a local staffing-system server that misbehaves.

The server is real (aiohttp on 127.0.0.1); it serves the fixture calendar,
then is slow (10 s, past the 1 s timeout), hangs, answers 500, answers a
login page, or sends more than the size cap. Each time the roster keeps
the shifts of the last good copy, /healthz's details say why, and the tick
never waits for the server.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from support import FakeClock

from escalator.config import ical

FIXTURE = (Path(__file__).resolve().parents[1] / "fixtures" / "ical" / "hoiva_shifts.ics")
HELSINKI = ZoneInfo("Europe/Helsinki")
ANNAS_NIGHT = datetime(2027, 3, 26, 23, 0, tzinfo=HELSINKI)

CONFIG = """\
facility: {{id: lehtioja, name: Lehtiojan palvelukeskus, timezone: Europe/Helsinki}}
storage: "sqlite:///{db}"
http: {{outbound_allow: [127.0.0.1/32]}}  # the staffing server of these tests is local
people:
  night-nurse:
    name: Anna Virtanen
    contact: [{{email: anna.virtanen@lehtioja.example}}]
  substitute:
    name: Mikko Korhonen
    contact: [{{sms: "040 765 4321"}}]
  manager:
    name: Manager
    contact: [{{email: manager@lehtioja.example}}]
rosters:
  nights:
    ical: {{url: "{url}", refresh: 15 min, timeout: 1 s}}
ladders:
  l:
    steps:
      - notify: [nights]
        escalate_after: 10 min
      - notify: [manager]
        escalate_after: 10 min
routes: [{{ladder: l}}]
"""


class StaffingServer:
    """Answers GET /vuorot.ics the way `mode` says."""

    def __init__(self) -> None:
        self.mode = "good"
        self.body = FIXTURE.read_bytes()
        self.hits = 0
        self.release = asyncio.Event()

    async def calendar(self, request: web.Request) -> web.StreamResponse:
        self.hits += 1
        if self.mode == "slow":
            await asyncio.sleep(10)
        elif self.mode == "hang":
            await self.release.wait()
        elif self.mode == "500":
            return web.Response(status=500, text="Internal Server Error")
        elif self.mode == "html":
            return web.Response(text="<html><body>Kirjaudu sisään</body></html>",
                                content_type="text/html")
        elif self.mode == "huge":
            response = web.StreamResponse(headers={"Content-Type": "text/calendar"})
            await response.prepare(request)
            await response.write(b"BEGIN:VCALENDAR\r\n")
            for _ in range(ical.MAX_CALENDAR_BYTES // 65536 + 2):
                await response.write(b"X-FILLER:" + b"x" * 65527 + b"\r\n")
            return response
        return web.Response(body=self.body, content_type="text/calendar")


@pytest.fixture
async def server():
    staffing = StaffingServer()
    app = web.Application()
    app.router.add_get("/vuorot.ics", staffing.calendar)
    async with TestServer(app, host="127.0.0.1") as srv:
        staffing.url = str(srv.make_url("/vuorot.ics"))  # type: ignore[attr-defined]
        yield staffing
        staffing.release.set()


@pytest.fixture
def clock():
    return FakeClock(datetime(2027, 3, 20, 8, 0, tzinfo=UTC))


async def fetched(app) -> None:
    """One tick starts the fetch in its own task; wait for that task (no sleeping)."""
    await app.tick()
    await app.rosters.settle()


def nights(app, when: datetime = ANNAS_NIGHT) -> list[str]:
    return [r.party for r in app.service.directory.resolve("nights", when) if r.available]


@pytest.fixture
async def app_on(make_app, tmp_path, server):
    return await make_app(CONFIG.format(db=tmp_path / "e.db", url=server.url))


async def test_the_shifts_arrive_and_the_ladder_uses_them(app_on, server):
    app = app_on
    assert nights(app) == []  # nothing fetched yet
    await fetched(app)
    assert server.hits == 1
    assert nights(app) == ["night-nurse"]
    assert nights(app, datetime(2027, 3, 31, 23, 0, tzinfo=HELSINKI)) == ["substitute"]
    health = app.health()["rosters"]
    assert health["ok"] and health["fresh"]
    assert health["rosters"]["nights"]["host"] == "127.0.0.1"
    assert health["rosters"]["nights"]["unmatched"] == 3  # ward, maintenance, Matti


@pytest.mark.parametrize(("mode", "error"), [
    ("slow", "feed.timeout"), ("hang", "feed.timeout"), ("500", "feed.status"),
    ("html", "feed.not_calendar"), ("huge", "feed.too_big"),
])
async def test_a_misbehaving_server_leaves_the_last_good_copy(app_on, server, clock, mode,
                                                                error):
    app = app_on
    await fetched(app)
    assert nights(app) == ["night-nurse"]
    server.mode = mode
    clock.advance(minutes=16)
    await app.tick()
    if mode in ("slow", "hang"):  # the tick did not wait for the server
        assert not app.rosters._task.done()
    await app.rosters.settle()
    assert server.hits == 2
    assert nights(app) == ["night-nurse"]  # the last good copy
    details = app.health()["rosters"]
    assert details["ok"] is True  # the service works on; /healthz stays 200
    assert details["fresh"] is False
    assert details["rosters"]["nights"]["error"] == error
    assert details["rosters"]["nights"]["good_at"] == "2027-03-20T08:00:00+00:00"
    server.mode = "good"
    server.body = FIXTURE.read_bytes().replace("Yövuoro: Mikko Korhonen".encode(),
                                               "Yövuoro".encode())
    clock.advance(minutes=1)  # a failure is tried again within a minute
    await fetched(app)
    assert app.health()["rosters"]["fresh"] is True
    # the new copy is in use: the substitute's night now names nobody
    assert nights(app, datetime(2027, 3, 31, 23, 0, tzinfo=HELSINKI)) == []


async def test_without_any_good_copy_the_roster_is_a_gap_and_the_ladder_goes_on(
        app_on, server, clock, recorder):
    from escalator.domain.model import AlarmEvent

    app = app_on
    server.mode = "500"
    await fetched(app)
    [reach] = app.service.directory.resolve("nights", ANNAS_NIGHT)
    assert not reach.available
    clock.set(ANNAS_NIGHT.astimezone(UTC))
    await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now()))
    await app.tick()
    clock.advance(minutes=10)
    await app.tick()
    assert recorder.to("manager")  # nobody on the roster: the next step is called


async def test_not_fetched_again_before_refresh(app_on, server, clock):
    app = app_on
    await fetched(app)
    clock.advance(minutes=14)
    await fetched(app)
    assert server.hits == 1
    clock.advance(minutes=1)
    await fetched(app)
    assert server.hits == 2


async def test_a_reload_keeps_the_fetched_copy(app_on, server, tmp_path):
    app = app_on
    await fetched(app)
    server.mode = "500"
    path = tmp_path / "reload.yaml"
    path.write_text(CONFIG.format(db=tmp_path / "e.db", url=server.url).replace(
        "    ical:", '    match: {"Matti Meikäläinen": manager}\n    ical:'), encoding="utf-8")
    from dataclasses import replace

    app._config = replace(app._config, path=str(path))
    assert await app.reload_async() == []
    assert nights(app) == ["night-nurse"]  # still the copy fetched before the reload
    # ... read with the new match: Matti's night now calls the manager
    assert nights(app, datetime(2027, 4, 5, 23, 0, tzinfo=HELSINKI)) == ["manager"]


def test_the_fetch_timeout_is_bounded():
    from escalator.config import ConfigError, load_config_text

    with pytest.raises(ConfigError) as caught:
        load_config_text(CONFIG.format(db="x.db", url="https://x.example/a.ics").replace(
            "timeout: 1 s", "timeout: 5 min"), env={})
    assert "expected a duration of at most 60 s" in caught.value.problems[0]
    assert timedelta(seconds=60)  # the cap named in the message


@pytest.mark.parametrize(("mode", "says"), [
    ("good", "  Fri 26/03/2027 21:00 – Sat 27/03/2027 07:00  Anna Virtanen"),
    ("500", "!! The calendar could not be fetched from 127.0.0.1: the server answered HTTP 500"),
    # none of the answer's bytes in the message (issue 19)
    ("html", "!! The calendar could not be fetched from 127.0.0.1: the answer is not a "
             "readable iCalendar"),
])
async def test_roster_show_fetches_the_url_once(tmp_path, server, mode, says):
    import argparse
    import io

    from escalator.rosters import show as rostershow

    server.mode = mode
    path = tmp_path / "e.yaml"
    path.write_text(CONFIG.format(db=tmp_path / "e.db", url=server.url), encoding="utf-8")
    args = argparse.Namespace(config=str(path), roster=None, start="2027-03-26 20:00",
                              end="2027-03-27 08:00", lang="en")
    out, err = io.StringIO(), io.StringIO()
    assert await asyncio.to_thread(rostershow.run, args, out, err) == 0
    assert server.hits == 1
    assert any(line.startswith(says) for line in out.getvalue().splitlines()), out.getvalue()


async def test_the_board_duty_view_shows_the_calendar_roster(app_on, server, clock):
    from escalator.entrypoints.http.board import duty

    app = app_on
    await fetched(app)
    now = ANNAS_NIGHT.astimezone(UTC)
    [roster] = duty.rosters(app.config, app.service.directory, now)
    assert roster.label == "nights (127.0.0.1)" and roster.now == ("Anna Virtanen",)
    assert roster.next_at == datetime(2027, 3, 27, 5, 0, tzinfo=UTC)  # 07:00 local
    assert roster.next_names == ()  # the day shift is the ward's, not on this roster: a gap


async def test_simulate_fetches_a_url_roster_once(tmp_path, server, capsys):
    from escalator.__main__ import main

    path = tmp_path / "e.yaml"
    path.write_text(CONFIG.format(db=tmp_path / "e.db", url=server.url), encoding="utf-8")
    code = await asyncio.to_thread(main, ["simulate", "--config", str(path), "--code", "FT",
                                          "--at", "2027-03-26 23:00", "--hours", "0.1"])
    out, _ = capsys.readouterr()
    assert code == 0 and server.hits == 1
    [first] = [line for line in out.splitlines() if "step 1" in line]
    assert first.endswith("Anna Virtanen")


async def test_a_restart_while_the_server_is_down_keeps_the_shifts(make_app, tmp_path, server,
                                                                   clock, store_url):
    """The last good copy is kept in the store (SQLite and PostgreSQL), keyed by a hash of
    the URL, never the URL: a restart during an outage still knows who is on shift."""
    text = CONFIG.format(db="unused.db", url=server.url).replace(
        'storage: "sqlite:///unused.db"', f'storage: "{store_url}"')
    first = await make_app(text, storage=store_url)
    await fetched(first)
    rows = await first.store.transaction(lambda tx: tx.rows("SELECT * FROM roster_calendars"))
    assert len(rows) == 1 and server.url not in str(rows)
    await first.stop()
    server.mode = "500"
    clock.advance(hours=1)
    second = await make_app(text, storage=store_url)
    assert nights(second) == ["night-nurse"]  # before any fetch: the kept copy
    await fetched(second)
    assert nights(second) == ["night-nurse"]
    assert second.health()["rosters"]["rosters"]["nights"]["good_at"] == \
        "2027-03-20T08:00:00+00:00"
