"""The board's live stream pushes the changed incident, not the whole list again;
a session ends at once when its user is removed from the config or their role changes."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestClient, TestServer
from board_support import ENV, board_config, sign_in

from escalator.app import Escalator
from escalator.config import load_config
from escalator.domain.model import Action, AlarmEvent
from escalator.storage.incidents import Incidents

STREAM = {"Accept": "text/event-stream"}


@pytest.fixture
async def served(tmp_path, clock, recorder):
    """The board over a config file, so a test can edit the users and reload."""
    path = tmp_path / "escalator.yaml"
    path.write_text(board_config(f"sqlite:///{tmp_path}/live.db"))
    cfg, _ = load_config(path, env=ENV)
    app = Escalator(cfg, clock=clock, env=ENV,
                    notifiers={"telegram": recorder, "email": recorder, "sms": recorder})
    await app.start(serve_http=False, schedule=False)
    async with TestClient(TestServer(app.web_app())) as client:
        yield app, client, path
    await app.stop()


async def next_event(resp) -> tuple[str, str]:
    """One server-sent event: its name and its data (lines joined)."""
    raw = await asyncio.wait_for(resp.content.readuntil(b"\n\n"), 5)
    name, data = "", []
    for line in raw.decode().splitlines():
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            data.append(line[6:])
    return name, "\n".join(data)


async def next_named(resp, *names: str) -> tuple[str, str]:
    while True:
        name, data = await next_event(resp)
        if name in names:
            return name, data


async def alarm(app: Escalator, clock, point: str, severity: str = "") -> int:
    res = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now(),
                                              point=point, severity=severity))
    assert res.incident_id is not None
    return res.incident_id


async def test_a_stream_gets_only_the_changed_incident(served, clock, monkeypatch):
    app, client, _ = served
    first = [await alarm(app, clock, f"Room {n}") for n in range(3)]
    assert await sign_in(client, "Anna") == 303
    lists = 0
    whole = Incidents.listed

    def counted(self, *args, **kwargs):
        nonlocal lists
        lists += 1
        return whole(self, *args, **kwargs)

    monkeypatch.setattr(Incidents, "listed", counted)
    async with client.get("/board/events", headers=STREAM) as resp:
        name, data = await next_named(resp, "board")
        assert all(f'data-incident="{i}"' in data for i in first)
        assert lists == 1  # the whole list, once, on connecting
        fire = await alarm(app, clock, "Kitchen", severity="critical")
        name, data = await next_named(resp, "row", "board", "gone")
        head, html = data.split("\n", 1)
        # the new alarm alone, placed first (most severe), before the newest of the rest
        assert name == "row" and head == f"{fire} {first[-1]}"
        assert html.count("<li") == 1 and "Kitchen" in html
        await app.service.act(first[0], Action.ACKNOWLEDGE, "Anna")
        name, data = await next_named(resp, "row", "board", "gone")
        assert name == "row" and data.startswith(f"{first[0]} -\n") and "Anna" in data
        await app.service.ingest(AlarmEvent("terminal", "FT", "clear", clock.now(),
                                            point="Room 1"))
        assert await next_named(resp, "row", "board", "gone") == ("gone", str(first[1]))
        assert lists == 1  # never the whole list again


async def test_a_new_config_reads_the_whole_list_again(served, clock):
    app, client, path = served
    await alarm(app, clock, "Room 1")
    assert await sign_in(client, "Maija") == 303
    async with client.get("/board/events", headers=STREAM) as resp:
        await next_named(resp, "board")
        assert await app.reload_async() == []
        name, data = await next_named(resp, "row", "board", "gone")
        assert name == "board" and "Room 1" in data


@pytest.mark.parametrize("edit", ["removed", "demoted"])
async def test_a_session_ends_when_its_user_is_removed_or_demoted(served, edit):
    app, client, path = served
    assert await sign_in(client, "Anna") == 303
    assert (await client.get("/board/", allow_redirects=False)).status == 200
    async with client.get("/board/events", headers=STREAM) as resp:
        await next_named(resp, "board")
        text = path.read_text()
        if edit == "removed":
            text = text.replace("    - {name: Anna, role: nurse, password_hash_env: "
                                "BOARD_HASH_ANNA}\n", "")
        else:
            text = text.replace("{name: Anna, role: nurse", "{name: Anna, role: viewer")
        assert text != path.read_text()
        path.write_text(text)
        assert await app.reload_async() == []
        assert (await next_named(resp, "signed-out"))[0] == "signed-out"
    page = await client.get("/board/", allow_redirects=False)
    assert page.status == 303 and page.headers["Location"].startswith("/board/login")
    act = await client.post("/board/incidents/1/act", data={"action": "resolve"},
                            allow_redirects=False)
    assert act.status == 401
    if edit == "demoted":  # signing in again gives the new role
        assert await sign_in(client, "Anna") == 303
        page = await (await client.get("/board/")).text()
        assert "Anna (" in page
