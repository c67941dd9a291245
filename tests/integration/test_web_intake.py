"""POST /api/v1/events over real HTTP and real SQLite: what a terminal can rely on."""

from __future__ import annotations

import json
import sqlite3

import pytest
from support import TOKENS

from escalator.storage import open_store

TERMINAL = {"Authorization": f"Bearer {TOKENS['ESCALATOR_TERMINAL_TOKEN']}"}




def db_path(app) -> str:
    return app.config.storage[len("sqlite:///"):]


async def read_back(app, fn):
    """Read through a second, fresh connection: proves the data was committed, not cached."""
    store = open_store(app.config.storage)
    await store.open()
    try:
        return await store.transaction(fn)
    finally:
        await store.close()


def count(app, table: str) -> int:
    with sqlite3.connect(db_path(app)) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


async def post(client, body, headers=TERMINAL):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return await client.post("/api/v1/events", data=data, headers=headers)


async def test_202_only_after_the_event_is_durably_stored(app, client):
    resp = await post(client, {"code": "FT", "point": "loop 2", "text": "Silmukka 2 vika",
                               "severity": "high", "time": "2026-11-24T08:59:30+02:00",
                               "id": "evt-1"})
    assert resp.status == 202
    body = await resp.json()
    assert body == {"incident": body["incident"], "duplicate": False, "status": "stored",
                    "ignored": [], "reopened": False}
    inc_id = body["incident"]
    assert isinstance(inc_id, int)

    incident, events = await read_back(
        app, lambda tx: (tx.incidents.get(inc_id), tx.events.of_incident(inc_id)))
    assert (incident.code, incident.point, incident.source) == ("FT", "loop 2", "terminal")
    assert incident.text == "Silmukka 2 vika" and incident.severity == "high"
    assert [(e["event_id"], e["state"]) for e in events] == [("evt-1", "alarm")]
    assert events[0]["occurred_at"].startswith("2026-11-24T06:59:30")  # stored as UTC


async def test_accepts_integer_id_and_z_time_and_lists_unknown_fields(app, client):
    resp = await post(client, {"code": "YX", "id": 12345, "time": "2026-11-24T07:00:00Z",
                               "zone": 3, "operator": "x"})
    assert resp.status == 202
    body = await resp.json()
    assert body["ignored"] == ["operator", "zone"]
    events = await read_back(app, lambda tx: tx.events.of_incident(body["incident"]))
    assert events[0]["event_id"] == "12345"


MALFORMED = [
    (b"this is not json", "not valid JSON"),
    (b'{"code": "FT"', "not valid JSON"),
    (b"[" * 5000 + b"]" * 5000, "not valid JSON"),
    (b"42", "body: expected a JSON object"),
    (b'"FT"', "body: expected a JSON object"),
    ({"state": "alarm"}, "code: required"),
    ({"code": ""}, "code: required"),
    ({"code": "   "}, "code: required"),
    ({"code": 5}, "code: expected a string"),
    ({"code": "x" * 65}, "code: at most 64"),
    ({"code": "FT", "state": "on"}, "state: expected one of alarm, clear, heartbeat"),
    ({"code": "FT", "state": 1}, "state: expected a string"),
    ({"code": "FT", "point": ["a"]}, "point: expected a string"),
    ({"code": "FT", "text": "x" * 2001}, "text: at most 2000"),
    ({"code": "FT", "severity": "x" * 33}, "severity: at most 32"),
    ({"code": "FT", "time": "2026-11-24T09:00:00"}, "time: needs a timezone"),
    ({"code": "FT", "time": "yesterday"}, "time: not an ISO-8601"),
    ({"code": "FT", "time": 1764000000}, "time: expected an ISO-8601 string"),
    ({"code": "FT", "id": "x" * 129}, "id: 1 to 128"),
    ({"code": "FT", "id": ""}, "id: 1 to 128"),
    ({"code": "FT", "id": True}, "id: expected a string or an integer"),
    ({"code": "FT", "id": 1.5}, "id: expected a string or an integer"),
    ({"code": "FT", "id": {"a": 1}}, "id: expected a string or an integer"),
    ([], "body: empty array"),
    ([{"code": "FT", "id": str(i)} for i in range(101)], "at most 100"),
    ([{"code": "FT", "id": "a"}, {"code": ""}], "[1].code: required"),
    ([{"code": "FT", "id": "a"}, 3], "[1].body: expected a JSON object"),
]


@pytest.mark.parametrize(("body", "reason"), MALFORMED,
                         ids=[f"{i}-{r.split(':')[0]}" for i, (_, r) in enumerate(MALFORMED)])
