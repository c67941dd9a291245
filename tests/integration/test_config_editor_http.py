"""The editor's pages over HTTP: managers only, Check at the line, Simulate on unsaved text,
Save and its refusals, history and restore, and the banner for a broken file on disk."""

from __future__ import annotations

import html
import io
import os
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from board_support import CSRF, ENV, sign_in
from editor_support import build_from_file, editor_client, line_of  # noqa: F401 - fixture

from escalator.commands.simulate import in_words, parse_at, run
from escalator.config import load_config_text
from escalator.config.cli import cmd_check

BASE = re.compile(r'name="base" value="([^"]+)"')


async def form_of(client) -> dict[str, str]:
    page = await (await client.get("/board/config")).text()
    text = html.unescape(re.search(r"<textarea[^>]*>\n(.*?)</textarea>", page, re.S).group(1))
    return {"csrf": CSRF.search(page).group(1), "base": BASE.search(page).group(1),
            "text": text}


async def test_only_managers_open_the_editor(client):
    for name in ("Anna", "Olli"):  # a nurse, a viewer
        client.session.cookie_jar.clear()
        assert await sign_in(client, name) == 303
        page = await (await client.get("/board/")).text()
        assert "/board/config" not in page  # no link
        for path in ("/board/config", "/board/config/history", "/board/config/history/1"):
            assert (await client.get(path)).status == 403, (name, path)
        token = CSRF.search(page).group(1)
        resp = await client.post("/board/config", data={"csrf": token, "op": "save",
                                                        "text": "facility: {}", "base": "x"})
        assert resp.status == 403
    assert client.path.read_text().startswith("\nfacility:")  # untouched
    client.session.cookie_jar.clear()
    assert await sign_in(client, "Maija") == 303
    assert 'href="/board/config"' in await (await client.get("/board/")).text()
    assert (await client.get("/board/config")).status == 200


async def test_check_shows_the_configs_own_problem_in_the_readers_words_at_the_line(client):
    assert await sign_in(client, "Maija") == 303
    form = await form_of(client)
    assert form["text"] == client.path.read_text()
    broken = form["text"].replace("repeat_every: 15m", "repeat_every: soon")
    resp = await client.post("/board/config", data={**form, "text": broken, "op": "check"})
    assert resp.status == 400
    page = html.unescape(await resp.text())
    line = line_of(broken, "repeat_every: soon")
    copy = client.path.parent / "copy" / client.path.name
    copy.parent.mkdir()
    copy.write_text(broken)
    err = io.StringIO()
    cmd_check(str(copy), err=err, env=ENV)
    (expected,) = [p.replace(str(copy), str(client.path))  # save for the contacts whose
                   for p in err.getvalue().splitlines()[:-1]  # channels only fakes carry
                   if "is not set up" not in p]
    # the same problem at the same file, line and path as `config check`, said in Finnish
    place = f"{client.path}:{line}: ladders.technical-fault.steps[1].repeat_every: "
    assert expected.startswith(place) and expected not in page
    assert place + 'löytyi "soon", pitäisi olla kesto, esimerkiksi 30s' in page
    assert f'<span id="L{line}" class="bad">{line}</span>' in page  # the line, highlighted
    assert f'data-line="{line}"' in page
    assert "repeat_every: soon" in page  # and the edited text is kept
    fixed = await client.post("/board/config", data={**form, "op": "check"})
    assert fixed.status == 200 and 'class="bad"' not in await fixed.text()


async def test_simulate_runs_the_unsaved_text(client):
    assert await sign_in(client, "Maija") == 303
    form = await form_of(client)
    edited = form["text"].replace("name: Night nurse", "name: Yöhoitaja Eeva")
    resp = await client.post("/board/config", data={
        **form, "text": edited, "op": "simulate", "code": "FT", "source": "terminal",
        "point": "Palosilmukka 2", "at": "2026-12-24 02:00"})
    assert resp.status == 200
    page = html.unescape(await resp.text())
    shown = re.search(r'<pre[^>]* id="sim-lines"[^>]*>(.*?)</pre>', page, re.S).group(1)
    config, _ = load_config_text(edited, env=ENV)
    at = parse_at("2026-12-24 02:00", ZoneInfo("Europe/Helsinki"), client.escalator.clock.now())
    dry = run(config, "FT", at, point="Palosilmukka 2", horizon=timedelta(hours=12))
    assert shown.splitlines() == in_words(dry, "fi")  # the manager reads Finnish
    assert shown.startswith("Hälytys Palohälytyssilmukan vika (FT) to 24.12.2026 2.00")
    assert "to 2.00  +0 min  porras 1  Yöhoitaja Eeva: hälytys lähetetty" in shown
    assert "step" not in shown and "FIRST" not in shown  # no English, no reason codes
    assert "Yöhoitaja" not in client.path.read_text()  # nothing saved


