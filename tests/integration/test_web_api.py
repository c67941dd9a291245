"""The operator API over real HTTP: read incidents, act on them, reload the config."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiohttp import web
from support import TOKENS, config_text

from escalator.app import Escalator
from escalator.config import load_config
from escalator.domain.model import Action, AlarmEvent

OPERATOR = {"Authorization": f"Bearer {TOKENS['ESCALATOR_API_TOKEN']}"}




async def open_incident(app, clock, code="FT", point="loop 2") -> int:
    result = await app.service.ingest(AlarmEvent("terminal", code, "alarm", clock.now(),
                                                 point=point, event_id=f"{code}-{point}"))
    assert result.incident_id is not None
    return result.incident_id


async def act(client, incident_id, **body):
    return await client.post(f"/api/v1/incidents/{incident_id}/actions", json=body,
                             headers=OPERATOR)


ENDPOINTS = [("GET", "/api/v1/incidents"), ("GET", "/api/v1/incidents/1"),
             ("POST", "/api/v1/incidents/1/actions"), ("GET", "/api/v1/safety-incidents"),
             ("POST", "/api/v1/config/reload")]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer nope"},
    {"Authorization": f"Bearer {TOKENS['ESCALATOR_TERMINAL_TOKEN']}"},  # a source, not operator
])
async def test_every_endpoint_needs_the_operator_token(app, clock, client, method, path,
                                                       headers):
    await open_incident(app, clock)
    resp = await client.request(method, path, headers=headers, json={"action": "resolve",
                                                                     })
    assert resp.status == 401
    assert "token" in (await resp.json())["error"]
    incident = await app.store.transaction(lambda tx: tx.incidents.get(1))
    assert incident.state.value == "open"


async def test_list_filters_by_state_and_limit(app, clock, client):
    first = await open_incident(app, clock, point="loop 1")
    second = await open_incident(app, clock, point="loop 2")
    await app.service.act(first, Action.RESOLVE, "Olli")

    async def ids(query=""):
        resp = await client.get(f"/api/v1/incidents{query}", headers=OPERATOR)
        assert resp.status == 200
        return [i["id"] for i in (await resp.json())["incidents"]]

    assert await ids() == [second, first]
    assert await ids("?state=open") == [second]
    assert await ids("?state=resolved") == [first]
    assert await ids("?state=acknowledged") == []
    assert await ids("?limit=1") == [second]


@pytest.mark.parametrize(("query", "reason"), [
    ("?state=closed", "state must be one of open, acknowledged"),
    ("?limit=0", "limit"), ("?limit=-1", "limit"), ("?limit=abc", "limit"),
    ("?limit=501", "limit"),
])
async def test_list_rejects_bad_queries(client, query, reason):
    resp = await client.get(f"/api/v1/incidents{query}", headers=OPERATOR)
    assert resp.status == 400
    assert reason in (await resp.json())["error"]


async def test_incident_detail_has_every_field_timeline_deliveries_and_events(
        app, clock, client):
    incident_id = await open_incident(app, clock)
    await app.tick()  # the FIRST notice goes out
    resp = await client.get(f"/api/v1/incidents/{incident_id}", headers=OPERATOR)
    assert resp.status == 200
    body = await resp.json()
    assert {"id", "state", "code", "code_label", "point", "text", "severity", "source",
            "ladder", "opened_at", "last_seen_at", "count", "step", "loop", "exhausted",
            "notified", "acked_by", "acked_at", "snoozed_until", "false_alarm_by",
            "false_alarm_deadline", "resolved_at", "resolved_by"} <= set(body)
    assert body["code_label"] == "Palohälytyssilmukan vika"  # the facility speaks Finnish
    assert (body["state"], body["step"], body["notified"]) == ("open", 0, ["ward-a"])
    assert body["opened_at"] == "2026-11-24T07:00:00+00:00"
    assert [e["reason"] for e in body["timeline"]] == ["OPENED", "FIRST"]
    assert [e["party"] for e in body["timeline"]] == [None, "ward-a"]
    [delivery] = body["deliveries"]
    assert {k: delivery[k] for k in ("party", "reason", "status", "channel", "attempts",
                                     "error")} == {
        "party": "ward-a", "reason": "FIRST", "status": "sent", "channel": "telegram",
        "attempts": 1, "error": None}
    assert delivery["created_at"] and delivery["sent_at"]
    assert [(e["code"], e["event_id"]) for e in body["events"]] == [("FT", "FT-loop 2")]


async def test_incident_detail_404_and_400(client):
    missing = await client.get("/api/v1/incidents/999", headers=OPERATOR)
    assert missing.status == 404
    assert "999" in (await missing.json())["error"]
    bad = await client.get("/api/v1/incidents/abc", headers=OPERATOR)
    assert bad.status == 400
    assert "whole number" in (await bad.json())["error"]


ACTIONS = [
    ({"action": "acknowledge"}, {"state": "acknowledged", "acked_by": "operator"},
     "ACKED"),
    ({"action": "false_alarm", "note": "testing the loop"},
     {"state": "false_alarm", "false_alarm_by": "operator",
      "false_alarm_deadline": "2026-11-24T11:00:00+00:00"}, "FALSE_ALARM"),
    ({"action": "resolve", "note": "fuse replaced"},
     {"state": "resolved", "resolved_by": "operator",
      "resolved_at": "2026-11-24T07:00:00+00:00"}, "RESOLVED"),
    ({"action": "snooze", "minutes": 15},
     {"state": "snoozed", "snoozed_until": "2026-11-24T07:15:00+00:00"}, "SNOOZED"),
    ({"action": "snooze", "minutes": "60"},
     {"state": "snoozed", "snoozed_until": "2026-11-24T08:00:00+00:00"}, "SNOOZED"),
    ({"action": "escalate"}, {"state": "open", "step": 1,
                              "notified": ["ward-a", "alarm-vendor"]}, "ESCALATED"),
    ({"action": "note", "note": "on my way"}, {"state": "open"}, "NOTE"),
]


@pytest.mark.parametrize(("body", "expected", "reason"), ACTIONS,
                         ids=[f"{b['action']}-{i}" for i, (b, _, _) in enumerate(ACTIONS)])
async def test_every_action_through_the_api(app, clock, client, body, expected, reason):
    incident_id = await open_incident(app, clock)
    resp = await act(client, incident_id, **body)  # `by` is the token's name: "operator"
    assert resp.status == 200
    got = await resp.json()
    assert {k: got[k] for k in expected} == expected
    assert got["id"] == incident_id
    timeline = await app.store.transaction(lambda tx: tx.timeline.of_incident(incident_id))
    entry = next(e for e in timeline if e["reason"] == reason)
    assert "operator" in entry["detail"]
    if body.get("note"):
        assert body["note"] in entry["detail"]


@pytest.mark.parametrize(("body", "reason"), [
    ({"action": "fix", "by": "Olli"}, "action must be one of acknowledge, false_alarm"),
    ({"by": "Olli"}, "action must be one of"),
    ({"action": "acknowledge", "by": "terminal"}, "by: actions with this token are recorded "
                                                  "as 'operator'"),
    ({"action": "acknowledge", "by": 7}, "by: actions with this token"),
    ({"action": "snooze", "minutes": "soon"}, "minutes must be a whole number"),
    ({"action": "snooze", "minutes": 0}, "minutes must be one of 15, 60, 240"),
    ({"action": "snooze", "minutes": 30}, "minutes must be one of 15, 60, 240"),
    ({"action": "snooze", "minutes": 10080}, "minutes must be one of 15, 60, 240 (the snooze"),
    ({"action": "snooze", "minutes": 1.5}, "minutes"),
    ({"action": "note"}, "note: required"),
    ({"action": "note", "note": 3}, "note: expected a string"),
])
async def test_bad_actions_are_400_and_change_nothing(app, clock, client, body, reason):
    incident_id = await open_incident(app, clock)
    resp = await act(client, incident_id, **body)
    assert resp.status == 400
    got = await resp.json()
    assert reason in got["error"]
    if "action must be" in reason:
        assert got["valid"] == ["acknowledge", "false_alarm", "resolve", "snooze",
                                "escalate", "note", "en_route", "on_site"]
    timeline = await app.store.transaction(lambda tx: tx.timeline.of_incident(incident_id))
    assert [e["reason"] for e in timeline] == ["OPENED", "FIRST"]


async def test_action_on_unknown_incident_is_404_and_non_json_is_400(client):
    resp = await act(client, 4242, action="acknowledge")
    assert resp.status == 404
    resp = await client.post("/api/v1/incidents/1/actions", data=b"ack!", headers=OPERATOR)
    assert resp.status == 400
    assert "JSON" in (await resp.json())["error"]
    resp = await client.post("/api/v1/incidents/1/actions", json=["acknowledge"],
                             headers=OPERATOR)
    assert resp.status == 400


async def test_safety_incidents_list_the_cause(app, clock, client):
    incident_id = await open_incident(app, clock)
    assert (await act(client, incident_id, action="false_alarm")).status == 200
    clock.advance(hours=4, seconds=1)  # the terminal never cleared it
    await app.tick()
    # the terminal was silent past its heartbeat too: that is a safety record of its own
    resp = await client.get("/api/v1/safety-incidents?cause=false_alarm_not_cleared",
                            headers=OPERATOR)
    assert resp.status == 200
    [record] = (await resp.json())["safety_incidents"]
    assert record["incident_id"] == incident_id
    assert record["cause"] == "false_alarm_not_cleared"
    assert record["code"] == "FT" and record["code_label"] == "Palohälytyssilmukan vika"
    assert "operator" in record["detail"]


async def test_reload_without_a_config_file_is_422(client):
    resp = await client.post("/api/v1/config/reload", headers=OPERATOR)
    assert resp.status == 422
    assert await resp.json() == {"ok": False, "problems": ["no config file to reload"]}


async def test_reload_applies_a_good_file_and_keeps_the_last_good_one_on_errors(
        tmp_path, clock, recorder, aiohttp_client):
    path = tmp_path / "escalator.yaml"
    good = config_text(f"sqlite:///{tmp_path}/reload.db")
    path.write_text(good)
    cfg, _ = load_config(str(path), env=TOKENS)
    app = Escalator(cfg, clock=clock, env=TOKENS,
                    notifiers={"telegram": recorder, "email": recorder, "sms": recorder})
    await app.start(serve_http=False, schedule=False)
    try:
        client = await aiohttp_client(app.web_app())
        path.write_text(good.replace("name: Lehtiojan palvelukeskus", "name: Lehtioja"))
        resp = await client.post("/api/v1/config/reload", headers=OPERATOR)
        assert resp.status == 200
        assert await resp.json() == {"ok": True, "warnings": []}
        assert app.config.facility.name == "Lehtioja"

        path.write_text(good.replace("escalate_after: 10m", "escalate_after: ten minutes"))
        resp = await client.post("/api/v1/config/reload", headers=OPERATOR)
        assert resp.status == 422
        body = await resp.json()
        assert body["ok"] is False
        assert any("escalate_after" in p for p in body["problems"])
        assert app.config.facility.name == "Lehtioja"  # still the last good one
        await client.close()
    finally:
        await app.stop()


async def test_unexpected_errors_are_a_json_500_without_a_traceback(app, aiohttp_client):
    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("secret detail /etc/escalator.yaml")

    web_app = app.web_app()
    web_app.router.add_get("/api/v1/broken", broken)
    client = await aiohttp_client(web_app)
    resp = await client.get("/api/v1/broken")
    assert resp.status == 500
    text = await resp.text()
    assert "Traceback" not in text and "secret detail" not in text
    assert (await resp.json())["error"] == "internal error"


async def test_unknown_api_route_is_json_404(client):
    resp = await client.get("/api/v1/nothing", headers=OPERATOR)
    assert resp.status == 404
    assert (await resp.json())["error"] == "Not Found"


async def test_snooze_defaults_to_fifteen_minutes(app, clock, client):
    incident_id = await open_incident(app, clock)
    got = await (await act(client, incident_id, action="snooze")).json()
    assert got["snoozed_until"] == (clock.now() + timedelta(minutes=15)).isoformat()


async def test_listing_pages_past_500_with_a_cursor_and_a_next_link(app, clock, client):
    def add_many(tx):
        from dataclasses import replace as _replace

        from escalator.domain.model import Incident, State
        base = Incident(0, "terminal", "FT", "", "", "", "technical-fault", State.OPEN,
                        clock.now(), clock.now())
        for n in range(1203):
            tx.incidents.add(_replace(base, point=f"p{n}"), None)

    await app.store.transaction(add_many)
    seen: list[int] = []
    url = "/api/v1/incidents?limit=500&state=open"
    pages = 0
    while url:
        resp = await client.get(url, headers=OPERATOR)
        assert resp.status == 200
        body = await resp.json()
        seen += [i["id"] for i in body["incidents"]]
        url, pages = body["next"], pages + 1
        assert pages <= 3
    assert pages == 3 and len(seen) == 1203 == len(set(seen))
    assert seen == sorted(seen, reverse=True)
    bad = await client.get("/api/v1/incidents?cursor=abc", headers=OPERATOR)
    assert bad.status == 400 and "cursor" in (await bad.json())["error"]
