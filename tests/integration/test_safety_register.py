"""The safety register holds every kind of record, each with its pre-filled report.

Each record is produced by the real service (ladder exhausted, nobody
available, a false alarm not cleared, a silent source, every contact of a
step failing); the API lists, filters, pages, notes and closes them, on
SQLite and PostgreSQL. A purchaser (`role: viewer`) sees the record behind
its link and cannot act.
"""

from __future__ import annotations

from datetime import timedelta

from report_support import local, report_yaml, run_until
from support import TOKENS

from escalator.domain.errors import NotifyError
from escalator.domain.model import Action, AlarmEvent
from escalator.notify.email import build_mail

OPERATOR = {"Authorization": f"Bearer {TOKENS['ESCALATOR_API_TOKEN']}"}
PURCHASER = """  purchaser:
    name: Kunnan tilaaja
    role: viewer
    contact:
      - email: tilaaja@kunta.example
"""
CLOSED_LADDER = """  contractor-only:
    steps:
      - notify: [contractor]
        escalate_after: 1h
    on_exhausted: [manager, purchaser]
"""


def register_yaml(storage: str) -> str:
    text = report_yaml(storage, heartbeat=True)
    text = text.replace("  manager:\n", PURCHASER + "  manager:\n", 1)
    text = text.replace("    on_exhausted: [manager]\n", "    on_exhausted: [manager, purchaser]\n"
                        + CLOSED_LADDER)
    return text.replace("routes:\n", "routes:\n  - match: {code: [XX]}\n"
                                     "    ladder: contractor-only\n", 1)


async def ingest(app, clock, code="FT", point="Loop 2, wing B", state="alarm"):
    res = await app.service.ingest(AlarmEvent(source="terminal", code=code, state=state,
                                              received_at=clock.now(), point=point))
    await app.tick()
    return res.incident_id


async def every_kind(app, clock, recorder) -> dict[str, int]:
    """One incident per cause; returns incident ids by cause."""
    ids = {}
    clock.set(local(2026, 11, 24, 22))  # Tuesday night: the contractor is closed
    ids["nobody_available"] = await ingest(app, clock, code="XX", point="Boiler room")
    ids["false_alarm_not_cleared"] = await ingest(app, clock, point="Loop 1")
    await app.service.act(ids["false_alarm_not_cleared"], Action.FALSE_ALARM, "Night nurse",
                          party="night-nurse")
    await app.tick()  # its notices go out before the chat starts failing
    recorder.failures.append(NotifyError("chat not found", recoverable=False))
    ids["delivery_failed"] = await ingest(app, clock, point="Loop 4")
    ids["nobody_acknowledged"] = await ingest(app, clock, code="YX", point="Kitchen")
    await run_until(app, clock, clock.now() + timedelta(hours=5))  # the terminal goes quiet
    silent = await app.store.transaction(lambda tx: tx.sources.get("terminal"))
    ids["source_silent"] = silent["silent_incident_id"]
    return ids


async def test_every_kind_of_record_with_its_report(make_app, clock, recorder, store_url,
                                                    aiohttp_client):
    app = await make_app(register_yaml(store_url), storage=store_url)
    ids = await every_kind(app, clock, recorder)
    client = await aiohttp_client(app.web_app())
    listed = (await (await client.get("/api/v1/safety-incidents?limit=500",
                                      headers=OPERATOR)).json())["safety_incidents"]
    found = {(r["cause"], r["incident_id"]) for r in listed}
    for cause, incident_id in ids.items():
        assert (cause, incident_id) in found, cause
    by_cause = {r["cause"]: r for r in listed if (r["cause"], r["incident_id"]) in
                {(c, i) for c, i in ids.items()}}
    # the night nobody could reach: skipped as closed, told the manager, nobody answered
    rec = by_cause["nobody_available"]
    assert [(c["party"], c["kind"]) for c in rec["contacts"]][0] == ("contractor", "skipped")
    assert "closed" in rec["contacts"][0]["detail"]
    rec = by_cause["delivery_failed"]
    assert rec["parameters"] == {"step": 0, "loop": 0}
    assert ("night-nurse", "called", "failed") in {
        (c["party"], c["kind"], c["status"]) for c in rec["contacts"]}
    assert by_cause["source_silent"]["parameters"] == {"source": "terminal", "timeout_s": 900}
    fa = by_cause["false_alarm_not_cleared"]
    assert fa["care_staff"]["taps"] == 1  # the night nurse's one press
    assert ("night-nurse", "answered") in {(c["party"], c["kind"]) for c in fa["contacts"]}
    exhausted = by_cause["nobody_acknowledged"]
    assert {p["party"]: p["outcome"] for p in exhausted["parties"]}["alarm-vendor"] == \
        "no_answer"

    texts = {}
    for cause, rec in by_cause.items():
        resp = await client.get(f"/api/v1/safety-incidents/{rec['id']}?format=text",
                                headers=OPERATOR)
        assert resp.status == 200
        texts[cause] = await resp.text()
    assert "Ketään hälytysportailla ei tavoitettu" in texts["nobody_available"]
    assert ("Local electrical contractor ohitettiin: suljettu (auki Mon-Fri 07:00-16:00)"
            in texts["nobody_available"])
    assert "Hälytyslähde oli hiljaa yli sallitun ajan" in texts["source_silent"]
    assert "Yhtäkään portaan yhteystapaa ei tavoitettu" in texts["delivery_failed"]
    assert ("Night nurse: yhteydenotto (Telegram-viesti) – EI PERILLÄ (chat not found)"
            in texts["delivery_failed"])
    assert "Kukaan ei ottanut hälytystä hoitaakseen (3 kierrosta)" in texts["nobody_acknowledged"]
    assert "Night nurse vastasi" in texts["false_alarm_not_cleared"]
    for text in texts.values():
        assert "Ehdotetut toimenpiteet:\n  (ei vielä kirjattu)" in text