async def test_save_history_diff_and_restore_through_the_pages(client):
    app = client.escalator
    assert await sign_in(client, "Maija") == 303
    form = await form_of(client)
    edited = form["text"].replace("loops: 2", "loops: 3")
    resp = await client.post("/board/config", data={**form, "text": edited.replace("\n", "\r\n"),
                                                    "op": "save"}, allow_redirects=False)
    assert resp.status == 303
    assert client.path.read_text() == edited  # the browser's CRLF is not written
    assert app.config.ladders["technical-fault"].loops == 3
    stale = await client.post("/board/config", data={**form, "op": "save"})
    assert stale.status == 409 and client.path.read_text() == edited
    broken = await client.post("/board/config", data={
        **(await form_of(client)), "text": "facility: [", "op": "save"})
    assert broken.status == 400 and client.path.read_text() == edited
    listing = await (await client.get("/board/config/history")).text()
    assert "Maija" in listing and listing.count('href="/board/config/history/') == 2
    first = re.findall(r'href="/board/config/history/(\d+)"', listing)[-1]
    shown = html.unescape(await (await client.get(f"/board/config/history/{first}")).text())
    assert f'action="/board/config/history/{first}/restore"' in shown
    newest = re.findall(r'href="/board/config/history/(\d+)"', listing)[0]
    diff = html.unescape(await (await client.get(f"/board/config/history/{newest}")).text())
    assert '<span class="del">-    loops: 2</span>' in diff
    assert '<span class="add">+    loops: 3</span>' in diff
    assert "/restore" not in diff  # the version in force offers no restore
    page = await (await client.get(f"/board/config/history/{first}")).text()
    restored = await client.post(f"/board/config/history/{first}/restore", data={
        "csrf": CSRF.search(page).group(1), "base": BASE.search(page).group(1)},
        allow_redirects=False)
    assert restored.status == 303
    assert app.config.ladders["technical-fault"].loops == 2
    assert "loops: 2" in client.path.read_text()
    assert (await client.get("/board/config/history/999")).status == 404


async def test_a_broken_file_on_disk_shows_managers_a_banner_until_fixed(client, clock):
    app = client.escalator
    good = client.path.read_text()
    broken = good.replace("loops: 2", "loops: lots")
    client.path.write_text(broken)
    os.utime(client.path, ns=(1, 1))
    assert await app.config_watch.poll() is False
    assert await sign_in(client, "Maija") == 303
    page = await (await client.get("/board/")).text()
    line = line_of(broken, "loops: lots")
    assert (f"error at line {line}" in page or f"rivillä {line}" in page)
    assert 'id="config-banner"' in page
    client.session.cookie_jar.clear()
    assert await sign_in(client, "Anna") == 303  # a nurse is not shown it
    assert 'id="config-banner"' not in await (await client.get("/board/")).text()
    client.session.cookie_jar.clear()
    assert await sign_in(client, "Maija") == 303
    client.path.write_text(good)
    os.utime(client.path, ns=(2, 2))
    assert await app.config_watch.poll() is True
    assert 'id="config-banner"' not in await (await client.get("/board/")).text()


async def test_a_large_config_fits_in_the_form(client):
    """More than the service's 64 KiB body limit: a region's many people still save."""
    assert await sign_in(client, "Maija") == 303
    form = await form_of(client)
    big = form["text"] + "".join(f"# note {n:05d} {'x' * 90}\n" for n in range(1200))
    assert len(big.encode()) > 100_000
    resp = await client.post("/board/config", data={**form, "text": big, "op": "save"},
                             allow_redirects=False)
    assert resp.status == 303 and client.path.read_text() == big
