"""Send the weekly summary by itself, exactly once per week, in the facility's time zone.

`schedule(now)` (pure) says which week is due and when the next one will be.
`ReportScheduler.kick()` is called from the service's tick, like the other
timers, and returns its next due time to the waker; the work itself (reading,
rendering, SMTP) runs as its own task, so a slow mail server never holds up
an escalation. Before sending, a week is
claimed in `report_runs` inside a transaction (unique per kind and period): a
second instance sees the claim and does not send; a restart sees `sent_at`
and does not send again; a week that fell due while the service was down is
still unsent and goes out at the first tick after start. A claim whose sender
died mid-send (no `sent_at` after `LEASE`) may be taken again; a failed send
gives the claim back and is retried after `RETRY`.

The first tick also records when monitoring began (`monitoring_since` in the
store's meta, written once per store): a week that began before it is never
mailed, since part of it nobody watched and its summary would read "0 alarms,
no deviations" for time the service was not there.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from escalator.config.model import Config
from escalator.reports.produce import mail, produce, recipients
from escalator.reports.weekly import Week, previous, week_of
from escalator.runtime.clock import Clock
from escalator.storage.sql import SqlStore, Tx

log = logging.getLogger(__name__)
KIND = "weekly"
LEASE = timedelta(minutes=15)
RETRY = timedelta(minutes=10)


def send_time(w: Week, day: int, at: time, tz: str) -> datetime:
    """When the summary of week `w` is sent: `day` `at` in the week after it."""
    local = datetime.combine(w.monday + timedelta(days=7 + day), at, ZoneInfo(tz))
    return local.astimezone(UTC)


def schedule(now: datetime, day: int, at: time, tz: str) -> tuple[Week, datetime, datetime]:
    """(the latest week whose summary is due by `now`, when it was due, the next send time)."""
    this = week_of(now, tz)
    last = previous(this, tz)
    due = send_time(last, day, at, tz)
    if now >= due:
        return last, due, send_time(this, day, at, tz)
    before = previous(last, tz)
    return before, send_time(before, day, at, tz), due


Sender = Callable[[EmailMessage], Awaitable[None]]


class ReportScheduler:
    def __init__(self, store: SqlStore, config: Callable[[], Config], clock: Clock,
                 sender: Sender, instance: str | None = None) -> None:
        self._store = store
        self._config = config
        self._clock = clock
        self._sender = sender
        self.instance = instance or f"{socket.gethostname()}:{os.getpid()}"
        self._sent: str | None = None  # the last week known to be sent (saves a query a tick)
        self._retry_at: datetime | None = None
        self.last_error: str | None = None
        self._task: asyncio.Task[datetime | None] | None = None
        self._next: datetime | None = None
        self.since: datetime | None = None  # monitoring began (read once from the store)
        self.on_done: Callable[[], None] = lambda: None  # e.g. poke the waker

    def kick(self) -> datetime | None:
        """Start a due summary in the background; when to look again. Never blocks."""
        config = self._config()
        weekly = config.reports.weekly if config.reports else None
        now = self._clock.now()
        look_again = now + timedelta(minutes=1) if weekly else None
        if self._task is not None and not self._task.done():
            return look_again
        if self.since is None and (self._retry_at is None or now >= self._retry_at):
            # the first tick: record that monitoring began (and send what is due)
            self._task = asyncio.create_task(self._run(), name="weekly-summary-start")
            return look_again
        if weekly is None:
            return None
        w, _, next_send = schedule(now, weekly.day, weekly.at, config.facility.timezone)
        if self._sent == w.label:
            return next_send
        if self._retry_at is not None and now < self._retry_at:
            return self._retry_at
        self._task = asyncio.create_task(self._run(), name=f"weekly-summary-{w.label}")
        return now + timedelta(minutes=1)

    async def _run(self) -> datetime | None:
        try:
            return await self.run_due()
        except Exception as exc:  # noqa: BLE001 - e.g. the store is down: try again later
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.error("weekly summary: %s (retrying in %s)", self.last_error, RETRY)
            self._retry_at = self._clock.now() + RETRY
            return self._retry_at
        finally:
            config = self._config()
            if config.reports and config.reports.weekly:  # its next time goes to the waker
                self.on_done()  # (without a summary to send, an idle service stays idle)

    async def stop(self) -> None:
        """At shutdown: stop a summary in progress. Its claim stays unsent and is taken
        again after LEASE, by this service's next start or by another instance."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
        await self.wait()

    async def wait(self) -> None:
        """Let a summary being made or sent finish (tests; shutdown)."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def record_start(self) -> datetime | None:
        """Write the first start once per store; since when monitoring runs."""
        if self.since is None:
            now = self._clock.now()

            def record(tx: Tx) -> datetime | None:
                tx.register.record_start(now)
                return tx.register.monitoring_since()

            self.since = await self._store.transaction(record)
        return self.since

    async def run_due(self) -> datetime | None:
        since = await self.record_start()
        config = self._config()
        weekly = config.reports.weekly if config.reports else None
        if weekly is None:
            return None
        now = self._clock.now()
        w, _, next_send = schedule(now, weekly.day, weekly.at, config.facility.timezone)
        if self._sent == w.label:
            return next_send
        if since is None or w.start < since:  # nobody watched (all of) that week
            log.info("weekly summary %s not sent: monitoring began %s, after the week began",
                     w.label, since)
            self._sent, self._retry_at = w.label, None
            return next_send
        if self._retry_at is not None and now < self._retry_at:
            return self._retry_at
        to = recipients(config, weekly)
        claimed = await self._store.transaction(lambda tx: tx.register.claim_run(
            KIND, w.label, now, self.instance, to, now - LEASE))
        if not claimed:
            row = await self._store.transaction(lambda tx: tx.register.run(KIND, w.label))
            if row is not None and row["sent_at"] is not None:
                self._sent = w.label
                return next_send
            return now + LEASE  # another instance is sending it: look again after its lease
        try:
            produced = await produce(self._store, config, w, now)
            sender = str(config.channels.get("email", {}).get("from") or "")
            await self._sender(mail(produced, config, to, sender, now))
        except Exception as exc:  # noqa: BLE001 - any failure: give the week back, retry
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.error("weekly summary %s not sent (retrying in %s): %s", w.label, RETRY,
                      self.last_error)
            await self._store.transaction(
                lambda tx: tx.register.finish_run(KIND, w.label, now, self.last_error))
            self._retry_at = now + RETRY
            return self._retry_at
        await self._store.transaction(lambda tx: tx.register.finish_run(KIND, w.label,
                                                                 self._clock.now(), None))
        log.info("weekly summary %s sent to %s", w.label, ", ".join(to))
        self._sent, self._retry_at, self.last_error = w.label, None, None
        return next_send
