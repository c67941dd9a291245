"""Connection caps and idle timeouts for every socket we listen on.

Without them, about a thousand idle sockets from one machine on the building
network use up the process's file handles: the webhook, `/healthz` and SIA
then stop accepting anyone, and asyncio logs a traceback per failed accept.
So each listener is opened through `listen`, which wraps its protocol in a
gate that

- refuses (closes at once) a connection beyond `per_client` open ones from
  the same address, or beyond `total` open ones on the listener, so one
  client can never hold more than its share of handles;
- closes a connection that has sent nothing for `idle` seconds (a real
  device sends within seconds; a hung one must not keep its handle).

Two more rules keep a neighbour from filling a listener (issue 19: five
addresses with 64 sockets each, one header line every 50 s, blocked the
webhook for everyone):

- `reserved` of the `total` slots are kept for the configured sources (the
  terminals' and panels' addresses: a source's `from:`, `http.trusted_clients`);
  other addresses share the rest;
- a request head or device frame must be complete within `head` seconds of its
  first byte, and from an address no source is configured at the first one
  within `head` of the connection's start: a byte now and then no longer keeps
  a socket (escalator/parsing/frames.py finds where heads and frames end).

A refused connection costs one accept and one close; nothing is logged per
connection, only a warning at a client's 1st, 10th, 100th and every
1000th refusal, so a flood cannot flood the log either.
The systemd unit raises LimitNOFILE so the caps, not the kernel, decide.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, cast

from escalator.domain.outbound import Network, address_of
from escalator.parsing.frames import EspaFrames, Frames, HttpFrames, LineFrames

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    """Caps for one listener; the defaults suit panels, terminals and a proxy in front."""

    total: int = 256
    per_client: int = 32
    idle: float = 300.0  # seconds without a byte from the peer
    # bytes the kernel buffers for one connection, or None for its default: a small
    # buffer makes each read small, so a protocol that parses line by line on the loop
    # (aiosmtpd) never gets a 256 KB batch of lines to chew through in one step
    recv_buffer: int | None = None
    reserved: int = 0  # of `total`: only for configured sources' addresses
    head: float = 20.0  # seconds for a request head or frame, from its first byte


HTTP_LIMITS = Limits(total=256, per_client=64, idle=120.0, reserved=64, head=10.0)
DEVICE_LIMITS = Limits(reserved=64)
SMTP_LIMITS = Limits(recv_buffer=16 * 1024, reserved=64, head=30.0)
Trusted = Callable[[], Collection[Network]]


def _nobody() -> Collection[Network]:
    return ()


def http_frames() -> Frames:
    return HttpFrames()


def sia_frames() -> Frames:
    return LineFrames(b"\r")


def smtp_frames() -> Frames:
    return LineFrames(b"\n")


def espa_frames() -> Frames:
    return EspaFrames()


class Gate:
    """Counts a listener's open connections, per client address and in total."""

    def __init__(self, name: str, limits: Limits, trusted: Trusted = _nobody,
                 frames: Callable[[], Frames] | None = None) -> None:
        self.name, self.limits = name, limits
        self.trusted = trusted  # the configured sources' networks (read at each connection)
        self.frames = frames  # None: no head/frame deadline (only the idle timer)
        self.open: Counter[str] = Counter()
        self.others = 0  # open connections from addresses no source is configured at
        self.late = 0  # connections closed because a head or frame took too long
        self.refused = 0
        self._refused: Counter[str] = Counter()
        self.transports: set[asyncio.Transport] = set()  # admitted and still open

    @property
    def total(self) -> int:
        return sum(self.open.values())

    def configured(self, client: str) -> bool:
        found = address_of(client)
        return found is not None and any(found.version == net.version and found in net
                                         for net in self.trusted())

    def admit(self, client: str) -> bool:
        """Whether `client` may open one more connection: its own cap, the total, and
        for an address no source is configured at, the total less the reserved slots."""
        known = self.configured(client)
        shared = max(0, self.limits.total - self.limits.reserved)
        if self.open[client] >= self.limits.per_client or self.total >= self.limits.total \
                or (not known and self.others >= shared):
            self.refused += 1
            self._refused[client] += 1
            count = self._refused[client]
            if count in (1, 10, 100) or count % 1000 == 0:  # a flood must not flood the log
                log.warning("%s: connection from %s refused (%d so far): %d open from it, "
                            "%d in all (caps %d and %d)", self.name, client, count,
                            self.open[client], self.total, self.limits.per_client,
                            self.limits.total)
            return False
        self.open[client] += 1
        self.others += not known
        return True

    def close_all(self) -> None:
        """At stop: close every connection still open. `Server.close()` only stops new
        ones (before Python 3.12), so an idle device's socket would outlive the service
        and be found unclosed by the garbage collector."""
        for transport in list(self.transports):
            transport.abort()
        self.transports.clear()

    def release(self, client: str, known: bool) -> None:
        self.others -= not known
        self.open[client] -= 1
        if self.open[client] <= 0:
            del self.open[client]

    def wrap(self, factory: Callable[[], asyncio.BaseProtocol]) -> Callable[[], _Gated]:
        return lambda: _Gated(self, factory)


