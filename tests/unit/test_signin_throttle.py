"""The sign-in throttle: counted before the check, slower per failure, no lock-out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from escalator.domain.signin import (
    ACCOUNT_CAP,
    ADDRESS_CAP,
    CLEAN_CAP,
    FREE,
    SignInThrottle,
    delay,
)

T0 = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


def test_attempts_in_a_row_are_counted_before_any_answer():
    """Sixty at once from one address: the first FREE go ahead, the rest wait."""
    throttle = SignInThrottle()
    allowed = [throttle.begin("10.0.0.9", "maija", T0) is None for _ in range(60)]
    assert allowed.count(True) == FREE and allowed[:FREE] == [True] * FREE


def test_an_address_waits_longer_after_each_failure_up_to_a_cap():
    throttle = SignInThrottle()
    now = T0
    waits = []
    for n in range(12):
        wait = throttle.begin("10.0.0.9", f"name{n}", now)
        if wait is not None:
            waits.append(wait)
            now += wait
            assert throttle.begin("10.0.0.9", f"name{n}", now) is None
    assert waits == sorted(waits) and waits[1] == 2 * waits[0]
    assert max(waits) == ADDRESS_CAP


def test_guesses_at_a_name_never_lock_its_owner_out():
    """Fifty wrong guesses at Maija from elsewhere: Maija, from her own clean address,
    waits at most CLEAN_CAP; the guessers wait up to a minute per guess."""
    throttle = SignInThrottle()
    now = T0
    for n in range(50):
        address = f"10.1.{n}.1"  # many addresses: the account's count is what slows them
        wait = throttle.begin(address, "maija", now)
        if wait is not None:
            assert wait <= ACCOUNT_CAP
            now += wait
            assert throttle.begin(address, "maija", now) is None
    wait = throttle.begin("10.9.9.9", "maija", now)
    assert wait is not None and wait <= CLEAN_CAP
    assert throttle.begin("10.9.9.9", "maija", now + wait) is None
    throttle.succeeded("10.9.9.9", "maija")
    assert throttle.begin("10.9.9.9", "maija", now + wait) is None  # afresh


def test_counts_are_forgotten_after_an_hour_quiet():
    throttle = SignInThrottle()
    for _ in range(FREE):
        assert throttle.begin("10.0.0.9", "x", T0) is None
    assert throttle.begin("10.0.0.9", "x", T0) is not None
    assert throttle.begin("10.0.0.9", "x", T0 + timedelta(hours=1)) is None
    assert throttle.attempts("10.0.0.9") == 1


def test_the_delay_rule():
    first, cap = timedelta(seconds=30), timedelta(minutes=15)
    assert [delay(n, first, cap) for n in range(FREE + 3)] == \
        [timedelta(0)] * FREE + [first, 2 * first, 4 * first]
    assert delay(10_000, first, cap) == cap
