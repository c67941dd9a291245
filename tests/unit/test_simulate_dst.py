"""`escalator simulate` across the DST changes in Europe/Helsinki: arithmetic in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from support import TOKENS, config_text

from escalator.commands.simulate import parse_at, timeline
from escalator.config import load_config_text

HELSINKI = ZoneInfo("Europe/Helsinki")


def lines_for(at_text: str) -> list[str]:
    cfg, _ = load_config_text(config_text(), env=TOKENS)
    at = parse_at(at_text, HELSINKI, datetime.now(UTC))
    assert at.tzinfo is UTC
    return timeline(cfg, "FT", at, horizon=timedelta(minutes=30))


def test_spring_forward_never_shows_a_local_time_that_does_not_exist():
    # 2026-03-29: 03:00 local jumps to 04:00. Ten minutes after 02:55 is 04:05.
    lines = lines_for("2026-03-29 02:55")
    escalated = [ln for ln in lines if "ESCALATED" in ln]
    assert escalated and escalated[0].startswith("Sun 04:05") and "+    10m" in escalated[0]
    assert not any(ln[4:6] == "03" for ln in lines[1:])  # 03:xx does not exist that night


def test_fall_back_counts_real_minutes_through_the_repeated_hour():
    # 2026-10-25: 04:00 local goes back to 03:00. Ten minutes after 03:55 (summer time)
    # is 03:05 (winter time), not 04:05 an hour and ten minutes later.
    lines = lines_for("2026-10-25 03:55")
    escalated = [ln for ln in lines if "ESCALATED" in ln]
    assert escalated and escalated[0].startswith("Sun 03:05") and "+    10m" in escalated[0]
