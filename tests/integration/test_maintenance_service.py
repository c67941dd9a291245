"""Maintenance windows through the real service, on SQLite and on PostgreSQL.

The care home's B-wing has installation work on Tuesday 08:00-12:00 (local).
An FT alarm from B-wing in that time is recorded but nobody is told; when the
window ends and the alarm is still on, step 1 hears it (MAINTENANCE_ENDED).
Time is a FakeClock; the window's end is a due time the waker returns.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from support import TOKENS, config_text

from escalator.app import Escalator
from escalator.config import load_config
from escalator.domain.errors import NotifyError
from escalator.domain.model import Action, AlarmEvent, State

START = datetime(2026, 11, 24, 6, 30, tzinfo=UTC)  # Tue 08:30 in Helsinki
WINDOW_END = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # 12:00 in Helsinki
OPERATOR = {"Authorization": f"Bearer {TOKENS['ESCALATOR_API_TOKEN']}"}

B_WING = """
maintenance:
  - match: {source: [terminal], code: [FT], point: "B-wing*"}
    from: "2026-11-24 08:00"
    until: "2026-11-24 12:00"
    reason: installation work
"""


def care_home(storage: str, windows: str = B_WING) -> str:
    """The test facility without the terminal's heartbeat, so only our alarm speaks."""
    return config_text(storage).replace("    heartbeat_timeout: 15m\n", "") + windows


def alarm(clock, point="B-wing 2nd floor", state="alarm", code="FT"):
    return AlarmEvent(source="terminal", code=code, state=state, received_at=clock.now(),
                      point=point)


async def reasons_of(app, incident_id):
    rows = await app.store.transaction(lambda tx: tx.timeline.of_incident(incident_id))
    return [r["reason"] for r in rows]


async def incident(app, incident_id):
    return await app.store.transaction(lambda tx: tx.incidents.get(incident_id))


async def test_alarm_in_a_window_is_recorded_then_starts_its_ladder_when_the_window_ends(
        make_app, clock, recorder, store_url):
    clock.set(START)
    app = await make_app(care_home(store_url), storage=store_url)
    res = await app.service.ingest(alarm(clock))
    assert res.new_incident
    due = await app.tick()
    assert recorder.sent == []  # nobody is told during the work
    assert due == WINDOW_END  # the waker knows when to look again
    held = await incident(app, res.incident_id)
    assert held.state is State.OPEN and held.escalation.step == -1
    assert await reasons_of(app, res.incident_id) == ["OPENED", "MAINTENANCE_HELD"]
    events = await app.store.transaction(lambda tx: tx.events.of_incident(res.incident_id))
    assert [e["state"] for e in events] == ["alarm"]  # the event itself is stored

    clock.set(WINDOW_END - timedelta(seconds=1))
    await app.tick()
    assert recorder.sent == []
    clock.set(WINDOW_END)
    await app.tick()
    assert recorder.reasons() == [("ward-a", "MAINTENANCE_ENDED")]
    message = recorder.to("ward-a")[0]
    assert "Huoltotyön aika päättyi (installation work)" in message.text
    assert await reasons_of(app, res.incident_id) == [
        "OPENED", "MAINTENANCE_HELD", "MAINTENANCE_ENDED"]
    # from here on it is an ordinary ladder: a reminder after 5 minutes, then the vendor
    recorder.clear()
    clock.advance(minutes=5)
    await app.tick()
    assert recorder.reasons() == [("ward-a", "RENOTIFY")]


async def test_a_clear_during_the_window_resolves_it_quietly(make_app, clock, recorder,
                                                               store_url):
    clock.set(START)
    app = await make_app(care_home(store_url), storage=store_url)
    res = await app.service.ingest(alarm(clock))
    await app.tick()
    clock.advance(minutes=30)
    await app.service.ingest(alarm(clock, state="clear"))
    await app.tick()
    clock.set(WINDOW_END + timedelta(hours=1))
    await app.tick()
    assert recorder.sent == []
    inc = await incident(app, res.incident_id)
    assert inc.state is State.RESOLVED and inc.resolved_by == "source"
    assert await reasons_of(app, res.incident_id) == ["OPENED", "MAINTENANCE_HELD", "CLEARED"]


