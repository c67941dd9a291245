"""A real browser for page tests: Playwright driving the machine's Chromium.

Never downloads a browser: it uses Debian's /usr/bin/chromium (`apt-get install
chromium`; CI's `.ci/run` does it). Without it (or without the `playwright`
package) the browser tests are skipped, unless ESCALATOR_REQUIRE_BROWSER=1
(CI sets it) makes that a failure.
"""

from __future__ import annotations

import os

import pytest

CHROMIUM = os.environ.get("ESCALATOR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def _missing(why: str) -> None:
    if os.environ.get("ESCALATOR_REQUIRE_BROWSER") == "1":
        pytest.fail(f"a browser is required but not usable: {why}")
    pytest.skip(f"no browser: {why}")


@pytest.fixture
async def browser():
    try:
        from playwright.async_api import Error, async_playwright
    except ImportError:
        _missing("the playwright package is not installed (pip install '.[test]')")
        return
    if not os.access(CHROMIUM, os.X_OK):
        _missing(f"{CHROMIUM} not found (apt-get install chromium)")
        return
    async with async_playwright() as pw:
        try:
            found = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Error as exc:
            _missing(f"{CHROMIUM} did not start: {exc}")
            return
        try:
            yield found
        finally:
            await found.close()


@pytest.fixture
async def desktop(browser):
    """A page the size of a manager's desktop screen, in a fresh context."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        await context.close()


@pytest.fixture
async def phone(browser):
    """A page the size of a phone screen, with touch, in a fresh context."""
    context = await browser.new_context(viewport={"width": 375, "height": 740},
                                        device_scale_factor=2, is_mobile=True, has_touch=True)
    page = await context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        await context.close()
