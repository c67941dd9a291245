"""Ack links: bound to one incident instance, revoked with their party, keys rotatable,
and the page shows outside parties names, never others' addresses or ids."""

from __future__ import annotations

from fake_telegram import FakeTelegram
from support import TOKENS, config_text
from test_telegram_press import press
from tg_support import CHAT_A, STRANGER, alarm

from escalator.app import Escalator
from escalator.config import load_config
from escalator.domain.errors import NotifyError
from escalator.domain.model import Action, AlarmEvent, State

CONTRACTOR = """  contractor:
    name: Local electrical contractor
    hours: Mon-Fri 07:00-16:00
    contact:
      - email: duty@contractor.example
"""
CONTRACTOR_STEP = """      - notify: [contractor]
        escalate_after: 1h
"""


def path_of(url: str) -> str:
    return url[url.index("/ack/"):]


async def first_link(app, recorder, party: str = "ward-a") -> str:
    await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", app.clock.now()))
    await app.tick()
    [message] = recorder.to(party)
    return path_of(message.ack_url)


async def test_a_link_from_an_earlier_database_does_not_open_the_new_incident_1(
        make_app, tmp_path, clock, recorder, aiohttp_client):
    old_app = await make_app(storage=f"sqlite:///{tmp_path}/old.db")
    old_link = await first_link(old_app, recorder)
    legacy = f"/ack/{old_app.signer.make(1, 'ward-a', clock.now())}"  # a link without a nonce
    recorder.clear()
    clock.advance(hours=1)

    new_app = await make_app(storage=f"sqlite:///{tmp_path}/new.db")  # the database recreated
    new_link = await first_link(new_app, recorder)
    client = await aiohttp_client(new_app.web_app())
    assert old_link != new_link and old_link.split(".")[0][:8] == new_link.split(".")[0][:8]
    for stale in (old_link, legacy):
        resp = await client.get(stale)
        assert resp.status == 404 and "Hälytystä ei löydy" in await resp.text()
        acted = await client.post(stale, data={"action": "acknowledge"})
        assert acted.status == 404
    assert (await client.get(new_link)).status == 200
    inc = await new_app.store.transaction(lambda tx: tx.incidents.get(1))
    assert inc.state is State.OPEN


async def test_a_party_removed_from_the_config_can_no_longer_use_its_links(
        tmp_path, clock, recorder, aiohttp_client):
    path = tmp_path / "escalator.yaml"
    text = config_text(f"sqlite:///{tmp_path}/r.db")
    path.write_text(text)
    cfg, _ = load_config(str(path), env=TOKENS)
    app = Escalator(cfg, clock=clock, env=TOKENS,
                    notifiers={"telegram": recorder, "email": recorder, "sms": recorder})
    await app.start(serve_http=False, schedule=False)
    try:
        client = await aiohttp_client(app.web_app())
        res = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now()))
        await app.tick()
        link = f"/ack/{await app.ack_token(res.incident_id, 'contractor')}"
        assert (await client.get(link)).status == 200
        path.write_text(text.replace(CONTRACTOR, "").replace(CONTRACTOR_STEP, ""))
        assert app.reload() == []
        resp = await client.get(link)
        assert resp.status == 403 and "ei ole enää voimassa" in await resp.text()
        acted = await client.post(link, data={"action": "resolve"})
        assert acted.status == 403
        inc = await app.store.transaction(lambda tx: tx.incidents.get(res.incident_id))
        assert inc.state is State.OPEN
        await client.close()
    finally:
        await app.stop()


async def test_links_signed_with_the_previous_key_work_after_a_rotation(
        tmp_path, clock, recorder, aiohttp_client):
    storage = f"sqlite:///{tmp_path}/rot.db"
    old_key, new_key = TOKENS["ESCALATOR_SECRET_KEY"], "rotated-link-key-fedcba9876543210"

    async def start(env, extra: str = "") -> Escalator:
        text = config_text(storage).replace(
            "  public_url: http://escalator.test\n",
            f"  public_url: http://escalator.test\n{extra}")
        path = tmp_path / "rot.yaml"
        path.write_text(text)
        cfg, _ = load_config(str(path), env=env)
        app = Escalator(cfg, clock=clock, env=env,
                        notifiers={"telegram": recorder, "email": recorder, "sms": recorder})
        await app.start(serve_http=False, schedule=False)
        return app

    before = await start(TOKENS)
    link = await first_link(before, recorder)
    await before.stop()
    rotated = {**TOKENS, "ESCALATOR_SECRET_KEY": new_key, "OLD_LINK_KEY": old_key}
    for extra, status in (("  previous_secret_env: OLD_LINK_KEY\n", 200), ("", 400)):
        app = await start(rotated, extra)
        client = await aiohttp_client(app.web_app())
        assert (await client.get(link)).status == status
        await client.close()
        await app.stop()


async def test_outside_parties_see_names_not_addresses_or_telegram_ids(
        app, clock, client, recorder):
    res = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now()))
    await app.tick()
    recorder.failures.append(NotifyError("550 mailbox faults@security.example is full",
                                         recoverable=False))
    await app.service.act(res.incident_id, Action.ESCALATE, "Nurse Anna", party="ward-a")
    await app.tick()  # the vendor's e-mail fails, its SMS goes out
    await app.service.act(res.incident_id, Action.NOTE, "Anna Virtanen (Telegram 1001)",
                          party="ward-a", note="call me on +358 40 765 4321 or 040 7654321")
    await app.service.act(res.incident_id, Action.ACKNOWLEDGE,
                          "Anna Virtanen (Telegram 1001)", party="ward-a")
    timeline = await app.store.transaction(lambda tx: tx.timeline.of_incident(res.incident_id))
    assert any("faults@security.example" in e["detail"] for e in timeline)  # it is recorded
    link = f"/ack/{await app.ack_token(res.incident_id, 'contractor')}"
    page = await (await client.get(link)).text()
    assert "Anna Virtanen" in page and "Security company fault hotline" in page
    for private in ("faults@security.example", "+358401234567", "1001", "765 4321",
                    "7654321", "-1001234567890"):
        assert private not in page, private


async def test_refused_presses_do_not_push_the_history_off_the_page(
        tg_app, fake_tg: FakeTelegram, aiohttp_client):
    app = await tg_app(step1="[ward-a]")
    iid = await alarm(app)
    await app.tick()
    for _ in range(25):
        await press(fake_tg, CHAT_A, STRANGER, f"resolve:{iid}")
    client = await aiohttp_client(app.web_app())
    page = await (await client.get(f"/ack/{await app.ack_token(iid, 'ward-a')}"
                                   )).text()
    history = page.split("Tapahtumat", 1)[1]
    assert "Ward A nurse on duty" in history  # the first call to the ward is still there
    assert "Lisäksi 25 luvatonta yritystä" in history
    assert "5555" not in history and history.count("<li") == 3  # opened, first, the count


async def test_nonces_are_made_once_per_incident_on_both_databases(make_app, clock, recorder,
                                                                   store_url, aiohttp_client):

    app = await make_app(storage=store_url)
    link = await first_link(app, recorder)
    first = await app.store.transaction(lambda tx: tx.nonces.get(1))
    again = await app.store.transaction(lambda tx: tx.nonces.made_for([1, 1]))
    assert first is not None and len(first) == 6 and again == {1: first}
    assert await app.store.transaction(lambda tx: tx.nonces.get(2)) is None
    client = await aiohttp_client(app.web_app())
    assert (await client.get(link)).status == 200
