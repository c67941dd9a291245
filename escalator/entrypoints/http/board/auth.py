"""Who is signed in to the board, and what their role lets them do.

Sessions live in memory: a restart signs everyone out, which is the safe
direction for a screen that can silence alarms. Passwords are checked
against argon2 hashes read from the environment (never stored in the YAML),
sign-ins are counted per address and per name before the password is checked
(`escalator.domain.signin`) so guessing is slow,
and every form carries the session's CSRF token.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from escalator.config.board import BoardUser
from escalator.domain.limits import BOARD_SESSIONS, SESSIONS_PER_USER

ACT_ROLES = frozenset({"nurse", "manager"})  # may act on alarms
REGISTER_ROLES = frozenset({"manager", "viewer"})  # the safety register: manager, purchaser
REGISTER_WRITERS = frozenset({"manager"})  # notes and closing on the board: the manager only
ONE_TIME_VALID = timedelta(hours=24)
_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash(secrets.token_urlsafe(16))  # unknown names cost the same time
_CHECKS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="argon2")


@dataclass(frozen=True)
class Session:
    name: str
    role: str
    csrf: str
    expires: datetime
    lang: str | None = None
    # a configured user's session holds only while the config in force still has that
    # user with that role; the demo's one-time link is the process's own, not a user's
    from_config: bool = True

    @property
    def can_act(self) -> bool:
        return self.role in ACT_ROLES


class Sessions:
    """Signed-in sessions and one-time sign-in links, by random token."""

    def __init__(self) -> None:
        self._live: dict[str, Session] = {}
        self._once: dict[str, tuple[str, str, datetime]] = {}

    def start(self, name: str, role: str, now: datetime, ttl: timedelta,
              lang: str | None = None, *, from_config: bool = True) -> str:
        """A new session; past the caps the oldest one (of this user first) is signed out,
        so a script signing in again and again keeps memory bounded and locks no one out."""
        self._forget_expired(now)
        mine = [t for t, s in self._live.items() if s.name == name]
        while len(mine) >= SESSIONS_PER_USER:
            del self._live[mine.pop(0)]  # dicts keep insertion order: the oldest first
        while len(self._live) >= BOARD_SESSIONS:
            del self._live[next(iter(self._live))]
        token = secrets.token_urlsafe(32)
        self._live[token] = Session(name, role, secrets.token_urlsafe(32), now + ttl, lang,
                                    from_config)
        return token

    def get(self, token: str | None, now: datetime,
            users: tuple[BoardUser, ...] | None = None) -> Session | None:
        """The live session; with `users` (the config in force), only while its user is
        still there with the same role: a removed or demoted user is signed out on their
        next request, not when the session would have expired."""
        found = self._live.get(token or "")
        if found is None:
            return None
        if found.expires <= now or (users is not None and found.from_config
                                    and not _still(found, users)):
            self._live.pop(token or "", None)
            return None
        return found

    def end(self, token: str | None) -> None:
        self._live.pop(token or "", None)

    def one_time(self, name: str, role: str, now: datetime,
                 valid: timedelta = ONE_TIME_VALID) -> str:
        """A sign-in link's token: works once, within `valid` (the demo prints one)."""
        for old in [t for t, (_, _, until) in self._once.items() if until <= now]:
            del self._once[old]
        while len(self._once) >= BOARD_SESSIONS:
            del self._once[next(iter(self._once))]
        token = secrets.token_urlsafe(32)
        self._once[token] = (name, role, now + valid)
        return token

    def redeem(self, token: str, now: datetime) -> tuple[str, str] | None:
        found = self._once.pop(token, None)
        if found is None or found[2] <= now:
            return None
        return found[0], found[1]

    def _forget_expired(self, now: datetime) -> None:
        for token in [t for t, s in self._live.items() if s.expires <= now]:
            del self._live[token]


def _still(session: Session, users: tuple[BoardUser, ...]) -> bool:
    user = find_user(users, session.name)
    return user is not None and user.role == session.role


def find_user(users: tuple[BoardUser, ...], name: str) -> BoardUser | None:
    wanted = name.strip().casefold()
    return next((u for u in users if u.name.casefold() == wanted), None)


def password_ok(stored_hash: str | None, password: str) -> bool:
    """argon2 verify; CPU-heavy by design, so call it off the event loop (`check`)."""
    try:
        return _HASHER.verify(stored_hash or _DUMMY, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


async def check(stored_hash: str | None, password: str) -> bool:
    """`password_ok` on the board's own two threads. Not the loop's default pool: that
    one reads e-mail alarms (and configs, reports), and a storm of sign-ins held an
    e-mail alarm there for half a minute."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_CHECKS, password_ok, stored_hash, password)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
