"""`voice:` contacts and `channels.voice`: the loader's file:line errors, the schema, and
`config check` refusing a voice gateway that could not place a call."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from test_config_schema import schema_errors

from escalator.config import ConfigError, load_config_text
from escalator.config.checking import channel_problems
from escalator.config.cli import cmd_check
from escalator.domain.availability import Contact
from escalator.domain.model import Escalation, Incident, State, params
from escalator.notify import speech

TEXT = """\
facility: {id: x, name: X}
people:
  vendor:
    name: Vendor hotline
    contact:
      - voice: "+358 20 123 4567"
      - email: faults@vendor.example
ladders:
  l:
    steps:
      - notify: [vendor]
        escalate_after: 5m
routes: [{ladder: l}]
channels:
  voice:
    preset: 46elks
    from: "+46766861004"
    auth_header_env: VOICE_AUTH
    ring_for: 30s
"""
E164 = 'expected a phone number like "+358 41 2345678" or, dialled in FI, "041 2345678"'


def edit(old: str, new: str) -> str:
    assert TEXT.count(old) == 1
    return TEXT.replace(old, new)


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config_text(text, filename="cfg.yaml", env={})
    return caught.value.problems


def test_a_voice_contact_and_channel_load():
    config, _ = load_config_text(TEXT, env={})
    assert config.parties["vendor"].contacts[0] == Contact("voice", "+358201234567")
    assert config.channels["voice"] == {"preset": "46elks", "from": "+46766861004",
                                        "auth_header_env": "VOICE_AUTH",
                                        "ring_for": timedelta(seconds=30)}
    assert ("channels.voice.auth_header_env", "VOICE_AUTH") in config.secret_envs()
    assert schema_errors(TEXT) == []


ERRORS = {
    "unquoted": ('"+358 20 123 4567"', "+358201234567",
                 f"cfg.yaml:6: people.vendor.contact[0].voice: found 358201234567 (a number: "
                 f"YAML drops the '+' and a leading 0, so quote phone numbers), {E164}"),
    "national too short": ('"+358 20 123 4567"', '"020 123"',
                           f'cfg.yaml:6: people.vendor.contact[0].voice: found "020 123" '
                           f"(no such number range for FI), {E164}"),
    "too long": ('"+358 20 123 4567"', '"+358 20 123 4567 8901"',
                 f'cfg.yaml:6: people.vendor.contact[0].voice: found "+358 20 123 4567 8901" '
                 f"(too long for +358 (FI)), {E164}"),
    "letters": ('"+358 20 123 4567"', '"+358 HOTLINE"',
                f'cfg.yaml:6: people.vendor.contact[0].voice: found "+358 HOTLINE" '
                f"(only digits, spaces, '+', '-' and brackets), {E164}"),
    "sms gateway preset": ("preset: 46elks", "preset: gatewayapi",
                           'cfg.yaml:16: channels.voice.preset: found "gatewayapi", expected '
                           "'46elks', 'twilio' or 'generic'"),
    "ring_for": ("ring_for: 30s", "ring_for: 30",
                 "cfg.yaml:19: channels.voice.ring_for: found 30"),
}


@pytest.mark.parametrize(("old", "new", "expected"), ERRORS.values(), ids=ERRORS.keys())
def test_errors_name_file_line_and_what_would_be_right(old, new, expected):
    [problem] = problems(edit(old, new))
    assert problem.startswith(expected)


@pytest.mark.parametrize("number", ["+358201234567", "020 123 4567", "+358 HOTLINE",
                                    "hotline"])
def test_the_schema_agrees_with_the_loader(number):
    text = edit('"+358 20 123 4567"', f'"{number}"')
    valid = number in ("+358201234567", "020 123 4567")
    assert (schema_errors(text) == []) is valid
    if not valid:
        problems(text)
    assert schema_errors(edit("preset: 46elks", "preset: gatewayapi")) != []


def test_config_check_refuses_twilio_without_its_account_url(tmp_path):
    path = tmp_path / "voice.yaml"
    path.write_text(edit("preset: 46elks", "preset: twilio")
                    + "  email: {host: smtp.vendor.example, from: alarms@x.example}\n")
    err = io.StringIO()
    assert cmd_check(str(path), out=io.StringIO(), err=err, env={}) == 1
    assert (f"{path}: channels.voice.url: the twilio preset needs url "
            "(https://api.twilio.com/2010-04-01/Accounts/<AccountSid>/Calls.json)") \
        in err.getvalue()


README = Path(__file__).resolve().parents[2] / "docs" / "api-and-channels.md"


def readme_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("### Voice calls")
    return text[start:text.index("\n### ", start + 1)]


def test_the_readme_example_loads_and_the_schema_accepts_it():
    [block] = re.findall(r"```yaml\n(.*?)```", readme_section(), re.S)
    text = ("facility: {id: x, name: X}\n" + block
            + "ladders: {l: {steps: [{notify: [alarm-vendor], escalate_after: 5m}]}}\n"
            + "routes: [{ladder: l}]\n")
    config, _ = load_config_text(text, env={"VOICE_AUTH": "Basic x"})
    assert [c.channel for c in config.parties["alarm-vendor"].contacts] == \
        ["voice", "email", "sms"]
    assert channel_problems(config) == []
    assert schema_errors(text) == []


def test_the_readme_quotes_what_the_phone_really_says():
    quoted = " ".join(line.removeprefix("> ") for line in readme_section().splitlines()
                      if line.startswith("> "))
    opened = datetime(2026, 12, 24, 0, 10, tzinfo=UTC)  # 02:10 in Helsinki
    inc = Incident(id=1, source="terminal", code="FT", point="Loop 2, wing B", text="",
                   severity="high", ladder="l", state=State.OPEN, opened_at=opened,
                   last_seen_at=opened, escalation=Escalation())
    assert quoted == speech.call_text(inc, "ESCALATED", "en", "Lehtiojan palvelukeskus",
                                      "Europe/Helsinki", opened, params(by="Night nurse"))


def test_a_loopback_public_url_is_warned_about_where_voice_is_set():
    env = {"VOICE_AUTH": "x", "ESCALATOR_API_TOKEN": "x", "ESCALATOR_SECRET_KEY": "x"}
    _, warnings = load_config_text(TEXT, filename="cfg.yaml", env=env)
    assert warnings == [
        "cfg.yaml:15: channels.voice: http.public_url is http://127.0.0.1:8080: a voice "
        "gateway cannot call back there, so key presses and unanswered calls would never "
        "arrive; set http.public_url to the address the gateway can reach"]
    public = "http: {public_url: https://alarms.lehtioja.example}\n" + TEXT
    assert load_config_text(public, env=env)[1] == []
