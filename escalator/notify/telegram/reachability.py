"""Is Telegram reachable? Every Bot API call reports here, polling included.

So an outage is noticed within one long-poll even when no alarm is being
sent, and the time it started is on the service clock, which is what
`alert_after` is measured against.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from telegram.error import TelegramError
from telegram.request import HTTPXRequest

from escalator.runtime.clock import Clock

log = logging.getLogger(__name__)


class Reachability:
    def __init__(self, clock: Clock, on_down: Callable[[], None] = lambda: None,
                 secret: str = "") -> None:
        self._clock = clock
        self._on_down = on_down
        self._secret = secret  # the bot token: never shown in /healthz or the log
        self.state = "starting"  # starting | connected | unreachable | stopped
        self.down_since: datetime | None = None
        self.last_ok_at: datetime | None = None
        self.last_error: str | None = None
        self.bot_username: str | None = None

    def ok(self) -> None:
        if self.down_since is not None:
            log.info("telegram reachable again (down since %s)", self.down_since.isoformat())
        self.state, self.down_since = "connected", None
        self.last_ok_at = self._clock.now()

    def redact(self, text: str) -> str:
        return text.replace(self._secret, "<bot token>") if self._secret else text

    def failed(self, error: str) -> None:
        error = self.redact(error)
        self.last_error = error
        if self.down_since is None:
            self.down_since = self._clock.now()
            log.warning("telegram unreachable: %s", error)
            self.state = "unreachable"
            self._on_down()

    def snapshot(self) -> dict[str, Any]:
        def iso(d: datetime | None) -> str | None:
            return d.isoformat() if d else None

        return {"state": self.state, "reachable": self.down_since is None,
                "down_since": iso(self.down_since), "last_ok_at": iso(self.last_ok_at),
                "last_error": self.last_error, "bot": self.bot_username}


class TrackingRequest(HTTPXRequest):
    """PTB's HTTPX transport, reporting each answer (or its absence) to `Reachability`.

    A 429 counts as reachable (Telegram answered); a 5xx or no answer does not.
    """

    def __init__(self, reach: Reachability, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._reach = reach

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        try:
            code, payload = await super().do_request(*args, **kwargs)
        except TelegramError as exc:
            self._reach.failed(exc.message)
            raise
        if code >= 500 or code == 401:  # 401: Telegram answered, but rejects the token
            self._reach.failed(f"HTTP {code}")
        else:
            self._reach.ok()
        return code, payload
