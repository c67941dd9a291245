"""The HTTP API against its own OpenAPI description, fuzzed by schemathesis.

A real `escalator run` process on SQLite; schemathesis generates valid and
invalid requests for every documented operation from `escalator/entrypoints/http/openapi.yaml`
and checks that none gets a 5xx, that every status code and content type is a
documented one, and that the answers match their schemas. A hostile client on
the building network gets a clear 4xx, never a crash or a stall.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from outside import free_port
from schemathesis import checks

from escalator.entrypoints.http.api import openapi_document

TOKENS = {
    "ESCALATOR_API_TOKEN": "op-token-fuzz",
    "ESCALATOR_SECRET_KEY": "fuzz-link-secret-0123456789",
    "ESCALATOR_TERMINAL_TOKEN": "terminal-fuzz",
}
CONFIG = """
facility: {{id: fuzz, name: Fuzz home, timezone: Europe/Helsinki, language: fi}}
http: {{listen: "127.0.0.1:{port}", public_url: "http://127.0.0.1:{port}"}}
storage: "sqlite:///{db}"
sources:
  terminal: {{kind: webhook, token_env: ESCALATOR_TERMINAL_TOKEN}}
people:
  nurse: {{name: Nurse, contact: [{{webhook: "http://127.0.0.1:9/nurse"}}]}}
ladders:
  fault:
    steps:
      - {{notify: [nurse], repeat_every: 5m, escalate_after: 1h}}
routes:
  - ladder: fault
"""

schema = schemathesis.openapi.from_dict(openapi_document())
# Valid and invalid requests alike: a malformed body must get a 4xx with a reason.
schema.config.generation.update(modes=list(schemathesis.GenerationMode))



@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    port = free_port()
    config = tmp / "fuzz.yaml"
    config.write_text(CONFIG.format(port=port, db=tmp / "fuzz.db"))
    log = (tmp / "service.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "escalator", "run", "--config", str(config)],
                            env={**os.environ, **TOKENS}, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise AssertionError((tmp / "service.log").read_text()) from None
            time.sleep(0.1)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=15)
    finally:
        log.close()
    assert proc.returncode == 0, "the service did not stop cleanly on SIGTERM"
    text = (tmp / "service.log").read_text()
    assert "Traceback" not in text, text[-3000:]


def _headers(path: str) -> dict[str, str]:
    token = TOKENS["ESCALATOR_TERMINAL_TOKEN" if path == "/api/v1/events"
                   else "ESCALATOR_API_TOKEN"]
    return {"Authorization": f"Bearer {token}"}


CHECKS = (checks.not_a_server_error, checks.status_code_conformance,
          checks.content_type_conformance, checks.response_schema_conformance)


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_within_its_contract(case, base_url):
    response = case.call(base_url=base_url, headers=_headers(case.path), timeout=10)
    case.validate_response(response, checks=CHECKS)
