"""The config editor in a real browser: an error shown at its line, a valid edit saved and
in force with the open alarm and its timers kept, and a nurse kept out.

The service runs on a real socket with a fake clock; Chromium signs in through the form.
Screenshots go to docs/screenshots/ (config-editor-*.png).
"""

from __future__ import annotations

import os
import re

import pytest
from aiohttp.test_utils import TestServer
from board_support import PASSWORDS, SHOTS, post_event
from editor_support import STEP2, build_from_file, line_of

from escalator.domain.model import State

pytestmark = pytest.mark.e2e
BOARD = re.compile(r"^http://[^/]+/board/$")
LABELS = {"fi": ("Käyttäjätunnus", "Salasana", "Kirjaudu"),
          "sv": ("Användarnamn", "Lösenord", "Logga in"),
          "en": ("User name", "Password", "Sign in")}


@pytest.fixture
async def served(tmp_path, clock, recorder):
    app, path = await build_from_file(tmp_path, clock, recorder)
    async with TestServer(app.web_app(), host="127.0.0.1") as server:
        yield app, server, path
    await app.stop()


async def sign_in(page, server, name: str, lang: str) -> None:
    await page.goto(str(server.make_url(f"/board/language/{lang}?next=/board/login")))
    user, password, button = LABELS[lang]
    await page.get_by_label(user).fill(name)
    await page.get_by_label(password).fill(PASSWORDS[name])
    await page.get_by_role("button", name=button, exact=True).click()
    await page.wait_for_url(BOARD)


async def test_a_config_edit_with_an_error_shows_the_line(served, desktop):
    app, server, path = served
    await sign_in(desktop, server, "Maija", "fi")
    await desktop.get_by_role("link", name="Asetukset").click()
    await desktop.wait_for_url("**/board/config")
    area = desktop.get_by_label("Asetustiedosto (YAML)")
    text = await area.input_value()
    assert text == path.read_text()
    broken = text.replace("escalate_after: 30m", "escalate_after: puoli tuntia")
    line = line_of(broken, "puoli tuntia")
    await area.fill(broken)
    await desktop.get_by_role("button", name="Tarkista").click()
    alert = desktop.get_by_role("alert")
    await alert.wait_for()
    said = await alert.inner_text()
    assert f"rivi {line}" in said and f"{path}:{line}:" in said and "puoli tuntia" in said
    assert 'löytyi "puoli tuntia", pitäisi olla kesto' in said  # said in Finnish,
    assert "found" not in said and "expected" not in said  # not in the CLI's English
    assert await desktop.locator(f"#gutter #L{line}").get_attribute("class") == "bad"
    assert await area.input_value() == broken  # the edit is kept, not lost
    await desktop.get_by_role("link", name=f"rivi {line}").click()  # to the line
    chosen = await area.evaluate("t => t.value.slice(t.selectionStart, t.selectionEnd)")
    assert chosen == broken.splitlines()[line - 1]
    assert await desktop.evaluate("document.activeElement.id") == "config-text"
    await desktop.locator("#config-errors").scroll_into_view_if_needed()
    SHOTS.mkdir(parents=True, exist_ok=True)
    await desktop.screenshot(path=str(SHOTS / "config-editor-error-fi.png"))
    assert path.read_text() == text  # Check saves nothing
    # Simulate the fire loop fault at 02:00 on Christmas Eve, on the (fixed) unsaved text
    await area.fill(text)
    await desktop.get_by_label("Hälytyskoodi").fill("FT")
    await desktop.get_by_label("Paikka").fill("Palosilmukka 2, B-siipi")
    await desktop.get_by_label("Aika (paikallista aikaa)").fill("2026-12-24 02:00")
    await desktop.get_by_role("button", name="Kokeile").click()
    lines = desktop.locator("#sim-lines")
    await lines.wait_for()
    shown = await lines.inner_text()
    assert "to 2.00" in shown and "porras 1  Night nurse" in shown
    await desktop.locator("#sim-result").evaluate("h => h.scrollIntoView()")
    await desktop.screenshot(path=str(SHOTS / "config-editor-simulate-fi.png"))


async def test_a_valid_edit_is_saved_and_in_force_with_open_alarms_kept(served, desktop, clock,
                                                                      recorder):
    app, server, path = served
    incident = await post_event(server, id="t-1", code="FT", point="Palosilmukka 2, B-siipi",
                                state="alarm")
    await app.tick()
    assert recorder.reasons() == [("ward-a", "FIRST")]
    before = await app.store.transaction(lambda tx: tx.incidents.get(incident))
    await sign_in(desktop, server, "Maija", "sv")
    await desktop.get_by_role("link", name="Inställningar").click()
    area = desktop.get_by_label("Inställningsfil (YAML)")
    text = await area.input_value()
    await area.fill(text.replace(STEP2, "      - notify: [manager]\n"))
    await desktop.get_by_role("button", name="Spara").click()
    said = desktop.locator("#config-said")
    await said.wait_for()
    assert "Sparad som version" in await said.inner_text()
    assert "notify: [manager]" in path.read_text()
    assert app.config.ladders["technical-fault"].steps[1].notify == ("manager",)
    after = await app.store.transaction(lambda tx: tx.incidents.get(incident))
    assert after == before and after.state is State.OPEN
    SHOTS.mkdir(parents=True, exist_ok=True)
    await desktop.screenshot(path=str(SHOTS / "config-editor-saved-sv.png"), full_page=True)
    recorder.clear()
    clock.advance(minutes=10)  # the timer set before the save still fires: to step 2
    await app.tick()
    assert [m.party for _, m in recorder.sent if not m.update] == ["manager"]
    await desktop.get_by_role("link", name="Tidigare versioner").click()
    rows = desktop.locator("table.versions tbody tr")
    await rows.first.wait_for()
    assert await rows.count() == 2 and "Maija" in await rows.first.inner_text()
    await rows.first.get_by_role("link").click()
    assert "+      - notify: [manager]" in await desktop.locator("#diff").inner_text()
    await desktop.screenshot(path=str(SHOTS / "config-history-diff-sv.png"), full_page=True)


async def test_a_nurse_cannot_open_the_editor(served, desktop):
    app, server, path = served
    await sign_in(desktop, server, "Anna", "en")
    assert await desktop.get_by_role("link", name="Configuration").count() == 0
    response = await desktop.goto(str(server.make_url("/board/config")))
    assert response is not None and response.status == 403
    assert "You are not allowed to do this." in await desktop.locator("main").inner_text()
    assert await desktop.get_by_label("Configuration file (YAML)").count() == 0


async def test_a_broken_file_on_disk_shows_the_manager_a_banner(served, desktop):
    app, server, path = served
    good = path.read_text()
    broken = good.replace("loops: 2", "loops: monta")
    path.write_text(broken)
    os.utime(path, ns=(1, 1))
    assert await app.config_watch.poll() is False
    await sign_in(desktop, server, "Maija", "fi")
    banner = desktop.locator("#config-banner")
    line = line_of(broken, "loops: monta")
    assert f"rivillä {line}" in await banner.inner_text()
    assert 'löytyi "monta", pitäisi olla kokonaisluku' in await banner.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    await desktop.screenshot(path=str(SHOTS / "config-banner-fi.png"))
    path.write_text(good)
    os.utime(path, ns=(2, 2))
    assert await app.config_watch.poll() is True
    await desktop.reload()
    assert await banner.count() == 0
