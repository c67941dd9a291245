"""What only the file and a restart may change, and what a running service still waits for.

`http` (the listener, links' key and lifetime, API tokens, TLS), `storage` and
which environment variables the config names are read when the service
starts. The board's editor refuses to change them (`editor_refusals`): a
manager's session must not be able to point a secret at another host, add a
token or change where the data lives. They are changed in the file and take
effect at a restart; until then the service says a restart is pending
(`pending_restart`: the reload log, `/healthz`).
"""

from __future__ import annotations

import re
from dataclasses import fields

from escalator.config.model import Config
from escalator.config.problem import ConfigProblem

_INDEX = re.compile(r"\[\d+\]")
_OWNED = re.compile(r"^(people|sources)\.[^.]+\.")  # a party's or a source's own key


def pending_restart(running: Config, loaded: Config) -> list[str]:
    """The parts of `loaded` that differ from what runs and wait for a restart."""
    pending = [f"http.{f.name}" for f in fields(running.http)
               if getattr(running.http, f.name) != getattr(loaded.http, f.name)]
    if running.storage != loaded.storage:
        pending.append("storage")
    if running.sources != loaded.sources:
        pending.append("sources")
    named = {name for _, name in running.secret_envs()}
    pending += sorted({f"secret {name}" for _, name in loaded.secret_envs()
                       if name not in named})
    return pending


def _kind(path: str) -> str:
    """A secret's key without list indexes or a party's/source's id: where the value goes."""
    return _OWNED.sub(r"\1.*.", _INDEX.sub("[]", path))


def editor_refusals(filename: str, before: Config, after: Config, running: Config
                    ) -> list[ConfigProblem]:
    """Why the editor may not save `after` over `before` (empty: it may).

    A secret reference is new when its variable was not named before for the same
    kind of key: sharing an existing webhook contact's secret with a new contact
    is fine, naming any variable for the SMS gateway's header is not. A token the
    running service accepts that the text no longer has is said by name."""
    found: list[ConfigProblem] = []
    accepted = {t.token_env: t.name for t in running.http.tokens()}
    kept = {t.token_env for t in after.http.tokens()}
    for env, name in accepted.items():
        if env not in kept:
            found.append(ConfigProblem(filename, 0, "http.api_tokens", "cfg.token_in_use_removed",
                                       {"name": repr(name)}))
    for part in pending_restart(before, after):
        if part == "sources":
            continue  # a source's change waits for a restart but is the editor's to make
        found.append(ConfigProblem(filename, 0, part, "cfg.restart_only", {"what": part}))
    known = {(_kind(path), name) for path, name in before.secret_envs()}
    for path, name in after.secret_envs():
        if (_kind(path), name) not in known:
            found.append(ConfigProblem(filename, 0, path, "cfg.restart_only_secret",
                                       {"name": name}))
    return found
