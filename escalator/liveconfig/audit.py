"""Config loads and reloads go into the audit log.

A reload changes who is called and when, so the audit log says when each
config came into force (the file's SHA-256 and which sections changed) and
when a reload was refused (how many problems; never their text, which may
quote a value that should not be stored). Reload is called synchronously
(SIGHUP, the API), so the row is written by a task of its own; `drain()`
waits for those before the store closes.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Coroutine
from dataclasses import fields
from pathlib import Path
from typing import Any

from escalator.config.model import Config
from escalator.domain.errors import StorageError
from escalator.runtime.clock import Clock
from escalator.storage import audit
from escalator.storage.sql import SqlStore, Tx

log = logging.getLogger(__name__)

CONFIG_LOADED = "config.loaded"


def changed_sections(old: Config, new: Config) -> list[str]:
    """Top-level config fields that differ (`people`, `ladders`, ...)."""
    return [f.name for f in fields(Config) if getattr(old, f.name) != getattr(new, f.name)]


def file_digest(path: str | None) -> str | None:
    if not path:
        return None
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


class ConfigAudit:
    def __init__(self, store: SqlStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._pending: set[asyncio.Task[None]] = set()

    async def loaded(self, config: Config) -> None:
        """At start, before anything else is written: the config in force from here."""
        await self._write(CONFIG_LOADED, config.path, {})

    def reloaded(self, old: Config, new: Config) -> None:
        self._spawn(self._write(audit.CONFIG_RELOADED, new.path,
                                {"changed": changed_sections(old, new)}))

    def rejected(self, path: str | None, problems: int) -> None:
        self._spawn(self._write(audit.CONFIG_REJECTED, path, {"problems": problems},
                                digest=False))

    async def _write(self, kind: str, path: str | None, extra: dict[str, Any], *,
                     digest: bool = True) -> None:
        at = self._clock.now()

        def work(tx: Tx) -> None:  # on the store's thread: reading the file does not block
            payload = {"path": path, **extra}
            if digest:
                payload["sha256"] = file_digest(path)
            audit.record(tx, kind, at=at, actor="config", payload=payload)

        try:
            await self._store.transaction(work)
        except StorageError as exc:
            log.error("audit: could not record %s: %s", kind, exc)

    def _spawn(self, write: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(write)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def drain(self) -> None:
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
