"""/healthz and /metrics read the real store: they must notice when it is gone."""

from __future__ import annotations

import json
import sqlite3

from support import TOKENS

from escalator.domain.model import Action
from escalator.runtime.waker import Waker

TERMINAL = {"Authorization": f"Bearer {TOKENS['ESCALATOR_TERMINAL_TOKEN']}"}
DETAILS = {"Authorization": f"Bearer {TOKENS['ESCALATOR_API_TOKEN']}"}  # details need a token




def drop(app, table: str) -> None:
    with sqlite3.connect(app.config.storage[len("sqlite:///"):]) as conn:
        conn.execute(f"DROP TABLE {table}")


def sample(text: str, series: str) -> float:
    """The value of one exposed series, e.g. 'escalator_incidents{state="open"}'."""
    for line in text.splitlines():
        if not line.startswith("#") and line.rsplit(" ", 1)[0] == series:
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{series} not exposed in:\n{text}")


async def post_events(client, *events):
    for event in events:
        resp = await client.post("/api/v1/events", json=event, headers=TERMINAL)
        assert resp.status == 202


async def test_healthz_is_200_with_open_incidents_when_everything_runs(app, client):
    app.waker = Waker(app.tick)  # the scheduler, as `start(schedule=True)` would set it up
    app.waker.start()
    await post_events(client, {"code": "FT", "point": "1"}, {"code": "YX", "point": "2"},
                      {"code": "YX", "point": "2", "state": "clear"})
    resp = await client.get("/healthz", headers=DETAILS)
    assert resp.status == 200
    body = await resp.json()
    assert body["ok"] is True
    assert body["open_incidents"] == 1
    assert body["store"] == {"ok": True, "kind": "sqlite"}
    assert body["scheduler"]["ok"] is True and body["config"]["ok"] is True


async def test_healthz_is_503_when_the_scheduler_is_not_running(client):
    resp = await client.get("/healthz", headers=DETAILS)
    assert resp.status == 503
    body = await resp.json()
    assert body["scheduler"]["ok"] is False and body["ok"] is False
    assert body["open_incidents"] == 0


async def test_healthz_is_503_when_the_store_fails(app, client):
    app.waker = Waker(app.tick)
    drop(app, "incidents")
    resp = await client.get("/healthz", headers=DETAILS)
    assert resp.status == 503
    body = await resp.json()
    assert body["store"]["ok"] is False
    assert body["open_incidents"] is None
    assert "Traceback" not in json.dumps(body)


async def test_metrics_expose_counters_and_live_store_gauges(app, client):
    await post_events(client, {"code": "FT", "point": "1"}, {"state": "heartbeat"})
    await client.post("/api/v1/events", json={"code": "FT"})  # no token
    await client.post("/api/v1/events", data=b"{", headers=TERMINAL)
    resp = await client.get("/metrics")
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    text = await resp.text()
    assert "# TYPE escalator_events_received_total counter" in text
    assert sample(text, 'escalator_events_received_total{source="terminal",state="alarm"}') == 1
    assert sample(text,
                  'escalator_events_received_total{source="terminal",state="heartbeat"}') == 1
    assert sample(text, 'escalator_events_rejected_total{reason="unauthorized"}') == 1
    assert sample(text, 'escalator_events_rejected_total{reason="not_json"}') == 1
    assert "# TYPE escalator_incidents gauge" in text
    assert sample(text, 'escalator_incidents{state="open"}') == 1
    assert sample(text, 'escalator_incidents{state="resolved"}') == 0
    assert sample(text, 'escalator_deliveries{channel="",status="pending"}') == 1
    assert sample(text, "escalator_safety_incidents_total") == 0
    assert sample(text, "escalator_store_up") == 1

    await app.tick()  # the FIRST notice goes out on telegram
    text = await (await client.get("/metrics")).text()
    assert sample(text, 'escalator_deliveries{channel="telegram",status="sent"}') == 1


async def test_metrics_count_safety_incidents(app, clock, client):
    await post_events(client, {"code": "FT", "point": "1"})
    await app.service.act(1, Action.FALSE_ALARM, "Olli")
    clock.advance(hours=4, seconds=1)
    await app.tick()
    text = await (await client.get("/metrics")).text()
    # the false alarm not cleared, and the terminal silent past its 15-minute heartbeat
    assert sample(text, "escalator_safety_incidents_total") == 2


async def test_metrics_answer_with_store_down_when_the_store_fails(app, client):
    await post_events(client, {"code": "FT", "point": "1"})
    drop(app, "deliveries")
    resp = await client.get("/metrics")
    assert resp.status == 200
    text = await resp.text()
    assert sample(text, "escalator_store_up") == 0
    assert "escalator_incidents{" not in text
    assert sample(text, 'escalator_events_received_total{source="terminal",state="alarm"}') == 1
