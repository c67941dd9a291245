"""An app whose config is a real file (the editor edits it), with the board's users."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from board_support import ENV, board_config

STEP2 = "      - notify: [alarm-vendor]\n"


async def build_from_file(tmp_path: Path, clock, recorder, storage: str | None = None,
                          keep: bool = False):
    """`keep`: start on the file as it is (a restart), instead of writing it afresh."""
    from escalator.app import Escalator
    from escalator.config import load_config

    path = tmp_path / "escalator.yaml"
    if not keep:
        path.write_text(board_config(storage or f"sqlite:///{tmp_path}/editor.db"),
                        encoding="utf-8")
    cfg, _ = load_config(path, env=ENV)
    app = Escalator(cfg, clock=clock, env=ENV,
                    notifiers={"telegram": recorder, "email": recorder, "sms": recorder})
    await app.start(serve_http=False, schedule=False)
    return app, path


def line_of(text: str, needle: str) -> int:
    return next(n for n, row in enumerate(text.splitlines(), 1) if needle in row)


@pytest.fixture(name="client")
async def editor_client(tmp_path, clock, recorder):
    """The board's HTTP app on a config file, with the app and the file at hand."""
    app, path = await build_from_file(tmp_path, clock, recorder)
    async with TestClient(TestServer(app.web_app())) as c:
        c.escalator, c.path = app, path
        yield c
    await app.stop()
