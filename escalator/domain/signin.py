"""How fast the board lets anyone guess a password: counted first, then slowed, never locked.

An attempt is counted when it is let through, before its password is checked:
sixty guesses sent at once from one address are sixty attempts in a row here,
and only the first FREE are checked (the old counter was read before the
check and written after it, so all sixty were). A right password takes its
counts back (`succeeded`).

- Per address: FREE attempts, then each further one waits ADDRESS_FIRST after
  the address's last attempt, doubling per attempt, at most ADDRESS_CAP.
- Per account (the name tried): FREE attempts, then ACCOUNT_FIRST, doubling,
  at most ACCOUNT_CAP. Guesses at someone's name from elsewhere slow the
  account down, but never lock its owner out: from an address with no failed
  attempt on record the account's wait is at most CLEAN_CAP.

Counts are forgotten FORGET after their last attempt; at most KEEP of them are
held (the oldest go first), so a flood of made-up names cannot fill memory.
Pure: time is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

FREE = 5
ADDRESS_FIRST = timedelta(seconds=30)
ADDRESS_CAP = timedelta(minutes=15)
ACCOUNT_FIRST = timedelta(seconds=1)
ACCOUNT_CAP = timedelta(minutes=1)
CLEAN_CAP = timedelta(seconds=5)
FORGET = timedelta(hours=1)
KEEP = 10_000


@dataclass
class _Count:
    attempts: int
    last: datetime


def delay(attempts: int, first: timedelta, cap: timedelta) -> timedelta:
    """The wait after `attempts` counted ones: none for the first FREE, then doubling."""
    if attempts < FREE:
        return timedelta(0)
    return min(cap, first * 2 ** min(attempts - FREE, 30))


class SignInThrottle:
    """Counts per address and per account; `begin` lets an attempt through or says how
    long to wait, and counts it in the same step (no await in between)."""

    def __init__(self) -> None:
        self._address: dict[str, _Count] = {}
        self._account: dict[str, _Count] = {}

    def begin(self, address: str, account: str, now: datetime) -> timedelta | None:
        """None: go ahead (the attempt is counted now); else how long to wait first."""
        by_address = self._get(self._address, address, now)
        by_account = self._get(self._account, account, now)
        waits = []
        if by_address is not None:
            waits.append(by_address.last + delay(by_address.attempts, ADDRESS_FIRST,
                                                 ADDRESS_CAP) - now)
        if by_account is not None:
            cap = ACCOUNT_CAP if by_address is not None else CLEAN_CAP
            waits.append(by_account.last + delay(by_account.attempts, ACCOUNT_FIRST, cap)
                         - now)
        wait = max(waits, default=timedelta(0))
        if wait > timedelta(0):
            return wait
        self._count(self._address, address, now)
        self._count(self._account, account, now)
        return None

    def succeeded(self, address: str, account: str) -> None:
        """The right password: this address and this account start afresh."""
        self._address.pop(address, None)
        self._account.pop(account, None)

    def attempts(self, address: str) -> int:
        found = self._address.get(address)
        return found.attempts if found else 0

    @staticmethod
    def _get(counts: dict[str, _Count], key: str, now: datetime) -> _Count | None:
        found = counts.get(key)
        if found is not None and now - found.last >= FORGET:
            del counts[key]
            return None
        return found

    @staticmethod
    def _count(counts: dict[str, _Count], key: str, now: datetime) -> None:
        found = counts.pop(key, None)  # re-inserted: the dict stays oldest-first
        counts[key] = _Count((found.attempts if found else 0) + 1, now)
        while len(counts) > KEEP:
            del counts[next(iter(counts))]
