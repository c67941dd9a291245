"""The Modbus point map: as few requests as the protocol allows; which values are alarms."""

from __future__ import annotations

import pytest

from escalator.codecs.modbus import Point, Read, active, plan_reads, readings


def test_neighbours_share_a_request_and_far_ones_do_not():
    points = [Point("holding", a, f"C{a}") for a in (100, 101, 110, 200)]
    points += [Point("coil", a, f"K{a}") for a in (0, 1999, 2000)]
    assert plan_reads(points) == [Read("coil", 0, 1), Read("coil", 1999, 2),
                                  Read("holding", 100, 11), Read("holding", 200, 1)]


def test_a_request_never_exceeds_what_modbus_allows():
    points = [Point("input", a, f"C{a}") for a in range(0, 300, 10)]
    reads = plan_reads(points)
    assert all(r.count <= 125 for r in reads)
    covered = {r.address + i for r in reads for i in range(r.count)}
    assert {p.address for p in points} <= covered


@pytest.mark.parametrize("point,value,alarm", [
    (Point("coil", 1, "FT"), 1, True),
    (Point("coil", 1, "FT"), 0, False),
    (Point("discrete", 1, "YX", alarm=0), 0, True),  # a contact that opens on alarm
    (Point("holding", 1, "WL", bit=3), 0b1000, True),
    (Point("holding", 1, "WL", bit=3), 0b0111, False),
    (Point("holding", 1, "WL", bit=15, alarm=0), 0x7FFF, True),
    (Point("input", 1, "TMP", alarm=2), 2, True),
    (Point("input", 1, "TMP", alarm=2), 3, False),
])
def test_which_values_are_alarms(point, value, alarm):
    assert point.is_alarm(value) is alarm


def test_active_points_by_code_and_point_and_a_short_answer_is_an_error():
    points = [Point("coil", 4, "FT", "Loop 2"), Point("coil", 5, "FT", "Loop 3")]
    values = readings(Read("coil", 4, 2), [True, False, False, False, False, False, False, False])
    assert active(points, values) == {("FT", "Loop 2"): points[0]}
    with pytest.raises(ValueError):
        readings(Read("holding", 4, 3), [1, 2])
