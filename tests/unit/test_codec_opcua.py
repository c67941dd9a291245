"""What one OPC UA Alarms & Conditions event means."""

from __future__ import annotations

import pytest

from escalator.codecs.opcua import REFRESH_END, REFRESH_START, Reading, read_event

FT = {"EventType": "i=10637", "ConditionName": "FT", "SourceName": "Fire loop 2",
      "Message": "Loop fault", "Severity": 700, "Retain": True}


@pytest.mark.parametrize("fields,clear_on,kind", [
    ({**FT, "ActiveState/Id": True, "AckedState/Id": False}, "inactive", "alarm"),
    ({**FT, "ActiveState/Id": True, "AckedState/Id": True}, "inactive", "alarm"),
    ({**FT, "ActiveState/Id": False, "AckedState/Id": False}, "inactive", "clear"),
    ({**FT, "ActiveState/Id": False, "AckedState/Id": False}, "inactive_and_acked",
     "standing"),
    ({**FT, "ActiveState/Id": False, "AckedState/Id": True}, "inactive_and_acked", "clear"),
    ({**FT, "ActiveState/Id": False, "AckedState/Id": None}, "inactive_and_acked", "clear"),
    ({**FT, "Retain": True}, "inactive", "alarm"),  # a condition with no active state
    ({**FT, "Retain": False}, "inactive", "clear"),
    ({**FT, "Retain": None}, "inactive", "ignore"),
    ({**FT, "ConditionName": None, "ActiveState/Id": True}, "inactive", "ignore"),
    ({**FT, "ActiveState/Id": "yes"}, "inactive", "alarm"),  # not a bool: Retain decides
])
def test_active_and_acked_state(fields, clear_on, kind):
    assert read_event(fields, clear_on=clear_on).kind == kind


def test_the_alarm_names_code_point_and_text_and_a_fixed_code_wins():
    reading = read_event({**FT, "ActiveState/Id": True})
    assert reading == Reading("alarm", "FT", "Fire loop 2", "Loop fault")
    assert read_event({**FT, "ActiveState/Id": True}, code="BMS").code == "BMS"


def test_refresh_markers():
    assert read_event({"EventType": REFRESH_START}).kind == "refresh_start"
    assert read_event({"EventType": REFRESH_END}).kind == "refresh_end"
