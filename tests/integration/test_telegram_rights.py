"""Telegram rights are per incident: who may see and act on which alarm, in which chat.

Ward A's alarm notifies only ward A (step 1 is `[ward-a]`), so ward B's chat
is, for this alarm, like a contractor's group: its nurse and its members must
not get the card, its buttons or its history.
"""

from __future__ import annotations

from fake_telegram import FakeTelegram
from test_telegram_commands import say
from test_telegram_press import press
from tg_support import CHAT_A, CHAT_B, NURSE_A, NURSE_B, STAFF, STRANGER, alarm, incident, timeline

from escalator.domain.model import State, read_params


async def ward_a_alarm(tg_app, fake: FakeTelegram):
    app = await tg_app(step1="[ward-a]")
    iid = await alarm(app)
    await app.tick()
    assert (await incident(app, iid)).notified == ("ward-a",)
    return app, iid


async def test_status_and_open_show_only_incidents_the_chats_party_was_told(tg_app, fake_tg):
    app, iid = await ward_a_alarm(tg_app, fake_tg)
    [refused] = await say(fake_tg, CHAT_B, NURSE_B, f"/status {iid}")
    assert refused.startswith(f"Hälytys #{iid} ei kuulu tämän keskustelun osapuolille")
    assert not any(f"acknowledge:{iid}" in fake_tg.buttons(m)
                   for m in fake_tg.chat_messages(CHAT_B))
    [none] = await say(fake_tg, CHAT_B, NURSE_B, "/open")
    assert none.startswith("Ei avoimia hälytyksiä")
    # a stranger in ward A's own group sees nothing either: membership is not a right
    [stranger] = await say(fake_tg, CHAT_A, STRANGER, "/open")
    assert stranger.startswith("Sinulla ei ole oikeutta tähän") and str(STRANGER) in stranger
    [card] = await say(fake_tg, CHAT_A, NURSE_A, "/open")
    assert f"#{iid}" in card


async def test_press_on_an_incident_the_chats_party_was_not_told_is_refused(tg_app, fake_tg):
    app, iid = await ward_a_alarm(tg_app, fake_tg)
    await say(fake_tg, CHAT_B, NURSE_B, "/chatid")  # any message in ward B's chat to press on
    mid = fake_tg.chat_messages(CHAT_B)[-1].message_id
    for action in ("acknowledge", "resolve", "escalate"):
        answer = await press(fake_tg, CHAT_B, NURSE_B, f"{action}:{iid}", message_id=mid)
        assert "Sinulla ei ole oikeutta" in answer["text"]
    assert (await incident(app, iid)).state is State.OPEN
    refused = [read_params(e["detail"]) for e in await timeline(app, iid)
               if e["reason"] == "REFUSED"]
    assert [(r["action"], r["chat"]) for r in refused] == [
        ("acknowledge", CHAT_B), ("resolve", CHAT_B), ("escalate", CHAT_B)]


async def test_staff_act_in_the_facilitys_own_chats_only(tg_app, fake_tg):
    app, iid = await ward_a_alarm(tg_app, fake_tg)
    # ward B is not on this ladder's first step: for staff its chat is an outside chat
    [outside] = await say(fake_tg, CHAT_B, STAFF, f"/status {iid}")
    assert outside.startswith(f"Hälytys #{iid} ei kuulu")
    [private] = await say(fake_tg, STAFF, STAFF, f"/status {iid}")  # the staff's own chat
    assert f"#{iid}" in private and f"acknowledge:{iid}" in fake_tg.buttons(
        fake_tg.chat_messages(STAFF)[-1])
    answer = await press(fake_tg, CHAT_A, STAFF, f"acknowledge:{iid}", first_name="Sami",
                         last_name="Staff")
    assert answer["text"].startswith("Kiitos!")
    assert (await incident(app, iid)).acked_by == f"Sami Staff (Telegram {STAFF})"


async def test_status_with_a_superscript_or_a_huge_number_is_a_usage_answer(tg_app, fake_tg):
    await ward_a_alarm(tg_app, fake_tg)
    for odd in ("²", "٣", "9" * 5000):
        [usage] = await say(fake_tg, CHAT_A, NURSE_A, f"/status {odd}")
        assert usage.startswith("Käyttö: /status")
