"""A warning `config check` gives about voice calls: the gateway must reach us back.

A key press and a hang-up arrive as HTTP requests from the gateway to
`http.public_url`. With a loopback public_url (the default) calls are placed
but never answered here: no key acts, no unanswered call falls back.
"""

from __future__ import annotations

from ipaddress import ip_address
from urllib.parse import urlsplit

from escalator.config.model import Config
from escalator.config.validators import At, Problems


def warn_unreachable_callbacks(problems: Problems, channels_at: At | None,
                               config: Config) -> None:
    if "voice" not in config.channels or channels_at is None:
        return
    if not any(c.channel == "voice" for p in config.parties.values() for c in p.contacts):
        return
    host = urlsplit(config.http.public_url).hostname or ""
    if not _loopback(host):
        return
    at = channels_at.key("voice") or channels_at
    problems.warn(at, "cfg.voice_loopback", url=config.http.public_url)


def _loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False
