"""Fixtures shared by the HTTP-level tests: the app and an aiohttp client around it."""

from __future__ import annotations

import pytest
from tg_support import fake_tg, tg_app  # noqa: F401 - fixtures of the test_telegram_* tests


@pytest.fixture
async def app(make_app):
    return await make_app()


@pytest.fixture
async def client(app, aiohttp_client):
    return await aiohttp_client(app.web_app())
