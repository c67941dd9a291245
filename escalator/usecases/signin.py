"""Signing in to the board as a command: counted first, then checked, then a session.

The board's form reads the name, the password and the address into a `SignIn`; this
counts the attempt before the password is checked (`domain/signin.py`: growing waits
per address and per name, never a lock-out of the name's owner), checks the password
off the event loop (the board's own argon2 threads, handed in as `verify`), asks
whether the user's role may sign in (`domain/permits.py`) and starts the session.
The door only sets the cookie or says why not.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from escalator.config.board import BoardConfig
from escalator.domain.permits import Deed, Refusal, permitted
from escalator.domain.signin import SignInThrottle
from escalator.usecases.context import Context


class SessionBook(Protocol):
    """The board's signed-in sessions (escalator/entrypoints/http/board/auth.py)."""

    def start(self, name: str, role: str, now: datetime, ttl: timedelta,
              lang: str | None = None, *, from_config: bool = True) -> str: ...

    def redeem(self, token: str, now: datetime) -> tuple[str, str] | None: ...


@dataclass(frozen=True)
class SignIn:
    name: str
    password: str
    address: str  # where the attempt came from (the peer's address)


@dataclass(frozen=True)
class SignedIn:
    """A new session's token and how long it holds, or why there is none."""

    token: str | None = None
    ttl: timedelta | None = None
    refusal: Refusal | None = None  # SLOW_DOWN (see `wait`), WRONG, ROLE
    wait: timedelta | None = None


@dataclass(frozen=True)
class SigningIn:
    context: Context
    throttle: SignInThrottle
    sessions: SessionBook
    verify: Callable[[str | None, str], Awaitable[bool]]  # (stored hash, password)

    async def sign_in(self, cmd: SignIn) -> SignedIn:
        now = self.context.now()
        account = cmd.name.strip().casefold()
        wait = self.throttle.begin(cmd.address, account, now)  # counted now, before the hash
        if wait is not None:
            return SignedIn(refusal=Refusal.SLOW_DOWN, wait=wait)
        board = self.context.config.board or BoardConfig()
        user = next((u for u in board.users if u.name.casefold() == account), None)
        stored = self.context.secret(user.password_hash_env) if user else None
        if not await self.verify(stored, cmd.password) or user is None:  # counted already
            return SignedIn(refusal=Refusal.WRONG)
        refused = permitted(user.role, Deed.SIGN_IN)
        if refused is not None:
            return SignedIn(refusal=refused)
        self.throttle.succeeded(cmd.address, account)
        return SignedIn(self.sessions.start(user.name, user.role, now, board.session_ttl),
                        board.session_ttl)

    def once(self, token: str) -> SignedIn:
        """The demo's one-time link: signs in once, then the token is forgotten."""
        now = self.context.now()
        found = self.sessions.redeem(token, now)
        if found is None:
            return SignedIn(refusal=Refusal.WRONG)
        ttl = (self.context.config.board or BoardConfig()).session_ttl
        return SignedIn(self.sessions.start(found[0], found[1], now, ttl, from_config=False),
                        ttl)
