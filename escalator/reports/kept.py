"""Which of the summary's older weeks may be kept, and which kept ones a new entry touches.

Pure rules for `escalator.storage.report_weeks` (see there why a week is kept):

- a week may be kept once it is over (by a margin: a write in flight at its end) and
  no alarm begun in it is still open;
- a later entry for an incident touches the week its alarm began in: the week it
  opened in, or, for an incident ever reopened, every week from its opening to the
  entry (the entry belongs to the alarm begun last before it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

Span = tuple[datetime, datetime]  # a week [start, end)
MARGIN = timedelta(hours=1)


def _of(weeks: Sequence[Span], at: datetime) -> datetime | None:
    return next((s for s, e in weeks if s <= at < e), None)


def keepable(weeks: Sequence[Span], open_starts: Iterable[datetime], now: datetime
             ) -> list[Span]:
    """The weeks that are over and have no alarm still open."""
    blocked = {_of(weeks, at) for at in open_starts}
    return [(s, e) for s, e in weeks if e <= now - MARGIN and s not in blocked]


def touched(weeks: Sequence[Span], written: Iterable[tuple[datetime, bool, datetime]]
            ) -> set[datetime]:
    """Starts of the weeks whose alarms a later entry may have changed; `written`:
    (incident opened, ever reopened, newest entry's time) per incident."""
    found: set[datetime] = set()
    for opened, reopened, newest in written:
        if reopened:
            found |= {s for s, e in weeks if e > opened and s <= newest}
        elif (s := _of(weeks, opened)) is not None:
            found.add(s)
    return found
