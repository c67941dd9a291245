"""At most one log line per interval for a thing that can be repeated at will.

Anyone on the network can post forged requests as fast as they like; one
warning each would fill the disk and bury the lines that matter. The first
one is logged at once, the rest are counted and summed up in the next line
at least `interval` later. Time comes from the service's clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta


class LogThrottle:
    def __init__(self, interval: timedelta = timedelta(minutes=1)) -> None:
        self.interval = interval
        self._last: datetime | None = None
        self._held = 0

    def allow(self, now: datetime) -> int | None:
        """None: stay quiet (counted). Else log now; the number held back since the last line."""
        if self._last is not None and now - self._last < self.interval:
            self._held += 1
            return None
        held, self._held, self._last = self._held, 0, now
        return held