async def test_the_same_alarm_again_stays_held_and_is_counted(make_app, clock, recorder,
                                                                store_url):
    clock.set(START)
    app = await make_app(care_home(store_url), storage=store_url)
    res = await app.service.ingest(alarm(clock))
    await app.tick()
    clock.advance(minutes=10)
    again = await app.service.ingest(alarm(clock))
    assert again.incident_id == res.incident_id
    assert await app.tick() == WINDOW_END
    assert recorder.sent == []
    clock.set(WINDOW_END)
    await app.tick()
    assert recorder.reasons() == [("ward-a", "MAINTENANCE_ENDED")]
    assert (await incident(app, res.incident_id)).count == 2


async def test_alarms_outside_the_windows_match_escalate_at_once(make_app, clock, recorder,
                                                                   store_url):
    clock.set(START)
    app = await make_app(care_home(store_url), storage=store_url)
    for event in (alarm(clock, point="A-wing 1st floor"), alarm(clock, code="YX")):
        await app.service.ingest(event)
    await app.tick()
    assert recorder.reasons() == [("ward-a", "FIRST"), ("ward-a", "FIRST")]


async def test_a_person_taking_it_during_the_window_ends_the_hold(make_app, clock, recorder,
                                                                   store_url):
    clock.set(START)
    app = await make_app(care_home(store_url), storage=store_url)
    res = await app.service.ingest(alarm(clock))
    await app.tick()
    await app.service.act(res.incident_id, Action.ACKNOWLEDGE, "Installer")
    clock.set(WINDOW_END + timedelta(minutes=1))
    await app.tick()
    assert [r for r in recorder.reasons() if r[1] == "MAINTENANCE_ENDED"] == []
    assert (await incident(app, res.incident_id)).state is State.ACKNOWLEDGED
    holds = await app.store.transaction(lambda tx: tx.rows("SELECT * FROM incident_holds"))
    assert holds == []


async def api(client, method, path, body=None):
    resp = await client.request(method, path, json=body, headers=OPERATOR)
    return resp.status, await resp.json()


async def test_api_window_survives_a_restart_and_renewal_moves_the_release(
        make_app, clock, recorder, store_url, aiohttp_client):
    clock.set(START)
    text = care_home(store_url, windows="")
    app = await make_app(text, storage=store_url)
    client = await aiohttp_client(app.web_app())
    status, body = await api(client, "POST", "/api/v1/maintenance", {
        "match": {"point": "B-wing*"}, "until": "2026-11-24 12:00",
        "reason": "installation work"})
    assert status == 201, body
    window_id = body["id"]
    assert body["until"] == "2026-11-24T10:00:00+00:00" and body["active"] is True
    await client.close()
    await app.stop()

    again = await make_app(text, storage=store_url)  # a restart on the same database
    res = await again.service.ingest(alarm(clock))
    assert await again.tick() == WINDOW_END
    assert recorder.sent == []
    client = await aiohttp_client(again.web_app())
    status, body = await api(client, "GET", "/api/v1/maintenance")
    assert [(w["id"], w["origin"], w["until_local"]) for w in body["maintenance"]] == [
        (window_id, "api", "2026-11-24 12:00")]
    # renewed to 14:00 local: at 12:00 nothing happens, at 14:00 the ladder starts
    status, body = await api(client, "PATCH", f"/api/v1/maintenance/{window_id}",
                             {"until": "2026-11-24 14:00"})
    assert status == 200, body
    clock.set(WINDOW_END)
    assert await again.tick() == WINDOW_END + timedelta(hours=2)
    assert recorder.sent == []
    clock.set(WINDOW_END + timedelta(hours=2))
    await again.tick()
    assert recorder.reasons() == [("ward-a", "MAINTENANCE_ENDED")]
    assert await reasons_of(again, res.incident_id) == [
        "OPENED", "MAINTENANCE_HELD", "MAINTENANCE_ENDED"]


async def test_ending_a_window_early_releases_what_it_held(make_app, clock, recorder,
                                                             store_url, aiohttp_client):
    clock.set(START)
    app = await make_app(care_home(store_url, windows=""), storage=store_url)
    client = await aiohttp_client(app.web_app())
    status, body = await api(client, "POST", "/api/v1/maintenance", {
        "match": {"source": "terminal", "code": ["FT"]}, "from": "2026-11-24 08:00",
        "until": "2026-11-24 12:00", "reason": "installation work"})
    assert status == 201, body
    await app.service.ingest(alarm(clock))
    await app.tick()
    assert recorder.sent == []
    clock.advance(minutes=20)
    status, body = await api(client, "DELETE", f"/api/v1/maintenance/{body['id']}")
    assert status == 200 and body["active"] is False
    await app.tick()
    assert recorder.reasons() == [("ward-a", "MAINTENANCE_ENDED")]
    status, body = await api(client, "GET", "/api/v1/maintenance")
    assert body["maintenance"] == []


