"""The one place that reads the wall clock.

Everything else receives `now` or a `Clock`, so tests can run hours of
escalation in milliseconds by moving a fake clock.

Timers must not stop when the wall clock is stepped. The system's wall clock
can jump: an NTP correction, a VM restored from a snapshot, someone setting the
date by hand. Every due time the service keeps (a reminder, an escalation, a
retry) is an absolute time compared with `Clock.now()`, so a wall clock stepped
back by an hour would hold every one of them for that hour. `SteadyClock` is
the service's clock: it reads the wall clock but never goes back. After a step
back it runs on from where it stood at the pace of the monotonic clock (which
no step moves) until the wall clock catches up; a step forward is followed at
once (what fell due in the jump is done at once, like after a short outage).
Each step is logged. The waker waits on the event loop's monotonic clock for
the distance between `now()` and the next due time (escalator/runtime/waker.py), so
neither a step back nor a step forward during a wait changes how long it is.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

log = logging.getLogger(__name__)

STEP_LOGGED = timedelta(seconds=2)  # smaller differences are jitter and slewing, not steps
TRUST_STORED = timedelta(days=1)  # a stored time further ahead than this is itself wrong


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC datetime."""
        ...

    def monotonic(self) -> float:
        """Seconds that no step of the wall clock moves: for rate limits and backoffs
        (the store's write probe), which a test then moves with `FakeClock.advance`."""
        ...


class SteadyClock:
    """Wall time that never moves back: `max(wall, epoch + monotonic)`.

    `epoch` is the wall time at monotonic zero as last seen
    while the wall clock was not behind; while it is behind (it was stepped
    back), the monotonic clock carries the time on, and `behind` says by how much.
    """

    def __init__(self, wall: Callable[[], datetime], monotonic: Callable[[], float]) -> None:
        self._wall = wall
        self._monotonic = monotonic
        self._epoch = wall() - _seconds(monotonic())  # the wall time at monotonic 0
        self.behind = timedelta(0)  # how far the wall clock is behind this clock
        self.forward_steps = 0  # steps forward seen (the keeper pokes the waker on one)
        self.jumped = timedelta(0)  # their sum, until `take_jump` (sources' silence)

    def now(self) -> datetime:
        wall, mono = self._wall(), _seconds(self._monotonic())
        steady = self._epoch + mono
        if wall >= steady:
            if wall - steady >= STEP_LOGGED:
                self.forward_steps += 1
                self.jumped += wall - steady
                log.warning("the wall clock stepped forward by %s; what fell due in the jump"
                            " is done now", _span(wall - steady))
            elif self.behind >= STEP_LOGGED:
                log.warning("the wall clock caught up; the service follows it again")
            self._epoch = wall - mono
            self.behind = timedelta(0)
            return wall
        if steady - wall >= STEP_LOGGED and steady - wall - self.behind >= STEP_LOGGED:
            log.warning("the wall clock stepped back by %s; timers keep running on the"
                        " monotonic clock, and times read %s ahead of the wall clock until"
                        " it catches up", _span(steady - wall - self.behind), _span(steady - wall))
        self.behind = steady - wall
        return steady

    def take_jump(self) -> timedelta:
        """How far the clock jumped forward since the last call: no time that passed.
        A source's silence is measured net of it (EscalationService._check_sources)."""
        jumped, self.jumped = self.jumped, timedelta(0)
        return jumped

    def not_before(self, at: datetime) -> None:
        """Run on from `at` if the wall clock is behind it (what the last run wrote down),
        unless `at` is so far ahead that the stored time, not the clock, is what is wrong."""
        now = self.now()
        if at - now < STEP_LOGGED:
            return
        if at - now > TRUST_STORED:
            log.error("the last recorded time %s is %s ahead of the wall clock; following"
                      " the wall clock", at.isoformat(), _span(at - now))
            return
        log.warning("the wall clock is %s behind the last recorded time; timers run on from"
                    " that time on the monotonic clock until the wall clock catches up",
                    _span(at - now))
        self._epoch += at - now
        self.behind = at - self._wall()

    def wall(self) -> datetime:
        """The raw wall clock (what `date` would say), for telling people about a step."""
        return self._wall()

    def monotonic(self) -> float:
        return self._monotonic()


class SystemClock(SteadyClock):
    """The system's wall clock guarded by its monotonic clock."""

    def __init__(self) -> None:
        super().__init__(lambda: datetime.now(UTC), time.monotonic)


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=value)


def _span(delta: timedelta) -> str:
    return f"{delta.total_seconds():.0f} s"
