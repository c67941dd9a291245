"""Poll a terminal's or building-management system's list of active alarms over HTTP.

Every `every` the list is fetched and compared with the previous one: an entry
that appeared is an `alarm`, one that vanished a `clear` (an entry is its code
and point). A successful poll is a sign of life; a failed one (no answer,
HTTP error, a document that cannot be read) is not, so a system that keeps
failing opens a "source silent" incident after `heartbeat_timeout`. After a
failure the next poll waits twice as long, up to `max_backoff`.

At start the previous list is taken from storage (this source's open
incidents), so a restart does not raise every standing alarm again, and an
alarm that cleared while the service was down is cleared on the first poll.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import aiohttp

from escalator.codecs.pollformat import Active, FormatError, active_alarms, read_document
from escalator.domain.errors import StorageError
from escalator.domain.retry import poll_delay
from escalator.entrypoints.receivers.base import (
    IntakeContext,
    Throttle,
    heartbeat_every,
    poll_forever,
    polled_alive,
)
from escalator.runtime.tasks import cancel_and_wait

log = logging.getLogger(__name__)

MAX_BODY = 4 * 1024 * 1024


class PollError(Exception):
    pass


class PollSource:
    def __init__(self, ctx: IntakeContext, session: aiohttp.ClientSession | None = None) -> None:
        self.ctx = ctx
        self.source_id = ctx.source.id
        opts = ctx.options
        self.url: str = opts["url"]
        self.every: timedelta = opts["every"]
        self.max_backoff: timedelta = opts["max_backoff"]
        self.failures = 0
        self.polls = 0  # attempts, successful or not (for tests and health)
        self.last_error: str | None = None
        self._active: dict[tuple[str, str], Active] | None = None  # None: not known yet
        self._throttle = Throttle(ctx.clock, heartbeat_every(ctx.source))
        self._session = session
        self._own_session = session is None
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    def health(self) -> dict[str, object]:
        return {"kind": "poll", "running": self._task is not None and not self._task.done(),
                "polls": self.polls, "failures": self.failures, "last_error": self.last_error}

    def next_delay(self) -> timedelta:
        """`every` after a success; doubling after each failure, at most `max_backoff`."""
        return poll_delay(self.every, self.failures, self.max_backoff)

    async def _loop(self) -> None:
        await poll_forever(self.poll_once, self.next_delay)

    async def poll_once(self) -> bool:
        """Fetch, diff and store; True when the poll succeeded and everything is stored."""
        async with self._lock:
            self.polls += 1
            try:
                listed = await self._fetch()
                sent = await self._apply(listed)
            except (PollError, FormatError, StorageError) as exc:
                self.failures += 1
                self.last_error = str(exc)
                log.warning("source %s: poll failed (%s); next in %s", self.source_id, exc,
                            self.next_delay())
                return False
            self.failures, self.last_error = 0, None
            await polled_alive(self.ctx, self._throttle, sent)
            return True

    async def _fetch(self) -> dict[tuple[str, str], Active]:
        opts = self.ctx.options
        headers = {"Accept": {"json": "application/json", "xml": "application/xml",
                              "csv": "text/csv"}[opts["format"]]}
        token = self.ctx.secret(self.ctx.source.token_env)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        assert self._session is not None
        timeout = aiohttp.ClientTimeout(total=opts["timeout"].total_seconds())
        try:
            async with self._session.get(self.url, headers=headers, timeout=timeout) as resp:
                if resp.status >= 400:
                    raise PollError(f"HTTP {resp.status} from {self.url}")
                body = await resp.content.read(MAX_BODY + 1)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise PollError(f"{type(exc).__name__}: {exc}") from None
        if len(body) > MAX_BODY:
            raise PollError(f"answer larger than {MAX_BODY} bytes")
        document = read_document(body, opts["format"])
        return active_alarms(document, opts.get("items", ""), opts.get("fields", {}),
                             opts.get("code", ""))

    async def _apply(self, listed: dict[tuple[str, str], Active]) -> int:
        """Send the differences; `_active` follows what was stored, so a failure resumes."""
        if self._active is None:
            stored = await self.ctx.open_alarms() if self.ctx.open_alarms else set()
            self._active = {key: Active(*key) for key in stored}
        sent = 0
        # compare as stored: a point with a control character in it is cleaned when stored
        listed = {self.ctx.stored_key(*key): alarm for key, alarm in listed.items()}
        for key, alarm in listed.items():
            if key not in self._active:
                await self.ctx.ingest(self.ctx.event(alarm.code, "alarm", point=alarm.point,
                                                     text=alarm.text, severity=alarm.severity))
                self._active[key] = alarm
                sent += 1
        for key in [k for k in self._active if k not in listed]:
            code, point = key
            await self.ctx.ingest(self.ctx.event(code, "clear", point=point))
            del self._active[key]
            sent += 1
        return sent
