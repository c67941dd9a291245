"""python-telegram-bot's Application: built at start, connected in the background.

The service must start (and escalate through other channels) even when
Telegram is unreachable at boot, so connecting (getMe, setMyCommands, then
long polling or setWebhook) runs as a background task that retries with
backoff. Polling is the default: it needs no public URL. In webhook mode the
Application has no Updater; our aiohttp server receives the updates (see
`webhook.py`) and puts them on the Application's queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from telegram import BotCommand, Update
from telegram.error import Conflict, TelegramError
from telegram.ext import AIORateLimiter, Application, ContextTypes, ExtBot

from escalator.domain.errors import NotifyError
from escalator.notify.telegram.bot_settings import TelegramSettings
from escalator.notify.telegram.reachability import Reachability, TrackingRequest
from escalator.notify.telegram.texts import t
from escalator.runtime.tasks import cancel_and_wait

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query"]
COMMANDS = ("open", "status", "oncall", "cover", "chatid", "language", "help", "start")


class Connection:
    def __init__(self, settings: TelegramSettings, reach: Reachability,
                 install: Callable[[Application], None], language: Callable[[], str],
                 public_url: Callable[[], str]) -> None:
        self.settings = settings
        self.reach = reach
        self._install = install
        self._language = language
        self._public_url = public_url
        self.app: Application | None = None
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()

    @property
    def bot(self) -> ExtBot[Any]:
        if self.app is None:
            raise NotifyError("telegram channel is not running", recoverable=True,
                              kind="unreachable")
        return self.app.bot

    def build(self) -> Application:
        # Opt in to PTB 23's timedelta durations (RetryAfter.retry_after): without it PTB 22
        # warns on every 429. failures.retry_after_seconds reads both forms.
        os.environ.setdefault("PTB_TIMEDELTA", "true")
        s = self.settings
        builder = (
            Application.builder().token(s.token)
            .base_url(f"{s.api_url}/bot").base_file_url(f"{s.api_url}/file/bot")
            .request(TrackingRequest(self.reach, connection_pool_size=64, read_timeout=15,
                                     write_timeout=15, connect_timeout=10, pool_timeout=5))
            .get_updates_request(TrackingRequest(self.reach, read_timeout=s.poll_timeout + 10,
                                                 connect_timeout=10))
            .rate_limiter(AIORateLimiter(overall_max_rate=s.limits.overall_per_second,
                                         overall_time_period=1,
                                         group_max_rate=s.limits.group_per_minute,
                                         group_time_period=60, max_retries=0))
        )
        # timers are the service's (storage + waker), not PTB's
        builder = builder.job_queue(None)  # type: ignore[arg-type]
        if s.mode == "webhook":
            builder = builder.updater(None)
        app = builder.build()
        app.add_error_handler(_log_error)
        self._install(app)
        return app

    async def start(self) -> None:
        # httpx logs each request's URL at INFO, and a Bot API URL contains the token
        logging.getLogger("httpx").setLevel(logging.WARNING)
        self.app = self.build()
        self._task = asyncio.create_task(self._connect(), name="telegram-connect")

    async def _connect(self) -> None:
        """getMe, commands, then polling or the webhook; retried until it works or we stop."""
        delay = 1.0
        while True:
            try:
                await self._connect_once()
            except TelegramError as exc:
                self.reach.failed(f"connecting: {exc.message}")
                log.warning("telegram: cannot connect (%s); retrying in %.0f s",
                            self.reach.redact(str(exc)), delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.settings.reconnect_max)
                continue
            self.connected.set()
            return

    async def _connect_once(self) -> None:
        app = self.app
        assert app is not None
        await app.initialize()
        self.reach.bot_username = app.bot.username
        await self._announce(app)
        if not app.running:
            await app.start()
        if self.settings.mode == "webhook":
            url = self._public_url().rstrip("/") + self.settings.webhook_path
            await app.bot.set_webhook(url, secret_token=self.settings.webhook_secret,
                                      allowed_updates=ALLOWED_UPDATES)
            log.info("telegram: webhook set to %s as @%s", url, app.bot.username)
            return
        assert app.updater is not None
        await app.updater.start_polling(
            timeout=timedelta(seconds=self.settings.poll_timeout), allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=False, error_callback=self._poll_error)
        log.info("telegram: polling as @%s", app.bot.username)

    async def _announce(self, app: Application) -> None:
        """The command menu, in the facility's language and in each language Telegram knows."""
        default = self._language()
        for code in (None, "fi", "sv", "en"):
            lang = code or default
            commands = [BotCommand(c, t(lang, f"desc.{c}")) for c in COMMANDS]
            await app.bot.set_my_commands(commands, language_code=code)

    def _poll_error(self, exc: TelegramError) -> None:
        """Polling retries by itself; Reachability has recorded the failure already."""
        if isinstance(exc, Conflict):
            self.reach.last_error = "another process is polling with this bot token"
            log.error("telegram: %s", self.reach.last_error)
        else:
            log.debug("telegram polling: %s", exc)

    async def feed(self, data: dict[str, Any]) -> None:
        """An update from the webhook route; ValueError if it is not one."""
        app = self.app
        if app is None or not app.running:
            raise NotifyError("telegram channel is not running", recoverable=True,
                              kind="unreachable")
        try:
            update = Update.de_json(data, app.bot)
        except Exception as exc:  # PTB raises whatever a malformed body provokes
            raise ValueError(f"not a Telegram update: {exc}") from exc
        await app.update_queue.put(update)

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        app = self.app
        if app is None:
            return
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        with contextlib.suppress(TelegramError):
            await app.shutdown()
            # shutdown() skips a bot that never finished initialize (Telegram was down or
            # the token was refused), but its HTTP clients were opened: close them too
            await app.bot.shutdown()
        self.app = None
        self.reach.state = "stopped"


async def _log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("telegram: handling an update failed", exc_info=context.error)
