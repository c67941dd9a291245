"""Caps on what one person, link or script can make the service keep (issue 19, point 8).

Measured before: 20,000 maintenance windows (no cap) made every new alarm take
0.3-1.4 s; notes, board sessions and live streams had no ceiling; guessing
ack and voice links was neither limited nor logged. Over real HTTP (aiohttp's
test server), on the injected clock.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from board_support import build, sign_in
from support import TOKENS, config_text

from escalator.config import load_config_text
from escalator.domain.errors import ConfigError
from escalator.domain.limits import (
    BOARD_SESSIONS,
    NOTES_PER_INCIDENT,
    SESSIONS_PER_USER,
    STREAMS_PER_SESSION,
)
from escalator.domain.maintenance import MAX_WINDOWS, MaintenanceWindow
from escalator.domain.model import AlarmEvent, Entry, Reason
from escalator.entrypoints.http.board.auth import Sessions
from escalator.entrypoints.http.guesses import GUESSES

OPERATOR = {"Authorization": f"Bearer {TOKENS['ESCALATOR_API_TOKEN']}"}
WINDOW = {"match": {"point": "B-wing*"}, "from": "2026-11-24 09:00",
          "until": "2026-11-26 16:00", "reason": "installation work"}


async def test_maintenance_windows_are_capped_through_the_api(app, client, clock):
    now = clock.now()
    draft = MaintenanceWindow("", now, now + timedelta(days=1), "work", (), (), "X*")

    def fill(tx):
        for _ in range(MAX_WINDOWS - 1):
            tx.maintenance.add_window(draft, "operator", now)
    await app.store.transaction(fill)
    assert (await client.post("/api/v1/maintenance", json=WINDOW, headers=OPERATOR)
            ).status == 201  # the last one that fits
    resp = await client.post("/api/v1/maintenance", json=WINDOW, headers=OPERATOR)
    assert resp.status == 409
    assert (await resp.json())["reason"] == "too_many_windows"
    count = await app.store.transaction(lambda tx: tx.maintenance.open_windows(now))
    assert count == MAX_WINDOWS


def test_maintenance_windows_are_capped_in_the_file():
    one = ('  - {from: "2026-12-01 08:00", until: "2026-12-01 09:00", reason: work,'
           ' match: {point: "A*"}}\n')
    text = config_text() + "maintenance:\n" + one * (MAX_WINDOWS + 1)
    with pytest.raises(ConfigError) as caught:
        load_config_text(text, env=TOKENS)
    assert f"at most {MAX_WINDOWS}" in caught.value.problems[0]
    load_config_text(config_text() + "maintenance:\n" + one * MAX_WINDOWS, env=TOKENS)


async def test_notes_per_incident_are_capped(app, client, clock):
    res = await app.service.ingest(AlarmEvent(source="terminal", code="FT", state="alarm",
                                              received_at=clock.now(), point="B"))
    notes = [Entry(clock.now(), Reason.NOTE, "ward-a", f"note {n}")
             for n in range(NOTES_PER_INCIDENT)]
    await app.store.transaction(lambda tx: tx.timeline.add(res.incident_id, notes))
    resp = await client.post(f"/api/v1/incidents/{res.incident_id}/actions",
                             json={"action": "note", "note": "one more"}, headers=OPERATOR)
    assert resp.status == 400
    assert f"{NOTES_PER_INCIDENT} notes" in (await resp.json())["error"]


def test_board_sessions_are_capped_oldest_signed_out():
    sessions, now, ttl = Sessions(), datetime(2026, 11, 24, tzinfo=UTC), timedelta(hours=1)
    first = sessions.start("Anna", "nurse", now, ttl)
    mine = [sessions.start("Anna", "nurse", now, ttl) for _ in range(SESSIONS_PER_USER)]
    assert sessions.get(first, now) is None  # the oldest of Anna's went
    assert all(sessions.get(t, now) is not None for t in mine)
    others = [sessions.start(f"user{n}", "viewer", now, ttl) for n in range(BOARD_SESSIONS)]
    assert sum(sessions.get(t, now) is not None for t in mine + others) == BOARD_SESSIONS
    assert sessions.get(others[-1], now) is not None  # signing in never fails


async def test_live_streams_are_capped_per_session(tmp_path, clock, recorder):
    app = await build(tmp_path, clock, recorder)
    try:
        async with TestClient(TestServer(app.web_app())) as client:
            assert await sign_in(client, "Maija") == 303
            open_ = []
            for _ in range(STREAMS_PER_SESSION):
                resp = await client.get("/board/events", headers={"Accept": "text/event-stream"})
                assert resp.status == 200
                open_.append(resp)
            refused = await client.get("/board/events",
                                       headers={"Accept": "text/event-stream"})
            assert refused.status == 429 and refused.headers["Retry-After"]
            assert app.board.streams.refused == 1
            open_[0].close()
            app.board.changes.notify()  # the closed stream's task ends at its next write
            for _ in range(50):
                if sum(app.board.streams.open.values()) < STREAMS_PER_SESSION:
                    break
                await asyncio.sleep(0.02)  # the task to see its socket closed
            again = await client.get("/board/events", headers={"Accept": "text/event-stream"})
            assert again.status == 200
            for resp in [*open_[1:], again]:
                resp.close()
            app.board.changes.close()
    finally:
        await app.stop()


async def test_ack_and_voice_link_guesses_are_limited_and_logged(app, client, caplog):
    caplog.set_level(logging.WARNING, logger="escalator.entrypoints.http.guesses")
    for n in range(GUESSES):
        path = f"/ack/guess{n}" if n % 2 else f"/voice/guess{n}/1/key"
        resp = await (client.get(path) if n % 2 else client.post(path, data={"Digits": "1"}))
        assert resp.status in (400, 403, 404), (path, resp.status)
    held = await client.get("/ack/one-more-guess")
    assert held.status == 429 and int(held.headers["Retry-After"]) > 0
    assert (await client.post("/voice/x/1/key", data={})).status == 429
    # from an address that is no listed proxy, X-Forwarded-For is not believed
    assert (await client.get("/ack/x", headers={"X-Forwarded-For": "198.51.100.7"})
            ).status == 429
    said = [r.getMessage() for r in caplog.records]
    assert any("127.0.0.1" in m and "answered" in m for m in said)  # the first failure
    assert any("held back" in m for m in said)
    assert (await client.get("/healthz")).status in (200, 503)  # other paths are untouched


async def test_behind_the_listed_proxy_each_visitor_counts_alone(make_app, tmp_path):
    text = config_text(f"sqlite:///{tmp_path}/e.db").replace(
        "  outbound_allow:", "  trusted_clients: [127.0.0.1]\n  outbound_allow:", 1)
    app = await make_app(text)
    async with TestClient(TestServer(app.web_app())) as client:
        for n in range(GUESSES):
            await client.get(f"/ack/g{n}", headers={"X-Forwarded-For": "203.0.113.9"})
        assert (await client.get("/ack/g", headers={"X-Forwarded-For": "203.0.113.9"})
                ).status == 429
        nurse = await client.get("/ack/typo", headers={"X-Forwarded-For": "198.51.100.4"})
        assert nurse.status != 429
