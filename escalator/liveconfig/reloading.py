"""Reloading the config file while the service runs, keeping the last good one.

A reload is read and checked (off the event loop for the service: SIGHUP, the
reload API, the file watch, the editor), then swapped in: who is called and when
changes at once; storage, http and sources wait for a restart (the health page and
the editor say which keys do). A file that does not load changes nothing but the
banner and the audit log. This object also answers what the editor asks of the
running service (liveconfig/editing.py, `Running`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from datetime import datetime

from escalator.config import load_config
from escalator.config.model import Config
from escalator.config.restart import pending_restart
from escalator.domain.errors import ConfigError
from escalator.i18n.codes import install_overrides as install_code_overrides
from escalator.liveconfig.audit import ConfigAudit
from escalator.rosters.feeds import RosterFeeds
from escalator.runtime.clock import Clock
from escalator.security.redact import add_secrets

log = logging.getLogger(__name__)

Loaded = tuple[Config, list[str]] | ConfigError


class Reloading:
    def __init__(self, current: Callable[[], Config], *, env: Mapping[str, str], clock: Clock,
                 audit: ConfigAudit, rosters: RosterFeeds,
                 ready: Callable[[Config], Collection[str]],
                 use: Callable[[Config], None], poke: Callable[[], None]) -> None:
        """`use(config)`: put a good config in force (the service, the board);
        `ready`: the channels a contact may use; `poke`: the board's banner."""
        self._current = current  # the config in force
        self._started = current()  # what http, storage and sources run on until a restart
        self._env = env
        self._clock = clock
        self._audit = audit
        self._rosters = rosters
        self.ready_channels = ready
        self._use = use
        self._poke = poke
        self.last_reload_error: str | None = None
        self.config_problems: tuple[str, ...] = ()  # of the last refused reload
        self.config_since: datetime | None = clock.now()  # when the config in force loaded
        self.restart_pending: tuple[str, ...] = ()  # what the file changed that waits

    @property
    def config(self) -> Config:
        return self._current()

    def reload(self) -> list[str]:
        """Re-read the config file; on any problem keep running on the last good one.

        Reads and checks on the calling thread: the service itself uses `reload_async`."""
        path = self.config.path
        if not path:
            return ["no config file to reload"]
        return self._swap_in(path, self._read(path))

    async def reload_async(self) -> list[str]:
        """`reload` with the reading and checking in a worker thread, off the event loop:
        a large or slow config must not stall intake (SIGHUP, POST /api/v1/config/reload)."""
        path = self.config.path
        if not path:
            return ["no config file to reload"]
        loaded = await asyncio.to_thread(self._read, path)
        if not isinstance(loaded, ConfigError):  # URL rosters' shifts, read off the loop too
            await self._rosters.prepare(loaded[0])
        return self._swap_in(path, loaded)

    def _read(self, path: str) -> Loaded:
        try:
            return load_config(path, env=self._env, strict_secrets=True,
                               ready=self.ready_channels)
        except ConfigError as exc:
            return exc

    def _swap_in(self, path: str, loaded: Loaded) -> list[str]:
        if isinstance(loaded, ConfigError):
            self.last_reload_error = str(loaded)
            self.config_problems = tuple(loaded.problems)
            self._poke()  # the board's banner
            self._audit.rejected(path, len(loaded.problems))
            log.error("config reload failed; keeping the last good config:\n%s", loaded)
            return loaded.problems
        config, warnings = loaded
        self.restart_pending = tuple(pending_restart(self._started, config))
        if config.storage != self.config.storage or config.http != self.config.http:
            warnings.append("storage and http changes take effect after a restart")
            config = replace(config, storage=self.config.storage, http=self.config.http)
        if config.sources != self.config.sources:
            warnings.append("changes to sources take effect after a restart")
        if self.restart_pending:  # the log, the reload API's answer, /healthz, the editor
            pending = ", ".join(self.restart_pending)
            warnings.append(f"a restart is pending for: {pending}")
            log.warning("config reloaded; a restart is pending for: %s", pending)
        self._audit.reloaded(self.config, config)
        add_secrets(self._env.get(name) for _, name in config.secret_envs())
        install_code_overrides(config.codes)
        self._use(config)
        self.last_reload_error = None
        self.config_problems, self.config_since = (), self._clock.now()
        log.info("config reloaded from %s", path)
        return warnings

    def health(self) -> dict[str, object]:
        """The config part of /healthz."""
        since = self.config_since
        return {"ok": self.last_reload_error is None, "path": self.config.path,
                "error": self.last_reload_error,
                "restart_pending": bool(self.restart_pending),
                "restart_for": list(self.restart_pending),
                "since": since.isoformat() if since else None}
