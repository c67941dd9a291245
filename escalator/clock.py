"""The one place that reads the wall clock.

Everything else receives `now` or a `Clock`, so tests can run hours of
escalation in milliseconds by moving a fake clock.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC datetime."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)
