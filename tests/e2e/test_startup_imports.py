"""`escalator run` loads the libraries of what is configured, and not the others.

On a small box (one core, 256 MB; issue 23) every library loaded for nothing is memory
the service keeps: python-telegram-bot with httpx was about 23 MB of the 109 MB a
service without Telegram had at start, reportlab about 6 MB more, loaded for a weekly
PDF that is not configured. The BMS receivers' libraries (BACnet, OPC UA, Modbus)
already load only with their sources; this keeps all of them that way.

The real command runs in a subprocess; when it has stopped (SIGTERM), an exit hook
writes down which of the watched libraries it had loaded.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from outside import free_port

pytestmark = pytest.mark.e2e

ENV = {"ESCALATOR_API_TOKEN": "op-token-e2e", "ESCALATOR_SECRET_KEY": "e2e-link-secret-0123456789",
       "ESCALATOR_TERMINAL_TOKEN": "term-token-e2e"}

CONFIG = """
facility: {{id: e2e, name: E2E home, timezone: Europe/Helsinki, language: en}}
http: {{listen: "127.0.0.1:{port}", public_url: "http://127.0.0.1:{port}",
       outbound_allow: [127.0.0.1/32]}}
storage: "sqlite:///{db}"
sources:
  terminal: {{kind: webhook, token_env: ESCALATOR_TERMINAL_TOKEN}}
people:
  nurse: {{name: Nurse, contact: [{{webhook: "http://127.0.0.1:9/hook"}}]}}
ladders:
  fault:
    steps:
      - {{notify: [nurse], repeat_every: 10s, escalate_after: 1h}}
routes:
  - ladder: fault
"""

WATCHED = ("telegram", "httpx", "reportlab", "bacpypes3", "asyncua", "pymodbus", "aiohttp")

RUN = """
import atexit, json, sys

from escalator.__main__ import main

def written():
    with open(sys.argv[1], "w") as out:
        json.dump(sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[3:])), out)

atexit.register(written)
sys.exit(main(["run", "--config", sys.argv[2]]))
"""


def loaded_by_run(tmp_path) -> list[str]:
    port = free_port()
    cfg = tmp_path / "escalator.yaml"
    cfg.write_text(CONFIG.format(port=port, db=tmp_path / "e.db"))
    out = tmp_path / "loaded.json"
    proc = subprocess.Popen([sys.executable, "-c", RUN, str(out), str(cfg), *WATCHED],
                            env={**os.environ, **ENV}, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        assert proc.stderr is not None
        for line in proc.stderr:  # the last start-up step (after the warm-up) says so
            if "escalator running for" in line:
                break
            assert time.monotonic() < deadline, "escalator run did not start"
        else:
            raise AssertionError(f"escalator run ended at start (exit {proc.wait()})")
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    return list(json.loads(out.read_text()))


def test_a_service_without_telegram_bms_or_reports_does_not_load_their_libraries(tmp_path):
    loaded = loaded_by_run(tmp_path)
    assert "aiohttp" in loaded  # the hook saw the service's modules
    unneeded = sorted(set(loaded) - {"aiohttp"})
    assert unneeded == [], (
        f"`escalator run` without Telegram, BMS sources or weekly reports loaded {unneeded}:"
        " import them where the configured channel, source or report is built (they cost"
        " memory on a 256 MB box)")
