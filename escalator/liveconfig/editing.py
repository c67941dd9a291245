"""The facility manager's config editor, as one use case the board's pages call.

Check, Simulate, Save, history and restore of the config file, plus what a
file edited on disk means for the running service. The web layer gets this
object and nothing more (no App): it reads and writes the file, keeps the
history in the store and reloads through the same path as SIGHUP
(`Running.reload_async`), which swaps the config in without touching open
incidents or their timers (they live in the store, not in the config).

Save refuses a text that does not check (the same check, with the same
secrets rule, as the reload it triggers) and a stale edit: the editor
carries the SHA-256 of the text it started from, and if the file no longer
has that hash someone else saved in the meantime. It also refuses what only
the file and a restart may change (`escalator.config.restart`: `http`,
`storage`, new secret references, a token in use), and checks every text
first in a child process with a time and memory limit (`escalator.config.sandbox`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from escalator.commands.simulate import in_words, parse_at, run
from escalator.config.checking import Checked, as_problem, check_text, line_of
from escalator.config.files import Change, change, digest, read, write_atomically
from escalator.config.model import Config
from escalator.config.restart import editor_refusals
from escalator.config.sandbox import check_in_child
from escalator.i18n import t
from escalator.liveconfig.audit import changed_sections
from escalator.runtime.clock import Clock
from escalator.storage import audit, config_versions
from escalator.storage.config_versions import Version
from escalator.storage.sql import SqlStore, Tx

log = logging.getLogger(__name__)

CONFIG_SAVED = "config.saved"  # audit kind: a person saved (or restored) a version
FILE = "file"  # actor and origin of a version edited on disk
SIMULATE_HORIZON = timedelta(hours=12)  # a night shift and more; the CLI's --hours goes further


class Running(Protocol):
    """What the editor needs of the running service (the Escalator has it)."""

    @property
    def config(self) -> Config: ...

    config_problems: tuple[str, ...]
    config_since: datetime | None
    restart_pending: tuple[str, ...]  # what the file changed that waits for a restart

    async def reload_async(self) -> list[str]: ...

    def ready_channels(self, config: Config) -> Collection[str]:
        """The channels a contact may use (a contact through another is a problem)."""
        ...


@dataclass(frozen=True)
class Draft:
    text: str
    version: str  # SHA-256 of the text: a save from it is refused once the file differs


@dataclass(frozen=True)
class Saved:
    version_id: int
    version: str
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class Simulated:
    checked: Checked
    lines: tuple[str, ...] = ()
    error: str = ""  # the time could not be read


class Refused(Exception):
    """The text does not check: nothing was written."""

    def __init__(self, checked: Checked) -> None:
        codes = ", ".join(sorted({getattr(p, "code", "text") for p in checked.problems}))
        super().__init__(f"{len(checked.problems)} problems ({codes})")
        self.checked = checked


class Stale(Exception):
    """The file changed since the editor read it: nothing was written."""

    def __init__(self, current: str) -> None:
        super().__init__("the config changed since it was opened")
        self.current = current


@dataclass(frozen=True)
class DiskProblem:
    """The file on disk does not load; the service runs its last good config."""

    line: int
    since: datetime | None  # when the config in force was loaded
    problems: tuple[str, ...] = field(default=())


class ConfigEditing:
    def __init__(self, running: Running, store: SqlStore, clock: Clock,
                 env: Mapping[str, str]) -> None:
        self._running = running
        self._store = store
        self._clock = clock
        self._env = env
        self.path = running.config.path
        self.lock = asyncio.Lock()  # one save (or one on-disk reload) at a time
        self.known: str | None = None  # the hash of the text the service last read
        self._file_checked: tuple[str, Config | None] | None = None  # (hash, its config)

    @property
    def timezone(self) -> str:
        return self._running.config.facility.timezone

    def now(self) -> datetime:
        return self._clock.now()

    @property
    def restart_pending(self) -> tuple[str, ...]:
        """What the file on disk changed that the running service takes up only at a
        restart (`config.restart.pending_restart`): the editor shows it on every page."""
        return tuple(self._running.restart_pending)

    @property
    def editable(self) -> bool:
        return bool(self.path)

    # -- reading and checking ------------------------------------------------------
    async def current(self) -> Draft:
        assert self.path
        text = await asyncio.to_thread(_read_or_empty, self.path)
        return Draft(text, digest(text))

    async def check(self, text: str) -> Checked:
        """`config check`'s answer for this text, with the reload's rule for secrets
        (a secret variable that is not set is an error: the reload would refuse it),
        and what only the file and a restart may change refused (`config.restart`).

        The text is checked first in a child process with a time and memory limit
        (`config.sandbox`): a text built to be slow or big stops there, never on the
        event loop or in the service's memory."""
        filename = self.path or "<config>"
        verdict = await check_in_child(text, filename, self._env, strict_secrets=True)
        if verdict.problems:
            return Checked(filename, None, verdict.problems, verdict.warnings)
        checked = await asyncio.to_thread(check_text, text, filename, env=self._env,
                                          strict_secrets=True,
                                          ready=self._running.ready_channels)
        if checked.config is None:
            return checked
        before = await self._file_config()
        refused = editor_refusals(filename, before or self._running.config, checked.config,
                                  self._running.config)
        if refused:
            return Checked(filename, None, tuple(refused), checked.warnings)
        return checked

    async def _file_config(self) -> Config | None:
        """The config the file on disk holds now (None: it does not load), by its hash."""
        if not self.path:
            return None
        text = await asyncio.to_thread(_read_or_empty, self.path)
        key = digest(text)
        if self._file_checked is None or self._file_checked[0] != key:
            found = await asyncio.to_thread(check_text, text, self.path, env=self._env,
                                            ready=None)  # what it holds, sendable or not
            self._file_checked = (key, found.config)
        return self._file_checked[1]

    async def simulate(self, text: str, code: str, source: str, point: str,
                       at: str, horizon: timedelta = SIMULATE_HORIZON,
                       lang: str = "en") -> Simulated:
        """`escalator simulate` on the edited text, at a local time ("2026-12-24 02:00"),
        told in the reader's language."""
        checked = await self.check(text)
        if checked.config is None:
            return Simulated(checked)
        config = checked.config
        try:
            when = parse_at(at, ZoneInfo(config.facility.timezone), self._clock.now())
        except ValueError:
            return Simulated(checked, error=t(lang, "config.sim.bad_at", at=at))
        covers = await self._store.transaction(lambda tx: tx.covers.in_force(when))
        dry = await asyncio.to_thread(run, config, code.strip(), when,
                                      source=source.strip() or "terminal",
                                      point=point.strip(), horizon=horizon, covers=covers)
        return Simulated(checked, tuple(in_words(dry, lang)))

    # -- saving --------------------------------------------------------------------
    async def save(self, text: str, base: str, actor: str, origin: str = "board") -> Saved:
        """Write, reload, record; raises Refused (does not check) or Stale (changed meanwhile)."""
        assert self.path
        text = text.replace("\r\n", "\n")  # a browser's textarea sends CRLF
        checked = await self.check(text)
        if not checked.ok:
            raise Refused(checked)
        async with self.lock:
            before = await asyncio.to_thread(_read_or_empty, self.path)
            if digest(before) != base:
                raise Stale(digest(before))
            old_config = self._running.config
            self.known = digest(text)  # the watcher must not reload it a second time
            await asyncio.to_thread(write_atomically, self.path, text)
            warnings = await self._running.reload_async()
            if self._running.config_problems:  # the reload saw something the check did not
                path = self.path
                failed = tuple(as_problem(p, path) for p in self._running.config_problems)
                await asyncio.to_thread(write_atomically, path, before)
                self.known = digest(before)
                await self._running.reload_async()
                raise Refused(Checked(path, None, failed, ()))
            new_config = self._running.config
            version_id = await self._record(before, text, actor, origin,
                                            changed_sections(old_config, new_config))
        log.info("config saved by %s (version %s)", actor, version_id)
        return Saved(version_id, digest(text), tuple(warnings))

    async def restore(self, version_id: int, base: str, actor: str) -> Saved:
        found = await self._store.transaction(lambda tx: config_versions.version(tx, version_id))
        if found is None:
            raise KeyError(version_id)
        return await self.save(found.body, base, actor, origin="restore")

    async def _record(self, before: str, text: str, actor: str, origin: str,
                      sections: list[str]) -> int:
        assert self.path
        path, now = self.path, self._clock.now()

        def work(tx: Tx) -> int:
            last = config_versions.latest(tx)
            if before and (last is None or last.sha256 != digest(before)):  # keep what it replaced
                _add(tx, path, now, FILE, FILE, last.body if last else None, before, [])
            version_id = _add(tx, path, now, actor, origin, before, text, sections)
            counted = change(before, text)
            audit.record(tx, CONFIG_SAVED, at=now, actor=actor, payload={
                "path": path, "version": version_id, "sha256": digest(text),
                "previous_sha256": digest(before), "origin": origin,
                "added": counted.added, "removed": counted.removed, "sections": sections})
            return version_id

        return await self._store.transaction(work)

    # -- a file edited on disk -------------------------------------------------------
    def calendar_files(self) -> list[str]:
        """The roster calendars the running config read from files (watched too)."""
        rosters = self._running.config.rosters.values()
        return sorted({r.calendar.path for r in rosters if r.calendar and r.calendar.path})

    async def calendars_changed(self) -> bool:
        """A roster's .ics file changed on disk: reload, so the new shifts count now.
        A broken calendar is refused like a broken config (the last good one stays)."""
        await self._running.reload_async()
        if self._running.config_problems:
            log.error("a roster calendar on disk does not load; running the last good version")
            return False
        return True

    async def disk_changed(self, text: str) -> bool:
        """The watcher saw new text on disk: reload it like SIGHUP; True when it loaded.

        A good one goes into the history (by "file"); a broken one is refused by the
        reload, which keeps the last good config and says why (log, /healthz, banner)."""
        assert self.path
        new = digest(text)
        if new == self.known:
            return not self._running.config_problems
        self.known = new
        old_config = self._running.config
        await self._running.reload_async()
        if self._running.config_problems:
            found = self.disk_problem()
            log.error("config on disk has an error at line %s; running the last good version",
                      found.line if found else 0)
            return False
        sections = changed_sections(old_config, self._running.config)
        path, now = self.path, self._clock.now()

        def work(tx: Tx) -> None:
            last = config_versions.latest(tx)
            if last is None or last.sha256 != new:
                _add(tx, path, now, FILE, FILE, last.body if last else None, text, sections)

        await self._store.transaction(work)
        return True

    def disk_problem(self) -> DiskProblem | None:
        """What the board's banner says to managers, while the file on disk does not load."""
        problems = self._running.config_problems
        if not problems:
            return None
        lines = [n for p in problems if (n := line_of(p, self.path or ""))]
        return DiskProblem(lines[0] if lines else 0, self._running.config_since, problems)

    # -- history -----------------------------------------------------------------------
    async def history(self, limit: int = 200) -> list[Version]:
        return await self._store.transaction(lambda tx: config_versions.versions(tx, limit))

    async def version(self, version_id: int) -> tuple[Version, Change] | None:
        """A version and what it changed against the one before it."""
        def work(tx: Tx) -> tuple[Version, Version | None] | None:
            found = config_versions.version(tx, version_id)
            return (found, config_versions.before(tx, version_id)) if found else None

        got = await self._store.transaction(work)
        if got is None:
            return None
        found, previous = got
        old_name = f"#{previous.id}" if previous else "-"
        return found, change(previous.body if previous else "", found.body, old_name,
                             f"#{found.id}")


def _read_or_empty(path: str) -> str:
    """A deleted file reads as empty: the editor can write it again (restore a version)."""
    try:
        return read(path)
    except FileNotFoundError:
        return ""


def _add(tx: Tx, path: str, at: datetime, actor: str, origin: str, old: str | None,
         new: str, sections: list[str]) -> int:
    counted = change(old or "", new)
    return config_versions.add(tx, at=at, actor=actor, origin=origin, path=path,
                               sha256=digest(new), added=counted.added,
                               removed=counted.removed, sections=sections, body=new)
