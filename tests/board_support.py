"""A board-enabled app for tests: three users (nurse, manager, viewer) with argon2 hashes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from support import TOKENS, config_text

from escalator.entrypoints.http.board.auth import hash_password

PASSWORDS = {"Anna": "anna-secret-1", "Maija": "maija-secret-2", "Olli": "olli-secret-3"}
ROLES = {"Anna": "nurse", "Maija": "manager", "Olli": "viewer"}
_HASHES = {name: hash_password(pw) for name, pw in PASSWORDS.items()}
ENV = {**TOKENS, **{f"BOARD_HASH_{n.upper()}": h for n, h in _HASHES.items()}}
SHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"

BOARD_YAML = "\nboard:\n  session_ttl: 1h\n  users:\n" + "".join(
    f"    - {{name: {n}, role: {r}, password_hash_env: BOARD_HASH_{n.upper()}}}\n"
    for n, r in ROLES.items())


def board_config(storage: str) -> str:
    return config_text(storage) + BOARD_YAML


async def build(tmp_path, clock, recorder):
    """The app with the board's users, every chat/mail/SMS recorded, no timers of its own."""
    from escalator.app import Escalator
    from escalator.config import load_config_text

    cfg, _ = load_config_text(board_config(f"sqlite:///{tmp_path}/board.db"), env=ENV)
    app = Escalator(cfg, clock=clock, env=ENV,
                    notifiers={"telegram": recorder, "email": recorder, "sms": recorder})
    await app.start(serve_http=False, schedule=False)
    return app


CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def login_token(client) -> str:
    """The sign-in form's CSRF token (its cookie goes into the client's jar)."""
    page = await (await client.get("/board/login")).text()
    return CSRF.search(page).group(1)


async def sign_in(client, name: str, password: str | None = None) -> int:
    """Sign in through the form as a browser would: the page first, then the POST."""
    resp = await client.post("/board/login", data={
        "name": name, "password": PASSWORDS.get(name, "") if password is None else password,
        "next": "/board/", "csrf": await login_token(client)}, allow_redirects=False)
    return resp.status


async def post_event(server, **body) -> int:
    """An alarm through the real HTTP intake of a test server; its incident id."""
    from aiohttp import ClientSession

    async with ClientSession() as http:
        async with http.post(server.make_url("/api/v1/events"), json=body, headers={
                "Authorization": f"Bearer {TOKENS['ESCALATOR_TERMINAL_TOKEN']}"}) as resp:
            assert resp.status == 202, await resp.text()
            return (await resp.json())["incident"]


@pytest.fixture(name="client")
async def board_client(tmp_path, clock, recorder):
    """The board's HTTP app on a fresh store, with the running service at `.escalator`."""
    app = await build(tmp_path, clock, recorder)
    async with TestClient(TestServer(app.web_app())) as c:
        c.escalator = app
        yield c
    await app.stop()
