"""When a contact fails: retry it later, try the party's next contact, or give up.

Pure rule over `now`, so the dispatcher and its tests agree on the schedule.
Retries run on their own clock (exponential backoff with jitter, the far
end's Retry-After honoured), not a fixed count of attempts: a channel that
comes back is used at its next retry. A contact that has kept failing for
`fallback_after` (counted from the start of its first failed attempt) is
left for the party's next contact; no retry is ever scheduled past that
deadline, so the fallback happens on time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

BACKOFF_FIRST = timedelta(seconds=2)
BACKOFF_CAP = timedelta(seconds=60)


class Next(StrEnum):
    RETRY = "retry"  # the same contact again at `at`
    NEXT_CONTACT = "next_contact"  # the party's next contact, now
    GIVE_UP = "give_up"  # no contact left: the ladder must move on


@dataclass(frozen=True)
class Plan:
    next: Next
    at: datetime
    failing_since: datetime | None  # start of the current contact's run of failures


def backoff(attempts: int, jitter: float) -> timedelta:
    """2 s, 4 s, 8 s ... capped at a minute; `jitter` in [0, 1) takes up to half off."""
    base = min(BACKOFF_CAP, BACKOFF_FIRST * 2 ** max(0, attempts - 1))
    return base * (1.0 - 0.5 * min(max(jitter, 0.0), 0.999))


def after_failure(
    *, now: datetime, attempt_started: datetime, failing_since: datetime | None,
    attempts: int, recoverable: bool, retry_after: float | None,
    fallback_after: timedelta, contacts_left: int, jitter: float,
) -> Plan:
    """The plan after one failed attempt on a contact (`attempts` counts it)."""
    since = failing_since or attempt_started
    deadline = since + fallback_after
    if recoverable and now < deadline:
        wait = timedelta(seconds=retry_after) if retry_after is not None \
            else backoff(attempts, jitter)
        return Plan(Next.RETRY, min(now + wait, deadline), since)
    if contacts_left > 0:
        return Plan(Next.NEXT_CONTACT, now, None)
    return Plan(Next.GIVE_UP, now, None)


def overdue(now: datetime, failing_since: datetime | None, fallback_after: timedelta) -> bool:
    """A retry that fires at or after the deadline goes to the next contact instead."""
    return failing_since is not None and now >= failing_since + fallback_after


def poll_delay(every: timedelta, failures: int, max_backoff: timedelta) -> timedelta:
    """A poller's wait before its next poll: `every` after a success, doubling after
    each failure in a row, at most `max_backoff` (never less than `every`)."""
    if not failures:
        return every
    return min(every * 2 ** min(failures, 30), max(max_backoff, every))
