"""The safety register on the board (issue 20, point 6).

A false alarm the terminal never cleared becomes a record. The register page shows it
with its date and time in the facility's zone, open or closed, who, what and where;
the record's page shows every message it is about (the request to clear sent to the
vendor included) in plain words, the same prose as the weekly summary, never a
channel's code; a manager adds a note and closes it with the board's forms (CSRF,
audited under the signed-in name); a viewer reads it and cannot write; a nurse
cannot see it.
"""

from __future__ import annotations

import re

from board_support import (
    CSRF,
    board_client,  # noqa: F401 - fixture
    sign_in,
)

from escalator.domain.model import Action, AlarmEvent
from escalator.entrypoints.http.keys import REGISTER
from escalator.i18n import t
from escalator.reports.safety_text import as_record
from escalator.storage.audit import rows_tx

LINK = re.compile(r'href="/board/safety/(\d+)"')


def mine(page: str) -> str:
    """The row of the false alarm's record (the terminal's silence has one of its own)."""
    return next(r for r in re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S) if "Silmukka" in r)


async def a_record(client, clock) -> int:
    app = client.escalator
    res = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now(),
                                              point="Silmukka 2 / B-siipi"))
    await app.tick()
    await app.service.act(res.incident_id, Action.FALSE_ALARM, "Hoitaja Aino",
                          party="ward-a")
    await app.tick()  # the vendor is asked to clear it at the terminal
    clock.advance(hours=4, minutes=1)  # false_alarm_clear_within: 4h
    await app.tick()  # not cleared: a safety record
    return res.incident_id


async def test_the_register_page_and_a_record_in_the_readers_words(client, clock):
    iid = await a_record(client, clock)
    assert await sign_in(client, "Maija") == 303
    page = await (await client.get("/board/safety")).text()
    row = next(r for r in re.findall(r'<tr class="reg-open">(.*?)</tr>', page, re.S)
               if "Silmukka" in r)  # (the terminal's silence is a record of its own)
    assert "24.11.2026 13.01" in row  # date and time in Helsinki (11:01 UTC)
    assert t("fi", "reg.state.open") in row
    assert "Silmukka 2 / B-siipi" in row
    assert "Security company fault hotline" in row and "Ward A nurse on duty" in row
    safety_id = int(LINK.search(row).group(1))

    one = await (await client.get(f"/board/safety/{safety_id}")).text()
    asked = ("Security company fault hotline sai viestin (sähköposti): "
             "pyyntö kuitata hälytys keskuslaitteelta – meni perille")
    assert asked in one  # the clear request, in words
    assert "log:" not in one and "CLEAR_REQUESTED" not in one
    assert f"#{iid}" in one

    # the same prose as the weekly summary: one renderer
    app = client.escalator
    view = await client.server.app[REGISTER].record(safety_id)
    names = {p: x.name for p, x in app.config.parties.items()}
    rec = as_record(view, "fi", "Europe/Helsinki", names)
    assert all(step in one for step in rec.steps) and rec.heading in one

    # a manager's note and closing, with the session's CSRF token, audited
    token = CSRF.search(one).group(1)
    assert (await client.post(f"/board/safety/{safety_id}/note",
                              data={"note": "Soitettu toimittajalle"},
                              allow_redirects=False)).status == 403  # no token: refused
    resp = await client.post(f"/board/safety/{safety_id}/note",
                             data={"csrf": token, "note": "Soitettu toimittajalle"},
                             allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"].endswith("?done=note")
    resp = await client.post(f"/board/safety/{safety_id}/close", data={
        "csrf": token, "cause": "Toimittaja ei kuitannut", "measures": "Sopimus tarkistetaan"},
        allow_redirects=False)
    assert resp.status == 303
    again = await client.post(f"/board/safety/{safety_id}/close", data={
        "csrf": token, "cause": "toinen", "measures": ""}, allow_redirects=False)
    assert again.status == 409
    one = await (await client.get(f"/board/safety/{safety_id}?done=close")).text()
    assert t("fi", "reg.board.closed_done") in one
    assert "Maija: Soitettu toimittajalle" in one
    assert "Toimittaja ei kuitannut" in one and "Sopimus tarkistetaan" in one
    assert t("fi", "reg.state.closed") in one
    assert 'action="/board/safety/' + str(safety_id) + '/close"' not in one  # closed: no form
    log = await app.store.transaction(lambda tx: rows_tx(tx))
    audited = [(r["kind"], r["actor"], r["payload"]) for r in log
            if r["kind"] in ("safety_note", "safety_closed")]
    assert sorted((k, a) for k, a, _ in audited) == [("safety_closed", "Maija"),
                                                     ("safety_note", "Maija")]
    assert {k: p for k, _, p in audited}["safety_note"]["note"] == "Soitettu toimittajalle"
    listing = await (await client.get("/board/safety")).text()
    assert t("fi", "reg.state.closed") in mine(listing)


async def test_a_viewer_reads_and_cannot_write_a_nurse_cannot_see(client, clock):
    await a_record(client, clock)
    assert await sign_in(client, "Olli") == 303  # the purchaser
    page = await (await client.get("/board/safety")).text()
    safety_id = int(LINK.search(mine(page)).group(1))
    one = await (await client.get(f"/board/safety/{safety_id}")).text()
    assert "pyyntö kuitata hälytys keskuslaitteelta" in one
    assert "/note" not in one and "/close" not in one  # no forms
    token = CSRF.search(one).group(1)
    for path, form in (("note", {"note": "x"}), ("close", {"cause": "x"})):
        resp = await client.post(f"/board/safety/{safety_id}/{path}",
                                 data={"csrf": token, **form}, allow_redirects=False)
        assert resp.status == 403
    view = await client.escalator.store.transaction(lambda tx: rows_tx(tx))
    assert not [r for r in view if r["kind"] in ("safety_note", "safety_closed")]

    await client.post("/board/logout", data={"csrf": token})
    assert await sign_in(client, "Anna") == 303  # a nurse
    assert (await client.get(f"/board/safety/{safety_id}")).status == 403
    assert (await client.get("/board/safety")).status == 403


async def test_in_swedish_the_same_record_reads_in_swedish(client, clock):
    await a_record(client, clock)
    assert await sign_in(client, "Maija") == 303
    await client.get("/board/language/sv?next=/board/")
    page = await (await client.get("/board/safety")).text()
    safety_id = int(LINK.search(mine(page)).group(1))
    one = await (await client.get(f"/board/safety/{safety_id}")).text()
    assert "fick ett meddelande (e-post)" in one
    assert "en begäran att återställa larmet i centralen" in one
    assert t("sv", "reg.board.close") in one
