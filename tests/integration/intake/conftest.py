"""An Escalator with intake sources, on a temp SQLite file, with the intake env secrets."""

from __future__ import annotations

import pytest
from intake_support import ENV, with_sources


@pytest.fixture
async def intake_app(tmp_path, clock, recorder):
    from escalator.app import Escalator
    from escalator.config import load_config_text

    apps = []

    async def make(extra_yaml: str, *, env: dict[str, str] | None = None, db: str = "e.db"):
        env = ENV if env is None else env
        cfg, _ = load_config_text(with_sources(f"sqlite:///{tmp_path}/{db}", extra_yaml),
                                  env=env)
        app = Escalator(cfg, clock=clock, env=env,
                        notifiers={"telegram": recorder, "email": recorder, "sms": recorder})
        await app.start(serve_http=False, schedule=False)
        apps.append(app)
        return app

    yield make
    for app in apps:
        await app.stop()
