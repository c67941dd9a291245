"""Modbus and OPC UA sources: loader and schema agree, mistakes are explained at their line."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_config_schema import schema_errors
from test_config_sources import with_source

from escalator.codecs.modbus import Point
from escalator.config import ConfigError, load_config_text

MODBUS = """
  plc:
    kind: modbus
    device: 10.0.0.20:502
    unit: 3
    every: 5s
    heartbeat_timeout: 5m
    points:
      - {table: coil, address: 10, code: FT, point: Fire loop 2}
      - {table: discrete, address: 11, code: YX, point: Kitchen, alarm: 0}
      - {table: holding, address: 100, bit: 3, code: WL, point: Boiler room, text: Leak}
      - {table: input, address: 7, code: 130, point: Freezer, alarm: 2}
"""
OPCUA = """
  ua:
    kind: opcua
    endpoint: opc.tcp://10.0.0.7:4840/bms
    node: "ns=2;s=Building"
    security_policy: Basic256Sha256
    security_mode: SignAndEncrypt
    certificate: /etc/escalator/ua.der
    private_key: /etc/escalator/ua.pem
    username_env: UA_USER
    password_env: UA_PASS
    clear_on: inactive_and_acked
    heartbeat_timeout: 10m
"""



@pytest.mark.parametrize("yaml", [MODBUS, OPCUA], ids=["modbus", "opcua"])
def test_accepted_by_loader_and_schema(yaml):
    text = with_source(yaml)
    assert schema_errors(text) == []
    config, _ = load_config_text(text, env={})
    [source] = config.sources.values()
    assert source.options


def test_options_are_typed_with_defaults():
    config, _ = load_config_text(with_source(MODBUS), env={})
    options = config.sources["plc"].options
    assert options["device"] == ("10.0.0.20", 502) and options["unit"] == 3
    assert options["timeout"] == timedelta(seconds=3)
    assert options["points"][2] == Point("holding", 100, "WL", "Boiler room", "Leak", bit=3)
    assert options["points"][3].code == "130"
    ua, _ = load_config_text(with_source(OPCUA), env={})
    assert ua.sources["ua"].options["timeout"] == timedelta(seconds=10)
    assert {"UA_USER", "UA_PASS"} <= {name for _, name in ua.secret_envs()}


ERRORS = {  # the YAML, what is said, and (a piece of) the line it is said at
    "table": (MODBUS.replace("table: coil", "table: coils"),
              "expected 'coil', 'discrete', 'holding' or 'input' (did you mean 'coil'?)",
              "table: coils"),
    "address": (MODBUS.replace("address: 10,", "address: 70000,"), "65535", "70000"),
    "bit of a coil": (MODBUS.replace("address: 10,", "address: 10, bit: 2,"),
                      "bit is only for holding and input registers", "bit: 2"),
    "bit alarm": (MODBUS.replace("code: YX, point: Kitchen, alarm: 0",
                                 "code: YX, point: Kitchen, alarm: 2"), "0 or 1", "Kitchen"),
    "point twice": (MODBUS.replace("code: YX, point: Kitchen", "code: FT, point: Fire loop 2"),
                    "the point FT at Fire loop 2 is listed twice", "discrete"),
    "point key": (MODBUS.replace("point: Freezer", "piont: Freezer"),
                  "unknown key 'piont' (did you mean 'point'?)", "piont"),
    "no points": (MODBUS.split("    points:")[0] + "    points: []\n", "points", "points: []"),
    "device": (MODBUS.replace("10.0.0.20:502", "10.0.0.20"), "HOST:PORT", "device:"),
    "endpoint": (OPCUA.replace("opc.tcp://10.0.0.7:4840/bms", "http://10.0.0.7"),
                 "an OPC UA address such as opc.tcp://", "endpoint:"),
    "node": (OPCUA.replace("ns=2;s=Building", "Building"), "a node id such as i=2253",
             "node:"),
    "policy": (OPCUA.replace("Basic256Sha256", "Basic256"),
               "(did you mean 'Basic256Sha256'?)", "security_policy:"),
    "no certificate": (OPCUA.replace("    certificate: /etc/escalator/ua.der\n", ""),
                       "security policy Basic256Sha256 needs certificate and private_key",
                       "security_policy:"),
    "mode alone": (OPCUA.replace("security_policy: Basic256Sha256", "security_policy: None"),
                   "security_policy and security_mode go together", "security_mode:"),
    "password in the file": (OPCUA.replace("password_env: UA_PASS", "password_env: hunter2!"),
                             "environment variable", "password_env:"),
}


@pytest.mark.parametrize("yaml,message,where", ERRORS.values(), ids=ERRORS.keys())
def test_mistakes_are_reported_with_file_and_line(yaml, message, where):
    text = with_source(yaml)
    with pytest.raises(ConfigError) as raised:
        load_config_text(text, filename="cfg.yaml", env={})
    found = [p for p in raised.value.problems if message in p]
    assert found, raised.value.problems
    line = int(found[0].split(":")[1])
    assert where in text.splitlines()[line - 1], (found[0], text.splitlines()[line - 1])
    assert "hunter2" not in "".join(raised.value.problems)  # a secret is never echoed
