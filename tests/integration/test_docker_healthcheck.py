"""The Dockerfile's HEALTHCHECK command, run as Docker would run it, against the real
web app: exit 0 while /healthz says ok, non-zero when the store is down."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from escalator.runtime.waker import Waker

DOCKERFILE = Path(__file__).resolve().parents[2] / "Dockerfile"


def healthcheck_command() -> list[str]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    line = next(x for x in text.splitlines() if x.startswith("HEALTHCHECK "))
    return json.loads(line.split(" CMD ", 1)[1])


async def run_check(url: str) -> int:
    cmd = healthcheck_command()
    assert cmd[0] == "python"
    env = {**os.environ, "ESCALATOR_HEALTH_URL": url}
    done = await asyncio.to_thread(subprocess.run, [sys.executable, *cmd[1:]], env=env,
                                   capture_output=True, timeout=30)
    return done.returncode


async def test_healthcheck_passes_when_healthy_and_fails_when_the_store_is_down(
        make_app, postgres_server, aiohttp_client):
    import psycopg
    from pg import fresh_database

    db = fresh_database(postgres_server, "docker_healthcheck")
    app = await make_app(storage=db)
    app.waker = Waker(app.tick)
    app.waker.start()
    client = await aiohttp_client(app.web_app())
    url = str(client.make_url("/healthz"))
    assert (await client.get("/healthz")).status == 200
    assert await run_check(url) == 0
    # The database drops the service and lets it in no more (after a mere restart the
    # store reconnects by itself, and /healthz is rightly 200 again).
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute('ALTER DATABASE "docker_healthcheck" WITH ALLOW_CONNECTIONS false')
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                     " WHERE datname = 'docker_healthcheck'")
    try:
        assert (await client.get("/healthz")).status == 503
        assert await run_check(url) != 0
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as conn:
            conn.execute('ALTER DATABASE "docker_healthcheck" WITH ALLOW_CONNECTIONS true')
