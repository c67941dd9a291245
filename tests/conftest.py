from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from pg import fresh_database, postgres_cluster  # noqa: E402
from support import TOKENS, FakeClock, RecordingNotifier, config_text  # noqa: E402


@pytest.fixture(autouse=True)
def loopback_peers_allowed(request, monkeypatch):
    """Tests talk to fake peers on 127.0.0.1 (tests/outside.py, aiohttp test servers):
    the outgoing client allows loopback here as if every test config listed it in
    `http.outbound_allow`. Production keeps the rule (nothing local without a listing);
    tests marked `strict_outbound` get it too."""
    if request.node.get_closest_marker("strict_outbound"):
        return
    import ipaddress

    from escalator import app
    from escalator.monitoring import supervisor as supervision
    from escalator.rosters import show as rostershow
    from escalator.security import outbound

    loopback = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
    real = outbound.guarded_session

    def allowing_loopback(allow=(), **kwargs):
        return real((*allow, *loopback), **kwargs)

    for module in (app, rostershow, supervision):
        monkeypatch.setattr(module, "guarded_session", allowing_loopback)


@pytest.fixture(scope="session")
def postgres_server():
    yield from postgres_cluster()


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request, tmp_path):
    """Each storage test runs on both databases, for real."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/store.db"
    server = request.getfixturevalue("postgres_server")
    return fresh_database(server, f"t_{abs(hash(request.node.nodeid)) % 10**12}")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def recorder() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
async def make_app(tmp_path, clock, recorder):
    """Build an Escalator on a temp SQLite file with every chat/mail/SMS channel recorded."""
    from escalator.app import Escalator
    from escalator.config import load_config_text

    apps = []

    async def make(text: str | None = None, *, storage: str | None = None,
                   hook_url: str = "http://127.0.0.1:9/hook", **kwargs):
        url = storage or f"sqlite:///{tmp_path}/escalator.db"
        cfg, _ = load_config_text(text or config_text(url, hook_url), env=TOKENS)
        notifiers = {"telegram": recorder, "email": recorder, "sms": recorder}
        notifiers.update(kwargs.pop("notifiers", {}))
        app = Escalator(cfg, clock=clock, env=TOKENS, notifiers=notifiers, **kwargs)
        await app.start(serve_http=False, schedule=False)
        apps.append(app)
        return app

    yield make
    for app in apps:
        await app.stop()
