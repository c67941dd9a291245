"""Composition root: the only place that builds adapters and wires them together.

It builds; it does not run. What runs lives in runtime/ (the tick and its waker,
leadership, the store keeper, the HTTP listener, shutdown, the status report) and
liveconfig/ (reloading, the file watch, the editor), each handed the parts it needs.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web

from escalator.config import build_directory
from escalator.config.channels import SETTINGS_OF
from escalator.config.loader import configured_channels
from escalator.config.model import CHANNELS, Config
from escalator.dispatch.dispatcher import Dispatcher
from escalator.domain.availability import Directory
from escalator.domain.errors import StorageError, StoreLocked
from escalator.entrypoints.http.board.state import BoardState
from escalator.entrypoints.http.keys import UseCases
from escalator.entrypoints.http.server import build_web_app
from escalator.entrypoints.receivers import IntakeAdapter
from escalator.entrypoints.receivers.listeners import Gate
from escalator.entrypoints.telegram import webhook_routes
from escalator.escalation.service import EscalationService
from escalator.i18n.codes import install_overrides as install_code_overrides
from escalator.liveconfig.alarm import ConfigAlarm
from escalator.liveconfig.audit import ConfigAudit
from escalator.liveconfig.editing import ConfigEditing
from escalator.liveconfig.reloading import Reloading
from escalator.liveconfig.watch import ConfigWatch
from escalator.monitoring.metrics import Metrics
from escalator.notify.base import Notifier
from escalator.notify.email import EmailNotifier
from escalator.notify.log import LogNotifier, NotSetUp
from escalator.notify.paging import PagingNotifier
from escalator.notify.sms import SmsNotifier
from escalator.notify.telegram import from_config as telegram_settings
from escalator.notify.voice import CALLBACK_TTL, VoiceNotifier
from escalator.notify.webhook import WebhookNotifier
from escalator.reports import mail as report_mail
from escalator.reports.scheduler import ReportScheduler
from escalator.rosters.feeds import RosterFeeds
from escalator.runtime.clock import Clock, SystemClock
from escalator.runtime.keeper import StoreKeeper, clock_not_behind_store
from escalator.runtime.leadership import Leadership
from escalator.runtime.serving import HttpServing, trusted_clients
from escalator.runtime.shutdown import SEND_CUT_S, STOP_WITHIN_S, Step, shut_down
from escalator.runtime.sources import Sources
from escalator.runtime.status import Status
from escalator.runtime.ticking import Ticking, Wakes
from escalator.security.links import LinkSigner
from escalator.security.outbound import guarded_session
from escalator.security.secrets import Secrets
from escalator.storage import SqlStore, open_store
from escalator.storage.listen import DueListener
from escalator.usecases.answering import Answering
from escalator.usecases.calls import CallLog, Calls
from escalator.usecases.channel_health import ChannelHealth
from escalator.usecases.chat_records import ChatRecords
from escalator.usecases.configuring import Configuring
from escalator.usecases.context import Context
from escalator.usecases.cover import Covering
from escalator.usecases.health import Health
from escalator.usecases.intake import Intake
from escalator.usecases.ledger import Ledger
from escalator.usecases.maintenance import Maintenance
from escalator.usecases.queries import Queries, open_alarms_reader
from escalator.usecases.register import Register
from escalator.usecases.signin import SigningIn

if TYPE_CHECKING:  # the Telegram library loads only when Telegram is configured
    from escalator.entrypoints.telegram import TelegramInbound
    from escalator.notify.telegram import TelegramChannel

log = logging.getLogger(__name__)


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
        self.secrets = Secrets(config, self.env)  # those the config named at the start
        self.secret = self.secrets.get
        self._extra_notifiers = dict(notifiers or {})
        self.metrics = Metrics(self.clock, self._source_kind)
        self.started_at: datetime | None = None
        self.store: SqlStore = open_store(config.storage, exclusive=True,
                                          monotonic=self.clock.monotonic)
        self.board = BoardState()  # the web board's sessions and live-change signal
        self.store.changed_sink = self.board.changes.notify  # one row per changed incident
        self.config_audit = ConfigAudit(self.store, self.clock)
        previous = self.secret(config.http.previous_secret_env)
        self.signer = LinkSigner(self._link_key(), config.http.link_ttl,
                                 previous.encode() if previous else None)
        self.log_notifier = LogNotifier()
        self.ledger = Ledger()  # each actor's recent answers, for the guards' limits
        self._session: aiohttp.ClientSession | None = None
        self.http = HttpServing()
        self.accepting = True  # False from the start of `stop`: intake answers 503
        install_code_overrides(config.codes)
        self.rosters = RosterFeeds(lambda: self._config, self._http, self.clock,
                                   self._rosters_fetched, self.poke, self.store)  # at URLs
        self.reloading = Reloading(lambda: self._config, env=self.env, clock=self.clock,
                                   audit=self.config_audit, rosters=self.rosters,
                                   ready=self.ready_channels, use=self._use, poke=self.poke)
        self.config_editing = ConfigEditing(self.reloading, self.store, self.clock, self.env)
        # an edit on disk reloads it; a broken file is an alarm until a good one loads
        self.config_watch = ConfigWatch(self.config_editing, alarm=ConfigAlarm(
            lambda event: self.service.ingest(event), self.clock, config.path or "",
            lambda key: self.store.transaction(lambda tx: tx.incidents.open_one(key) is not None)))
        self.service = EscalationService(self.store, config, self._directory(config), self.clock,
                                         on_change=self.poke, on_due=self.due_by)
        self.telegram = self._telegram(config)
        self.dispatcher = Dispatcher(
            self.store, lambda: self._config, self._notifiers(),
            self.log_notifier if demo else NotSetUp(),
            self.signer, self.clock, on_failed=self.service.delivery_failed, poke=self.poke)
        self.service.listeners.append(self.dispatcher.incident_changed)
        context = Context(lambda: self._config, self.clock, self.secret)
        self.answering = Answering(context, self.service, self.ledger, self.signer, self.store)
        # cover shifts: kept in the store, read by the ladder in its own transactions
        self.covering = Covering(context, self.store, lambda: self.service.directory, self.poke)
        self.telegram_in = self._telegram_inbound()
        self.service.listeners.append(self.metrics.answered)  # answer time, by door
        self.dispatcher.timed = self.metrics.timed_send  # send time; event to first notice
        # the one way in for events: HTTP and every listener and poller (counted there)
        self.events_in = Intake(context, self.service.ingest, self.metrics,
                                lambda: self.accepting)
        self.reports = ReportScheduler(self.store, lambda: self._config, self.clock,
                                       lambda msg: report_mail.send(
                                           msg, self._config.channels.get("email", {}),
                                           self.secret))
        self.reports.on_done = self.poke
        self.ticking = Ticking(self.clock, wake=self.service.wake, send=self.dispatcher.run_due,
                               store=self.store, pump=self.telegram,
                               kicks=(self.reports.kick, self.rosters.kick),
                               settle=lambda: self.dispatcher.settle)
        self.sources = Sources(lambda: self._config, self.events_in.ingest, self.clock,
                               self.secret, open_alarms_reader(self.store))
        self.service.listeners.append(self.sources.incident_changed)  # ack_in_bms
        self.leadership = Leadership(self.store, self.dispatcher, self.telegram, self.sources,
                                     self.ticking, lambda: self._config)
        self.keeper = StoreKeeper(self.store, self.leadership, self.clock, self.poke,
                                  self.board.changes.notify)
        self.health = Status(self.store, self.leadership, self.ticking, self.reloading,
                             self.telegram, self.sources, self.rosters, lambda: self._config,
                             lambda: self.started_at)

    # -- what the running parts hold, as tests and operators read it ------------
    @property
    def config(self) -> Config:
        return self._config

    @property
    def leading(self) -> bool:
        return self.leadership.leading

    @property
    def listener(self) -> DueListener | None:
        return self.leadership.listener

    @property
    def waker(self) -> Wakes | None:
        return self.ticking.waker

    @waker.setter
    def waker(self, waker: Wakes | None) -> None:
        self.ticking.waker = waker

    @property
    def intake(self) -> dict[str, IntakeAdapter]:
        return self.sources.adapters

    @property
    def http_port(self) -> int | None:
        return self.http.port

    @property
    def http_gate(self) -> Gate | None:
        return self.http.gate

    @property
    def config_since(self) -> datetime | None:
        return self.reloading.config_since

    @property
    def config_problems(self) -> tuple[str, ...]:
        return self.reloading.config_problems

    def poke(self) -> None:
        """Run a tick now. (The board hears of changed incidents from the store's commits,
        `store.changed_sink`, one row each; a poke alone changes nothing it shows.)"""
        self.ticking.poke()

    def due_by(self, at: datetime | None) -> None:
        """An event stored whose notices went straight to the dispatcher: the waker needs
        to know only when the new timer is due (the board heard from the commit)."""
        self.ticking.due_by(at)

    async def tick(self) -> datetime | None:
        """Apply due timers, then send due deliveries; the earliest next due time."""
        return await self.ticking.tick()

    def reload(self) -> list[str]:
        return self.reloading.reload()

    async def reload_async(self) -> list[str]:
        return await self.reloading.reload_async()

    # -- wiring helpers ---------------------------------------------------------
    def _directory(self, config: Config) -> Directory:
        return build_directory(config, self.rosters.calendars(config))

    def _use(self, config: Config) -> None:
        """A reloaded config is in force: ladders, names and users read from it now."""
        self._config = config
        self.service.reconfigure(config, self._directory(config))
        self.board.changes.notify()  # names, ladders, users: the board reads it all again

    def _rosters_fetched(self) -> None:
        """A roster calendar brought new shifts: the ladders use them from now on."""
        self.service.reconfigure(self._config, self._directory(self._config))
        self.board.changes.notify()  # who is called now: every row may read differently

    def _source_kind(self, source_id: str) -> str:
        """webhook, sia, espa, email, mqtt, poll; "internal" for the service's own alarms."""
        found = self._config.sources.get(source_id)
        return found.kind if found is not None else "internal"

    async def ack_token(self, incident_id: int, party: str) -> str:
        """An ack-link token for `party` on this incident, as the dispatcher makes them
        (with the incident's nonce, made now if it has none): for operators and tests."""
        nonces = await self.store.transaction(lambda tx: tx.nonces.made_for([incident_id]))
        return self.signer.make(incident_id, party, self.clock.now(), nonces[incident_id])

    def _link_key(self) -> bytes:
        return self.secrets.required(self._config.http.secret_env)

    def _notifiers(self) -> dict[str, Notifier]:
        built: dict[str, Notifier] = {"webhook": WebhookNotifier(
            self._http, self.secret, lambda: int(self.clock.now().timestamp()))}
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
                LinkSigner(self._link_key(), CALLBACK_TTL), CallLog(self.store),
                self.clock)
        if "paging" in channels:  # one paging system carries dect and pager contacts
            paging = PagingNotifier(lambda: self._config.channels.get("paging", {}))
            built.update({kind: paging for kind, name in SETTINGS_OF.items() if name == "paging"})
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
        from escalator.notify.telegram.channel import TelegramChannel

        return TelegramChannel(settings, ChatRecords(self.store), self.clock, self.service.ingest,
                               lambda: self._config, self.service.seen_directory,
                               lambda: self.dispatcher.notifiers, self.log_notifier, self.poke)

    def _telegram_inbound(self) -> TelegramInbound | None:
        """Button presses and chat commands, when the Telegram channel is on."""
        if self.telegram is None:
            return None
        from escalator.entrypoints.telegram.inbound import TelegramInbound

        return TelegramInbound(self.telegram, self.answering.answer, self.covering)

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = guarded_session(self._config.http.outbound_allow)
        return self._session

    # -- what the entry points may use -----------------------------------------
    def use_cases(self) -> UseCases:
        """The narrow objects the HTTP handlers take, each over only the parts it needs."""
        context, store, poke, board = Context(lambda: self._config, self.clock, self.secret), \
            self.store, self.poke, self.board
        return UseCases(
            context=context, intake=self.events_in, answering=self.answering, board=board,
            queries=Queries(context, store, self.service.seen_directory),
            calls=Calls(context, store, self.dispatcher.not_reached, poke),
            maintenance=Maintenance(context, store, poke), register=Register(context, store, poke),
            signing_in=SigningIn(context, board.limiter, board.sessions, board.verify),
            health=Health(store, self.metrics, self.health), editing=self.config_editing,
            configuring=Configuring(lambda: self._config, self.reload_async),
            covering=self.covering,
            channel_health=ChannelHealth(context, store, poke))

    def web_app(self) -> web.Application:
        """The HTTP entry points over this service's use cases (and Telegram's webhook)."""
        return build_web_app(self.use_cases(), [webhook_routes(self.telegram)])

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
        await clock_not_behind_store(self.store, self.clock)
        await self.config_audit.loaded(self._config)
        if await self.rosters.restore():  # roster calendars kept by the last run
            await self.rosters.prepare(self._config)
            self._rosters_fetched()
        self.dispatcher.settle = not schedule  # live: lanes run on; tests: tick() settles
        if not schedule:
            await self.leadership.lead(schedule=False)
        if serve_http:
            await self.http.start(self.web_app(), self.config,
                                  lambda: trusted_clients(self._config))
        await self.config_watch.prime()
        if schedule:
            self.config_watch.start()
            if self.store.is_leader:
                await self.leadership.lead()
            self.keeper.start()

    async def stop(self) -> None:
        """Stop within `STOP_WITHIN_S` whatever the peers do (runtime/shutdown.py): first
        no new work (HTTP intake answers 503, the listener takes no new connections, the
        sources close), then the dispatcher drains with one deadline, then the rest."""
        self.accepting = False  # HTTP intake: 503 + Retry-After from now on
        self.store.fresh_sink = None  # new outbox rows wait in the table for the next start
        self.http.stop_accepting()
        log.info("stopping within %.0f s: HTTP intake refuses new alarms (503), %d sources "
                 "close, %d delivery lanes finish the send under way (cut after %.0f s)",
                 STOP_WITHIN_S, len(self.intake), self.dispatcher.lanes, SEND_CUT_S)
        sources: list[Step] = [(f"source {sid}", adapter.stop)
                               for sid, adapter in reversed(list(self.intake.items()))]
        await shut_down(
            [("config watch", self.config_watch.stop), ("store keeper", self.keeper.stop),
             ("listener", self.leadership.stop_listening), *sources,
             ("scheduler", lambda: self.ticking.stop(timeout=3.0))],
            lambda grace, write: self.dispatcher.stop(grace=grace, write_grace=write),
            [("telegram pump", lambda: self.ticking.stop_pump(timeout=1.0)),
             # a summary being sent is stopped before the store closes
             ("weekly report", self.reports.stop), ("roster calendars", self.rosters.stop),
             ("http", self.http.close), ("http client", self._close_session),
             *([("telegram", self.telegram.stop)] if self.telegram and self.leading else []),
             ("audit", self.config_audit.drain), ("store", self.store.close)])

    async def _close_session(self) -> None:
        if self._session and not self._session.closed:
            await self._session.close()
