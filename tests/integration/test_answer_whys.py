"""Each thing issue 18 saw go wrong with answers, as it was seen (each fails on 7ffc73d).

- a voice key acted with a link whose party was removed, whose nonce was revoked, or
  that was a viewer's;
- a ward B nurse answered ward A's alarm from the board;
- forty snoozes from one link were forty notices, which put the ward's chat into
  digest mode so that a new alarm got no card of its own;
- "not ours" from a party the ladder had passed became a note past the note limit;
- a nurse's answer on the board was credited to nobody (the weekly figures said the
  ward did not answer);
- the demo outbox phoned maintenance for every update, which the voice channel never
  does.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import timedelta

from aiohttp.test_utils import TestClient, TestServer
from board_support import ENV as BOARD_ENV
from board_support import PASSWORDS, login_token
from support import TOKENS, config_text
from tg_support import CHAT_A, alarm, deliveries

from escalator.app import Escalator
from escalator.config import load_config
from escalator.domain import register
from escalator.domain.model import Action, AlarmEvent, State
from escalator.reports import data
from escalator.reports.weekly import summarize, week

ENV = {**TOKENS, **BOARD_ENV}
VIEWER = """  purchaser:
    name: Purchaser
    role: viewer
    contact:
      - email: purchaser@lehtioja.example
"""


def with_viewer_on_step_1(text: str) -> str:
    """The support config with a viewer party told of every alarm with the ward."""
    return text.replace("rosters:\n", VIEWER + "rosters:\n", 1).replace(
        "      - notify: [nurse-on-duty]\n", "      - notify: [nurse-on-duty, purchaser]\n", 1)


async def started(tmp_path, clock, recorder, text: str) -> tuple[Escalator, TestClient]:
    path = tmp_path / "escalator.yaml"
    path.write_text(text)
    cfg, _ = load_config(str(path), env=ENV)
    app = Escalator(cfg, clock=clock, env=ENV,
                    notifiers={"telegram": recorder, "email": recorder, "sms": recorder})
    await app.start(serve_http=False, schedule=False)
    client = TestClient(TestServer(app.web_app()))
    await client.start_server()
    return app, client


async def opened(app: Escalator, clock) -> int:
    res = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now()))
    await app.tick()
    return res.incident_id


async def key(app: Escalator, client: TestClient, iid: int, party: str, digit: str = "1",
              nonce: bytes | None = None) -> str:
    """The voice gateway's callback: `digit` pressed on a call to `party`."""
    rows = await app.store.transaction(lambda tx: tx.deliveries.of_incident(iid))
    call = next(d.id for d in rows if d.party == party)
    nonce = nonce or await app.store.transaction(lambda tx: tx.nonces.get(iid))
    token = app.signer.make(iid, party, app.clock.now(), nonce)
    resp = await client.post(f"/voice/{token}/{call}/key", json={"digits": digit})
    return await resp.text()


async def state(app: Escalator, iid: int) -> State:
    return (await app.store.transaction(lambda tx: tx.incidents.get(iid))).state


async def test_a_voice_key_on_a_removed_partys_link_does_nothing(tmp_path, clock, recorder):
    text = config_text(f"sqlite:///{tmp_path}/v.db")
    app, client = await started(tmp_path, clock, recorder, text)
    try:
        iid = await opened(app, clock)
        rows = await app.store.transaction(lambda tx: tx.deliveries.of_incident(iid))
        call = next(d.id for d in rows if d.party == "ward-a")
        nonce = await app.store.transaction(lambda tx: tx.nonces.get(iid))
        token = app.signer.make(iid, "ward-a", clock.now(), nonce)
        page = app.signer.make(iid, "ward-a", clock.now(), nonce)
        # ward A leaves the config (its shifts go to the night nurse)
        (tmp_path / "escalator.yaml").write_text(text.replace(
            "    - {who: ward-a, when: \"Mon-Sun 07:00-21:00\"}\n",
            "    - {who: night-nurse, when: \"Mon-Sun 07:00-21:00\"}\n").replace(
            "  ward-a:\n    name: Ward A nurse on duty\n    contact:\n"
            "      - telegram: -1001234567890\n", ""))
        assert app.reload() == []
        assert (await client.post(f"/ack/{page}", data={"action": "acknowledge"})
                ).status == 403  # as the ack page always did
        resp = await client.post(f"/voice/{token}/{call}/key", json={"digits": "1"})
        assert "Thank you" not in await resp.text() and "Kiitos" not in await resp.text()
        assert await state(app, iid) is State.OPEN
    finally:
        await client.close()
        await app.stop()


async def test_a_voice_key_on_a_revoked_or_a_viewers_link_does_nothing(
        tmp_path, clock, recorder):
    text = with_viewer_on_step_1(config_text(f"sqlite:///{tmp_path}/v.db"))
    app, client = await started(tmp_path, clock, recorder, text)
    try:
        iid = await opened(app, clock)
        revoked = await key(app, client, iid, "ward-a", nonce=b"\x00" * 6)  # another #1's
        assert "Kiitos" not in revoked and await state(app, iid) is State.OPEN
        viewer = await key(app, client, iid, "purchaser")
        assert "Kiitos" not in viewer and await state(app, iid) is State.OPEN
        said = await key(app, client, iid, "ward-a")  # the ward's own, current link
        assert json.loads(said)["say"].startswith("Kiitos")
        assert await state(app, iid) is State.ACKNOWLEDGED
    finally:
        await client.close()
        await app.stop()


BOARD = """
board:
  users:
    - {name: Anna, role: nurse, password_hash_env: BOARD_HASH_ANNA, party: ward-a}
    - {name: Maija, role: manager, password_hash_env: BOARD_HASH_MAIJA, party: night-nurse}
"""


