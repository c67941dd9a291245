"""Reloading the configuration: swapped in only when valid, else the reasons why not."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from escalator.config.model import Config


@dataclass(frozen=True)
class Configuring:
    current_config: Callable[[], Config]
    reload_file: Callable[[], Awaitable[list[str]]]  # Escalator.reload_async

    async def reload(self) -> tuple[bool, list[str]]:
        """(True, warnings) when the new config is in force; (False, problems) when the
        last good one stays."""
        before = self.current_config()
        messages = await self.reload_file()
        return self.current_config() is not before, messages
