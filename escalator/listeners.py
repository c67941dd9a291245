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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

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


HTTP_LIMITS = Limits(total=256, per_client=64, idle=120.0)
DEVICE_LIMITS = Limits()
SMTP_LIMITS = Limits(recv_buffer=16 * 1024)


class Gate:
    """Counts a listener's open connections, per client address and in total."""

    def __init__(self, name: str, limits: Limits) -> None:
        self.name, self.limits = name, limits
        self.open: Counter[str] = Counter()
        self.refused = 0
        self._refused: Counter[str] = Counter()
        self.transports: set[asyncio.Transport] = set()  # admitted and still open

    @property
    def total(self) -> int:
        return sum(self.open.values())

    def admit(self, client: str) -> bool:
        if self.open[client] >= self.limits.per_client or self.total >= self.limits.total:
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
        return True

    def close_all(self) -> None:
        """At stop: close every connection still open. `Server.close()` only stops new
        ones (before Python 3.12), so an idle device's socket would outlive the service
        and be found unclosed by the garbage collector."""
        for transport in list(self.transports):
            transport.abort()
        self.transports.clear()

    def release(self, client: str) -> None:
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

    def connection_made(self, base: asyncio.BaseTransport) -> None:
        # a stream transport; not an isinstance check: uvloop's are not asyncio subclasses
        transport = cast(asyncio.Transport, base)
        peer = transport.get_extra_info("peername")
        client = str(peer[0]) if isinstance(peer, tuple) and peer else "?"
        if not self._gate.admit(client):
            transport.abort()
            return
        self._client, self._transport = client, transport
        self._gate.transports.add(transport)
        size = self._gate.limits.recv_buffer
        sock = transport.get_extra_info("socket")
        if size and sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)
        self._inner = self._factory()
        self._arm()
        self._inner.connection_made(transport)

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
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._inner is None:
            return
        assert self._client is not None
        self._gate.release(self._client)
        if self._transport is not None:
            self._gate.transports.discard(self._transport)
        inner, self._inner, self._transport = self._inner, None, None
        inner.connection_lost(exc)


async def listen(name: str, factory: Callable[[], asyncio.BaseProtocol], host: str | None,
                 port: int, limits: Limits = DEVICE_LIMITS, *, ssl: Any = None,
                 ) -> tuple[asyncio.Server, Gate]:
    """A TCP server whose connections pass through a `Gate` (TLS with an `ssl` context:
    the gate then sees the decrypted stream)."""
    gate = Gate(name, limits)
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
