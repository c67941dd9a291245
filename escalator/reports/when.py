"""A day or a moment as people type it for the safety register's `from`/`to`.

Shared by the HTTP API and the command line, so both accept and refuse the same.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo


def parse_when(raw: str, tz: str, name: str) -> datetime:
    """`2026-11-24` (midnight, facility time) or `2026-11-24T08:00:00+02:00`; ValueError
    naming the field otherwise."""
    try:
        if len(raw) == 10:
            return datetime.combine(datetime.fromisoformat(raw).date(), time(0), ZoneInfo(tz))
        found = datetime.fromisoformat(raw)
    except ValueError:
        found = None
    if found is None or found.tzinfo is None:
        raise ValueError(f"{name}: expected a date like 2026-11-24 or a time with an offset"
                         f" like 2026-11-24T08:00:00+02:00, got {raw!r}")
    return found
