"""BACnet: what a notification or an alarm list means (pure), and `kind: bacnet` in the config."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_config_schema import MINIMAL, schema_errors

from escalator.codecs.bacnet import (
    Active,
    Notice,
    PointName,
    Reading,
    active_readings,
    is_open,
    owned_points,
    parse_object,
    read_notice,
    severity_for_priority,
)
from escalator.config import ConfigError, load_config_text
from escalator.config.sources import sends_clear

POINTS = {"binary-input,3": PointName("FT", "Fire loop 1")}


@pytest.mark.parametrize("state,opens", [
    ("offnormal", True), ("fault", True), ("high-limit", True), ("low-limit", True),
    ("life-safety-alarm", True), ("normal", False), ("vendor-77", True)])
def test_to_offnormal_and_to_fault_open_to_normal_clears(state, opens):
    assert is_open(state) is opens
    reading = read_notice(Notice(7, "analog-input", 1, state), {}, "BACNET")
    assert reading is not None and reading.state == ("alarm" if opens else "clear")


def test_a_named_point_takes_its_code_and_its_codes_severity():
    notice = Notice(7, "binary-input", 3, "fault", "normal", priority=5, message=" Vika ")
    assert read_notice(notice, POINTS, "BACNET") == \
        Reading("FT", "alarm", "Fire loop 1", "Vika", "")  # "": FT's own severity
    other = Notice(7, "binary-input", 4, "offnormal", "normal", priority=5)
    assert read_notice(other, POINTS, "BACNET") == \
        Reading("BACNET", "alarm", "7/binary-input,4", "normal -> offnormal", "critical")


def test_an_acknowledgement_in_the_bms_is_no_event():
    assert read_notice(Notice(7, "binary-input", 3, "offnormal",
                              notify_type="ack-notification"), POINTS, "X") is None


@pytest.mark.parametrize("priority,severity", [
    (0, "critical"), (63, "critical"), (64, "high"), (128, "medium"), (255, "low"),
    (256, ""), (-1, ""), (None, "")])
def test_priority_ranges_of_annex_m(priority, severity):
    assert severity_for_priority(priority) == severity


def test_active_lists_skip_normal_and_duplicates():
    entries = [Active("binary-input", 3, "offnormal"), Active("binary-input", 3, "fault"),
               Active("analog-input", 2, "normal"), Active("analog-input", 9, "high-limit", 70)]
    assert active_readings(7, entries, POINTS, "B") == [
        Reading("FT", "alarm", "Fire loop 1", "offnormal", ""),
        Reading("B", "alarm", "7/analog-input,9", "high-limit", "high")]
    assert owned_points(7, POINTS) == ("7/", frozenset({"Fire loop 1"}))


@pytest.mark.parametrize("text,parsed", [
    ("binary-input,3", ("binary-input", 3)), ("Binary-Input:3", ("binary-input", 3)),
    ("3, 3", ("3", 3)), ("binary-input", None), ("binary-input,4194303", None), (3, None)])
def test_object_names(text, parsed):
    assert parse_object(text) == parsed


BACNET = """
  bms:
    kind: bacnet
    listen: 0.0.0.0:47808
    every: 1m
    heartbeat_timeout: 5m
    devices:
      - address: 10.0.0.20
        device_id: 1001
        notification_classes: [1, 2]
        points:
          binary-input,3: {code: FT, point: Fire loop 1}
          multi-state-input:2: {point: Kitchen leak}
      - {address: "10.0.0.21:47809", device_id: 1002}
"""


def with_source(yaml: str) -> str:
    return MINIMAL.replace("routes:", "sources:" + yaml + "routes:")


def test_the_kind_is_accepted_by_loader_and_schema_with_typed_options():
    text = with_source(BACNET)
    assert schema_errors(text) == []
    config, _ = load_config_text(text, env={})
    options = config.sources["bms"].options
    assert options["listen"] == ("0.0.0.0", 47808)
    assert (options["device_id"], options["every"], options["timeout"], options["code"]) == \
        (4194302, timedelta(minutes=1), timedelta(seconds=5), "BACNET")
    first, second = options["devices"]
    assert first == {"address": ("10.0.0.20", 47808), "device_id": 1001,
                     "notification_classes": (1, 2),
                     "points": {"binary-input,3": {"code": "FT", "point": "Fire loop 1"},
                                "multi-state-input,2": {"point": "Kitchen leak"}}}
    assert second == {"address": ("10.0.0.21", 47809), "device_id": 1002}
    assert sends_clear("bacnet", options)


ERRORS = {
    "address": (BACNET.replace("address: 10.0.0.20", "address: bms.local"),
                'found "bms.local", expected an IPv4 address and port like 10.0.0.20:47808'),
    "object": (BACNET.replace("binary-input,3:", "fire-loop:"),
               'found "fire-loop", expected a BACnet object like binary-input,3'),
    "device key": (BACNET.replace("notification_classes:", "notification_class:"),
                   "unknown key 'notification_class' (did you mean 'notification_classes'?)"),
    "twice": (BACNET.replace("device_id: 1002", "device_id: 1001"),
              "device 1001 is listed twice"),
    "instance": (BACNET.replace("device_id: 1002", "device_id: 4194303"),
                 "expected a whole number from 0 to 4194302"),
    "no devices": (BACNET.split("    devices:")[0] + "    devices: []\n",
                   "found an empty list, expected a list of BACnet devices"),
}


@pytest.mark.parametrize("yaml,message", ERRORS.values(), ids=ERRORS.keys())
def test_mistakes_are_reported_at_their_line(yaml, message):
    text = with_source(yaml)
    with pytest.raises(ConfigError) as raised:
        load_config_text(text, filename="cfg.yaml", env={})
    [problem, *_] = [p for p in raised.value.problems if message in p]
    line = int(problem.split(":")[1])
    assert problem.startswith("cfg.yaml:") and 1 <= line <= text.count("\n")
