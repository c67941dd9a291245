"""Which environment variables a config may name: the deployment says, not the file.

Every secret in the YAML is the name of an environment variable (`*_env`), and
the service sends some of them to other hosts (an SMS gateway's auth header, a
webhook's HMAC key, a dead man's switch token). So whoever can write the file
could otherwise name *any* variable the process has and have it sent to a host
of their choosing: the link-signing key, the database password, `PATH` as a
guessable API token. Three rules close that:

1. **Declared names only.** A deployment declares its secrets in
   `ESCALATOR_ALLOWED_SECRETS` (names separated by commas or spaces, set in the
   unit's environment file or compose's env file, never in the YAML). When it is
   set, a config may name only variables starting with `ESCALATOR_` and the
   declared ones. Without it (an older deployment, a test), every name except
   the platform's own (rule 2) is accepted.
2. **Never the platform's variables.** `PATH`, `HOME`, locale, systemd's and
   Python's variables, and PostgreSQL's client variables (`PGPASSWORD`) are not
   secrets of the config: naming one is refused whatever is declared.
3. **The link-signing key stays in the process.** `http.secret_env` (and
   `http.previous_secret_env`) may not be named by any other `*_env` key: no
   channel, token or contact can carry the key out, nor use it as a password.

Each refusal is an error at the line of the key (`cfg.env_*` in the catalogues).
The board's editor cannot change secret references at all
(`escalator.config.restart`); these rules hold for the file itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

PREFIX = "ESCALATOR_"
DECLARED = "ESCALATOR_ALLOWED_SECRETS"
LINK_KEYS = ("http.secret_env", "http.previous_secret_env")

# Set by the OS, systemd, the shell, Python or a library the service uses; none is a
# secret the config should name, and several are credentials of their own (PG*).
PLATFORM_NAMES = frozenset({
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "PWD", "OLDPWD", "TERM", "LANG", "LANGUAGE",
    "TZ", "HOSTNAME", "TMPDIR", "MAIL", "EDITOR", "PAGER", "DISPLAY", "SHLVL", "_",
    "NOTIFY_SOCKET", "INVOCATION_ID", "JOURNAL_STREAM", "MAINPID", "MANAGERPID",
    "CREDENTIALS_DIRECTORY", "RUNTIME_DIRECTORY", "STATE_DIRECTORY", "CACHE_DIRECTORY",
    "LOGS_DIRECTORY", "CONFIGURATION_DIRECTORY", "VIRTUAL_ENV", "SSL_CERT_FILE",
    "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY",
    "ALL_PROXY", "DATABASE_URL", DECLARED,
})
PLATFORM_PREFIXES = ("LC_", "LD_", "PYTHON", "PG", "SYSTEMD_", "WATCHDOG_", "LISTEN_", "XDG_",
                     "DBUS_", "SSH_", "SUDO_", "DOCKER_", "KUBERNETES_", "GIT_", "PIP_")

_SPLIT = re.compile(r"[\s,]+")


def declared(env: Mapping[str, str]) -> frozenset[str] | None:
    """The names the deployment declared; None when it declared nothing."""
    raw = env.get(DECLARED)
    if raw is None:
        return None
    return frozenset(n for n in _SPLIT.split(raw) if n)


def platform(name: str) -> bool:
    return name in PLATFORM_NAMES or name.startswith(PLATFORM_PREFIXES)


def refusal(path: str, name: str, link_keys: Mapping[str, str],
            allowed: frozenset[str] | None) -> tuple[str, dict[str, str]] | None:
    """Why `path` may not name the variable `name` (a catalogue code and its parameters),
    or None when it may. `link_keys`: the variable of each link key, by its path."""
    if path not in LINK_KEYS and name in link_keys.values():
        owner = next(p for p, n in link_keys.items() if n == name)
        return "cfg.env_is_link_key", {"name": name, "owner": owner}
    if platform(name):
        return "cfg.env_platform", {"name": name}
    if allowed is not None and not name.startswith(PREFIX) and name not in allowed:
        return "cfg.env_not_declared", {"name": name, "prefix": PREFIX, "declared": DECLARED}
    return None
