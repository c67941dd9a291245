"""`escalator demo` as a new user runs it: a real process in an empty directory.

It must print one link; that link opens the board signed in; the simulated
terminal's fire-alarm loop fault shows within a minute; the outbox shows the
nurse's Telegram card, and pressing its button takes the alarm as the nurse.
Screenshots go to docs/screenshots/ (the README shows them).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import pytest
from board_support import SHOTS
from outside import free_port

pytestmark = pytest.mark.e2e

LINK = re.compile(r"(http://127\.0\.0\.1:\d+/board/login/once/\S+)")



@pytest.fixture
async def demo(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESCALATOR_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "escalator", "demo", "--port", str(free_port()), cwd=tmp_path,
        env={**env, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 20)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def printed_link(proc) -> str:
    assert proc.stdout is not None
    lines = []
    while True:
        line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        assert line, "the demo exited before printing a link: " + "".join(lines)
        lines.append(line)
        found = LINK.search(line)
        if found:
            return found.group(1)


async def test_the_demo_shows_the_fire_loop_fault_within_a_minute(demo, browser, tmp_path):
    link = await printed_link(demo)
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(15_000)
    await page.goto(link)
    await page.wait_for_url("**/board/")
    card = page.locator("li.alarm", has_text="Palosilmukka 2, B-siipi")
    await card.wait_for(timeout=60_000)
    assert "Fire alarm loop fault" in await card.inner_text()
    await page.locator("li.alarm", has_text="Keskus 3, C-siipi").wait_for(timeout=30_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / "demo-board.png"), full_page=True)
    assert (tmp_path / "escalator-demo" / "escalator.db").exists()

    again = await browser.new_context()  # the link works once
    reused = await (await again.new_page()).goto(link)
    assert reused.status == 410
    await again.close()

    await page.goto(link.split("/board/")[0] + "/board/outbox")
    nurse_card = page.locator("li.ch-telegram", has_text="Palosilmukka 2, B-siipi").first
    await nurse_card.wait_for(timeout=30_000)
    assert "Palohälytyssilmukan vika" in await nurse_card.inner_text()  # the nurse reads fi
    await nurse_card.get_by_role("button", name=re.compile("Otan hoitaakseni")).click()
    assert "Nurse on duty, wing B" in await page.locator("p.msg").inner_text()
    vendor_sms = page.locator("li.ch-sms", has_text="Keskus 3, C-siipi").first
    for _ in range(60):  # nobody took the earth leakage: the vendor is next (after 30 s)
        if await vendor_sms.count():
            break
        await asyncio.sleep(1)
        await page.reload()
    sms = await vendor_sms.inner_text()
    assert "Security company fault hotline" in sms and "/ack/" in sms
    await page.screenshot(path=str(SHOTS / "demo-outbox.png"), full_page=True)
    await page.goto(link.split("/board/")[0] + "/board/")
    taken = page.locator("li.alarm", has_text="Palosilmukka 2, B-siipi")
    assert "taken: Nurse on duty, wing B" in await taken.inner_text()
    await taken.locator("a").click()
    await page.locator("svg.ladder-picture").wait_for()
    await page.screenshot(path=str(SHOTS / "demo-incident.png"), full_page=True)
    await context.close()
    demo.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(demo.wait(), 20) == 0
