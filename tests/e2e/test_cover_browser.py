"""The duty page with a cover shift, in a real browser, in Finnish: a manager says the
ward A nurse covers the night nurse's shift tonight; the roster and the ladder show the
cover at once. The screenshot is docs/screenshots/oncall-cover-fi.png (docs/board.md)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import TestServer
from board_support import PASSWORDS, SHOTS, build

pytestmark = pytest.mark.e2e
EVENING = datetime(2026, 11, 24, 19, 30, tzinfo=UTC)  # Tue 21:30 in Helsinki


@pytest.fixture
async def served(tmp_path, clock, recorder):
    app = await build(tmp_path, clock, recorder)
    async with TestServer(app.web_app(), host="127.0.0.1") as server:
        yield app, server
    await app.stop()


async def test_a_manager_adds_a_cover_on_the_duty_page(served, desktop, clock):
    app, server = served
    clock.set(EVENING)
    await desktop.goto(str(server.make_url("/board/login?next=/board/oncall")))
    await desktop.locator("input[name=name]").fill("Maija")
    await desktop.locator("input[name=password]").fill(PASSWORDS["Maija"])
    await desktop.locator("form button[type=submit]").last.click()
    await desktop.wait_for_url("**/board/oncall")
    roster = desktop.locator("table.duty").first
    assert "Night nurse" in await roster.inner_text()
    await desktop.locator("select[name=covered]").select_option("night-nurse")
    await desktop.locator("select[name=cover]").select_option("ward-a")
    await desktop.get_by_role("button", name="Tallenna tuuraus").click()
    await desktop.wait_for_url("**/board/oncall?cover=done#covers")
    assert "Tuuraus on tallennettu" in await desktop.locator("p.msg").inner_text()
    row = await desktop.locator("table.covers tbody tr").inner_text()
    assert "Night nurse" in row and "Ward A nurse on duty" in row and "Maija" in row
    now_on = await desktop.locator("table.duty").first.locator("tbody td").first.inner_text()
    assert now_on == "Ward A nurse on duty"  # the cover, where the roster said the night nurse
    SHOTS.mkdir(parents=True, exist_ok=True)
    await desktop.screenshot(path=str(SHOTS / "oncall-cover-fi.png"), full_page=True)
    [stored] = await app.store.transaction(lambda tx: tx.covers.ending_after(EVENING))
    assert (stored.cover.covered, stored.created_by) == ("night-nurse", "Maija")
