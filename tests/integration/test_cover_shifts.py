"""Cover shifts end to end: the ladder reaches the cover, not the covered person, for
the period and then the roster again; each door (API, board form, Telegram) once."""

from __future__ import annotations

from datetime import UTC, datetime

from support import TOKENS, config_text

from escalator.domain.covers import Asker
from escalator.domain.model import AlarmEvent

OPERATOR = {"Authorization": f"Bearer {TOKENS['ESCALATOR_API_TOKEN']}"}
MANAGER = Asker("Facility manager", "manager")
EVENING = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)  # Tue 22:00 in Helsinki: night shift
NEXT_EVENING = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)  # Wed 22:00: the cover is over


def told(recorder, incident_id: int) -> list[tuple[str, str]]:
    return [(m.party, m.reason) for _, m in recorder.sent if m.incident.id == incident_id]


async def raise_alarm(app, clock, point: str) -> int:
    result = await app.service.ingest(AlarmEvent(source="terminal", code="FT", state="alarm",
                                                 received_at=clock.now(), point=point))
    assert result.incident_id is not None
    await app.tick()
    return result.incident_id


async def covers_rows(app):
    return await app.store.transaction(lambda tx: tx.rows("SELECT * FROM covers ORDER BY id"))


async def test_the_ladder_reaches_the_cover_for_the_period_then_the_roster_again(
        make_app, clock, recorder, store_url):
    app = await make_app(storage=store_url)
    start, end = app.covering.tonight()  # said at 09:00: 18:00 tonight until 08:00
    done = await app.covering.cover(MANAGER, "night-nurse", "ward-a", start, end)
    assert done.problem is None and done.cover is not None
    clock.set(EVENING)
    first = await raise_alarm(app, clock, "loop 2")
    assert told(recorder, first) == [("ward-a", "FIRST")]  # not the night nurse
    steps = await app.store.transaction(lambda tx: tx.timeline.of_incident(first))
    assert "night-nurse" not in {e["party"] for e in steps}
    shown = app.use_cases().queries.directory  # what the board's rows and the cards say
    assert [r.party for r in shown.resolve("nurse-on-duty", EVENING)] == ["ward-a"]
    clock.set(NEXT_EVENING)
    second = await raise_alarm(app, clock, "loop 3")
    assert told(recorder, second) == [("night-nurse", "FIRST")]  # ended by itself
    audit = await app.store.transaction(
        lambda tx: tx.rows("SELECT actor, payload FROM audit_log WHERE kind = ?",
                           ("shift_cover.set",)))
    assert [a["actor"] for a in audit] == ["Facility manager"]
    assert '"covered":"night-nurse"' in audit[0]["payload"].replace(" ", "")


async def test_a_cover_ended_early_gives_the_roster_back(make_app, clock, recorder):
    app = await make_app()
    done = await app.covering.cover(MANAGER, "night-nurse", "ward-a", *app.covering.tonight())
    assert done.cover is not None
    clock.set(EVENING)
    ended = await app.covering.end(Asker("Ward A", "nurse", "ward-a"), done.cover.id)
    assert ended.cover is not None and ended.cover.end == EVENING
    incident = await raise_alarm(app, clock, "loop 2")
    assert told(recorder, incident) == [("night-nurse", "FIRST")]
    assert [r["ended_by"] for r in await covers_rows(app)] == ["Ward A"]


# -- the API door ----------------------------------------------------------------------
async def test_the_api_sets_lists_and_ends_a_cover_as_an_operator(app, client, clock,
                                                                  recorder):
    resp = await client.post("/api/v1/covers", headers=OPERATOR, json={
        "covered": "Night nurse", "cover": "ward-a", "from": "2026-11-24 21:00",
        "until": "2026-11-25 07:00"})
    assert resp.status == 201, await resp.text()
    body = await resp.json()
    assert body == {"id": body["id"], "covered": "night-nurse", "cover": "ward-a",
                    "from": "2026-11-24T19:00:00+00:00", "until": "2026-11-25T05:00:00+00:00",
                    "from_local": "2026-11-24 21:00", "until_local": "2026-11-25 07:00",
                    "active": False}
    listed = await (await client.get("/api/v1/covers", headers=OPERATOR)).json()
    assert [(c["id"], c["created_by"]) for c in listed["covers"]] == [(body["id"], "operator")]
    clock.set(EVENING)
    incident = await raise_alarm(app, clock, "loop 2")
    assert told(recorder, incident) == [("ward-a", "FIRST")]
    resp = await client.delete(f"/api/v1/covers/{body['id']}", headers=OPERATOR)
    assert resp.status == 200 and (await resp.json())["until"] == "2026-11-24T20:00:00+00:00"
    assert (await client.delete(f"/api/v1/covers/{body['id']}", headers=OPERATOR)).status == 404


async def test_the_api_refuses_without_a_token_and_says_why_with_nothing_stored(app, client):
    good = {"covered": "night-nurse", "cover": "ward-a", "tonight": True}
    assert (await client.post("/api/v1/covers", json=good)).status == 401
    for change, status, reason in [
            ({"cover": "night-nurse"}, 400, "same"),
            ({"cover": "nobody"}, 400, "unknown"),
            ({"tonight": False, "from": "2026-11-20 21:00", "until": "2026-11-21 07:00"}, 400,
             "past"),
            ({"tonight": False, "from": "2026-11-24 21:00", "until": "2026-12-24 07:00"}, 400,
             "too_long")]:
        resp = await client.post("/api/v1/covers", headers=OPERATOR, json={**good, **change})
        assert resp.status == status and (await resp.json()).get("reason") == reason, change
    assert await covers_rows(app) == []
    assert (await client.post("/api/v1/covers", headers=OPERATOR, json=good)).status == 201
    resp = await client.post("/api/v1/covers", headers=OPERATOR, json=good)
    assert resp.status == 409 and (await resp.json())["reason"] == "clash"


async def test_the_config_editors_simulate_reaches_the_kept_cover(make_app, clock, tmp_path):
    app = await make_app()
    text = config_text(f"sqlite:///{tmp_path}/escalator.db")
    before = await app.config_editing.simulate(text, "FT", "terminal", "", "2026-11-24 22:00")
    await app.covering.cover(MANAGER, "night-nurse", "ward-a", *app.covering.tonight())
    after = await app.config_editing.simulate(text, "FT", "terminal", "", "2026-11-24 22:00")
    assert "Night nurse:" in before.lines[1] and "Ward A nurse on duty:" in after.lines[1]
