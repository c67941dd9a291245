"""The one HTTP client for every outgoing fetch: rosters, webhooks, gateways, pings.

Every URL it fetches came from the configuration, which a manager may edit in
the browser. Without a guard the service would fetch whatever it is told:
its own API on 127.0.0.1, a metadata service on 169.254.169.254, a device on
the ward LAN, and show what came back. So this client

- connects only to addresses `escalator.domain.outbound` allows. The check
  is made in the connector's socket factory, on the address each connection
  is actually made to (after DNS, for every address tried), so a name that
  resolves to 127.0.0.1, or re-resolves to it between a check and the
  connect, does not pass;
- follows a redirect only to the same host and port (or from http to https
  on the same host); anything else is an error, so a gateway cannot bounce
  the request (and its Authorization header) to another port or host;
- gives callers an error text with no byte of the peer's answer in it
  (`failure_text`): a reason phrase, a header or a body may be anything the
  peer chose, such as the start of an internal page.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from typing import Any

import aiohttp
from yarl import URL

from escalator.domain.outbound import Network, outbound_allowed

REDIRECTS = (301, 302, 303, 307, 308)


class OutboundRefused(OSError):
    """A connection to an address the configuration does not allow."""


class RedirectRefused(aiohttp.ClientError):
    """A redirect to another host or port."""


def _factory(allow: tuple[Network, ...]) -> Any:
    def make(addr_info: Any) -> socket.socket:
        family, type_, proto, _, address = addr_info
        if not outbound_allowed(str(address[0]), allow):
            raise OutboundRefused(f"outgoing connection to {address[0]} is not allowed "
                                  "(http.outbound_allow)")
        return socket.socket(family=family, type=type_, proto=proto)
    return make


def same_origin(origin: URL, target: URL) -> bool:
    """Whether a redirect from `origin` to `target` stays on the same host and port
    (http -> https on the same host, default ports, is allowed too)."""
    if target.host is None or (target.host or "").lower() != (origin.host or "").lower():
        return False
    if target.scheme == origin.scheme and target.port == origin.port:
        return True
    return origin.scheme == "http" and target.scheme == "https" and origin.port == 80 \
        and target.port == 443


async def _redirects(req: aiohttp.ClientRequest,
                     handler: aiohttp.ClientHandlerType) -> aiohttp.ClientResponse:
    resp = await handler(req)
    location = resp.headers.get("Location")
    if resp.status in REDIRECTS and location is not None:
        try:
            target = req.url.join(URL(location))
        except ValueError:
            target = URL()
        if not same_origin(req.url, target):
            resp.release()
            raise RedirectRefused(f"redirect to another host or port refused "
                                  f"({req.url.host})")
    return resp


def guarded_session(allow: Iterable[Network] = (), *,
                    resolver: aiohttp.abc.AbstractResolver | None = None
                    ) -> aiohttp.ClientSession:
    """A client session that connects only where `allow` and the rule say, and follows
    redirects only on the same host. `resolver` is for tests (a name that lies)."""
    connector = aiohttp.TCPConnector(socket_factory=_factory(tuple(allow)), resolver=resolver)
    return aiohttp.ClientSession(connector=connector, middlewares=(_redirects,))


def refused(exc: BaseException) -> bool:
    """Whether `exc` is this client refusing an address or a redirect."""
    if isinstance(exc, RedirectRefused):
        return True
    os_error = getattr(exc, "os_error", None)
    return isinstance(os_error, OutboundRefused) or isinstance(exc, OutboundRefused)


def failure_text(exc: BaseException) -> str:
    """Why a fetch failed, in words of our own: never the peer's bytes (a reason phrase
    or an unparsable header is whatever the peer sent)."""
    if isinstance(exc, RedirectRefused):
        return "redirect to another host or port refused"
    if refused(exc):
        return "address not allowed (http.outbound_allow)"
    if isinstance(exc, aiohttp.ClientResponseError):
        return f"HTTP {exc.status}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"cannot connect to {exc.host}:{exc.port}"
    if isinstance(exc, TimeoutError):
        return "timed out"
    return type(exc).__name__
