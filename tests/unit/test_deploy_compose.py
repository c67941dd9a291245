"""deploy/compose.yaml: PostgreSQL and two escalator instances, each health-checked,
secrets only from the env file (a literal secret in the file would be committed)."""

from __future__ import annotations

from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_compose_runs_postgres_and_two_checked_instances_with_secrets_from_env():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert services["db"]["image"].startswith("postgres:")
    instances = {k: v for k, v in services.items() if k.startswith("escalator")}
    assert len(instances) == 2
    for name, svc in {**instances, "db": services["db"]}.items():
        assert "healthcheck" in svc, f"{name} has no health check"
        assert svc["env_file"] == ["compose.env"], name
    for svc in instances.values():
        assert svc["depends_on"]["db"]["condition"] == "service_healthy"
        assert "/healthz" in " ".join(svc["healthcheck"]["test"])
    password = services["db"]["environment"]["POSTGRES_PASSWORD"]
    assert password.startswith("${PGPASSWORD"), "the database password must come from the env"
    example = (DEPLOY / "compose.env.example").read_text().splitlines()
    assigned = [line for line in example if "=" in line and not line.startswith("#")]
    assert assigned and all(line.endswith("=") for line in assigned), "example with a value"
    assert "PGPASSWORD=" in assigned
