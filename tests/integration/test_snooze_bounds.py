"""A snooze is short, one of the lengths offered, told to the others, and ends in a reminder."""

from __future__ import annotations

from datetime import timedelta

import pytest
from support import config_text
from test_telegram_press import press
from tg_support import CHAT_A, CHAT_B, NURSE_A, alarm, deliveries, incident

from escalator.domain.errors import ActionError
from escalator.domain.model import Action, AlarmEvent, Reason, State
from escalator.notify.render import headline_for


async def opened(app, clock) -> int:
    res = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now()))
    await app.tick()
    await app.service.act(res.incident_id, Action.ESCALATE, "Nurse Anna", party="ward-a")
    await app.tick()  # ward A and the vendor have both heard of it
    return res.incident_id


async def page(app, clock, incident_id: int) -> str:
    return f"/ack/{await app.ack_token(incident_id, 'alarm-vendor')}"


async def test_only_the_offered_lengths_are_accepted_and_a_week_is_refused(
        app, clock, client, recorder):
    iid = await opened(app, clock)
    url = await page(app, clock, iid)
    shown = await (await client.get(url)).text()
    assert [f'<option value="{m}">' in shown for m in (15, 60, 240)] == [True] * 3
    for minutes in ("10080", "30", "241"):
        resp = await client.post(url, data={"action": "snooze", "minutes": minutes})
        assert resp.status == 400
    with pytest.raises(ActionError, match="one of 15, 60, 240"):
        await app.service.act(iid, Action.SNOOZE, "someone", minutes=7 * 24 * 60)
    assert (await app.store.transaction(lambda tx: tx.incidents.get(iid))).state is State.OPEN


async def test_max_snooze_hides_and_refuses_longer_choices(make_app, clock, aiohttp_client):
    text = config_text().replace("  public_url: http://escalator.test\n",
                                 "  public_url: http://escalator.test\n  max_snooze: 1h\n")
    app = await make_app(text)
    client = await aiohttp_client(app.web_app())
    iid = await opened(app, clock)
    url = await page(app, clock, iid)
    shown = await (await client.get(url)).text()
    snoozes = shown.split('name="minutes">', 2)[2]  # after "on our way"'s travel times
    assert '<option value="60">' in snoozes and '<option value="240">' not in snoozes
    assert (await client.post(url, data={"action": "snooze", "minutes": "240"})).status == 400
    assert (await client.post(url, data={"action": "snooze", "minutes": "60"})).status == 200


async def test_a_snooze_is_told_to_the_others_and_ends_in_a_reminder(
        app, clock, client, recorder):
    iid = await opened(app, clock)
    recorder.clear()
    url = await page(app, clock, iid)
    resp = await client.post(url, data={"action": "snooze", "minutes": "15"})
    assert resp.status == 200
    await app.tick()
    [told] = recorder.to("ward-a")  # the nurse hears that the vendor snoozed it
    assert told.reason == Reason.SNOOZED.value and told.update
    assert recorder.to("alarm-vendor") == []  # not echoed to who snoozed it
    for lang, word in (("fi", "torkut"), ("sv", "pausa"), ("en", "snoozed")):
        line = headline_for(told.reason, told.detail, True, lang)
        assert word in line.lower() and "Security company fault hotline" in line
    recorder.clear()
    clock.advance(minutes=15)
    await app.tick()  # the snooze is over: the step is reminded
    assert (await app.store.transaction(lambda tx: tx.incidents.get(iid))).state is State.OPEN
    assert ("alarm-vendor", "RENOTIFY") in recorder.reasons()


async def test_telegram_offers_15_and_60_and_a_longer_press_is_stale(tg_app, fake_tg):
    app = await tg_app()
    iid = await alarm(app)
    await app.tick()
    buttons = fake_tg.buttons(fake_tg.chat_messages(CHAT_A)[0])
    assert [b for b in buttons if b.startswith("snooze")] == [f"snooze15:{iid}",
                                                              f"snooze60:{iid}"]
    week = await press(fake_tg, CHAT_A, NURSE_A, f"snooze10080:{iid}")
    assert week["text"].startswith("Tämä painike on vanhentunut")
    assert (await incident(app, iid)).state is State.OPEN
    await press(fake_tg, CHAT_A, NURSE_A, f"snooze60:{iid}")
    await app.tick()  # ward B's card says it is snoozed, in its own words
    told = [d for d in await deliveries(app, iid) if d.reason == "SNOOZED"]
    assert [(d.party, d.is_update) for d in told] == [("ward-b", True)]
    await fake_tg.wait_for(lambda: fake_tg.chat_messages(CHAT_B)[0].text.startswith(
        "⏸ Torkutettu"))
    assert (await incident(app, iid)).snoozed_until == app.clock.now() + timedelta(hours=1)
