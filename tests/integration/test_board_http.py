"""The board over HTTP: sign-in, sessions, CSRF, roles, rate limits, and what is public."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient, TestServer
from board_support import (
    CSRF,
    ENV,
    PASSWORDS,
    board_client,  # noqa: F401 - fixture
    board_config,
    login_token,
    sign_in,
)

from escalator.config import load_config_text
from escalator.domain.errors import ConfigError
from escalator.domain.model import Action, AlarmEvent, State


async def csrf(client, path: str = "/board/") -> str:
    page = await (await client.get(path)).text()
    return CSRF.search(page).group(1)


async def test_nothing_but_login_healthz_and_links_is_public(client):
    for path in ("/board/", "/board/oncall", "/board/safety", "/board/incidents/1",
                 "/board/outbox"):
        resp = await client.get(path, allow_redirects=False)
        assert resp.status == 303 and resp.headers["Location"].startswith("/board/login"), path
    assert (await client.post("/board/incidents/1/act", data={"action": "resolve"},
                              allow_redirects=False)).status == 401
    assert (await client.get("/board/events", headers={"Accept": "text/event-stream"})
            ).status == 401
    assert (await client.get("/", allow_redirects=False)).headers["Location"] == "/board/"
    assert (await client.get("/board/login")).status == 200
    assert (await client.get("/healthz")).status in (200, 503)


async def test_sign_in_and_out(client):
    assert await sign_in(client, "Anna", "wrong") == 401
    assert await sign_in(client, "Nobody", "x") == 401
    assert await sign_in(client, "anna", PASSWORDS["Anna"]) == 303  # names are not case-sensitive
    page = await (await client.get("/board/")).text()
    assert "Anna (hoitaja)" in page  # the facility's language until the reader picks one
    token = await csrf(client)
    assert (await client.post("/board/logout", data={"csrf": token},
                              allow_redirects=False)).status == 303
    assert (await client.get("/board/", allow_redirects=False)).status == 303


async def test_sessions_expire(client, clock):
    assert await sign_in(client, "Maija") == 303
    assert (await client.get("/board/", allow_redirects=False)).status == 200
    clock.advance(minutes=61)  # session_ttl: 1h
    assert (await client.get("/board/", allow_redirects=False)).status == 303


async def test_sign_in_is_rate_limited(client, clock):
    for _ in range(5):
        assert await sign_in(client, "Maija", "guess") == 401
    assert await sign_in(client, "Maija") == 429  # even the right password waits
    resp = await client.post("/board/login", data={"name": "Maija", "password": "x",
                                                   "csrf": await login_token(client)})
    assert resp.status == 429 and int(resp.headers["Retry-After"]) > 0
    clock.advance(minutes=16)
    assert await sign_in(client, "Maija") == 303


async def test_the_sign_in_form_needs_its_csrf_token(client):
    """No session yet: the form's token must match its cookie (a double submit)."""
    form = {"name": "Maija", "password": PASSWORDS["Maija"], "next": "/board/"}
    resp = await client.post("/board/login", data=form, allow_redirects=False)
    assert resp.status == 403  # no token, no cookie: another site's form
    token = await login_token(client)
    resp = await client.post("/board/login", data={**form, "csrf": "x" * 43},
                             allow_redirects=False)
    assert resp.status == 403  # a token that is not the cookie's
    assert (await client.get("/board/", allow_redirects=False)).status == 303
    for _ in range(6):  # refused forms are not counted as guesses
        await client.post("/board/login", data={**form, "password": "guess"})
    assert (await client.post("/board/login", data={**form, "csrf": token},
                              allow_redirects=False)).status == 303
    client.session.cookie_jar.clear()
    page = await (await client.get("/board/login")).text()
    assert 'name="csrf"' in page


async def test_every_post_needs_the_sessions_csrf_token(client, clock):
    app = client.escalator
    res = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now()))
    assert await sign_in(client, "Anna") == 303
    for data in ({"action": "acknowledge"}, {"action": "acknowledge", "csrf": "forged"}):
        resp = await client.post(f"/board/incidents/{res.incident_id}/act", data=data)
        assert resp.status == 403
    assert (await app.store.transaction(lambda tx: tx.incidents.get(res.incident_id))
            ).state is State.OPEN
    token = await csrf(client)
    resp = await client.post(f"/board/incidents/{res.incident_id}/act",
                             data={"action": "snooze", "minutes": "60", "csrf": token})
    assert resp.status == 200
    inc = await app.store.transaction(lambda tx: tx.incidents.get(res.incident_id))
    assert inc.state is State.SNOOZED and inc.snoozed_until is not None
    assert (inc.snoozed_until - clock.now()).total_seconds() == 3600


async def test_a_stale_page_does_not_act_twice(client, clock):
    app = client.escalator
    res = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now()))
    assert await sign_in(client, "Anna") == 303
    page = await (await client.get(f"/board/incidents/{res.incident_id}")).text()
    token = CSRF.search(page).group(1)
    version = re.search(r'name="version" value="([^"]+)"', page).group(1)
    await app.service.act(res.incident_id, Action.ACKNOWLEDGE, "Night nurse")
    resp = await client.post(f"/board/incidents/{res.incident_id}/act", data={
        "action": "resolve", "csrf": token, "version": version})
    assert resp.status == 409
    inc = await app.store.transaction(lambda tx: tx.incidents.get(res.incident_id))
    assert inc.state is State.ACKNOWLEDGED and inc.acked_by == "Night nurse"


