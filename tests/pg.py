"""A throwaway PostgreSQL cluster for the tests: real server, private port, trust auth.

Uses ESCALATOR_TEST_POSTGRES_URL when given; otherwise starts `initdb`/`pg_ctl`
from the machine (as the `postgres` user when running as root, since the
server refuses root). Without PostgreSQL the tests are skipped, unless
ESCALATOR_REQUIRE_POSTGRES=1 (CI sets it) turns that into a failure.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator

import pytest


def _bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _missing(why: str) -> None:
    if os.environ.get("ESCALATOR_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL required but not usable: {why}")
    pytest.skip(f"PostgreSQL not available: {why}")


def postgres_cluster() -> Iterator[str]:
    url = os.environ.get("ESCALATOR_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not initdb or not pg_ctl:
        _missing("initdb/pg_ctl not found")
        return
    as_user: list[str] = []
    base = tempfile.mkdtemp(prefix="escalator-pg-")
    if os.geteuid() == 0:
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(base, "postgres", "postgres")
    data, port = os.path.join(base, "data"), _free_port()
    run = lambda *cmd: subprocess.run([*as_user, *cmd], check=True,  # noqa: E731
                                      capture_output=True, text=True, timeout=120)
    try:
        run(initdb, "-D", data, "--auth=trust", "-U", "postgres", "--no-sync")
        run(pg_ctl, "-D", data, "-w", "-l", os.path.join(base, "log"), "-o",
            f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
    except (subprocess.CalledProcessError, OSError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        shutil.rmtree(base, ignore_errors=True)
        _missing(f"could not start a cluster: {detail.strip()[-500:]}")
        return
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, pg_ctl, "-D", data, "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


def fresh_database(server_url: str, name: str) -> str:
    """A new empty database on the cluster, so every test starts clean."""
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"
