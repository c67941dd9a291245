"""`http.outbound_allow`: the local networks outgoing fetches may reach; and the
addresses the listeners keep slots for.

    http:
      outbound_allow: [10.20.0.0/16, 127.0.0.1/32]   # the SMS gateway in the server room
      trusted_clients: [127.0.0.1]                    # the reverse proxy on this host
    sources:
      terminal: {kind: webhook, token_env: T, from: [10.0.4.17]}
      panel: {kind: sia, listen: "0.0.0.0:5000", accounts: [...], from: 10.0.4.0/28}

`from:` and `trusted_clients` name where the alarm devices (and the proxy)
connect from: escalator/entrypoints/receivers/listeners.py keeps connection slots for them and lets
them hold an idle line, so a neighbour on the building network cannot fill
the listener (issue 19).

Roster calendars, webhooks, SMS and voice gateways and the dead man's switch
connect only to public (globally routable) addresses, unless the address is
in a network listed here (escalator/domain/outbound.py says why). Like every
`http` key it is read at start, and it lives in the file, not in what the
config editor may change: a browser session must never open the way to the
service's own API or the ward LAN.

`config check` warns, at the URL's line, about a URL whose host is a local or
private address (or `localhost`) that the list does not hold: the service
would refuse to connect to it. A name is checked when the service connects,
on the address it resolves to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

from escalator.config.problem import phrase
from escalator.config.validators import At, Problems, sequence, text
from escalator.domain.outbound import Network, address_of, outbound_allowed, parse_network

URL_KEYS = ("url", "webhook")  # where outgoing addresses are written
INBOUND = ("sources",)  # poll and MQTT sources connect to building devices by design


def networks(problems: Problems, at: At) -> tuple[Network, ...]:
    """A list of addresses or networks (`10.0.4.17`, `10.0.0.0/8`, `fd00::/8`); one
    address alone is accepted too."""
    expected = phrase("cfg.want.outbound_allow")
    items = [at] if isinstance(at.value, str) else \
        list(at.items()) if sequence(problems, at, expected) else []
    found: list[Network] = []
    for item in items:
        value = text(problems, item, expected)
        net = parse_network(value) if value else None
        if value and net is None:
            problems.bad(item, expected)
        elif net is not None:
            found.append(net)
    return tuple(found)


def parse_outbound(problems: Problems, at: At) -> dict[str, Any]:
    """`outbound_allow` and `trusted_clients` as HttpConfig fields (absent: none)."""
    found: dict[str, Any] = {}
    for key in ("outbound_allow", "trusted_clients"):
        sub = at.key(key)
        if sub is not None and sub.value is not None:
            found[key] = networks(problems, sub)
    return found


def _urls(at: At) -> Iterator[At]:
    if isinstance(at.value, dict):
        for key, entry in at.entries():
            if at.path == "" and key in INBOUND:
                continue
            if key in URL_KEYS and isinstance(entry.value, str):
                yield entry
            else:
                yield from _urls(entry)
    elif isinstance(at.value, list):
        for item in at.items():
            yield from _urls(item)


def warn_local_urls(problems: Problems, root: At, allow: tuple[Network, ...]) -> None:
    """A warning at each outgoing URL whose host is an address (or `localhost`) the service
    will refuse to connect to."""
    for at in _urls(root):
        try:
            host = urlsplit(at.value.strip()).hostname or ""
        except ValueError:
            continue
        literal = "127.0.0.1" if host.lower() == "localhost" else host
        if address_of(literal) is None or outbound_allowed(literal, allow):
            continue
        problems.warn(at, "cfg.outbound_local", host=host)


NETWORKS_SCHEMA = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}


def outbound_schema(ref: Callable[[str], dict[str, str]]) -> dict[str, Any]:
    return {
        "trusted_clients": {
            **NETWORKS_SCHEMA, "default": [],
            "description": "Addresses (or networks) that keep reserved connection slots on "
                           "the HTTP listener besides the webhook sources' `from`: the "
                           "reverse proxy, operators' tools."},
        "outbound_allow": {
            "type": "array", "items": {"type": "string"}, "default": [],
            "description": "Local or private networks (CIDR, e.g. 10.0.0.0/8) that roster "
                           "calendars, webhooks, gateways and the dead man's switch may "
                           "connect to; public addresses need no entry."},
    }
