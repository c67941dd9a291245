"""The deployment files say what the docs promise: a hardened Type=notify unit with a
watchdog, a non-root image with a health check, a proxy that keeps /api internal.
Docker and nginx are not run here; these are static checks (the unit is also checked
by `systemd-analyze verify` in scripts/verify-systemd-unit, run by .ci/run)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def unit() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in (ROOT / "deploy" / "escalator.service").read_text().splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_unit_is_type_notify_with_a_watchdog_and_hardened():
    u = unit()
    assert u["Type"] == ["notify"] and u["NotifyAccess"] == ["main"]
    assert re.fullmatch(r"\d+s?", u["WatchdogSec"][0])
    assert u["User"] != ["root"] and u["User"]
    assert u["LimitNOFILE"] == ["65536"]
    for key, value in {"NoNewPrivileges": "true", "ProtectSystem": "strict",
                       "ProtectHome": "true", "PrivateTmp": "true",
                       "ReadWritePaths": "/var/lib/escalator", "RestrictSUIDSGID": "true",
                       "CapabilityBoundingSet": ""}.items():
        assert u[key] == [value], key
    assert "escalator run" in u["ExecStart"][0]


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_unit_verifies_with_systemd_analyze():
    done = subprocess.run([str(ROOT / "scripts" / "verify-systemd-unit")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def dockerfile_stages() -> list[list[str]]:
    stages: list[list[str]] = []
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    for line in text.splitlines():
        if line.startswith("FROM "):
            stages.append([])
        if stages and line.strip() and not line.startswith("#"):
            stages[-1].append(line.strip())
    return stages


def test_image_is_python_slim_non_root_with_a_health_check():
    final = dockerfile_stages()[-1]
    assert final[0].startswith("FROM python:3.11-slim")
    users = [line.split()[1] for line in final if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    health = next(line for line in final if line.startswith("HEALTHCHECK "))
    assert "ESCALATOR_HEALTH_URL" in health
    assert any("ESCALATOR_HEALTH_URL=http://127.0.0.1:8080/healthz" in line for line in final)
    assert any(line.startswith("CMD [") for line in final)  # exec form: gets SIGTERM


def proxied_locations() -> dict[str, str]:
    text = (ROOT / "deploy" / "reverse-proxy" / "nginx.conf").read_text()
    text = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    found = {}
    for m in re.finditer(r"location\s+([^{]+?)\s*\{((?:[^{}]|\{[^{}]*\})*)\}", text):
        found[m.group(1).strip()] = m.group(2)
    return found


def test_proxy_exposes_only_the_ack_page_the_board_and_webhooks_over_tls():
    text = (ROOT / "deploy" / "reverse-proxy" / "nginx.conf").read_text()
    assert "listen 443 ssl" in text and "ssl_certificate " in text
    locations = proxied_locations()
    proxied = {where for where, body in locations.items() if "proxy_pass" in body}
    # the board too: a manager's session cookie crosses the LAN only inside TLS
    assert proxied == {"/ack/", "/voice/", "/board", "= /telegram/webhook"}
    assert "return 404" in locations["/"]
    assert not any(where.lstrip("= ~").startswith(("/api", "/healthz", "/metrics"))
                   for where in proxied)


def test_single_compose_keeps_the_service_internal():
    compose = yaml.safe_load((ROOT / "deploy" / "compose.single.yaml").read_text())
    svc = compose["services"]["escalator"]
    assert all(p.startswith("127.0.0.1:") for p in svc["ports"])
    assert svc["ulimits"]["nofile"]["soft"] == 65536
    assert "postgres" in compose["services"]
    assert "PGPASSWORD" not in str(compose["services"]["postgres"])  # from a secret file


def test_the_unit_bounds_memory_and_lets_the_editor_save_the_config():
    u = unit()
    assert u["MemoryMax"] and u["MemoryMax"][0] not in ("infinity", "")
    states = u["StateDirectory"][0].split()
    assert "escalator/config" in states  # made and owned by the service's user
    config = "/var/lib/escalator/config/escalator.yaml"
    assert config in u["ExecStart"][0] and config in u["ExecStartPre"][0]
    assert u["EnvironmentFile"] == ["/etc/escalator/escalator.env"]  # not the service's to write


def test_compose_bounds_memory_and_mounts_a_writable_config_directory():
    for name in ("compose.yaml", "compose.single.yaml"):
        compose = yaml.safe_load((ROOT / "deploy" / name).read_text())
        for sid, svc in compose["services"].items():
            if not sid.startswith("escalator"):
                continue
            assert svc["mem_limit"], (name, sid)
            mounts = [v for v in svc["volumes"] if v.endswith(":/etc/escalator")]
            assert mounts, (name, sid)  # the directory, read-write (no ":ro")
    final = dockerfile_stages()[-1]
    assert any("chown escalator:escalator /etc/escalator" in line for line in final)
