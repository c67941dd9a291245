"""The kind-specific source keys and the codes: section: loader and schema agree."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_config_schema import MINIMAL, schema_errors

from escalator.config import ConfigError, load_config_text
from escalator.i18n import code_label
from escalator.i18n.codes import CONTACT_ID, RESTORES, SEVERITIES, SIA, code_info, code_todo

KINDS = {
    "poll": """
  bms:
    kind: poll
    url: http://10.0.0.5/api/alarms
    every: 30s
    format: xml
    items: alarms.alarm
    fields: {code: "@code", point: location.@name, text: description}
    token_env: BMS_TOKEN
    heartbeat_timeout: 5m
""",
    "sia": """
  panel:
    kind: sia
    listen: 0.0.0.0:5000
    protocol: both
    accounts:
      - {account: "1234", key_env: SIA_KEY}
      - {account: "AAA"}
    timestamp_window: [40s, 20s]
""",
    "sia window off": """
  panel:
    kind: sia
    listen: 0.0.0.0:5000
    accounts: [{account: "1234"}]
    timestamp_window: off
""",
    "espa tcp": """
  pager:
    kind: espa
    listen: 0.0.0.0:4001
    rules:
      - {match: "MAAVUOTO (?P<where>.+)", code: YX, point: "{where}"}
""",
    "espa serial": """
  pager:
    kind: espa
    serial: /dev/ttyUSB0
    baudrate: 9600
    address: 2
""",
    "email": """
  mail:
    kind: email
    listen: 127.0.0.1:2525
    senders: [terminal@example.com]
    rules:
      - {match: "Maavuoto", in: subject, code: YX}
      - {match: "TEST", state: heartbeat}
""",
    "mqtt": """
  sensors:
    kind: mqtt
    broker: 127.0.0.1:1883
    topic: building/+/alarm
    username_env: MQTT_USER
    password_env: MQTT_PASS
    fields: {code: type, point: "$topic[1]", state: state}
""",
}


def with_source(yaml: str) -> str:
    return MINIMAL.replace("routes:", "sources:" + yaml + "routes:")


@pytest.mark.parametrize("yaml", KINDS.values(), ids=KINDS.keys())
def test_each_kind_is_accepted_by_loader_and_schema(yaml):
    text = with_source(yaml)
    assert schema_errors(text) == []
    config, _ = load_config_text(text, env={})
    [source] = config.sources.values()
    assert source.options


def test_options_are_typed_with_defaults():
    config, _ = load_config_text(with_source(KINDS["sia"]), env={})
    options = config.sources["panel"].options
    assert options["listen"] == ("0.0.0.0", 5000)
    assert options["timestamp_window"] == (timedelta(seconds=40), timedelta(seconds=20))
    assert options["accounts"] == (
        {"account": "1234", "key_env": "SIA_KEY", "allow_unencrypted": False},
        {"account": "AAA", "key_env": None, "allow_unencrypted": False})
    poll, _ = load_config_text(with_source(KINDS["poll"]), env={})
    assert poll.sources["bms"].options["timeout"] == timedelta(seconds=10)
    secrets = {name for _, name in poll.secret_envs()} | \
        {name for _, name in config.secret_envs()}
    assert {"BMS_TOKEN", "SIA_KEY"} <= secrets


ERRORS = {
    "sia protocol": (KINDS["sia"].replace("protocol: both", "protocol: tpc"),
                     "found \"tpc\", expected 'tcp', 'udp' or 'both' (did you mean 'tcp'?)"),
    "sia window": (KINDS["sia"].replace("[40s, 20s]", "[40s]"),
                   "expected [PAST, FUTURE] like [40s, 20s], or off"),
    "sia duplicate account": (KINDS["sia"].replace('"AAA"', '"1234"'),
                              "account '1234' is listed twice"),
    "poll format": (KINDS["poll"].replace("format: xml", "format: yaml"),
                    "expected 'json', 'xml' or 'csv'"),
    "poll no code": (KINDS["poll"].replace('code: "@code", ', ""),
                     "say where the alarm code comes from"),
    "bad regex": (KINDS["espa tcp"].replace("(?P<where>.+)", "(?P<where>.+"),
                  "(missing ), unterminated subpattern at position 9), expected a regular"),
    "espa nowhere": (KINDS["espa serial"].replace("    serial: /dev/ttyUSB0\n", ""),
                     "missing 'listen' (TCP HOST:PORT) or 'serial'"),
    "email rule state": (KINDS["email"].replace("state: heartbeat", "state: beat"),
                         "expected 'alarm', 'clear' or 'heartbeat'"),
    "mqtt unknown key": (KINDS["mqtt"].replace("topic:", "topik:"),
                         "unknown key 'topik' (did you mean 'topic'?)"),
    "listen twice": (KINDS["espa tcp"] + KINDS["email"].replace("mail:", "mail2:").replace(
        "127.0.0.1:2525", "0.0.0.0:4001"), "0.0.0.0:4001 is already used by source 'pager'"),
}


@pytest.mark.parametrize("yaml,message", ERRORS.values(), ids=ERRORS.keys())
def test_mistakes_are_reported_with_file_and_line(yaml, message):
    text = with_source(yaml)
    with pytest.raises(ConfigError) as raised:
        load_config_text(text, filename="cfg.yaml", env={})
    [problem] = [p for p in raised.value.problems if message in p]
    line = int(problem.split(":")[1])
    assert 1 <= line <= text.count("\n")
    assert problem.startswith("cfg.yaml:")


CODES = """codes:
  MAAVUOTO: {fi: Maavuoto keittiössä, en: Kitchen earth leakage, severity: high,
             todo: Soita sähkömiehelle}
  YX: {fi: Maavuoto (oma teksti)}