async def test_filters_paging_notes_and_closing(make_app, clock, recorder, aiohttp_client,
                                                tmp_path):
    app = await make_app(register_yaml(f"sqlite:///{tmp_path}/r.db"))
    await every_kind(app, clock, recorder)
    client = await aiohttp_client(app.web_app())

    async def get(query):
        resp = await client.get(f"/api/v1/safety-incidents{query}", headers=OPERATOR)
        return resp.status, await resp.json()

    _, everything = await get("?limit=500")
    total = len(everything["safety_incidents"])
    assert total >= 5 and everything["next_cursor"] is None
    seen, cursor = [], ""
    while True:
        status, page = await get(f"?limit=2{cursor}")
        assert status == 200
        seen += [r["id"] for r in page["safety_incidents"]]
        if not page["next_cursor"]:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert seen == [r["id"] for r in everything["safety_incidents"]]  # newest first, no gaps
    _, only = await get("?cause=source_silent")
    assert {r["cause"] for r in only["safety_incidents"]} == {"source_silent"}
    _, none = await get("?from=2026-11-26&to=2026-11-27")
    assert none["safety_incidents"] == []
    _, day = await get("?from=2026-11-24T00:00:00%2B02:00&to=2026-11-26")
    assert len(day["safety_incidents"]) == total

    record = everything["safety_incidents"][0]["id"]
    resp = await client.post(f"/api/v1/safety-incidents/{record}/notes", headers=OPERATOR,
                             json={"note": "Soitettu urakoitsijalle"})
    assert resp.status == 201
    assert (await resp.json())["notes"][0] == {**(await resp.json())["notes"][0],
                                               "by": "operator", "note": "Soitettu urakoitsijalle"}
    resp = await client.post(f"/api/v1/safety-incidents/{record}/close", headers=OPERATOR,
                             json={"cause": "urakoitsijan päivystys puuttui",
                                   "measures": "Päivystysnumero sopimukseen"})
    assert resp.status == 200
    closed = await resp.json()
    assert closed["state"] == "closed" and closed["review"]["measures"].startswith("Päivystys")
    resp = await client.post(f"/api/v1/safety-incidents/{record}/close", headers=OPERATOR,
                             json={"cause": "again"})
    assert resp.status == 409
    _, open_ = await get("?state=open&limit=500")
    _, done = await get("?state=closed")
    assert record not in [r["id"] for r in open_["safety_incidents"]]
    assert [r["id"] for r in done["safety_incidents"]] == [record]
    text = await (await client.get(f"/api/v1/safety-incidents/{record}?format=text",
                                   headers=OPERATOR)).text()
    assert "Päivystysnumero sopimukseen" in text and "Soitettu urakoitsijalle" in text

    for query, status in (("?state=maybe", 400), ("?from=yesterday", 400), ("?cursor=x", 400),
                          ("/abc", 400), ("/999999", 404)):
        assert (await get(query))[0] == status, query
    for body in ({"note": ""}, {"by": "Someone else", "note": "x"}):
        resp = await client.post(f"/api/v1/safety-incidents/{record}/notes", headers=OPERATOR,
                                 json=body)
        assert resp.status == 400, body
    assert (await client.get("/api/v1/safety-incidents")).status == 401