async def test_a_one_time_link_works_once(client):
    app = client.escalator
    token = app.board.sessions.one_time("Demo", "manager", app.clock.now())
    first = await client.get(f"/board/login/once/{token}", allow_redirects=False)
    assert first.status == 303
    assert "Demo (esihenkilö)" in await (await client.get("/board/")).text()
    client.session.cookie_jar.clear()
    assert (await client.get(f"/board/login/once/{token}")).status == 410


def test_board_users_are_checked_with_their_line():
    text = board_config("sqlite:///:memory:").replace("role: viewer", "role: boss")
    with pytest.raises(ConfigError) as err:
        load_config_text(text, env=ENV)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "role: boss" in row)
    assert any(f":{line}:" in p and '"boss"' in p and "'viewer'" in p
               for p in err.value.problems), err.value.problems


def test_a_missing_hash_is_a_missing_secret():
    env = {k: v for k, v in ENV.items() if k != "BOARD_HASH_OLLI"}
    with pytest.raises(ConfigError) as err:
        load_config_text(board_config("sqlite:///:memory:"), env=env, strict_secrets=True)
    assert [p for p in err.value.problems if "BOARD_HASH_OLLI" in p] == [
        next(p for p in err.value.problems if "BOARD_HASH_OLLI is not set" in p)]


@pytest.fixture
async def demo_client(tmp_path, clock):
    """The app as the demo wires it: every channel goes to the outbox."""
    from escalator.app import Escalator
    from escalator.notify.outbox import Outbox, card_renderer
    from escalator.usecases.chat_records import ChatRecords

    cfg, _ = load_config_text(board_config(f"sqlite:///{tmp_path}/out.db"), env=ENV)
    box = Outbox(clock.now, lambda: "Lehtioja")
    app = Escalator(cfg, clock=clock, env=ENV, notifiers=box.channels(
        ("telegram", "email", "sms", "webhook", "voice")))
    box.card = card_renderer(ChatRecords(app.store), app.clock, lambda: app.config,
                             lambda: app.service.directory)
    app.board.outbox = box
    await app.start(serve_http=False, schedule=False)
    async with TestClient(TestServer(app.web_app())) as c:
        c.escalator = app
        yield c
    await app.stop()


async def test_a_card_button_in_the_outbox_acts_as_the_cards_reader(demo_client, clock):
    app = demo_client.escalator
    res = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now(),
                                              point="Palosilmukka 2, B-siipi"))
    await app.tick()
    card = app.board.outbox.messages()[0]
    assert (card.channel, card.party) == ("telegram", "ward-a")
    assert await sign_in(demo_client, "Olli") == 303  # a viewer may look, not press
    page = await (await demo_client.get("/board/outbox")).text()
    assert "Palohälytyssilmukan vika" in page and "Otan hoitaakseni" in page
    token = CSRF.search(page).group(1)
    data = f"acknowledge:{res.incident_id}"
    refused = await demo_client.post("/board/outbox/press", data={
        "csrf": token, "kept": str(card.id), "data": data})
    assert refused.status == 403
    await demo_client.post("/board/logout", data={"csrf": token})
    assert await sign_in(demo_client, "Anna") == 303
    token = await csrf(demo_client, "/board/outbox")
    forged = await demo_client.post("/board/outbox/press", data={
        "csrf": token, "kept": str(card.id), "data": f"acknowledge:{res.incident_id + 1}"})
    assert forged.status == 400  # a card only answers for its own alarm
    pressed = await demo_client.post("/board/outbox/press", data={
        "csrf": token, "kept": str(card.id), "data": data})
    assert pressed.status == 200 and "Ward A nurse on duty" in await pressed.text()
    inc = await app.store.transaction(lambda tx: tx.incidents.get(res.incident_id))
    assert inc.state is State.ACKNOWLEDGED and inc.acked_by == "Ward A nurse on duty"


async def test_the_same_news_to_several_parties_is_one_line_on_the_board(client, clock):
    """The vendor takes it: the nurse and the vendor are both told, the board says it once."""
    app = client.escalator
    res = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now()))
    await app.tick()
    await app.service.act(res.incident_id, Action.ESCALATE, "Nurse", party="ward-a")
    await app.tick()
    await app.service.act(res.incident_id, Action.ACKNOWLEDGE, "Vendor", party="alarm-vendor")
    await app.tick()
    timeline = await app.store.transaction(lambda tx: tx.timeline.of_incident(res.incident_id))
    told = [e["party"] for e in timeline if e["reason"] == "ACKED"]
    assert len(told) >= 2  # stored once per party told ...
    assert await sign_in(client, "Maija") == 303
    page = await (await client.get(f"/board/incidents/{res.incident_id}")).text()
    lines = re.findall(r'<li class="r-acked">(.*?)</li>', page, re.S)
    assert len(lines) == 1, lines  # ... shown once, naming them all
    assert all(name in lines[0] for name in ("Ward A", "Security company fault hotline"))
