"""Roster calendars at URLs: fetched by the running service, the last good copy kept.

A staffing system's calendar URL is a peer outside the building: it may be
slow, hang, answer 500, or answer a login page instead of a calendar. None of
that may empty a roster: a fetch that does not bring a readable iCalendar
within its timeout and size cap is logged and shown in /healthz, and the
roster keeps the shifts of the last good copy. Fetching runs in its own task
off the tick (like the weekly report), so a hanging server never holds up
timers; it is started by `kick()`, which the service's tick calls with the
injected clock, so tests drive it with a fake clock and no sleeping.

Calendar URLs often carry a secret token; only their host is ever shown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import aiohttp

from escalator.config.calendar_rosters import RosterFeed
from escalator.config.ical import MAX_CALENDAR_BYTES, CalendarError, read_calendar
from escalator.config.model import Config
from escalator.domain.errors import StorageError
from escalator.domain.shifts import ShiftCalendar
from escalator.runtime.clock import Clock
from escalator.security.outbound import failure_text
from escalator.storage import rostercal
from escalator.storage.sql import SqlStore

log = logging.getLogger(__name__)
RETRY_AFTER = timedelta(minutes=1)  # after a failure, at most this long to the next try
CHUNK = 64 * 1024


class FeedError(Exception):
    """A fetch that brought no calendar; `code` and `params` say why (`feed.*` texts)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params


def host_of(url: str) -> str:
    return urlsplit(url).hostname or "?"


async def fetch_calendar(session: aiohttp.ClientSession, url: str, timeout: float,
                         max_bytes: int = MAX_CALENDAR_BYTES) -> bytes:
    """The body at `url` within `timeout` seconds in all (connect, headers and body) and
    `max_bytes`; FeedError otherwise. A slow trickle counts against the same timeout."""
    try:
        async with asyncio.timeout(timeout):
            async with session.get(url, headers={"Accept": "text/calendar"},
                                   timeout=aiohttp.ClientTimeout(total=None)) as resp:
                if resp.status != 200:
                    raise FeedError("feed.status", status=resp.status)
                if resp.content_length is not None and resp.content_length > max_bytes:
                    raise FeedError("feed.too_big", size=resp.content_length, limit=max_bytes)
                body = bytearray()
                async for chunk in resp.content.iter_chunked(CHUNK):
                    body += chunk
                    if len(body) > max_bytes:
                        raise FeedError("feed.too_big", size=len(body), limit=max_bytes)
                return bytes(body)
    except TimeoutError:
        raise FeedError("feed.timeout", seconds=timeout) from None
    except aiohttp.ClientError as exc:
        raise FeedError("feed.unreachable", error=failure_text(exc)) from None


@dataclass
class FeedState:
    """One URL's last good copy and last attempt."""

    body: bytes | None = None
    good_at: datetime | None = None  # when the last good copy came
    tried_at: datetime | None = None
    due: datetime | None = None  # next attempt; None: at once
    error: FeedError | None = None  # why the last attempt failed; None: it did not
    calendar: ShiftCalendar | None = None
    parsed_for: tuple[int, tuple[tuple[str, str], ...]] | None = None  # (parties, match)


