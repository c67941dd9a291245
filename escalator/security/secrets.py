"""The secrets this run may read: the environment variables the config named at start.

A variable first named by a reload is read at the next start (`/healthz` says a
restart is pending): editing the file cannot send another variable somewhere. Every
value named is registered with the log redaction (security/redact.py) at once.
"""

from __future__ import annotations

from collections.abc import Mapping

from escalator.config.model import Config
from escalator.domain.errors import ConfigError
from escalator.security.redact import add_secrets


class Secrets:
    def __init__(self, config: Config, env: Mapping[str, str]) -> None:
        self._env = env
        self._names = frozenset(name for _, name in config.secret_envs())
        add_secrets(env.get(name) for name in self._names)

    def get(self, env_name: str | None) -> str | None:
        """A secret's value, if the config named its variable when the service started."""
        if not env_name or env_name not in self._names:
            return None
        return self._env.get(env_name)

    def required(self, env_name: str) -> bytes:
        """A secret the service cannot run without (the link-signing key)."""
        value = self.get(env_name)
        if not value:
            raise ConfigError([f"http.secret_env: environment variable {env_name} is not set"])
        return value.encode()
