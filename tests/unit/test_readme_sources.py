"""The docs' source and code examples load, and the schema accepts them; so does the
README's first configuration."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_config_schema import MINIMAL, schema_errors

from escalator.config import load_config_text

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SOURCES = ROOT / "docs" / "sources.md"
CONFIGURATION = ROOT / "docs" / "configuration.md"


def _section(title: str) -> str:
    text = CONFIGURATION.read_text(encoding="utf-8")
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 3)
    return text[start:end if end >= 0 else len(text)]


def examples() -> list[str]:
    part = SOURCES.read_text(encoding="utf-8") + _section("Alarm codes")
    return re.findall(r"```yaml\n(.*?)```", part, re.S)


def test_there_is_an_example_for_every_kind_and_for_codes():
    kinds = {m for block in examples() for m in re.findall(r"kind: (\w+)", block)}
    assert kinds == {"poll", "sia", "espa", "email", "mqtt", "bacnet", "modbus", "opcua"}
    assert any(block.startswith("codes:") for block in examples())


@pytest.mark.parametrize("block", examples())
def test_readme_example_loads(block):
    text = MINIMAL.replace("routes:", block + "routes:")
    assert schema_errors(text) == []
    load_config_text(text, env={})


def test_the_calendar_roster_example_loads(tmp_path):
    """The README's roster example, with a calendar file beside it and its people."""
    import shutil

    from escalator.config import load_config

    [block] = re.findall(r"```yaml\n(.*?)```", _section("Rosters from a calendar"), re.S)
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "ical" / "hoiva_shifts.ics"
    shutil.copy(fixture, tmp_path / "shifts.ics")
    people = "".join(f"  {p}:\n    name: {p}\n    contact: [{{email: {p}@x.example}}]\n"
                     for p in ("ward-a", "maintenance"))
    text = MINIMAL.replace("people:\n", "people:\n" + people).replace("routes:", block + "routes:")
    assert schema_errors(text) == []
    (tmp_path / "e.yaml").write_text(text, encoding="utf-8")
    config, _ = load_config(tmp_path / "e.yaml", env={})
    assert set(config.rosters) == {"night-nurses", "on-call"}
    assert set(config.roster_feeds) == {"on-call"}


def test_the_spoken_forms_in_the_readme_load():
    from escalator.domain.hours import WeeklyHours, parse_duration

    rows = [line.split("|")[1:3] for line in _section("Config as people write it").splitlines()
            if line.startswith("| ")]
    durations = [d for what, cell in rows if what.strip() == "durations"
                 for d in re.findall(r"`([^`]+)`", cell)]
    hours = [h for what, cell in rows if what.strip() in ("opening hours", "")
             for h in re.findall(r"`([^`]+)`", cell)]
    assert len(durations) >= 10 and len(hours) >= 7
    for d in durations:
        parse_duration(d)
    for h in hours:
        WeeklyHours.parse(h)


def test_the_readme_first_configuration_checks_clean(tmp_path):
    """The configuration a newcomer copies from the README loads with no problem."""
    from escalator.config import load_config

    text = README.read_text(encoding="utf-8")
    part = text[text.index("## A first configuration"):]
    block = re.findall(r"```yaml\n(.*?)```", part, re.S)[0]
    assert schema_errors(block) == []
    (tmp_path / "first.yaml").write_text(block, encoding="utf-8")
    env = {"ESCALATOR_API_TOKEN": "a" * 32, "ESCALATOR_SECRET_KEY": "s" * 32,
           "ESCALATOR_TERMINAL_TOKEN": "t" * 32}
    config, warnings = load_config(tmp_path / "first.yaml", env=env)
    assert set(config.parties) == {"nurse", "vendor", "manager"}
    assert [str(w) for w in warnings] == []
