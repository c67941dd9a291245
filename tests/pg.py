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


class PrivateCluster:
    """A PostgreSQL server of one test's own, which the test may stop and start again
    (the shared session cluster must stay up for everyone else)."""

    def __init__(self) -> None:
        self.initdb, self.pg_ctl = _bin("initdb"), _bin("pg_ctl")
        if not self.initdb or not self.pg_ctl:
            _missing("initdb/pg_ctl not found")
        self.as_user: list[str] = []
        self.base = tempfile.mkdtemp(prefix="escalator-pg-own-")
        if os.geteuid() == 0:
            self.as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.base, "postgres", "postgres")
        self.data, self.port = os.path.join(self.base, "data"), _free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *cmd: str) -> None:
        subprocess.run([*self.as_user, *cmd], check=True, capture_output=True, text=True,
                       timeout=120)

    def init(self) -> None:
        try:
            self._run(str(self.initdb), "-D", self.data, "--auth=trust", "-U", "postgres",
                      "--no-sync")
            self.start()
        except (subprocess.CalledProcessError, OSError) as exc:
            detail = getattr(exc, "stderr", "") or str(exc)
            self.remove()
            _missing(f"could not start a cluster: {detail.strip()[-500:]}")

    def start(self) -> None:
        """Returns once the server accepts connections (`pg_ctl -w`)."""
        self._run(str(self.pg_ctl), "-D", self.data, "-w", "-l", os.path.join(self.base, "log"),
                  "-o", f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1"
                  " -c fsync=off", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.pg_ctl), "-D", self.data, "-m", mode, "-w", "stop")

    def remove(self) -> None:
        subprocess.run([*self.as_user, str(self.pg_ctl), "-D", self.data, "-m", "immediate",
                        "stop"], capture_output=True, timeout=60)
        shutil.rmtree(self.base, ignore_errors=True)


def private_cluster() -> Iterator[PrivateCluster]:
    if os.environ.get("ESCALATOR_TEST_POSTGRES_URL"):
        pytest.skip("restarting PostgreSQL needs a cluster started by the tests")
    cluster = PrivateCluster()
    cluster.init()
    try:
        yield cluster
    finally:
        cluster.remove()
