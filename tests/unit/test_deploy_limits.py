"""The systemd unit gives the process far more file handles than the listeners' caps use."""

from __future__ import annotations

from pathlib import Path

from escalator.entrypoints.receivers.listeners import DEVICE_LIMITS, HTTP_LIMITS

UNIT = Path(__file__).resolve().parents[2] / "deploy" / "escalator.service"


def test_the_unit_raises_limitnofile_above_what_the_caps_allow():
    values = [line.split("=", 1)[1] for line in UNIT.read_text().splitlines()
              if line.startswith("LimitNOFILE=")]
    assert len(values) == 1, "LimitNOFILE must be set once in [Service]"
    # a handful of listeners, each capped: the caps must bind long before the kernel does
    assert int(values[0]) >= 8 * max(HTTP_LIMITS.total, DEVICE_LIMITS.total)