class _Gated(asyncio.Protocol):
    """Stands between the transport and the real protocol; made before we know the peer."""

    def __init__(self, gate: Gate, factory: Callable[[], asyncio.BaseProtocol]) -> None:
        self._gate, self._factory = gate, factory
        self._inner: Any = None
        self._client: str | None = None
        self._transport: asyncio.Transport | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._loop = asyncio.get_running_loop()
        self._heard = 0.0  # loop time of the last data: the idle timer checks it when it fires
        self._known = False  # the peer is a configured source
        self._frames: Frames | None = None
        self._due: float | None = None  # loop time a begun head or frame must be done by
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, base: asyncio.BaseTransport) -> None:
        # a stream transport; not an isinstance check: uvloop's are not asyncio subclasses
        transport = cast(asyncio.Transport, base)
        peer = transport.get_extra_info("peername")
        client = str(peer[0]) if isinstance(peer, tuple) and peer else "?"
        if not self._gate.admit(client):
            transport.abort()
            return
        self._known = self._gate.configured(client)
        self._client, self._transport = client, transport
        self._gate.transports.add(transport)
        size = self._gate.limits.recv_buffer
        sock = transport.get_extra_info("socket")
        if size and sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)
        self._inner = self._factory()
        self._arm()
        if self._gate.frames is not None:
            self._frames = self._gate.frames()
            if not self._known:  # a stranger's first head or frame is due from the start;
                self._expect()  # a configured panel may open its line and wait
        self._inner.connection_made(transport)

    def _expect(self) -> None:
        """A head or frame has begun: it must be done within `head` seconds."""
        self._due = self._loop.time() + self._gate.limits.head
        if self._deadline is None:
            self._deadline = self._loop.call_later(self._gate.limits.head, self._late)

    def _late(self) -> None:
        """The deadline timer: the head or frame that began is still not done: close. One
        timer per connection; a frame that ended and a new one begun wait out the rest."""
        self._deadline = None
        if self._transport is None or self._transport.is_closing() or self._due is None:
            return
        left = self._due - self._loop.time()
        if left > 0:
            self._deadline = self._loop.call_later(left, self._late)
            return
        self._gate.late += 1
        log.info("%s: connection from %s closed: no complete request or frame within %g s",
                 self._gate.name, self._client, self._gate.limits.head)
        self._transport.abort()

    def _arm(self) -> None:
        self._heard = self._loop.time()
        self._timer = self._loop.call_later(self._gate.limits.idle, self._idle)

    def _idle(self) -> None:
        """Data came since the timer was set: wait out the rest of the idle time from the
        last data (a timer cancelled and made anew per chunk cost 5 % of the loop's time
        at 100 requests a second). None came: close the connection."""
        if self._transport is None or self._transport.is_closing():
            return
        left = self._heard + self._gate.limits.idle - self._loop.time()
        if left > 0:
            self._timer = self._loop.call_later(left, self._idle)
        else:
            self._transport.abort()

    def data_received(self, data: bytes) -> None:
        if self._inner is None:
            return
        self._heard = self._loop.time()
        if self._frames is not None:
            begun = self._frames.feed(data)
            if not begun:
                self._due = None
            elif self._due is None:
                self._expect()
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._inner is not None else None

    def pause_writing(self) -> None:
        if self._inner is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._inner is not None:
            self._inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        for timer in (self._timer, self._deadline):
            if timer is not None:
                timer.cancel()
        self._timer = self._deadline = None
        if self._inner is None:
            return
        assert self._client is not None
        self._gate.release(self._client, self._known)
        if self._transport is not None:
            self._gate.transports.discard(self._transport)
        inner, self._inner, self._transport = self._inner, None, None
        inner.connection_lost(exc)


async def listen(name: str, factory: Callable[[], asyncio.BaseProtocol], host: str | None,
                 port: int, limits: Limits = DEVICE_LIMITS, *, trusted: Trusted = _nobody,
                 frames: Callable[[], Frames] | None = None, ssl: Any = None,
                 ) -> tuple[asyncio.Server, Gate]:
    """A TCP server whose connections pass through a `Gate`: `trusted` gives the
    configured sources' networks, `frames` a reader that finds where heads or frames end
    (TLS with an `ssl` context: the gate then sees the decrypted stream)."""
    gate = Gate(name, limits, trusted, frames)
    server = await asyncio.get_running_loop().create_server(gate.wrap(factory), host, port,
                                                            ssl=ssl)
    return server, gate


def stream_factory(handler: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Any]
                   ) -> Callable[[], asyncio.BaseProtocol]:
    """What `asyncio.start_server` builds for a (reader, writer) handler."""
    def make() -> asyncio.BaseProtocol:
        loop = asyncio.get_running_loop()
        return asyncio.StreamReaderProtocol(asyncio.StreamReader(loop=loop), handler, loop=loop)
    return make