async def sign_in(client: TestClient, name: str) -> str:
    resp = await client.post("/board/login", data={
        "name": name, "password": PASSWORDS[name], "next": "/board/",
        "csrf": await login_token(client)}, allow_redirects=False)
    assert resp.status == 303
    page = await (await client.get("/board/")).text()
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


async def test_a_ward_b_nurse_cannot_answer_ward_as_alarm_on_the_board(
        tmp_path, clock, recorder):
    text = config_text(f"sqlite:///{tmp_path}/b.db") + BOARD.replace(
        "party: ward-a", "party: night-nurse")
    app, client = await started(tmp_path, clock, recorder, text)
    try:
        iid = await opened(app, clock)  # 09:00: ward A's shift; the night nurse is not told
        csrf = await sign_in(client, "Anna")  # Anna works for the night ward here
        resp = await client.post(f"/board/incidents/{iid}/act", data={
            "csrf": csrf, "action": "acknowledge"}, allow_redirects=False)
        assert resp.status == 403
        assert await state(app, iid) is State.OPEN
    finally:
        await client.close()
        await app.stop()


async def test_a_board_answer_is_credited_to_the_nurses_ward(tmp_path, clock, recorder):
    app, client = await started(tmp_path, clock, recorder,
                                config_text(f"sqlite:///{tmp_path}/c.db") + BOARD)
    try:
        iid = await opened(app, clock)
        clock.advance(minutes=2)
        csrf = await sign_in(client, "Anna")
        resp = await client.post(f"/board/incidents/{iid}/act", data={
            "csrf": csrf, "action": "acknowledge"}, allow_redirects=False)
        assert resp.status == 303
        clock.advance(minutes=30)  # fixed: the terminal clears it (no tap of anyone's)
        await app.service.ingest(AlarmEvent("terminal", "FT", "clear", clock.now()))
        tz = app.config.facility.timezone
        staff = data.care_staff(app.config)
        w = week("2026-W48", tz)
        history = await app.store.transaction(
            lambda tx: data.history(tx, w, tz, staff, clock.now()))
        summary = summarize(w, history, staff)
        ward = {p.party: p for p in summary.parties}["ward-a"]
        assert ward.no_answer == 0 and ward.to_ack.median == timedelta(minutes=2)
        assert summary.attention.one_tap == 1  # her tap, not "0 one-tap answers"
        lines = register.contact_lines(history.timeline[iid], history.deliveries[iid])
        outcomes = {o.party: o.outcome for o in register.party_outcomes(lines)}
        assert outcomes["ward-a"] == "answered"  # the safety register's words for it
    finally:
        await client.close()
        await app.stop()


async def test_forty_snoozes_tell_the_ward_once_and_a_new_alarm_still_gets_its_card(
        tg_app, fake_tg):
    app = await tg_app(step1="[ward-a]")
    first = await alarm(app)
    await app.tick()
    await app.service.act(first, Action.ESCALATE, "Nurse", party="ward-a")  # the vendor
    await app.tick()
    link = f"/ack/{await app.ack_token(first, 'vendor')}"
    async with TestClient(TestServer(app.web_app())) as client:  # forty at once
        await asyncio.gather(*(client.post(link, data={"action": "snooze", "minutes": "15"})
                               for _ in range(40)))
    await app.tick()
    told = [d for d in await deliveries(app, first) if d.reason == "SNOOZED"]
    assert [d.party for d in told] == ["ward-a"]  # once, not forty times
    second = await alarm(app, point="Loop 9, wing C")
    await app.tick()
    cards = [m for m in fake_tg.chat_messages(CHAT_A)
             if f"acknowledge:{second}" in fake_tg.buttons(m)]
    assert cards, "the new alarm has a card of its own, not a digest line"


async def test_not_ours_from_a_passed_party_is_a_note_within_the_note_limit(
        make_app, clock, aiohttp_client, recorder):
    app = await make_app()
    client = await aiohttp_client(app.web_app())
    iid = await opened(app, clock)
    await app.service.act(iid, Action.ESCALATE, "Nurse Anna", party="ward-a")  # the vendor
    await app.tick()
    url = f"/ack/{await app.ack_token(iid, 'alarm-vendor')}"
    for n in range(5):
        assert (await client.post(url, data={"action": "note", "note": f"n{n}"})).status == 200
    await app.service.act(iid, Action.ESCALATE, "operator")  # past the vendor
    await app.tick()
    recorder.clear()
    resp = await client.post(url, data={"action": "escalate", "note": "not ours"})
    assert resp.status == 429
    await app.tick()
    assert [m for m in recorder.sent if m[1].reason == "NOTE"] == []


async def test_the_demo_does_not_phone_maintenance_for_updates(tmp_path, clock):
    from escalator.commands.demo import demo_app, demo_config, demo_env

    env = demo_env({})
    config = demo_config(tmp_path, "127.0.0.1", 0, env)
    app = demo_app(config, env, clock)
    await app.start(serve_http=False, schedule=False)
    try:
        res = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now()))
        await app.tick()
        for step in range(3):  # the ward, the vendor, the contractor: then maintenance
            await app.service.act(res.incident_id, Action.ESCALATE, "Nurse",
                                  party="ward-b" if step == 0 else None)
            await app.tick()
        await app.service.act(res.incident_id, Action.ACKNOWLEDGE, "Vendor",
                              party="alarm-vendor")  # news for everyone told
        await app.tick()
        box = app.board.outbox
        assert box is not None
        maintenance = [k for k in box.messages() if k.party == "maintenance"]
        assert any(k.channel == "voice" and not k.update for k in maintenance)  # called
        assert [k for k in maintenance if k.channel == "voice" and k.update] == []
        assert any(k.channel == "webhook" and k.update for k in maintenance)  # told there
    finally:
        await app.stop()
