"""Channel health on the board and a manager's test message (issue 21, point 5).

Against the real e-mail channel talking to aiosmtpd and the real SMS channel talking
to a local gateway: a working contact and a failing one. The page (in Finnish) shows
per channel and per contact when a message last got through and when one last failed,
in words; a test message is a real outbox row the dispatcher sends, shown being sent,
then got through or failed; it never escalates, never touches an incident and never
reaches the weekly figures. Only a manager may send one (CSRF, once a minute per
contact), and each is in the audit log.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from board_support import BOARD_YAML, ENV, sign_in
from outside import SECRETS, Mailbox, outside_config, sms_gateway, smtp_server

from escalator.domain.model import AlarmEvent
from escalator.i18n import t
from escalator.reports import data
from escalator.reports.weekly import summarize, week
from escalator.storage.audit import rows_tx

CONTRACTOR_SMS = "+46701234567"  # contractor: Swedish, SMS only
VENDOR_MAIL = "faults@security.example"  # alarm-vendor: e-mail first, then SMS
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
async def world(tmp_path, clock, recorder):
    """The service with real e-mail and SMS channels, its board, a mailbox and a gateway."""
    from aiohttp.test_utils import TestClient, TestServer

    from escalator.app import Escalator
    from escalator.config import load_config_text

    mailbox = Mailbox()
    async with sms_gateway() as gateway, smtp_server(mailbox, auth_require_tls=False) as smtp_port:
        text = outside_config(f"sqlite:///{tmp_path}/health.db", smtp_port=smtp_port,
                              sms_url=gateway.url("/a1/sms")) + BOARD_YAML
        env = {**ENV, **SECRETS}
        cfg, _ = load_config_text(text, env=env)
        app = Escalator(cfg, clock=clock, env=env, notifiers={"telegram": recorder})
        await app.start(serve_http=False, schedule=False)
        try:
            async with TestClient(TestServer(app.web_app())) as client:
                client.escalator = app
                yield client, mailbox, gateway
        finally:
            await app.stop()


async def csrf_of(client) -> str:
    return CSRF.search(await (await client.get("/board/channels")).text()).group(1)


async def press_test(client, party: str, index: int, csrf: str | None = None):
    token = csrf if csrf is not None else await csrf_of(client)
    return await client.post("/board/channels/test", data={
        "csrf": token, "party": party, "index": str(index)}, allow_redirects=False)


def row_of(page: str, party: str, index: int) -> str:
    m = re.search(rf'<tr[^>]*id="contact-{party}-{index}">(.*?)</tr>', page, re.S)
    assert m, f"no row for {party} {index}"
    return m.group(1)


async def test_messages_to_a_working_and_a_failing_contact_shown_in_finnish(world, clock,
                                                                             recorder):
    client, mailbox, gateway = world
    app = client.escalator
    mailbox.at_rcpt[VENDOR_MAIL] = ["550 5.1.1 No such user"]  # that address is wrong
    assert await sign_in(client, "Maija") == 303
    page = await (await client.get("/board/channels")).text()
    assert "<h1>Yhteystapojen toimivuus</h1>" in page
    assert t("fi", "health.state.unknown") in row_of(page, "contractor", 0)

    assert (await press_test(client, "alarm-vendor", 0)).status == 303
    resp = await press_test(client, "contractor", 0)
    assert resp.status == 303
    shown = await (await client.get(resp.headers["Location"])).text()
    assert "Testiviesti vastaanottajalle Local electrical contractor (tekstiviesti)" in shown
    assert "lähetetään (" in row_of(shown, "contractor", 0)  # pending: not sent yet
    assert "lähetetään (" in row_of(shown, "alarm-vendor", 0)

    await app.tick()  # the dispatcher sends them like any other outbox row

    [sms] = gateway.accepted  # in the contractor's Swedish, from the manager, no link
    assert sms.form["to"] == CONTRACTOR_SMS
    assert sms.form["message"] == ("[Lehtiojan palvelukeskus] Testmeddelande från Maija: så "
                                   "kontrolleras att meddelanden når dig. Inget behöver göras.")
    assert mailbox.to(VENDOR_MAIL) == []  # refused at RCPT: tried once, not again
    page = await (await client.get("/board/channels")).text()
    works = row_of(page, "contractor", 0)
    assert "toimii" in works and "perillä " in works and "epäonnistui" not in works
    failing = row_of(page, "alarm-vendor", 0)
    assert "ei toimi" in failing
    assert "osoitetta tai numeroa ei hyväksytty" in failing  # the reason, in plain words
    assert "epäonnistui " in failing  # the test: failed
    assert "550" not in page and "log:" not in page
    assert "ei vielä kokeiltu" in row_of(page, "alarm-vendor", 1)  # its SMS: not tried
    # the failed test fell back to no other contact and moved no ladder
    assert len(gateway.requests) == 1 and recorder.sent == []
    rows = await app.store.transaction(lambda tx: tx.rows(
        "SELECT party, contact_index, status, reason, incident_id FROM deliveries"
        " ORDER BY id"))
    assert [(r["party"], r["contact_index"], r["status"], r["reason"], r["incident_id"])
            for r in rows] == [("alarm-vendor", 0, "failed", "TEST", 0),
                               ("contractor", 0, "sent", "TEST", 0)]
    counts = await app.store.transaction(lambda tx: [tx.one(
        f"SELECT COUNT(*) AS n FROM {table}")["n"] for table in ("incidents", "timeline")])
    assert counts == [0, 0]

    # by channel: SMS works, e-mail fails
    by_channel = re.search(r'id="by-channel">(.*?)</table>', page, re.S).group(1)
    sms_row = next(r for r in re.findall(r"<tr[^>]*>(.*?)</tr>", by_channel, re.S)
                   if "tekstiviesti" in r)
    mail_row = next(r for r in re.findall(r"<tr[^>]*>(.*?)</tr>", by_channel, re.S)
                    if "sähköposti" in r)
    assert "toimii" in sms_row and "ei toimi" in mail_row


async def test_an_alarms_fallback_shows_the_failing_contact_and_the_working_one(world, clock):
    """An alarm's notice whose e-mail is refused and whose SMS then gets through: the
    delivery row ends `sent` on the SMS with no error, yet the page shows the e-mail
    contact failing, with why."""
    client, mailbox, gateway = world
    app = client.escalator
    mailbox.at_rcpt[VENDOR_MAIL] = ["550 5.1.1 No such user"]
    # XM goes to the mail-first ladder: alarm-vendor (mail, then SMS) and the manager
    await app.service.ingest(AlarmEvent("terminal", "XM", "alarm", clock.now(), point="B"))
    await app.tick()
    assert [r.form["to"] for r in gateway.accepted] == ["+358401234567"]
    assert await sign_in(client, "Maija") == 303
    page = await (await client.get("/board/channels")).text()
    failing, works = row_of(page, "alarm-vendor", 0), row_of(page, "alarm-vendor", 1)
    assert "ei toimi" in failing and "osoitetta tai numeroa ei hyväksytty" in failing
    assert "toimii" in works and "–" in works  # got through, never failed
    assert "toimii" in row_of(page, "manager", 0)


async def test_only_a_manager_may_see_the_page_and_send_a_test(world, clock):
    client, _, gateway = world
    app = client.escalator
    assert await sign_in(client, "Maija") == 303
    manager_csrf = await csrf_of(client)
    for name in ("Anna", "Olli"):  # nurse, viewer
        await client.post("/board/logout", data={"csrf": manager_csrf})
        client.session.cookie_jar.clear()
        assert await sign_in(client, name) == 303
        assert (await client.get("/board/channels")).status == 403
        board = await (await client.get("/board/")).text()
        assert "/board/channels" not in board  # no link either
        csrf = CSRF.search(board).group(1)
        assert (await press_test(client, "contractor", 0, csrf)).status == 403
    client.session.cookie_jar.clear()
    assert await sign_in(client, "Maija") == 303
    assert "/board/channels" in await (await client.get("/board/")).text()
    assert (await press_test(client, "contractor", 0, "forged")).status == 403  # CSRF
    assert (await press_test(client, "nobody", 0)).status == 404
    assert (await press_test(client, "contractor", 7)).status == 404
    assert (await press_test(client, "ward-a", 0)).status == 400  # Telegram: not offered
    rows = await app.store.transaction(lambda tx: tx.rows("SELECT id FROM deliveries"))
    assert rows == [] and gateway.requests == []


async def test_one_test_a_minute_per_contact_and_each_audited(world, clock):
    client, _, gateway = world
    app = client.escalator
    assert await sign_in(client, "Maija") == 303
    assert (await press_test(client, "contractor", 0)).status == 303
    again = await press_test(client, "contractor", 0)
    assert again.status == 429
    assert "alle minuutti sitten" in await again.text()
    assert (await press_test(client, "manager", 0)).status == 303  # another contact: fine
    clock.advance(seconds=61)
    assert (await press_test(client, "contractor", 0)).status == 303
    await app.tick()
    assert len(gateway.accepted) == 2
    log = await app.store.transaction(lambda tx: rows_tx(tx))
    asked = [(r["actor"], r["payload"]["party"], r["payload"]["contact"])
             for r in log if r["kind"] == "channel.test"]
    assert asked == [("Maija", "contractor", 0), ("Maija", "manager", 0),
                     ("Maija", "contractor", 0)]


async def test_a_test_message_never_reaches_the_weekly_figures(world, clock, recorder):
    client, mailbox, gateway = world
    app = client.escalator
    await app.service.ingest(AlarmEvent("terminal", "XM", "alarm", clock.now(), point="B"))
    await app.tick()
    tz, staff = app.config.facility.timezone, data.care_staff(app.config)
    year, number, _ = clock.now().isocalendar()
    w = week(f"{year}-W{number:02d}", tz)

    at = clock.now() + timedelta(minutes=5)  # both read as at one time: only the rows differ

    async def figures():
        history = await app.store.transaction(lambda tx: data.history(
            tx, w, tz, staff, at, app.config.maintenance))
        return summarize(w, history, staff, 2)

    before = await figures()
    mailbox.at_rcpt["manager@lehtioja.example"] = ["550 5.1.1 No such user"]
    assert await sign_in(client, "Maija") == 303
    for party, index in (("alarm-vendor", 0), ("alarm-vendor", 1), ("manager", 0)):
        assert (await press_test(client, party, index)).status == 303
    await app.tick()
    clock.advance(minutes=1)
    await app.tick()
    statuses = await app.store.transaction(lambda tx: sorted(r["status"] for r in tx.rows(
        "SELECT status FROM deliveries WHERE reason = 'TEST'")))
    assert statuses == ["failed", "sent", "sent"]
    after = await figures()
    assert after == before
    parties = {p.party: p for p in after.parties}
    assert parties["alarm-vendor"].contacted == 1 and after.total == 1


async def test_the_use_case_on_both_databases(make_app, clock, recorder, store_url):
    """The named read and the command over SQLite and PostgreSQL: a test row is sent by
    the dispatcher, its contact's success is recorded, a second one within the minute
    is refused, a nurse is refused, and a failed test shows its contact failing."""
    from escalator.domain.channel_health import NoTest
    from escalator.domain.errors import NotifyError
    from escalator.usecases.channel_health import TestMessage

    app = await make_app(storage=store_url)
    health = app.use_cases().channel_health
    done = await health.send_test(TestMessage("Maija", "manager", "alarm-vendor", 1))
    assert done.refusal is None and done.delivery_id is not None
    again = await health.send_test(TestMessage("Maija", "manager", "alarm-vendor", 1))
    assert again.refusal == NoTest.TOO_SOON
    assert (await health.send_test(TestMessage("Anna", "nurse", "alarm-vendor", 0))
            ).refusal == "role"
    await app.tick()
    [sent] = recorder.to("alarm-vendor")
    assert (sent.reason, sent.incident.id, sent.ack_url) == ("TEST", 0, "")
    recorder.failures.append(NotifyError("550 no such user", recoverable=False,
                                         kind="bad_address"))
    assert (await health.send_test(TestMessage("Maija", "manager", "alarm-vendor", 0))
            ).refusal is None
    await app.tick()
    board = await health.board()
    lines = {(c.party, c.index): c for c in board.contacts}
    mail, sms = lines[("alarm-vendor", 0)], lines[("alarm-vendor", 1)]
    assert (mail.seen.state, mail.seen.failure) == ("failing", "bad_address")
    assert sms.seen.state == "works" and sms.test is not None and sms.test.status == "sent"
    assert board.channels and {c.channel for c in board.channels} >= {"email", "sms"}


async def test_a_digest_carrying_held_notices_counts_as_getting_through(tg_app, fake_tg):
    """A Telegram digest sends notices the chat's budget held: the contact got through
    when the digest went out, though no dispatcher outcome says so (`carry`)."""
    from tg_support import alarm

    app = await tg_app(step1="[ward-a]")
    health = app.use_cases().channel_health

    async def ward_chat():
        return next(c.seen for c in (await health.board()).contacts if c.party == "ward-a")

    for n in range(40):
        await alarm(app, point=f"Detector {n}")
    await app.dispatcher.run_due()  # 10 cards now, 30 wait for a digest
    cards_at = (await ward_chat()).ok_at
    assert cards_at == app.clock.now() and app.telegram.digests.waiting()
    app.clock.advance(seconds=30)
    await app.tick()  # the digest goes out: the held notices are sent now
    assert app.telegram.digests.waiting() == []
    assert (await ward_chat()).ok_at == app.clock.now() > cards_at
