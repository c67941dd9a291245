"""Composition root: the only place that builds adapters and wires them together."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import web

from escalator.clock import Clock, SteadyClock, SystemClock
from escalator.config import build_directory, load_config
from escalator.config.loader import configured_channels
from escalator.config.model import CHANNELS, Config
from escalator.config.restart import pending_restart
from escalator.config.tls import listener_context
from escalator.config_alarm import ConfigAlarm
from escalator.config_audit import ConfigAudit
from escalator.config_editing import ConfigEditing
from escalator.config_watch import ConfigWatch
from escalator.domain.availability import Directory
from escalator.domain.outbound import Network
from escalator.entrypoints.http.board.state import BoardState
from escalator.entrypoints.http.keys import UseCases
from escalator.entrypoints.http.server import build_web_app
from escalator.errors import ConfigError, StorageError, StoreLocked
from escalator.i18n.codes import install_overrides as install_code_overrides
from escalator.intake import IntakeAdapter, build_adapters
from escalator.links import LinkSigner
from escalator.listeners import HTTP_LIMITS, Gate, http_frames, listen
from escalator.metrics import Metrics
from escalator.notify.base import Notifier
from escalator.notify.dispatch import Dispatcher
from escalator.notify.email import EmailNotifier
from escalator.notify.log import LogNotifier, NotSetUp
from escalator.notify.sms import SmsNotifier
from escalator.notify.telegram import TelegramChannel
from escalator.notify.telegram import from_config as telegram_settings
from escalator.notify.telegram import webhook as telegram_webhook
from escalator.notify.voice import CALLBACK_TTL, VoiceNotifier
from escalator.notify.webhook import WebhookNotifier
from escalator.outbound import guarded_session
from escalator.redact import add_secrets
from escalator.reports import mail as report_mail
from escalator.reports.scheduler import ReportScheduler
from escalator.rosterfeeds import RosterFeeds
from escalator.service import EscalationService
from escalator.storage import open_store
from escalator.storage.listen import DueListener
from escalator.tasks import cancel_and_wait
from escalator.usecases.answering import Answering
from escalator.usecases.configuring import Configuring
from escalator.usecases.context import Context
from escalator.usecases.health import Health
from escalator.usecases.intake import Intake
from escalator.usecases.ledger import Ledger
from escalator.usecases.queries import Queries
from escalator.usecases.records import Records
from escalator.waker import Waker

log = logging.getLogger(__name__)
STOP_STEP = 5.0  # seconds each part may take to stop, at most
# SIGTERM to the end of `stop`: the design promises an exit within 10 s (the unit's
# TimeoutStopSec and compose's stop_grace_period give 15 s); the rest is the process's
# own exit. Sends still waiting for a peer at SEND_CUT_S are cut; their outcomes get
# WRITE_S; closing the rest (HTTP, store) CLOSE_S.
STOP_WITHIN_S = 8.0
SEND_CUT_S = 5.0
WRITE_S = 1.0
CLOSE_S = 1.0


async def within(seconds: float, what: str, step: Awaitable[Any]) -> None:
    """Await one shutdown step for at most `seconds`; past that, log and go on.

    asyncio.wait (not wait_for): a step that swallows its cancellation cannot hold
    the shutdown either. Errors of a step that finished are raised as before.
    """
    task = asyncio.ensure_future(step)
    done, _ = await asyncio.wait({task}, timeout=seconds)
    if not done:
        task.cancel()
        log.warning("stopping %s took longer than %.0f s; going on without it", what, seconds)
        return
    task.result()

KEEP_EVERY_S = 1.0  # store reconnect, leader lock, cross-instance poke
SEND_PAUSE_WHILE_UNRECORDABLE = timedelta(seconds=5)


class Escalator:
    """The running service. Tests build it with a fake clock and call `tick()` themselves."""

    def __init__(
        self,
        config: Config,
        *,
        clock: Clock | None = None,
        env: Mapping[str, str] | None = None,
        notifiers: Mapping[str, Notifier] | None = None,
        demo: bool = False,
    ) -> None:
        self._config = config
        # a demo: messages to contacts whose channel is not set up go to the log;
        # otherwise they fail (`not_set_up`) and the party's next contact is tried
        self.demo = demo
        self.clock = clock or SystemClock()
        self.env = dict(os.environ if env is None else env)
        add_secrets(self.env.get(name) for _, name in config.secret_envs())
        # the variables this run may read: those named at its start (`secret`)
        self._secret_names = frozenset(name for _, name in config.secret_envs())
        self._extra_notifiers = dict(notifiers or {})
        self.metrics = Metrics(self.clock, self._source_kind)
        self.started_at: datetime | None = None
        self.last_reload_error: str | None = None
        self.config_problems: tuple[str, ...] = ()  # of the last refused reload, until a good one
        self.config_since: datetime | None = self.clock.now()  # when the config in force loaded
        self._started = config  # what http, storage and sources run on until a restart
        self.restart_pending: tuple[str, ...] = ()  # what the file changed that waits for one
        self.store = open_store(config.storage, exclusive=True, monotonic=self.clock.monotonic)
        self.board = BoardState()  # the web board's sessions and live-change signal
        self.store.changed_sink = self.board.changes.notify  # one row per changed incident
        self.config_audit = ConfigAudit(self.store, self.clock)
        previous = self.secret(config.http.previous_secret_env)
        self.signer = LinkSigner(self._secret_bytes(config), config.http.link_ttl,
                                 previous.encode() if previous else None)
        self.log_notifier = LogNotifier()
        self.ledger = Ledger()  # each actor's recent answers, for the guards' limits
        self._session: aiohttp.ClientSession | None = None
        self.waker: Waker | None = None
        self._pump: asyncio.Task[None] | None = None
        self._runner: web.AppRunner | None = None
        self._http_server: asyncio.AbstractServer | None = None
        self.http_gate: Gate | None = None  # connection caps of the HTTP listener
        self.http_port: int | None = None  # as bound (the config may say 0)
        self.intake: dict[str, IntakeAdapter] = {}
        self.accepting = True  # False from the start of `stop`: intake answers 503
        self.config_editing = ConfigEditing(self, self.store, self.clock, self.env)  # the editor
        # an edit on disk reloads it; a broken file is an alarm until a good one loads
        self.config_watch = ConfigWatch(self.config_editing, alarm=ConfigAlarm(
            lambda event: self.service.ingest(event), self.clock, config.path or "",
            lambda key: self.store.transaction(lambda tx: tx.incidents.open_one(key) is not None)))
        self.leading = False  # see `start`: one instance per database leads
        self._forward_steps = 0  # the clock's steps forward the keeper has seen
        self._keeper: asyncio.Task[None] | None = None
        self.listener: DueListener | None = None  # PostgreSQL leader: followers' NOTIFY
        install_code_overrides(config.codes)
        self.rosters = RosterFeeds(lambda: self._config, self._http, self.clock,
                                   self._rosters_fetched, self.poke, self.store)  # at URLs
        self.service = EscalationService(self.store, config, self._directory(config), self.clock,
                                         on_change=self.poke, on_due=self.due_by)
        self.telegram = self._telegram(config)
        self.dispatcher = Dispatcher(
            self.store, lambda: self._config, self._notifiers(),
            self.log_notifier if demo else NotSetUp(),
            self.signer, self.clock, on_failed=self.service.delivery_failed, poke=self.poke)
        self.service.listeners.append(self.dispatcher.incident_changed)
        self.answering = Answering(Context(lambda: self._config, self.clock, self.secret),
                                   self.service, self.ledger, self.signer, self.store,
                                   self.dispatcher.not_reached, self.poke)
        if self.telegram:  # a button press is an answer like any other
            self.telegram.answer_with = self.answering.answer
        self.service.listeners.append(self.metrics.answered)  # answer time, by door
        self.dispatcher.timed = self.metrics.timed_send  # send time; event to first notice
        # the one way in for events: HTTP and every listener and poller (counted there)
        self.events_in = Intake(Context(lambda: self._config, self.clock, self.secret),
                                self.service.ingest, self.metrics,
                                lambda: self.accepting)
        self.reports = ReportScheduler(self.store, lambda: self._config, self.clock,
                                       lambda msg: report_mail.send(
                                           msg, self._config.channels.get("email", {}),
                                           self.secret))
        self.reports.on_done = self.poke

    @property
    def config(self) -> Config:
        return self._config

    def _directory(self, config: Config) -> Directory:
        return build_directory(config, self.rosters.calendars(config))

    def _rosters_fetched(self) -> None:
        """A roster calendar brought new shifts: the ladders use them from now on."""
        self.service.reconfigure(self._config, self._directory(self._config))
        self.board.changes.notify()  # who is called now: every row may read differently

    def _source_kind(self, source_id: str) -> str:
        """webhook, sia, espa, email, mqtt, poll; "internal" for the service's own alarms."""
        found = self._config.sources.get(source_id)
        return found.kind if found is not None else "internal"

    def secret(self, env_name: str | None) -> str | None:
        """A secret's value, for the variables the config named when the service started.
        A variable first named by a reload is read at the next start (`/healthz` says a
        restart is pending): editing the file cannot send another variable somewhere."""
        if not env_name or env_name not in self._secret_names:
            return None
        return self.env.get(env_name)

    async def ack_token(self, incident_id: int, party: str) -> str:
        """An ack-link token for `party` on this incident, as the dispatcher makes them
        (with the incident's nonce, made now if it has none): for operators and tests."""
        nonces = await self.store.transaction(lambda tx: tx.nonces.made_for([incident_id]))
        return self.signer.make(incident_id, party, self.clock.now(), nonces[incident_id])

    def _secret_bytes(self, config: Config) -> bytes:
        value = self.secret(config.http.secret_env)
        if not value:
            raise ConfigError([f"http.secret_env: environment variable "
                               f"{config.http.secret_env} is not set"])
        return value.encode()

    def _notifiers(self) -> dict[str, Notifier]:
        webhook = WebhookNotifier(self._http, self.secret,
                                  lambda: int(self.clock.now().timestamp()))
        built: dict[str, Notifier] = {"webhook": webhook}
        channels, facility = self._config.channels, lambda: self._config.facility
        if "email" in channels and "email" not in self._extra_notifiers:
            built["email"] = EmailNotifier(lambda: self._config.channels.get("email", {}),
                                           facility, self.secret, self.clock)
        if "sms" in channels and "sms" not in self._extra_notifiers:
            built["sms"] = SmsNotifier(lambda: self._config.channels.get("sms", {}),
                                       facility, self._http, self.secret)
        if "voice" in channels and "voice" not in self._extra_notifiers:
            built["voice"] = VoiceNotifier(
                lambda: self._config.channels.get("voice", {}), facility,
                lambda: self._config.http.public_url, self._http, self.secret,
                LinkSigner(self._secret_bytes(self._config), CALLBACK_TTL), self.store,
                self.clock)
        if self.telegram:
            built["telegram"] = self.telegram
        return {**built, **self._extra_notifiers}

    def ready_channels(self, config: Config) -> frozenset[str]:
        """The channels a contact may use in `config` (config check, the editor, a
        reload): those it sets up and those this service sends through; in a demo all,
        the rest going to the log."""
        if self.demo:
            return frozenset(CHANNELS)
        return configured_channels(config) | frozenset(self.dispatcher.notifiers)

    def _telegram(self, config: Config) -> TelegramChannel | None:
        """The Telegram channel if `channels.telegram` is configured and its token is set."""
        settings = telegram_settings(config.channels.get("telegram", {}), self.env)
        if settings is None or "telegram" in self._extra_notifiers:
            return None
        return TelegramChannel(settings, self.store, self.clock, self.service,
                               lambda: self._config, lambda: self.service.directory,
                               lambda: self.dispatcher.notifiers, self.log_notifier, self.poke)

    def _http_clients(self) -> tuple[Network, ...]:
        """Who keeps reserved slots on the HTTP listener: the webhook sources' devices and
        `http.trusted_clients` (the reverse proxy)."""
        config = self._config
        return (*config.http.trusted_clients,
                *(net for src in config.sources.values() for net in src.options.get("from", ())))

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = guarded_session(self._config.http.outbound_allow)
        return self._session

    # -- what the entry points may use -----------------------------------------
    def use_cases(self) -> UseCases:
        """The narrow objects the HTTP handlers take, each over only the parts it needs."""
        context = Context(lambda: self._config, self.clock, self.secret)
        return UseCases(
            context=context,
            intake=self.events_in,
            answering=self.answering,
            queries=Queries(context, self.store, lambda: self.service.directory),
            records=Records(context, self.store, self.poke),
            health=Health(self.store, self.metrics, self.health),
            configuring=Configuring(lambda: self._config, self.reload_async),
            board=self.board,
            editing=self.config_editing,
        )

    def web_app(self) -> web.Application:
        """The HTTP entry points over this service's use cases (and Telegram's webhook)."""
        return build_web_app(self.use_cases(), [telegram_webhook.routes(self.telegram)])

    # -- lifecycle ------------------------------------------------------------
    async def start(self, *, serve_http: bool = True, schedule: bool = True) -> None:
        """Serve HTTP on every instance; lead (timers, sending, Telegram polling, the
        fixed-port listeners) only on the one holding the store's leader lock.

        Without `schedule` (tests driving `tick()` themselves) this instance leads."""
        self.started_at = self.clock.now()
        try:
            await self.store.open()
        except StoreLocked:
            raise
        except StorageError as exc:  # not reachable yet: serve 503s and keep trying
            if not schedule:
                raise
            log.error("store unavailable at start, will keep trying: %s", exc)
        await self._clock_not_behind_store()
        await self.config_audit.loaded(self._config)
        if await self.rosters.restore():  # roster calendars kept by the last run
            await self.rosters.prepare(self._config)
            self._rosters_fetched()
        self.dispatcher.settle = not schedule  # live: lanes run on; tests: tick() settles
        if not schedule:
            await self._lead(schedule=False)
        if serve_http:
            self._runner = web.AppRunner(self.web_app(), access_log=None)
            await self._runner.setup()
            assert self._runner.server is not None
            tls = self.config.http.tls
            self._http_server, self.http_gate = await listen(
                "http", self._runner.server, self.config.http.host, self.config.http.port,
                HTTP_LIMITS, trusted=self._http_clients, frames=http_frames,
                ssl=listener_context(tls, self.config.path) if tls else None,
            )  # not TCPSite: every connection passes the caps (listeners.py)
            self.http_port = self._http_server.sockets[0].getsockname()[1]
            log.info("listening on %s://%s:%s", "https" if tls else "http",
                     self.config.http.host, self.config.http.port)
        await self.config_watch.prime()
        if schedule:
            self.config_watch.start()
            if self.store.is_leader:
                await self._lead()
            self._keeper = asyncio.create_task(self._keep_store(), name="store-keeper")

    async def _clock_not_behind_store(self) -> None:
        """A restart after the wall clock was stepped back (a VM restored from a backup
        with its clock behind): the timers stored by the last run are in its time, so
        this run starts its steady clock no earlier than the last time it wrote down."""
        if not isinstance(self.clock, SteadyClock) or not self.store.healthy:
            return
        try:
            latest = await self.store.transaction(lambda tx: tx.timeline.latest_at())
        except StorageError as exc:
            log.warning("could not read the last recorded time: %s", exc)
            return
        if latest is not None:
            self.clock.not_before(latest)

    async def _lead(self, *, schedule: bool = True) -> None:
        """Take up the work only one instance may do."""
        self.leading = True
        log.info("this instance leads (%s)", self.store.label)
        self.dispatcher.resume()
        await self.dispatcher.recover()  # rows a previous leader left in flight: once more
        if schedule:  # live: new outbox rows go straight to their lanes after the commit
            self.store.fresh_sink = self.dispatcher.take_fresh
        if self.telegram:
            await self.telegram.start()
        try:
            await self._start_intake()
        except BaseException:
            if self.telegram:
                await self.telegram.stop()
            self.leading = False
            raise
        if schedule:
            self.waker = Waker(self.tick, self.clock)
            self.waker.start()
            if self.store.dialect.name != "sqlite":  # hear a follower's alarm at once
                self.listener = DueListener(self._config.storage, self.poke)
                self.listener.start()

    async def _follow(self) -> None:
        """The leader lock is gone (the session died): stop everything only one may do."""
        log.warning("this instance no longer leads; another one takes over")
        self.leading = False
        await self._stop_leading()

    async def _stop_leading(self) -> None:
        self.store.fresh_sink = None
        await self._stop_listening()
        for adapter in reversed(list(self.intake.values())):
            await adapter.stop()
        self.intake = {}
        if self.waker:
            await self.waker.stop(timeout=3.0)
            self.waker = None
        await self.dispatcher.stop(grace=4.0)
        if self.telegram:
            await self.telegram.stop()

    async def _keep_store(self) -> None:
        """Every second: reconnect the store if it dropped its connection, keep or take
        the leader lock, and (PostgreSQL) poke the leader's waker so alarms taken in
        by another instance are seen within a second even if a NOTIFY was lost
        (escalator/storage/listen.py hears them at once)."""
        while True:
            await asyncio.sleep(KEEP_EVERY_S)
            try:
                leader = await self.store.keep()
                if not self.store.healthy:
                    await self.store.probe()
                if leader and not self.leading:
                    await self._lead()
                elif not leader and self.leading:
                    await self._follow()
                elif leader and (self.store.dialect.name != "sqlite"
                                 or self._clock_stepped_forward()):
                    self.poke()
                elif not leader:  # the leader's commits are not heard here: read again
                    self.board.changes.notify()
            except Exception:  # keep keeping; the next round tries again
                log.exception("store keeper round failed")

    async def _stop_listening(self) -> None:
        if self.listener is not None:
            await self.listener.stop()
            self.listener = None

    def _clock_stepped_forward(self) -> bool:
        """Reading the clock notices (and logs) a step; after one forward, what fell due
        in the jump is done now rather than when the waker's timer would have fired."""
        if not isinstance(self.clock, SteadyClock):
            return False
        self.clock.now()
        seen, self._forward_steps = self._forward_steps, self.clock.forward_steps
        return seen != self._forward_steps

    async def _start_intake(self) -> None:
        """Listeners and pollers for the sources; all of them, or none (then raise)."""
        self.intake = build_adapters(self._config, self.events_in.ingest, self.clock, self.secret,
                                     self.store)
        started = []
        try:
            for adapter in self.intake.values():
                await adapter.start()
                started.append(adapter)
        except BaseException:
            for adapter in reversed(started):
                await adapter.stop()
            raise

    async def stop(self) -> None:
        """Stop within `STOP_WITHIN_S` whatever the peers do (docs/architecture.md,
        "Shutdown"): first no new work (HTTP intake answers 503, the listener takes no
        new connections, the sources close), then the dispatcher drains with one
        deadline (sends cut at `SEND_CUT_S` are marked "may have been sent"), then the
        rest, each step within what is left. What was not sent stays due for the next
        start; the log says what is being stopped and, at the end, what was left."""
        loop = asyncio.get_running_loop()
        began = loop.time()
        deadline = began + STOP_WITHIN_S

        def left(cap: float = STOP_STEP) -> float:
            return max(0.05, min(cap, deadline - loop.time()))

        self.accepting = False  # HTTP intake: 503 + Retry-After from now on
        self.store.fresh_sink = None  # new outbox rows wait in the table for the next start
        if self._http_server is not None:
            self._http_server.close()  # no new connections; open ones get 503 for alarms
        log.info("stopping within %.0f s: HTTP intake refuses new alarms (503), %d sources "
                 "close, %d delivery lanes finish the send under way (cut after %.0f s)",
                 STOP_WITHIN_S, len(self.intake), self.dispatcher.lanes, SEND_CUT_S)
        await within(left(), "config watch", self.config_watch.stop())
        if self._keeper is not None:
            await within(left(), "store keeper", cancel_and_wait(self._keeper))
            self._keeper = None
        await within(STOP_STEP, "listener", self._stop_listening())
        for sid, adapter in reversed(list(self.intake.items())):
            await within(left(), f"source {sid}", adapter.stop())
        if self.waker:
            await within(left(), "scheduler", self.waker.stop(timeout=left(3.0)))
        cut_at = min(began + SEND_CUT_S, deadline - WRITE_S - CLOSE_S)  # from the signal
        report = await self.dispatcher.stop(grace=max(0.0, cut_at - loop.time()),
                                            write_grace=WRITE_S)
        if self._pump is not None:
            self._pump.cancel()
            await asyncio.wait({self._pump}, timeout=left(1.0))
        # a summary being sent is stopped before the store closes
        await within(left(), "weekly report", self.reports.stop())
        await within(left(), "roster calendars", self.rosters.stop())
        if self._http_server is not None:
            self._http_server = None
            if self.http_gate is not None:
                self.http_gate.close_all()
        if self._runner:
            await within(left(), "http", self._runner.cleanup())
        if self._session and not self._session.closed:
            await within(left(), "http client", self._session.close())
        if self.telegram and self.leading:
            await within(left(), "telegram", self.telegram.stop())
        await within(left(), "audit", self.config_audit.drain())
        await within(left(), "store", self.store.close())
        log.log(logging.WARNING if report.cut or report.unwritten else logging.INFO,
                "stopped in %.1f s: %d delivery lanes were running; %d sends cut at the "
                "deadline (may have been sent: sent again at the start with the same "
                "delivery id), %d deliveries not started (due at the start), %d outcomes "
                "not written (in flight: sent again at the start)",
                loop.time() - began, report.lanes, report.cut, report.released,
                report.unwritten)

    def poke(self) -> None:
        """Run a tick now. (The board hears of changed incidents from the store's commits,
        `store.changed_sink`, one row each; a poke alone changes nothing it shows.)"""
        if self.waker:
            self.waker.poke()

    def due_by(self, at: datetime | None) -> None:
        """An event stored whose notices went straight to the dispatcher: the waker needs
        to know only when the new timer is due (the board heard from the commit)."""
        if self.waker:
            self.waker.due_by(at)

    async def tick(self) -> datetime | None:
        """Apply due timers, then send due deliveries; the earliest next due time."""
        for _ in range(5):  # a failed delivery may escalate, which may queue more at once
            due_incidents = await self.service.wake()
            if not await self._can_record():
                return self.clock.now() + SEND_PAUSE_WHILE_UNRECORDABLE
            due_deliveries = await self.dispatcher.run_due()
            due_channel = await self._pump_telegram()
            due_report = self.reports.kick()  # the summary is made and sent in its own task
            due_rosters = self.rosters.kick()  # roster calendars at URLs, in their own task
            found = [d for d in (due_incidents, due_deliveries, due_channel, due_report,
                                 due_rosters) if d is not None]
            due = min(found) if found else None
            if due is None or due > self.clock.now():
                return due
        return due

    async def _pump_telegram(self) -> datetime | None:
        """Digests and the outage check; live, off the tick, so a hanging Bot API never
        holds up timers. The pump tells the waker its next due time itself when done,
        and only that: a pump with nothing due asks for no tick (before, every pump poked
        the next tick, whose pump poked the next: a busy loop whenever Telegram was on)."""
        if not self.telegram:
            return None
        if self.dispatcher.settle:
            return await self.telegram.pump()
        if self._pump is None or self._pump.done():
            self._pump = asyncio.get_running_loop().create_task(self._pump_once())
        return None  # the pump reports its own due time (`_pump_once`)

    async def _pump_once(self) -> None:
        assert self.telegram is not None
        try:
            due = await self.telegram.pump()
        except Exception:  # noqa: BLE001 - logged; the next tick pumps again
            log.exception("telegram pump failed")
            due = self.clock.now() + timedelta(seconds=5)
        if due is not None and self.waker:
            self.waker.due_by(due)

    async def _can_record(self) -> bool:
        """Send only while the store can write down what was sent: a store that cannot
        must not make the same message go out on every tick. Free while healthy; once
        a write failed, a real write probe decides."""
        if self.store.healthy or await self.store.probe(min_interval=0):
            return True
        log.warning("not sending: the store cannot record sends (%s)", self.store.last_error)
        return False

    def reload(self) -> list[str]:
        """Re-read the config file; on any problem keep running on the last good one.

        Reads and checks on the calling thread: the service itself uses `reload_async`."""
        path = self._config.path
        if not path:
            return ["no config file to reload"]
        return self._swap_in(path, self._read_config(path))

    async def reload_async(self) -> list[str]:
        """`reload` with the reading and checking in a worker thread, off the event loop:
        a large or slow config must not stall intake (SIGHUP, POST /api/v1/config/reload)."""
        path = self._config.path
        if not path:
            return ["no config file to reload"]
        loaded = await asyncio.to_thread(self._read_config, path)
        if not isinstance(loaded, ConfigError):  # URL rosters' shifts, read off the loop too
            await self.rosters.prepare(loaded[0])
        return self._swap_in(path, loaded)

    def _read_config(self, path: str) -> tuple[Config, list[str]] | ConfigError:
        try:
            return load_config(path, env=self.env, strict_secrets=True,
                               ready=self.ready_channels)
        except ConfigError as exc:
            return exc

    def _swap_in(self, path: str, loaded: tuple[Config, list[str]] | ConfigError) -> list[str]:
        if isinstance(loaded, ConfigError):
            self.last_reload_error = str(loaded)
            self.config_problems = tuple(loaded.problems)
            self.poke()  # the board's banner
            self.config_audit.rejected(path, len(loaded.problems))
            log.error("config reload failed; keeping the last good config:\n%s", loaded)
            return loaded.problems
        config, warnings = loaded
        self.restart_pending = tuple(pending_restart(self._started, config))
        if config.storage != self._config.storage or config.http != self._config.http:
            warnings.append("storage and http changes take effect after a restart")
            config = _keep(config, storage=self._config.storage, http=self._config.http)
        if config.sources != self._config.sources:
            warnings.append("changes to sources take effect after a restart")
        if self.restart_pending:  # the log, the reload API's answer, /healthz, the editor
            pending = ", ".join(self.restart_pending)
            warnings.append(f"a restart is pending for: {pending}")
            log.warning("config reloaded; a restart is pending for: %s", pending)
        self.config_audit.reloaded(self._config, config)
        add_secrets(self.env.get(name) for _, name in config.secret_envs())
        self._config = config
        install_code_overrides(config.codes)
        self.service.reconfigure(config, self._directory(config))
        self.board.changes.notify()  # names, ladders, users: the board reads it all again
        self.last_reload_error = None
        self.config_problems, self.config_since = (), self.clock.now()
        log.info("config reloaded from %s", path)
        return warnings

    def _intake_health(self) -> dict[str, Any]:
        """Listeners and pollers run; a silent device is a source_silent incident instead."""
        sources = {sid: adapter.health() for sid, adapter in self.intake.items()}
        return {"ok": all(h.get("running") for h in sources.values()), "sources": sources}

    def _store_health(self) -> dict[str, Any]:
        """Failing (cannot connect or write) or busy (another writer holds the lock intake
        needs, so intake answers 503): either way a load balancer should look elsewhere."""
        kind = self.store.dialect.name
        if not self.store.healthy:
            return {"ok": False, "kind": kind, "error": self.store.last_error}
        busy = self.store.busy_reason
        if busy:
            return {"ok": False, "kind": kind, "busy": True, "error": busy}
        return {"ok": True, "kind": kind}

    def health(self) -> dict[str, Any]:
        """Each component's state, for /healthz and for people looking at it."""
        return {
            "store": self._store_health(),
            "scheduler": {"ok": not self.leading or (self.waker is not None
                                                     and self.waker.running),
                          "role": "leader" if self.leading else "standby",
                          # PostgreSQL leader: LISTEN in force (else followers' alarms wait
                          # for the once-a-second look)
                          **({"listening": self.listener.listening} if self.listener else {})},
            "config": {"ok": self.last_reload_error is None, "path": self._config.path,
                       "error": self.last_reload_error,
                       "restart_pending": bool(self.restart_pending),
                       "restart_for": list(self.restart_pending),
                       "since": self.config_since.isoformat() if self.config_since else None},
            **({"telegram": self.telegram.health()} if self.telegram else {}),
            **({"intake": self._intake_health()} if self.intake else {}),
            **({"rosters": self.rosters.health()} if self._config.roster_feeds else {}),
            "started_at": self.started_at.astimezone(UTC).isoformat() if self.started_at else None,
        }


def _keep(config: Config, **fields: Any) -> Config:
    from dataclasses import replace

    return replace(config, **fields)
