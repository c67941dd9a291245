"""Phone numbers as people write them: E.164 or a national form read with facility.country."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalator.config import ConfigError, load_config_text
from escalator.config.phones import country_of_timezone, to_e164

CONFIG = """\
facility:
  id: x
  name: X
{facility}people:
  a:
    name: A
    contact:
      - sms: "{number}"
      - voice: "{number}"
ladders:
  l:
    steps:
      - notify: [a]
        escalate_after: 5 min
routes: [{{ladder: l}}]
"""


def load(number: str, facility: str = "") -> tuple[str, ...]:
    config, _ = load_config_text(CONFIG.format(number=number, facility=facility), env={})
    return tuple(c.address for c in config.parties["a"].contacts)


@pytest.mark.parametrize(("number", "facility", "e164"), [
    ("+358401234567", "", "+358401234567"),
    ("+358 40 123 4567", "", "+358401234567"),
    ("040 123 4567", "", "+358401234567"),
    ("0401234567", "", "+358401234567"),
    ("(09) 123 4567", "", "+35891234567"),
    ("00358 40 123 4567", "", "+358401234567"),
    ("070-123 45 67", "  country: SE\n", "+46701234567"),
    ("070-123 45 67", "  timezone: Europe/Stockholm\n", "+46701234567"),  # from the zone
    ("0401234567", "  country: SE\n", "+46401234567"),  # the same digits, read in Sweden
    ("+358 40 123 4567", "  country: SE\n", "+358401234567"),
])
def test_stored_in_e164_for_sms_and_voice(number, facility, e164):
    assert load(number, facility) == (e164, e164)


def test_the_country_defaults_from_the_time_zone_else_finland():
    assert country_of_timezone("Europe/Stockholm") == "SE"
    assert country_of_timezone("Europe/Helsinki") == "FI"
    assert country_of_timezone("UTC") == "FI"


@pytest.mark.parametrize(("number", "why"), [
    ("040 123", "no such number range for FI"),
    ("+358 HOTLINE", "only digits"),
    ("+46 70 123", "too short for +46 (SE)"),
    ("0401234567890123", "too long for FI"),
])
def test_invalid_numbers_are_refused_with_file_line_and_why(number, why):
    with pytest.raises(ConfigError) as caught:
        load_config_text(CONFIG.format(number=number, facility=""), filename="c.yaml", env={})
    sms, voice = caught.value.problems
    assert sms.startswith(f'c.yaml:8: people.a.contact[0].sms: found "{number}" ({why}')
    assert voice.startswith(f'c.yaml:9: people.a.contact[1].voice: found "{number}" ({why}')
    assert 'dialled in FI, "041 2345678"' in sms


def test_an_unknown_country_is_refused():
    with pytest.raises(ConfigError) as caught:
        load("040 123 4567", "  country: XX\n")
    [problem] = caught.value.problems
    assert problem.startswith('<config>:4: facility.country: found "XX", expected a country')


def test_to_e164_says_why():
    assert to_e164("040 123 4567", "FI") == ("+358401234567", None)
    assert to_e164("", "FI")[0] is None


@given(st.text(max_size=24))
def test_any_text_is_a_number_in_e164_or_a_reason(text):
    number, why = to_e164(text, "FI")
    assert (number is None) != (why is None)
    assert number is None or (number.startswith("+") and number[1:].isdigit())
