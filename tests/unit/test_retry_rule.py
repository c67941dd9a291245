"""The retry rule: backoff with jitter on its own schedule, Retry-After, fallback on time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from escalator.domain.retry import Next, after_failure, backoff, overdue

T0 = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
MINUTE = timedelta(seconds=60)


def plan(**kw):
    args = dict(now=T0, attempt_started=T0, failing_since=None, attempts=1, recoverable=True,
                retry_after=None, fallback_after=MINUTE, contacts_left=1, jitter=0.0)
    args.update(kw)
    return after_failure(**args)


def test_backoff_doubles_is_capped_and_jitter_only_shortens():
    assert [backoff(n, 0.0).total_seconds() for n in (1, 2, 3, 4)] == [2, 4, 8, 16]
    assert backoff(20, 0.0) == timedelta(seconds=60)
    assert backoff(1, 0.999).total_seconds() > 1.0 and backoff(1, 0.999) < backoff(1, 0.0)


def test_a_recoverable_failure_retries_and_remembers_when_failing_began():
    p = plan()
    assert p.next is Next.RETRY and p.at == T0 + timedelta(seconds=2) and p.failing_since == T0


def test_retry_after_is_honoured_but_never_past_the_fallback_deadline():
    assert plan(retry_after=30).at == T0 + timedelta(seconds=30)
    p = plan(retry_after=600)
    assert p.next is Next.RETRY and p.at == T0 + MINUTE


def test_after_fallback_after_the_next_contact_and_then_giving_up():
    later = T0 + MINUTE
    assert plan(now=later, attempt_started=later, failing_since=T0).next is Next.NEXT_CONTACT
    assert plan(now=later, attempt_started=later, failing_since=T0,
                contacts_left=0).next is Next.GIVE_UP
    assert plan(recoverable=False).next is Next.NEXT_CONTACT  # permanent: no retries
    assert overdue(later, T0, MINUTE) and not overdue(later, None, MINUTE)


def test_a_hanging_attempt_counts_from_when_it_started():
    p = plan(now=T0 + timedelta(seconds=10), attempt_started=T0)
    assert p.failing_since == T0 and p.at <= T0 + MINUTE
