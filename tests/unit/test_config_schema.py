"""The JSON Schema: valid, accepts the example, and agrees with the loader's keys."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from escalator.config import ConfigError, load_config_text
from escalator.config.cli import cmd_schema
from escalator.config.loader import key_sets
from escalator.config.schema import json_schema

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "example.yaml"


def jsonable(value: Any) -> Any:
    """What an editor sees: YAML 1.2 tools read an unquoted date as text."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value.isoformat() if isinstance(value, date) else value


def validator() -> jsonschema.Draft202012Validator:
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def schema_errors(text: str) -> list[str]:
    data = jsonable(yaml.safe_load(text))
    return [e.message for e in validator().iter_errors(data)]


def test_schema_is_draft_2020_12():
    schema = json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_example_validates():
    assert schema_errors(EXAMPLE.read_text(encoding="utf-8")) == []


def _section(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return schema if name == "top" else schema["$defs"][name]


@pytest.mark.parametrize("name", sorted(key_sets()))
def test_schema_keys_equal_loader_keys(name):
    section = _section(json_schema(), name)
    assert set(section["properties"]) == set(key_sets()[name])
    assert section["additionalProperties"] is False


def test_every_strict_object_in_the_schema_is_covered_by_a_key_set():
    schema = json_schema()
    strict = {name for name, d in schema["$defs"].items()
              if d.get("additionalProperties") is False}
    assert strict | {"top"} == set(key_sets())


def test_required_keys_match_the_loader():
    from escalator.config import loader

    schema = json_schema()
    pairs = {"top": loader.TOP_REQUIRED, "facility": loader.FACILITY_REQUIRED,
             "party": loader.PARTY_REQUIRED, "roster_entry": loader.ROSTER_ENTRY_REQUIRED,
             "ladder": loader.LADDER_REQUIRED, "step": loader.STEP_REQUIRED,
             "route": loader.ROUTE_REQUIRED, "source_webhook": loader.SOURCE_REQUIRED["webhook"]}
    for name, required in pairs.items():
        assert set(_section(schema, name).get("required", [])) == set(required), name


MINIMAL = """\
facility: {id: x, name: X}
people:
  a:
    name: A
    contact: [{email: a@b.example}]
ladders:
  l:
    steps:
      - notify: [a]
        escalate_after: 5m
routes: [{ladder: l}]
"""

# Both the schema and the loader must reject each of these.
REJECTED = {
    "unknown step key": ("escalate_after: 5m", "escalate_after: 5m\n        escalate_afer: 5m"),
    "bad duration": ("escalate_after: 5m", "escalate_after: 10x"),
    "bare number duration": ("escalate_after: 5m", "escalate_after: 10"),
    "bad hours": ("    name: A\n", "    name: A\n    hours: Mon-Fri 7 to 16\n"),
    "hours without times": ("    name: A\n", "    name: A\n    hours: ma-pe\n"),
    "duration with a word unit": ("escalate_after: 5m", "escalate_after: 5 minits"),
    "bad env name": ("routes:", "sources: {t: {kind: webhook, token_env: lower}}\nroutes:"),
    "sia with a token": ("routes:", "sources: {t: {kind: sia, token_env: T}}\nroutes:"),
    "bad storage": ("routes:", "storage: mysql://x\nroutes:"),
    "bad language": ("name: X}", "name: X, language: de}"),
    "bad slug": ("id: x", "id: X Y"),
    "two channels": ("{email: a@b.example}", "{email: a@b.example, sms: '+35840123456'}"),
    "secret_env on email": ("{email: a@b.example}", "{email: a@b.example, secret_env: S}"),
    "no channel": ("[{email: a@b.example}]", "[{}]"),
    "bad email": ("a@b.example", "ab.example"),
    "loops negative": ("    steps:", "    loops: -1\n    steps:"),
    "loops boolean": ("    steps:", "    loops: yes\n    steps:"),
    "unknown top key": ("routes:", "chanels: {}\nroutes:"),
    "unknown channel": ("routes:", "channels: {fax: {}}\nroutes:"),
    "empty routes": ("routes: [{ladder: l}]", "routes: []"),
    "empty steps": ("    steps:\n      - notify: [a]\n        escalate_after: 5m\n",
                    "    steps: []\n"),
}

ACCEPTED = {
    "minimal": ("", ""),
    "webhook with secret": ("{email: a@b.example}",
                            "{webhook: 'https://x.example/h', secret_env: HOOK_SECRET}"),
    "notify a single name": ("notify: [a]", "notify: a"),
    "numeric code": ("[{ladder: l}]", "[{match: {code: [FT, 130]}, ladder: l}]"),
    "null sections": ("routes:", "rosters:\nchannels:\nhttp:\nroutes:"),
    "combined duration": ("escalate_after: 5m", "escalate_after: 1h30m"),
    "duration as spoken": ("escalate_after: 5m", "escalate_after: 1 h 30 min"),
    "duration in Finnish": ("escalate_after: 5m", "escalate_after: 2 t"),
    "duration in seconds": ("escalate_after: 5m", "escalate_after: 90 sek"),
    "Finnish hours": ("    name: A\n", "    name: A\n    hours: ma-pe 07.00-16.00, la-su 9-15\n"),
    "Swedish hours": ("    name: A\n", "    name: A\n    hours: må-fre 07.00-16.00, lö-sö 10-14\n"),
    "listed days": ("    name: A\n", "    name: A\n    hours: ti,to 8.30-12\n"),
    "channels": ("routes:", "channels:\n  email: {host: h, port: 25, security: none}\nroutes:"),
}


@pytest.mark.parametrize("old,new", REJECTED.values(), ids=REJECTED.keys())
def test_schema_and_loader_both_reject(old, new):
    assert MINIMAL.count(old) == 1
    text = MINIMAL.replace(old, new)
    assert schema_errors(text) != []
    with pytest.raises(ConfigError):
        load_config_text(text, env={})


@pytest.mark.parametrize("old,new", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_schema_and_loader_both_accept(old, new):
    text = MINIMAL.replace(old, new) if old else MINIMAL
    assert text != MINIMAL or not old
    assert schema_errors(text) == []
    load_config_text(text, env={})


def test_cmd_schema_prints_the_schema_as_json():
    out = io.StringIO()
    assert cmd_schema(out) == 0
    assert json.loads(out.getvalue()) == json_schema()
    assert out.getvalue().startswith('{\n  "$schema"')
