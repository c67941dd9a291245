"""Cover shifts on the duty page: the form carries the session's CSRF token, a manager
may cover anyone, a nurse who is nobody on the roster nobody; the row is shown (fi)."""

from __future__ import annotations

import re

from board_support import board_client, sign_in  # noqa: F401 - the board's client fixture

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def covers_rows(app):
    return await app.store.transaction(lambda tx: tx.rows("SELECT * FROM covers ORDER BY id"))


FORM = {"covered": "night-nurse", "cover": "ward-a", "when": "tonight"}


async def test_the_board_form_needs_its_csrf_token_and_a_manager_or_the_person(client):
    app = client.escalator
    assert await sign_in(client, "Maija") == 303
    page = await (await client.get("/board/oncall")).text()
    assert "Tuuraukset" in page and "Ei tuurauksia." in page
    token = CSRF.search(page).group(1)
    resp = await client.post("/board/oncall/cover", data=FORM, allow_redirects=False)
    assert resp.status == 403 and await covers_rows(app) == []  # no token: refused
    resp = await client.post("/board/oncall/cover", data={**FORM, "csrf": token},
                             allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/board/oncall?cover=done#covers"
    page = await (await client.get("/board/oncall?cover=done")).text()
    assert "Tuuraus on tallennettu" in page
    row = page[page.index('class="duty covers"'):]
    assert "Night nurse" in row and "Ward A nurse on duty" in row and "Maija" in row
    [stored] = await covers_rows(app)
    assert (stored["covered"], stored["cover"], stored["created_by"]) == (
        "night-nurse", "ward-a", "Maija")
    await client.post("/board/logout", data={"csrf": token})
    assert await sign_in(client, "Anna") == 303  # a nurse who is nobody on the roster
    token = CSRF.search(await (await client.get("/board/oncall")).text()).group(1)
    resp = await client.post("/board/oncall/cover", allow_redirects=False, data={
        **FORM, "csrf": token, "when": "period", "from": "2026-11-26T21:00",
        "until": "2026-11-27T07:00"})
    assert resp.headers["Location"] == "/board/oncall?cover=role#covers"
    assert len(await covers_rows(app)) == 1