async def test_removing_a_window_from_the_file_releases_on_reload(clock, recorder, store_url,
                                                                    tmp_path):
    clock.set(START)
    path = tmp_path / "care.yaml"
    path.write_text(care_home(store_url))
    cfg, _ = load_config(str(path), env=TOKENS, strict_secrets=True)
    app = Escalator(cfg, clock=clock, env=TOKENS,
                    notifiers={"telegram": recorder, "email": recorder, "sms": recorder})
    await app.start(serve_http=False, schedule=False)
    try:
        await app.service.ingest(alarm(clock))
        await app.tick()
        assert recorder.sent == []
        path.write_text(care_home(store_url, windows=""))
        assert app.reload() == []
        await app.tick()
        assert recorder.reasons() == [("ward-a", "MAINTENANCE_ENDED")]
    finally:
        await app.stop()


async def test_an_unreachable_step_one_at_the_windows_end_moves_the_ladder_on(
        make_app, clock, recorder, store_url):
    """MAINTENANCE_ENDED is a call to act: if nobody on step 1 can be reached, step 2 is."""
    clock.set(START)
    app = await make_app(care_home(store_url), storage=store_url)
    res = await app.service.ingest(alarm(clock))
    await app.tick()
    clock.set(WINDOW_END)
    recorder.failures = [NotifyError("chat not found", recoverable=False)]
    await app.tick()
    await app.tick()
    assert "DELIVERY_FAILED" in await reasons_of(app, res.incident_id)
    assert ("alarm-vendor", "ESCALATED") in recorder.reasons()


async def test_a_window_ending_after_the_alarm_was_taken_sends_nothing_stale(
        make_app, clock, recorder, store_url):
    """A MAINTENANCE_ENDED still queued when someone takes the alarm is superseded."""
    clock.set(START)
    app = await make_app(care_home(store_url), storage=store_url)
    res = await app.service.ingest(alarm(clock))
    await app.tick()
    clock.set(WINDOW_END)
    await app.service.wake()  # the ladder starts; its notice is queued, not yet sent
    await app.service.act(res.incident_id, Action.ACKNOWLEDGE, "Installer")
    await app.tick()
    assert ("ward-a", "MAINTENANCE_ENDED") not in recorder.reasons()
    rows = await app.store.transaction(lambda tx: tx.deliveries.of_incident(res.incident_id))
    assert [(d.reason, d.status) for d in rows if d.reason == "MAINTENANCE_ENDED"] == [
        ("MAINTENANCE_ENDED", "superseded")]


async def test_a_window_on_a_source_holds_its_silence_too(make_app, clock, recorder, store_url):
    """The installer switches the terminal off: its silence is held, then escalates."""
    clock.set(START)
    windows = B_WING.replace('{source: [terminal], code: [FT], point: "B-wing*"}',
                             "{source: terminal}")
    text = config_text(store_url) + windows  # with the terminal's 15-minute heartbeat
    app = await make_app(text, storage=store_url)
    await app.tick()
    clock.advance(minutes=16)
    await app.tick()
    silent = await app.store.transaction(lambda tx: tx.incidents.listed("open"))
    assert [i.code for i in silent] == ["source_silent"]
    assert recorder.sent == []
    assert await reasons_of(app, silent[0].id) == ["OPENED", "MAINTENANCE_HELD"]
    clock.set(WINDOW_END)
    await app.tick()
    assert recorder.reasons() == [("ward-a", "MAINTENANCE_ENDED")]


async def test_the_installer_tripping_it_again_reopens_it_held_not_called_out(
        make_app, clock, recorder, store_url):
    """Alarm, clear, alarm again during the work: the same incident, still nobody called."""
    clock.set(START)
    app = await make_app(care_home(store_url), storage=store_url)
    first = await app.service.ingest(alarm(clock))
    clock.advance(minutes=10)
    await app.service.ingest(alarm(clock, state="clear"))
    clock.advance(minutes=10)
    again = await app.service.ingest(alarm(clock))
    assert again.incident_id == first.incident_id
    assert await app.tick() == WINDOW_END
    assert recorder.sent == []
    assert await reasons_of(app, first.incident_id) == [
        "OPENED", "MAINTENANCE_HELD", "CLEARED", "REOPENED", "MAINTENANCE_HELD"]
    clock.set(WINDOW_END)
    await app.tick()
    assert recorder.reasons() == [("ward-a", "MAINTENANCE_ENDED")]
