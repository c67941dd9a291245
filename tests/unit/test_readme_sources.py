"""The README's source and code examples load, and the schema accepts them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_config_schema import MINIMAL, schema_errors

from escalator.config import load_config_text

README = Path(__file__).resolve().parents[2] / "README.md"


def examples() -> list[str]:
    text = README.read_text(encoding="utf-8")
    part = text[text.index("## Alarm sources"):text.index("## What happens to an alarm")]
    return re.findall(r"```yaml\n(.*?)```", part, re.S)


def test_there_is_an_example_for_every_kind_and_for_codes():
    kinds = {m for block in examples() for m in re.findall(r"kind: (\w+)", block)}
    assert kinds == {"poll", "sia", "espa", "email", "mqtt"}
    assert any(block.startswith("codes:") for block in examples())


@pytest.mark.parametrize("block", examples())
def test_readme_example_loads(block):
    text = MINIMAL.replace("routes:", block + "routes:")
    assert schema_errors(text) == []
    load_config_text(text, env={})
