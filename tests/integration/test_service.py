"""The whole service over real SQLite with a fake clock: hours of ladder in milliseconds."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

from aiohttp import web
from aiohttp.test_utils import TestServer
from support import TOKENS

from escalator.domain.errors import NotifyError
from escalator.domain.model import Action, AlarmEvent, Reason, SafetyCause, State, read_params


def alarm(clock, code="FT", point="loop 2", state="alarm", event_id=None, source="terminal"):
    return AlarmEvent(source=source, code=code, state=state, received_at=clock.now(),
                      point=point, event_id=event_id)


async def timeline(app, incident_id):
    return await app.store.transaction(lambda tx: tx.timeline.of_incident(incident_id))


async def deliveries(app, incident_id):
    return await app.store.transaction(lambda tx: tx.deliveries.of_incident(incident_id))


async def advance(app, clock, minutes):
    """Move time minute by minute, ticking like the scheduler would."""
    for _ in range(int(minutes)):
        clock.advance(minutes=1)
        await app.tick()


async def test_alarm_opens_incident_and_tells_step_one_at_once(make_app, clock, recorder):
    app = await make_app()
    res = await app.service.ingest(alarm(clock))
    assert res.new_incident
    await app.tick()
    assert recorder.reasons() == [("ward-a", "FIRST")]
    msg = recorder.to("ward-a")[0]
    assert "Palohälytyssilmukan vika" in msg.text  # plain Finnish, not "FT"
    assert msg.ack_url.startswith("http://escalator.test/ack/")


async def test_renotify_escalate_and_ack_stop_everything(make_app, clock, recorder):
    app = await make_app()
    res = await app.service.ingest(alarm(clock))
    await app.tick()
    await advance(app, clock, 10)
    assert recorder.reasons() == [("ward-a", "FIRST"), ("ward-a", "RENOTIFY"),
                                  ("alarm-vendor", "ESCALATED"), ("ward-a", "ESCALATED")]
    recorder.clear()
    await app.service.act(res.incident_id, Action.ACKNOWLEDGE, "Vendor", party="alarm-vendor")
    await app.tick()
    assert recorder.reasons() == [("ward-a", "ACKED")]
    recorder.clear()
    await advance(app, clock, 180)
    # nothing more about it after the ack, however long we wait (the terminal's own
    # silence after 15 minutes is another incident)
    assert [m for _, m in recorder.sent if m.incident.id == res.incident_id] == []


async def test_same_alarm_while_open_is_counted_not_resent(make_app, clock, recorder):
    app = await make_app()
    first = await app.service.ingest(alarm(clock))
    await app.tick()
    clock.advance(seconds=30)
    again = await app.service.ingest(alarm(clock))
    await app.tick()
    assert again.incident_id == first.incident_id and not again.new_incident
    assert recorder.reasons() == [("ward-a", "FIRST")]
    inc = await app.store.transaction(lambda tx: tx.incidents.get(first.incident_id))
    assert inc.count == 2 and inc.last_seen_at == clock.now()


async def test_sender_id_makes_a_retry_idempotent(make_app, clock):
    app = await make_app()
    a = await app.service.ingest(alarm(clock, event_id="evt-1"))
    b = await app.service.ingest(alarm(clock, event_id="evt-1"))
    assert b.duplicate and b.incident_id == a.incident_id
    events = await app.store.transaction(lambda tx: tx.events.of_incident(a.incident_id))
    assert len(events) == 1


async def test_clear_resolves_and_everyone_notified_hears_once(make_app, clock, recorder):
    app = await make_app()
    res = await app.service.ingest(alarm(clock))
    await app.tick()
    await advance(app, clock, 10)
    recorder.clear()
    await app.service.ingest(alarm(clock, state="clear"))
    await app.tick()
    assert sorted(recorder.reasons()) == [("alarm-vendor", "CLEARED"), ("ward-a", "CLEARED")]
    inc = await app.store.transaction(lambda tx: tx.incidents.get(res.incident_id))
    assert inc.state is State.RESOLVED and inc.resolved_by == "source"


async def test_false_alarm_not_cleared_becomes_a_safety_incident(make_app, clock, recorder):
    app = await make_app()
    res = await app.service.ingest(alarm(clock))
    await app.tick()
    await app.service.act(res.incident_id, Action.FALSE_ALARM, "Nurse", party="ward-a")
    await advance(app, clock, 4 * 60 - 1)
    inc = await app.store.transaction(lambda tx: tx.incidents.get(res.incident_id))
    assert inc.state is State.FALSE_ALARM
    await advance(app, clock, 2)
    safety = await app.store.transaction(lambda tx: tx.safety.listed())
    # (the terminal, silent for 4 hours past its 15-minute heartbeat, has records of its own)
    assert [s["cause"] for s in safety if s["incident_id"] == res.incident_id] == [
        SafetyCause.FALSE_ALARM_NOT_CLEARED.value]
    assert ("manager", "SAFETY_INCIDENT") in recorder.reasons()
    inc = await app.store.transaction(lambda tx: tx.incidents.get(res.incident_id))
    assert inc.state is State.OPEN  # the ladder resumes


async def test_unacknowledged_alarm_ends_as_safety_incident(make_app, clock, recorder):
    app = await make_app()
    res = await app.service.ingest(alarm(clock))
    for _ in range(300):  # jump from due time to due time
        due = await app.tick()
        if due is None:
            break
        clock.set(max(due, clock.now()))
    safety = await app.store.transaction(lambda tx: tx.safety.listed())
    assert (res.incident_id, SafetyCause.NOBODY_ACKNOWLEDGED.value) in [
        (s["incident_id"], s["cause"]) for s in safety]
    assert ("manager", "EXHAUSTED") in recorder.reasons()


async def test_silent_source_opens_incident_and_resolves_when_it_speaks(make_app, clock, recorder):
    app = await make_app()
    await app.tick()  # first look at the sources starts their clocks
    await advance(app, clock, 14)
    assert recorder.sent == []
    await advance(app, clock, 1)
    silent = await app.store.transaction(lambda tx: tx.incidents.listed("open"))
    assert [(i.code, i.source) for i in silent] == [("source_silent", "terminal")]
    await app.service.ingest(alarm(clock, state="heartbeat", code="heartbeat"))
    await app.tick()
    inc = await app.store.transaction(lambda tx: tx.incidents.get(silent[0].id))
    assert inc.state is State.RESOLVED
    assert ("ward-a", "CLEARED") in recorder.reasons()


async def test_failing_channel_falls_back_to_the_next_contact(make_app, clock, recorder):
    app = await make_app()
    res = await app.service.ingest(alarm(clock))
    await app.tick()
    await app.service.act(res.incident_id, Action.ESCALATE, "Nurse", party="ward-a")
    recorder.failures = [NotifyError("550 no such user", recoverable=False, kind="bad_address")]
    await app.tick()
    vendor = [m for c, m in recorder.sent if m.party == "alarm-vendor"]
    assert [c.channel for c, m in recorder.sent if m.party == "alarm-vendor"] == ["sms"]
    assert vendor[0].reason == "ESCALATED"
    # the e-mail failure is not swept under the rug: the timeline names it and the fallback
    failed = [e for e in await timeline(app, res.incident_id) if e["reason"] == "CHANNEL_FAILED"]
    assert [e["party"] for e in failed] == ["alarm-vendor"]
    said = read_params(failed[0]["detail"])
    assert "550 no such user" in said["error"]
    assert (said["channel"], said["failure"], said["next"]) == ("email", "bad_address", "sms")


async def test_recoverable_failure_is_retried_with_backoff(make_app, clock, recorder):
    app = await make_app()
    await app.service.ingest(alarm(clock))
    recorder.failures = [NotifyError("timeout", recoverable=True, retry_after=30)]
    due = await app.tick()
    assert recorder.sent == [] and due == clock.now() + timedelta(seconds=30)
    clock.advance(seconds=30)
    await app.tick()
    assert recorder.reasons() == [("ward-a", "FIRST")]


async def test_every_contact_failing_moves_the_ladder_on(make_app, clock, recorder):
    app = await make_app()
    res = await app.service.ingest(alarm(clock))
    recorder.failures = [NotifyError("chat not found", recoverable=False)]
    await app.tick()
    await app.tick()
    tl = await timeline(app, res.incident_id)
    assert any(e["reason"] == Reason.DELIVERY_FAILED.value for e in tl)
    assert ("alarm-vendor", "ESCALATED") in recorder.reasons()


async def test_webhook_contact_gets_signed_json(make_app, clock, recorder):
    got: list[tuple[dict, str, bytes]] = []

    async def hook(request: web.Request) -> web.Response:
        body = await request.read()
        got.append((json.loads(body), request.headers["X-Escalator-Signature"] + "|"
                    + request.headers["X-Escalator-Timestamp"], body))
        return web.json_response({"ok": True})

    hook_app = web.Application()
    hook_app.router.add_post("/hook", hook)
    async with TestServer(hook_app, host="127.0.0.1") as server:
        app = await make_app(hook_url=str(server.make_url("/hook")))
        res = await app.service.ingest(alarm(clock))
        await app.tick()
        for _ in range(3):
            await app.service.act(res.incident_id, Action.ESCALATE, "test")
        await app.tick()
    payload, sig_ts, body = got[0]
    assert payload["incident"] == res.incident_id and payload["to"] == "maintenance"
    assert payload["reason"] == "ESCALATED" and payload["code"] == "FT"
    assert payload["point"] == "loop 2" and payload["ack_url"].startswith("http://escalator.test")
    assert {"step", "text", "state"} <= payload.keys()
    sig, ts = sig_ts.split("|")
    secret = TOKENS["MAINT_HOOK_SECRET"].encode()
    assert sig == "sha256=" + hmac.new(secret, ts.encode() + b"." + body,
                                       hashlib.sha256).hexdigest()


async def test_restart_resumes_timers_and_keeps_acks(make_app, clock, recorder, tmp_path):
    app = await make_app()
    first = await app.service.ingest(alarm(clock, code="FT"))
    other = await app.service.ingest(alarm(clock, code="YX", point="main board"))
    await app.tick()
    await app.service.act(other.incident_id, Action.ACKNOWLEDGE, "Nurse", party="ward-a")
    await app.tick()
    await app.stop()
    recorder.clear()
    clock.advance(minutes=5)
    again = await make_app()  # same database file, fresh process state
    await again.tick()
    assert recorder.reasons() == [("ward-a", "RENOTIFY")]
    assert recorder.sent[0][1].incident.id == first.incident_id
    acked = await again.store.transaction(lambda tx: tx.incidents.get(other.incident_id))
    assert acked.state is State.ACKNOWLEDGED and acked.acked_by == "Nurse"


async def test_pending_delivery_survives_a_crash_before_sending(make_app, clock, recorder):
    app = await make_app()
    await app.service.ingest(alarm(clock))  # committed; not yet sent
    await app.stop()  # "crash" before the dispatcher ran
    again = await make_app()
    await again.tick()
    assert recorder.reasons() == [("ward-a", "FIRST")]


async def test_stale_reminder_after_ack_is_not_sent(make_app, clock, recorder):
    app = await make_app()
    res = await app.service.ingest(alarm(clock))
    await app.tick()
    clock.advance(minutes=5)
    await app.service.wake()  # RENOTIFY decided and queued ...
    await app.service.act(res.incident_id, Action.ACKNOWLEDGE, "Nurse", party="ward-a")
    await app.tick()  # ... but the nurse took it first: the reminder is superseded
    assert ("ward-a", "RENOTIFY") not in recorder.reasons()
    rows = await deliveries(app, res.incident_id)
    assert [r.status for r in rows if r.reason == "RENOTIFY"] == ["superseded"]
