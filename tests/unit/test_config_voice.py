"""`voice:` contacts and `channels.voice`: the loader's file:line errors, the schema, and
`config check` refusing a voice gateway that could not place a call."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from test_config_schema import schema_errors

from escalator.config import ConfigError, load_config_text
from escalator.config.cli import cmd_check
from escalator.domain.availability import Contact

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
E164 = ('expected a phone number in international (E.164) form like "+358401234567": '
        "'+', the country code and the number, 7 to 15 digits")


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
                 f"YAML drops the '+', so quote phone numbers), {E164}"),
    "national": ('"+358 20 123 4567"', '"020 123 4567"',
                 f'cfg.yaml:6: people.vendor.contact[0].voice: found "020 123 4567" (write '
                 f"the country code instead of the leading 0), {E164}"),
    "too long": ('"+358 20 123 4567"', '"+358 20 123 4567 8901"',
                 f'cfg.yaml:6: people.vendor.contact[0].voice: found "+358 20 123 4567 8901", '
                 f"{E164}"),
    "letters": ('"+358 20 123 4567"', '"+358 HOTLINE"',
                f'cfg.yaml:6: people.vendor.contact[0].voice: found "+358 HOTLINE", {E164}'),
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
                                    "+358 20 123 4567 8901"])
def test_the_schema_agrees_with_the_loader(number):
    text = edit('"+358 20 123 4567"', f'"{number}"')
    valid = number == "+358201234567"
    assert (schema_errors(text) == []) is valid
    if not valid:
        problems(text)
    assert schema_errors(edit("preset: 46elks", "preset: gatewayapi")) != []


def test_config_check_refuses_twilio_without_its_account_url(tmp_path):
    path = tmp_path / "voice.yaml"
    path.write_text(edit("preset: 46elks", "preset: twilio"))
    err = io.StringIO()
    assert cmd_check(str(path), out=io.StringIO(), err=err, env={}) == 1
    assert (f"{path}: channels.voice.url: the twilio preset needs url "
            "(https://api.twilio.com/2010-04-01/Accounts/<AccountSid>/Calls.json)") \
        in err.getvalue()
