"""The operator API for maintenance windows: only operators, and every refusal a 400
that says why, with nothing stored."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from support import TOKENS

OPERATOR = {"Authorization": f"Bearer {TOKENS['ESCALATOR_API_TOKEN']}"}
NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # Tue 09:00 in Helsinki (the FakeClock's start)
GOOD = {"match": {"point": "B-wing*"}, "from": "2026-11-24 09:00", "until": "2026-11-26 16:00",
        "reason": "installation work"}  # who sets it is the token's name: "operator"


async def call(client, method, path, body=None, headers=OPERATOR):
    resp = await client.request(method, path, json=body, headers=headers)
    return resp.status, await resp.json()


async def stored_windows(app):
    return await app.store.transaction(lambda tx: tx.rows("SELECT * FROM maintenance_windows"))


@pytest.mark.parametrize("method,path", [
    ("GET", "/api/v1/maintenance"), ("POST", "/api/v1/maintenance"),
    ("PATCH", "/api/v1/maintenance/1"), ("DELETE", "/api/v1/maintenance/1"),
])
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"},
                                     {"Authorization": TOKENS["ESCALATOR_API_TOKEN"]}])
async def test_every_maintenance_endpoint_needs_the_operator_token(app, client, method, path,
                                                                   headers):
    status, body = await call(client, method, path, GOOD, headers=headers)
    assert status == 401 and body == {"error": "missing or wrong operator token"}
    assert await stored_windows(app) == []


async def test_create_list_and_the_stored_row(app, client):
    status, body = await call(client, "POST", "/api/v1/maintenance", GOOD)
    assert status == 201
    assert body == {
        "id": body["id"], "origin": "api", "reason": "installation work",
        "match": {"source": [], "code": [], "point": "B-wing*"},
        "from": "2026-11-24T07:00:00+00:00", "until": "2026-11-26T14:00:00+00:00",
        "from_local": "2026-11-24 09:00", "until_local": "2026-11-26 16:00", "active": True}
    rows = await stored_windows(app)
    assert [(str(r["id"]), r["created_by"]) for r in rows] == [(body["id"], "operator")]
    status, listed = await call(client, "GET", "/api/v1/maintenance")
    assert status == 200 and listed["maintenance_max"] == "7d"
    assert [w["id"] for w in listed["maintenance"]] == [body["id"]]
    assert listed["maintenance"][0]["created_by"] == "operator"


TOO_LONG = ("until: the window is longer than maintenance_max (7d); a window must end, so an "
            "alarm cannot hide behind it for weeks: split the work or renew it later")


@pytest.mark.parametrize("change,error", [
    ({"until": "2026-12-24 16:00"}, TOO_LONG),
    ({"until": "2026-11-24 08:00"}, "until: must be later than from"),
    ({"from": "2026-11-20 08:00", "until": "2026-11-24 08:30"},
     "until: must be in the future"),
    ({"until": "next friday"}, "until: 'next friday': expected a local time like"),
    ({"until": "2026-03-29 03:30", "from": "2026-03-29 01:00"},
     "until: '2026-03-29 03:30': 2026-03-29 03:30 does not exist in Europe/Helsinki"),
    ({"until": None}, "until: required"),
    ({"reason": ""}, "reason: required"),
    ({"by": "Facility manager"}, "by: changes with this token are recorded as 'operator'"),
    ({"match": {"source": ["termnal"]}}, "match.source: unknown source 'termnal'"),
    ({"match": {"spot": "B"}}, "match: unknown key 'spot'"),
    ({"match": "B-wing"}, "match: expected an object"),
    ({"whenever": 1}, "unknown key 'whenever'"),
])
async def test_bad_windows_are_400_with_a_reason_and_nothing_stored(app, client, change, error):
    status, body = await call(client, "POST", "/api/v1/maintenance", {**GOOD, **change})
    assert status == 400 and body["error"].startswith(error), body
    assert await stored_windows(app) == []


async def test_too_long_carries_a_machine_reason(client):
    status, body = await call(client, "POST", "/api/v1/maintenance",
                              {**GOOD, "until": "2026-12-24 16:00"})
    assert (status, body["reason"]) == (400, "too_long")


async def test_renewal_is_at_most_maintenance_max_from_now(app, client, clock):
    _, made = await call(client, "POST", "/api/v1/maintenance", GOOD)
    clock.advance(days=2)  # Thu 09:00: renew to next Thu 09:00 at the latest
    status, body = await call(client, "PATCH", f"/api/v1/maintenance/{made['id']}",
                              {"until": "2026-12-03 09:01"})
    assert (status, body.get("reason")) == (400, "renewal_too_long"), body
    assert "at most maintenance_max (7d) from now" in body["error"]
    status, body = await call(client, "POST", "/api/v1/maintenance",
                              {"id": made["id"], "until": "2026-12-03 09:00"})
    assert status == 200 and body["until_local"] == "2026-12-03 09:00"
    rows = await stored_windows(app)
    assert [(r["updated_by"], r["until"][:16]) for r in rows] == [("operator", "2026-12-03T07:00")]


@pytest.mark.parametrize("method,path,body,status,error", [
    ("PATCH", "/api/v1/maintenance/999", {"until": "2026-11-25 09:00"}, 404,
     "no maintenance window 999"),
    ("DELETE", "/api/v1/maintenance/999", None, 404, "no maintenance window 999"),
    ("DELETE", "/api/v1/maintenance/abc", None, 400, "window id must be a whole number"),
    ("DELETE", "/api/v1/maintenance/config-1", None, 409, "window config-1 is in the config"),
    ("PATCH", "/api/v1/maintenance/1", {"until": "2026-11-25 09:00", "x": 1}, 400,
     "unknown key 'x'"),
])
async def test_unknown_and_file_windows_cannot_be_changed(client, method, path, body, status,
                                                          error):
    got, answer = await call(client, method, path, body)
    assert got == status and answer["error"].startswith(error), answer


async def test_an_ended_window_cannot_be_renewed(client, clock):
    _, made = await call(client, "POST", "/api/v1/maintenance", GOOD)
    status, _ = await call(client, "DELETE", f"/api/v1/maintenance/{made['id']}")
    assert status == 200
    status, body = await call(client, "PATCH", f"/api/v1/maintenance/{made['id']}",
                              {"until": "2026-11-25 09:00"})
    assert status == 409 and "already ended" in body["error"]


async def test_setting_renewing_and_ending_a_window_is_in_the_audit_chain(app, client, clock):
    from escalator.storage import audit

    _, made = await call(client, "POST", "/api/v1/maintenance", GOOD)
    clock.advance(hours=1)
    await call(client, "PATCH", f"/api/v1/maintenance/{made['id']}",
               {"until": "2026-11-27 16:00"})
    clock.advance(hours=1)
    await call(client, "DELETE", f"/api/v1/maintenance/{made['id']}")
    rows, verdict = await app.store.transaction(
        lambda tx: (audit.rows_tx(tx), audit.verify_tx(tx)))
    ours = [(r["kind"], r["actor"]) for r in rows if r["kind"].startswith("maintenance.")]
    assert ours == [("maintenance.set", "operator"), ("maintenance.renewed", "operator"),
                    ("maintenance.ended", "operator")]  # the token's name, never a claim
    assert verdict.ok
