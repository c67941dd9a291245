"""A broken config edit must never take the running service down."""

from __future__ import annotations

from support import TOKENS, config_text

from escalator.app import Escalator
from escalator.config import load_config
from escalator.domain.model import AlarmEvent, read_params


async def test_reload_keeps_last_good_config_and_applies_a_fixed_one(tmp_path, clock, recorder):
    path = tmp_path / "escalator.yaml"
    good = config_text(f"sqlite:///{tmp_path}/r.db")
    path.write_text(good)
    cfg, _ = load_config(str(path), env=TOKENS, strict_secrets=True)
    app = Escalator(cfg, clock=clock, env=TOKENS,
                    notifiers={"telegram": recorder, "email": recorder, "sms": recorder})
    await app.start(serve_http=False, schedule=False)
    try:
        path.write_text(good.replace("escalate_after: 10m", "escalate_after: ten minutes"))
        problems = app.reload()
        assert any("escalate_after" in p and str(path) in p for p in problems)
        assert app.config is cfg  # still the last good one
        assert app.health()["config"]["ok"] is False
        await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now()))
        await app.tick()
        assert recorder.reasons() == [("ward-a", "FIRST")]  # and it still works

        path.write_text(good.replace("name: Ward A nurse on duty", "name: Osasto A"))
        assert app.reload() == []
        assert app.config.parties["ward-a"].name == "Osasto A"
        assert app.health()["config"]["ok"] is True
    finally:
        await app.stop()


async def test_a_channel_not_set_up_fails_and_the_next_contact_is_tried(make_app, clock,
                                                                         recorder, tmp_path):
    """Outside a demo nobody reads the log: a contact whose channel is not set up (here a
    reload race: the service has no Telegram channel) is never "sent"; it fails for good
    with `not_set_up` and the party's next contact is tried (issue 19, point 10)."""
    app = await make_app(config_text(f"sqlite:///{tmp_path}/escalator.db").replace(
        "      - telegram: -1001234567890\n",
        "      - telegram: -1001234567890\n      - sms: \"+358401112223\"\n", 1))
    app.dispatcher.notifiers.pop("telegram")  # as on a service without a Telegram channel
    res = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now()))
    await app.tick()
    rows = await app.store.transaction(lambda tx: tx.deliveries.of_incident(res.incident_id))
    assert [(r.party, r.status, r.channel, r.contact_index) for r in rows] == [
        ("ward-a", "sent", "sms", 1)]  # the SMS contact, not "log:telegram"
    assert [(c.channel, m.party) for c, m in recorder.sent] == [("sms", "ward-a")]
    assert app.log_notifier.sent == []
    timeline = await app.store.transaction(lambda tx: tx.timeline.of_incident(res.incident_id))
    failed = [e for e in timeline if e["reason"] == "CHANNEL_FAILED"]
    assert [(e["party"], read_params(e["detail"])["failure"]) for e in failed] == [
        ("ward-a", "not_set_up")]


async def test_a_demo_delivers_to_the_log_and_says_so(make_app, clock):
    app = await make_app(demo=True)
    app.dispatcher.notifiers.pop("telegram")  # as on a machine without a Telegram channel
    res = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now()))
    await app.tick()
    rows = await app.store.transaction(lambda tx: tx.deliveries.of_incident(res.incident_id))
    assert [(r.party, r.status, r.channel) for r in rows] == [("ward-a", "sent", "log:telegram")]
    assert app.log_notifier.sent[0][1].party == "ward-a"


async def test_a_reload_naming_a_channel_the_service_lacks_is_refused_at_its_line(
        tmp_path, clock, recorder):
    path = tmp_path / "escalator.yaml"
    good = config_text(f"sqlite:///{tmp_path}/r.db")
    path.write_text(good)
    cfg, _ = load_config(str(path), env=TOKENS, strict_secrets=True)
    app = Escalator(cfg, clock=clock, env=TOKENS,
                    notifiers={"telegram": recorder, "email": recorder, "sms": recorder})
    await app.start(serve_http=False, schedule=False)
    try:
        path.write_text(good.replace("      - email: manager@lehtioja.example",
                                     "      - voice: \"+358401112223\""))
        [problem] = app.reload()
        assert "people.manager.contact[0].voice" in problem and "channels.voice" in problem
        assert app.config is cfg  # the last good one runs on
    finally:
        await app.stop()


async def test_an_oversized_config_is_refused_at_once_and_reload_runs_off_the_loop(
        tmp_path, clock, recorder):
    import asyncio

    path = tmp_path / "escalator.yaml"
    good = config_text(f"sqlite:///{tmp_path}/r.db")
    path.write_text(good)
    cfg, _ = load_config(str(path), env=TOKENS, strict_secrets=True)
    app = Escalator(cfg, clock=clock, env=TOKENS,
                    notifiers={"telegram": recorder, "email": recorder, "sms": recorder})
    await app.start(serve_http=False, schedule=False)
    try:
        path.write_text(good + "# padding\n" * 500_000)  # 5 MB
        [problem] = await app.reload_async()
        assert str(path) in problem and "at most 1,048,576" in problem
        assert app.config is cfg and app.health()["config"]["ok"] is False

        path.write_text(good.replace("name: Ward A nurse on duty", "name: Osasto A"))
        reloading = asyncio.create_task(app.reload_async())
        await asyncio.sleep(0)  # one turn of the loop: a reload on the loop would be over
        assert not reloading.done()  # the loop runs on while the file is read and checked
        assert await reloading == []
        assert app.config.parties["ward-a"].name == "Osasto A"
    finally:
        await app.stop()
