"""Notes: limited per link and person, recorded but not sent after resolve, and never
eating the Telegram budget a real alarm needs."""

from __future__ import annotations

from fake_telegram import FakeTelegram
from support import TOKENS
from tg_support import CHAT_A, alarm, deliveries

from escalator.domain.guards import Why
from escalator.domain.limits import NOTES_PER_INCIDENT
from escalator.domain.model import Action, AlarmEvent, Entry, Reason
from escalator.i18n import t

OPERATOR = {"Authorization": f"Bearer {TOKENS['ESCALATOR_API_TOKEN']}"}


async def escalated(app, clock, point: str = "Loop 2") -> int:
    res = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now(),
                                              point=point))
    await app.tick()
    await app.service.act(res.incident_id, Action.ESCALATE, "Nurse Anna", party="ward-a")
    await app.tick()
    return res.incident_id


async def link(app, clock, incident_id: int, party: str = "alarm-vendor") -> str:
    return f"/ack/{await app.ack_token(incident_id, party)}"


async def note(client, url: str, text: str):
    return await client.post(url, data={"action": "note", "note": text})


async def test_a_link_may_send_five_notes_in_ten_minutes_then_429_with_the_reason(
        app, clock, client, recorder):
    iid = await escalated(app, clock)
    recorder.clear()
    url = await link(app, clock, iid)
    for n in range(5):
        assert (await note(client, url, f"note {n}")).status == 200
    refused = await note(client, url, "note 6")
    assert refused.status == 429 and int(refused.headers["Retry-After"]) == 600
    assert "Huomautuksia on lähetetty liian monta" in await refused.text()
    await app.tick()
    assert [m.reason for m in recorder.to("ward-a")] == ["NOTE"] * 5  # the sixth went nowhere
    clock.advance(minutes=10)
    assert (await note(client, url, "later")).status == 200


async def test_a_person_is_limited_across_incidents_and_the_api_answers_429(
        app, clock, client):
    ids = [await escalated(app, clock, point=f"Loop {n}") for n in range(3)]
    for iid in ids[:2]:
        for n in range(5):
            assert (await note(client, await link(app, clock, iid), f"n{n}")).status == 200
    third = await note(client, await link(app, clock, ids[2]), "one more")
    assert third.status == 429
    for n in range(5):  # the operator token is a person of its own
        resp = await client.post(f"/api/v1/incidents/{ids[0]}/actions", headers=OPERATOR,
                                 json={"action": "note", "note": f"op {n}"})
        assert resp.status == 200
    resp = await client.post(f"/api/v1/incidents/{ids[0]}/actions", headers=OPERATOR,
                             json={"action": "note", "note": "op 6"})
    assert resp.status == 429 and "too many notes from 'operator'" in (await resp.json())["error"]


async def test_a_note_after_resolve_is_recorded_not_fanned_out(app, clock, client, recorder):
    iid = await escalated(app, clock)
    await app.service.act(iid, Action.RESOLVE, "Nurse Anna", party="ward-a")
    await app.tick()
    recorder.clear()
    resp = await note(client, await link(app, clock, iid), "Invoice follows.")
    assert resp.status == 200
    await app.tick()
    assert recorder.sent == []
    timeline = await app.store.transaction(lambda tx: tx.timeline.of_incident(iid))
    assert any(e["reason"] == "NOTE" and "Invoice follows." in e["detail"] for e in timeline)
    rows = await app.store.transaction(lambda tx: tx.deliveries.of_incident(iid))
    assert not [r for r in rows if r.reason == Reason.NOTE.value]


async def test_twenty_notes_do_not_push_a_real_alarm_into_a_digest(
        tg_app, fake_tg: FakeTelegram, recorder):
    app = await tg_app(step1="[ward-a]")
    first = await alarm(app)
    await app.tick()
    for n in range(20):
        await app.service.act(first, Action.NOTE, "Security company", party="vendor",
                              note=f"update {n}")
    await app.tick()
    second = await alarm(app, point="Loop 9, wing C")
    await app.tick()
    card = [m for m in fake_tg.chat_messages(CHAT_A) if f"acknowledge:{second}"
            in fake_tg.buttons(m)]
    assert card and "#" + str(second) in card[0].text  # its own card with buttons
    assert not [m for m in fake_tg.chat_messages(CHAT_A) if m.text.startswith("⚠️")]
    for _ in range(10):  # the rest of the notes follow at a few a minute; none is lost
        app.clock.advance(minutes=1)
        await app.tick()
    notes = [d for d in await deliveries(app, first) if d.reason == "NOTE"]
    assert len(notes) == 20 and all(d.status == "sent" for d in notes)
    in_chat = [m for m in fake_tg.chat_messages(CHAT_A) if m.text.startswith("📝")]
    by_mail = [m for m in recorder.to("ward-a") if m.reason == "NOTE"]
    assert len(in_chat) + len(by_mail) == 20 and len(in_chat) >= 10


async def test_a_full_alarm_says_so_on_the_ack_page_not_bad_form(
        app, clock, client, recorder):
    """The incident's note cap is a row of the guard table: the page says why in the
    reader's language (the facility's: Finnish here), not a generic "bad form"."""
    iid = await escalated(app, clock)
    full = [Entry(clock.now(), Reason.NOTE, "ward-a", f"note {n}")
            for n in range(NOTES_PER_INCIDENT)]
    await app.store.transaction(lambda tx: tx.timeline.add(iid, full))
    refused = await note(client, await link(app, clock, iid), "one more")
    assert refused.status == 400
    page = await refused.text()
    assert t("fi", "answer.notes_full", count=NOTES_PER_INCIDENT) in page
    assert t("fi", "page.bad_form") not in page
    said = await client.post(await link(app, clock, iid), data={
        "action": "note", "note": "one more"}, headers={"Accept": "application/json"})
    assert (await said.json())["outcome"] == Why.NOTES_FULL.value
    assert t("en", "answer.notes_full", count=1) != t("fi", "answer.notes_full", count=1) \
        != t("sv", "answer.notes_full", count=1)


async def test_not_ours_by_phone_on_a_full_alarm_is_told_why_and_noted_nowhere(
        app, clock, client, recorder):
    """A "not ours" from a party the ladder has passed is kept as a note; with no room
    for one the phone says so, as the page does, instead of "that did not work"."""
    iid = await escalated(app, clock)  # the ward passed it on: the vendor was called
    await app.service.act(iid, Action.ESCALATE, "operator")  # and past the vendor
    await app.tick()
    full = [Entry(clock.now(), Reason.NOTE, "ward-a", f"note {n}")
            for n in range(NOTES_PER_INCIDENT)]
    await app.store.transaction(lambda tx: tx.timeline.add(iid, full))
    rows = await app.store.transaction(lambda tx: tx.deliveries.of_incident(iid))
    call = next(d.id for d in rows if d.party == "alarm-vendor")
    token = await app.ack_token(iid, "alarm-vendor")
    resp = await client.post(f"/voice/{token}/{call}/key", json={"digits": "2"})
    said = (await resp.json())["say"]
    assert said in {t(lang, "answer.notes_full", count=NOTES_PER_INCIDENT)
                    for lang in ("fi", "sv", "en")}
    timeline = await app.store.transaction(lambda tx: tx.timeline.of_incident(iid))
    assert sum(e["reason"] == Reason.NOTE.value for e in timeline) == NOTES_PER_INCIDENT
