"""Which addresses an outgoing fetch may connect to.

A roster URL, a webhook, an SMS or voice gateway and the dead man's switch are
all addresses someone typed into the configuration (or the config editor).
Left open, each is a way to make the service itself talk to what only it can
reach: its own API on 127.0.0.1, the database, a cloud metadata service on
169.254.169.254, a printer on the ward LAN. So an outgoing connection goes
only to a globally routable address, unless the address is in a network the
deployment listed (`http.outbound_allow`). The rule is applied to the address
actually connected to (after DNS), never to the name in the URL.

Pure: addresses in, a yes or no out.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def address_of(text: str) -> Address | None:
    """The address in a socket's host part (an IPv6 scope "%eth0" ignored); None if none."""
    try:
        found = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(found, ipaddress.IPv6Address) and found.ipv4_mapped is not None:
        return found.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return found


def outbound_allowed(host: str, allow: Iterable[Network]) -> bool:
    """Whether an outgoing connection to `host` (an address) may be made.

    Globally routable addresses may; loopback, link-local, private, shared,
    multicast, reserved and unspecified ones only when a listed network holds them."""
    found = address_of(host)
    if found is None:
        return False
    if any(found.version == net.version and found in net for net in allow):
        return True
    return found.is_global and not found.is_multicast


def parse_network(text: str) -> Network | None:
    """`10.0.0.0/8`, `127.0.0.1` (one address) or an IPv6 network; None if unreadable."""
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None