"""


def test_codes_section_overrides_and_adds():
    text = MINIMAL.replace("routes:", CODES + "routes:")
    assert schema_errors(text) == []
    config, _ = load_config_text(text, env={})
    assert config.codes["MAAVUOTO"].severity == "high"


async def test_code_overrides_reach_the_labels(make_app, tmp_path):
    from support import config_text

    text = config_text(f"sqlite:///{tmp_path}/c.db").replace("routes:", CODES + "routes:")
    try:
        await make_app(text)
        assert code_label("fi", "maavuoto") == "Maavuoto keittiössä"
        assert code_label("sv", "MAAVUOTO") == "Kitchen earth leakage"  # no sv: English
        assert code_label("fi", "YX") == "Maavuoto (oma teksti)"
        assert code_todo("fi", "MAAVUOTO") == "Soita sähkömiehelle"
    finally:
        from escalator.i18n.codes import install_overrides
        install_overrides({})
    assert code_label("fi", "MAAVUOTO") == "MAAVUOTO"


@pytest.mark.parametrize("yaml,message", [
    ("codes:\n  X: {severity: high}\n", "give the name in at least one language"),
    ("codes:\n  X: {fi: a, severity: huge}\n", "expected 'critical', 'high'"),
    ("codes:\n  X: {fi: a, de: b}\n", "unknown key 'de'"),
])
def test_codes_mistakes(yaml, message):
    text = MINIMAL.replace("routes:", yaml + "routes:")
    assert schema_errors(text) != []
    with pytest.raises(ConfigError, match=message):
        load_config_text(text, env={})


def test_catalogue_is_complete():
    for code, info in SIA.items():
        assert set(info.label) == {"fi", "sv", "en"} == set(info.todo), code
        assert info.severity in SEVERITIES, code
    required = ["FA", "FT", "BA", "PA", "MA", "TA", "AT", "YT", "YX", "RP", "RX"]
    assert all(code in SIA for code in required)
    assert all(target in SIA for target in RESTORES.values())
    assert all(code in SIA for code in CONTACT_ID.values())
    assert (CONTACT_ID["373"], CONTACT_ID["310"], RESTORES["FJ"]) == ("FT", "YX", "FT")
    assert code_label("en", "373") == "Fire alarm loop fault"
    assert code_info("E310") is SIA["YX"]