async def test_malformed_input_is_400_with_the_reason_and_nothing_stored(
        app, client, body, reason):
    resp = await post(client, body)
    assert resp.status == 400
    error = (await resp.json())["error"]
    assert reason in error
    assert count(app, "events") == 0 and count(app, "incidents") == 0  # all or nothing
    rejected = sum(app.metrics.value("escalator_events_rejected_total", reason=r)
                   for r in ("invalid", "not_json"))
    assert rejected == 1


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer wrong-token"},
    {"Authorization": f"Bearer {TOKENS['ESCALATOR_API_TOKEN']}"},  # operator, not a source
    {"Authorization": f"Basic {TOKENS['ESCALATOR_TERMINAL_TOKEN']}"},
    {"Authorization": "Bearer "},
    {"Authorization": f"Bearer {TOKENS['ESCALATOR_TERMINAL_TOKEN']}x"},
])
async def test_unknown_or_missing_token_is_401(app, client, headers):
    resp = await post(client, {"code": "FT"}, headers=headers)
    assert resp.status == 401
    assert "token" in (await resp.json())["error"]
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert count(app, "events") == 0
    assert app.metrics.value("escalator_events_rejected_total", reason="unauthorized") == 1


async def test_retry_with_the_same_id_is_idempotent(app, client):
    first = await (await post(client, {"code": "FT", "point": "loop 2", "id": "t-77"})).json()
    resp = await post(client, {"code": "FT", "point": "loop 2", "id": "t-77"})
    assert resp.status == 202
    again = await resp.json()
    assert again["incident"] == first["incident"]
    assert (first["duplicate"], again["duplicate"]) == (False, True)
    assert count(app, "events") == 1
    incident = await read_back(app, lambda tx: tx.incidents.get(first["incident"]))
    assert incident.count == 1


async def test_same_code_and_point_while_open_is_counted_not_renotified(app, client):
    a = await (await post(client, {"code": "FT", "point": "loop 2", "id": "1"})).json()
    b = await (await post(client, {"code": "FT", "point": "loop 2", "id": "2"})).json()
    other = await (await post(client, {"code": "FT", "point": "loop 3", "id": "3"})).json()
    assert a["incident"] == b["incident"] != other["incident"]
    incident, deliveries = await read_back(
        app, lambda tx: (tx.incidents.get(a["incident"]), tx.deliveries.of_incident(a["incident"])))
    assert incident.count == 2
    assert [d.reason for d in deliveries if d.reason == "FIRST"] == ["FIRST"]
    assert count(app, "events") == 3


async def test_clear_resolves_the_open_incident(app, client):
    opened = await (await post(client, {"code": "FT", "point": "loop 2"})).json()
    resp = await post(client, {"code": "FT", "point": "loop 2", "state": "clear"})
    assert resp.status == 202
    assert (await resp.json())["incident"] == opened["incident"]
    incident = await read_back(app, lambda tx: tx.incidents.get(opened["incident"]))
    assert incident.state.value == "resolved" and incident.resolved_by == "source"


async def test_heartbeat_needs_no_code_and_opens_nothing(app, client):
    resp = await post(client, {"state": "heartbeat"})
    assert resp.status == 202
    assert (await resp.json())["incident"] is None
    with sqlite3.connect(db_path(app)) as conn:
        assert conn.execute("SELECT code, state FROM events").fetchall() == [
            ("heartbeat", "heartbeat")]
    assert count(app, "incidents") == 0
    assert app.metrics.value("escalator_events_received_total",
                             source="terminal", state="heartbeat") == 1


async def test_a_buffered_batch_is_stored_in_order_with_one_result_each(app, client):
    batch = [{"code": "FT", "point": "loop 1", "id": "b1"},
             {"code": "YX", "point": "main board", "id": "b2", "extra": 1},
             {"code": "FT", "point": "loop 1", "id": "b1"},
             {"code": "FT", "point": "loop 1", "state": "clear", "id": "b3"}]
    resp = await post(client, batch)
    assert resp.status == 202
    results = await resp.json()
    assert [r["duplicate"] for r in results] == [False, False, True, False]
    assert results[0]["incident"] == results[2]["incident"] == results[3]["incident"]
    assert results[1]["ignored"] == ["extra"]
    first = await read_back(app, lambda tx: tx.incidents.get(results[0]["incident"]))
    assert first.state.value == "resolved"
    assert count(app, "events") == 3
    assert app.metrics.value("escalator_events_received_total",
                             source="terminal", state="alarm") == 3


async def test_storage_failure_is_503_with_retry_after_and_nothing_half_stored(app, client):
    with sqlite3.connect(db_path(app)) as conn:
        conn.execute("DROP TABLE events")  # the real store now fails on every ingest
    resp = await post(client, {"code": "FT", "point": "loop 2", "id": "x1"})
    assert resp.status == 503
    assert resp.headers["Retry-After"] == "5"
    text = await resp.text()
    assert "Traceback" not in text and "no such table" not in text
    assert "retry" in json.loads(text)["error"]
    assert count(app, "incidents") == 0  # the transaction was rolled back
    assert app.metrics.value("escalator_events_rejected_total", reason="storage") == 1


async def test_body_over_64_kib_is_refused(app, client):
    resp = await post(client, {"code": "FT", "text": "x" * 70_000})
    assert resp.status == 413
    assert "too large" in (await resp.json())["error"]
    assert count(app, "events") == 0
