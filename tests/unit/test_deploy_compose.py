"""deploy/compose.yaml: PostgreSQL and two escalator instances, each health-checked,
secrets only from the env file and a secret file (a literal secret in the YAML
would be committed)."""

from __future__ import annotations

from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_compose_runs_postgres_and_two_checked_instances_with_secrets_outside():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert services["postgres"]["image"].startswith("postgres:")
    assert "healthcheck" in services["postgres"]
    instances = {k: v for k, v in services.items() if k.startswith("escalator")}
    assert len(instances) == 2
    for name, svc in instances.items():
        assert "/healthz" in " ".join(svc["healthcheck"]["test"]), name
        assert svc["env_file"] == "escalator.env", name
        assert svc["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert svc["secrets"] == ["pg_password"]
        assert all(p.startswith("127.0.0.1:") for p in svc["ports"]), name
    ports = [p for svc in instances.values() for p in svc["ports"]]
    assert len(set(ports)) == 2, "two instances on one host need their own ports"
    assert "PGPASSWORD" not in str(services["postgres"])  # from a secret file
    text = (DEPLOY / "compose.yaml").read_text()
    assert "password:" not in text.lower().replace("pg_password", "")