class RosterFeeds:
    """Every `config.roster_feeds` URL; the calendars they gave, for `build_directory`."""

    def __init__(self, config: Callable[[], Config], http: Callable[[], aiohttp.ClientSession],
                 clock: Clock, on_update: Callable[[], None],
                 poke: Callable[[], None] | None = None, store: SqlStore | None = None) -> None:
        self._config = config
        self._store = store
        self._poke = poke
        self._http = http
        self._clock = clock
        self._on_update = on_update
        self.states: dict[str, FeedState] = {}  # by URL
        self._task: asyncio.Task[None] | None = None

    def _feeds(self) -> Mapping[str, RosterFeed]:
        return self._config().roster_feeds

    def kick(self) -> datetime | None:
        """Start fetching the feeds that are due; the next due time (None while fetching:
        the fetch pokes the service when it is done)."""
        feeds = self._feeds()
        if not feeds:
            return None
        if self._task is not None and not self._task.done():
            return None
        now = self._clock.now()
        due = [f for f in feeds.values() if (s := self.states.get(f.url)) is None
               or s.due is None or s.due <= now]
        if due:
            self._task = asyncio.get_running_loop().create_task(self._fetch_all(due))
            return None
        return min(s.due for f in feeds.values() if (s := self.states.get(f.url)) and s.due)

    async def restore(self) -> bool:
        """The copies kept in the store by an earlier run (True if any): a restart while
        the staffing system is down still knows who is on shift."""
        urls = [f.url for f in self._feeds().values()]
        if self._store is None or not urls:
            return False
        try:
            kept = await self._store.transaction(lambda tx: rostercal.load(tx, urls))
        except StorageError as exc:
            log.warning("roster calendars: no kept copies read (%s)", exc)
            return False
        for url, (body, when) in kept.items():
            state = self.states.setdefault(url, FeedState())
            if state.body is None:
                state.body, state.good_at = body, when
        return bool(kept)

    async def _keep(self, url: str, body: bytes, when: datetime) -> None:
        if self._store is None:
            return
        try:
            await self._store.transaction(lambda tx: rostercal.save(tx, url, body, when))
        except StorageError as exc:  # the copy in memory is used; only a restart loses it
            log.warning("roster calendar from %s not kept in the store (%s)", host_of(url), exc)

    async def settle(self) -> None:
        """Wait for a fetch in progress (tests, and `escalator roster show`)."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def fetch_now(self) -> None:
        """Fetch every feed once, now (the CLI, which has no tick)."""
        await self._fetch_all(list(self._feeds().values()))

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _fetch_all(self, feeds: list[RosterFeed]) -> None:
        changed = False
        for feed in feeds:
            changed |= await self._fetch(feed)
        if changed:
            self._on_update()
        if self._poke is not None:  # kick() said nothing while this ran: ask again
            self._poke()

    async def _fetch(self, feed: RosterFeed) -> bool:
        """One attempt; True when a new good copy replaced the old one."""
        state = self.states.setdefault(feed.url, FeedState())
        state.tried_at = self._clock.now()
        try:
            body = await fetch_calendar(self._http(), feed.url, feed.timeout.total_seconds())
            config = self._config()
            calendar = await asyncio.to_thread(self._read, body, feed, config)
        except FeedError as exc:
            return self._failed(feed, state, exc)
        except CalendarError:
            # the reason may quote the answer: none of a peer's bytes goes into a message
            return self._failed(feed, state, FeedError("feed.not_calendar"))
        state.error = None
        state.due = self._clock.now() + feed.refresh
        if body == state.body:
            state.good_at = self._clock.now()
            return False
        state.body, state.good_at, state.calendar = body, self._clock.now(), calendar
        state.parsed_for = self._key(feed, config)
        await self._keep(feed.url, body, state.good_at)
        for u in calendar.unmatched:
            log.warning("roster %s: calendar at %s, line %s, event %s: %s match nobody",
                        feed.roster, host_of(feed.url), u.line, u.uid, ", ".join(u.names))
        log.info("roster %s: calendar from %s read (%d bytes)", feed.roster,
                 host_of(feed.url), len(body))
        return True

    def _failed(self, feed: RosterFeed, state: FeedState, exc: FeedError) -> bool:
        state.error = exc
        state.due = self._clock.now() + min(feed.refresh, RETRY_AFTER)
        kept = f"keeping the copy from {state.good_at:%Y-%m-%d %H:%M}" if state.good_at \
            else "no copy yet: nobody is on this roster's shifts"
        log.warning("roster %s: calendar at %s not fetched (%s %s); %s", feed.roster,
                    host_of(feed.url), exc.code, exc.params, kept)
        return False

    @staticmethod
    def _key(feed: RosterFeed, config: Config) -> tuple[int, tuple[tuple[str, str], ...]]:
        return id(config.parties), feed.match

    @staticmethod
    def _read(body: bytes, feed: RosterFeed, config: Config) -> ShiftCalendar:
        return read_calendar(body, source=host_of(feed.url), parties=config.parties,
                             match=dict(feed.match), zone=ZoneInfo(config.facility.timezone))

    async def prepare(self, config: Config) -> None:
        """Read the kept copies with `config`'s people off the event loop (a year of shifts
        takes a few hundred ms), so `calendars(config)` after a reload finds them read."""
        for feed in config.roster_feeds.values():
            state = self.states.get(feed.url)
            if state is None or state.body is None or state.parsed_for == self._key(feed, config):
                continue
            try:
                calendar = await asyncio.to_thread(self._read, state.body, feed, config)
            except CalendarError:
                continue
            state.calendar, state.parsed_for = calendar, self._key(feed, config)

    def calendars(self, config: Config) -> dict[str, ShiftCalendar]:
        """roster id -> the calendar of its last good copy, read with `config`'s people."""
        found = {}
        for rid, feed in config.roster_feeds.items():
            state = self.states.get(feed.url)
            if state is None or state.body is None:
                continue
            if state.calendar is None or state.parsed_for != self._key(feed, config):
                try:
                    state.calendar = self._read(state.body, feed, config)
                    state.parsed_for = self._key(feed, config)
                except CalendarError:  # was read before; only a new `match` can change it
                    continue
            found[rid] = state.calendar
        return found

    def health(self) -> dict[str, object]:
        """Per roster: whether its last fetch worked and how old the copy in use is.

        "ok" stays true: a calendar server that is down is not an outage of this
        service (it keeps the last good copy), and /healthz must not answer 503 for
        it; "fresh" says whether every calendar's last fetch worked."""
        feeds = {}
        for rid, feed in self._feeds().items():
            s = self.states.get(feed.url, FeedState())
            feeds[rid] = {
                "host": host_of(feed.url),
                "ok": s.error is None and s.body is not None,
                "good_at": s.good_at.isoformat() if s.good_at else None,
                "tried_at": s.tried_at.isoformat() if s.tried_at else None,
                **({"error": s.error.code, **s.error.params} if s.error else {}),
                "unmatched": len(s.calendar.unmatched) if s.calendar else 0,
            }
        return {"ok": True, "fresh": all(f["ok"] for f in feeds.values()), "rosters": feeds}
