"""What every entry point may read: the config in force now, the time, a secret by name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from escalator.config.model import Config
from escalator.runtime.clock import Clock


@dataclass(frozen=True)
class Context:
    """Read-only surroundings. The config is asked for on every use, because a reload
    swaps it while the web app keeps running."""

    current_config: Callable[[], Config]
    clock: Clock
    secret_of: Callable[[str | None], str | None]

    @property
    def config(self) -> Config:
        return self.current_config()

    def now(self) -> datetime:
        return self.clock.now()

    def secret(self, env_name: str | None) -> str | None:
        """The value of the environment variable the config names, or None."""
        return self.secret_of(env_name)