async def test_a_cause_without_a_text_is_shown_as_its_code(make_app, clock, aiohttp_client,
                                                           tmp_path):
    app = await make_app(register_yaml(f"sqlite:///{tmp_path}/r.db"))
    clock.set(local(2026, 11, 24, 9))
    incident = await ingest(app, clock)
    for cause in ("ack_not_resolved", "a_cause_added_later"):
        await app.store.transaction(lambda tx, cause=cause: tx.execute(
            "INSERT INTO safety_incidents (incident_id, cause, at, detail) VALUES (?,?,?,?)",
            (incident, cause, clock.now().isoformat(), "")))
    client = await aiohttp_client(app.web_app())
    listed = (await (await client.get("/api/v1/safety-incidents", headers=OPERATOR)).json())
    texts = {r["cause"]: r["cause_text"] for r in listed["safety_incidents"]}
    assert texts["ack_not_resolved"] == \
        "Joku otti hälytyksen hoitaakseen, mutta sitä ei ratkaistu ajoissa"
    assert texts["a_cause_added_later"] == "a_cause_added_later"


async def test_purchaser_link_shows_the_record_and_never_acts(make_app, clock, recorder,
                                                              aiohttp_client, tmp_path):
    app = await make_app(register_yaml(f"sqlite:///{tmp_path}/r.db"))
    clock.set(local(2026, 11, 24, 22))
    incident = await ingest(app, clock, code="XX", point="Boiler room")
    [told] = recorder.to("purchaser")
    assert told.reason == "EXHAUSTED" and told.read_only
    assert not any(m.read_only for m in recorder.to("manager"))
    mail = build_mail(told, {"from": "alarms@lehtioja.example"}, "tilaaja@kunta.example",
                      app.config.facility, clock)
    html = mail.get_body(("html",)).get_content()
    assert "Avaa tiedot" in html and "Avaa hälytys ja vastaa" not in html
    client = await aiohttp_client(app.web_app())
    path = told.ack_url.removeprefix("http://escalator.test")
    page = await (await client.get(path)).text()
    assert "Vain luku" in page and "<form" not in page and "<button" not in page
    assert "Ketään hälytysportailla ei tavoitettu" in page and "Boiler room" in page
    for body in ({"action": "resolve"}, {"action": "note", "note": "hello"}):
        resp = await client.post(path, data=body)
        assert resp.status == 403
    resp = await client.post(path, json={"action": "acknowledge"},
                             headers={"Accept": "application/json"})
    assert resp.status == 403 and "error" in await resp.json()
    inc = await app.store.transaction(lambda tx: tx.incidents.get(incident))
    assert inc.state.value == "open" and inc.acked_by is None
    timeline = await app.store.transaction(lambda tx: tx.timeline.of_incident(incident))
    assert not [e for e in timeline if e["party"] == "purchaser" and e["reason"] != "EXHAUSTED"]


async def test_a_viewer_chat_gets_the_card_without_buttons(clock, recorder, tmp_path):
    from dataclasses import replace

    from fake_telegram import FakeTelegram
    from tg_support import CHAT_A, CHAT_B, alarm, tg_config

    from escalator.app import Escalator
    from escalator.config import load_config_text
    from escalator.notify.telegram.bot_settings import RateLimits

    fake = await FakeTelegram(clock=clock).start()
    try:
        env = {**TOKENS, "TG_TOKEN": fake.token}
        ward_b = "    name: Ward B nurse on duty\n"
        text = tg_config(f"sqlite:///{tmp_path}/tg.db", fake.url).replace(
            ward_b, ward_b + "    role: viewer\n")
        cfg, _ = load_config_text(text, env=env)
        app = Escalator(cfg, clock=clock, env=env, notifiers={"email": recorder, "sms": recorder})
        conn = app.telegram.connection
        conn.settings = replace(conn.settings, limits=RateLimits(1000, 100_000), poll_timeout=1)
        await app.start(serve_http=False, schedule=False)
        await fake.wait_for(conn.connected.is_set)
        iid = await alarm(app)
        await app.tick()
        [staff_card] = fake.chat_messages(CHAT_A)
        [viewer_card] = fake.chat_messages(CHAT_B)
        assert f"acknowledge:{iid}" in fake.buttons(staff_card)
        assert fake.buttons(viewer_card) == [] and "Loop 2, wing B" in viewer_card.text
        await app.stop()
    finally:
        await fake.stop()
