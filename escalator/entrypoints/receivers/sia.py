"""SIA DC-09 receiver over TCP and UDP, for alarm panels and IP transmitters.

Each frame is read by `dc09.read`; its events are stored with `ingest` and
only then is the ACK written, so a panel that got an ACK can forget the event.
If storing fails the panel gets a NAK and sends again. Frames are cut out of
the byte stream by their CR, so two frames in one TCP segment (or one frame
split over several) are each answered in order. A bad frame is answered and
forgotten; the connection and the receiver carry on with the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from escalator.codecs import dc09
from escalator.domain.errors import ConfigError, StorageError, UnstorableError
from escalator.domain.outbound import Network
from escalator.entrypoints.receivers.base import IntakeContext
from escalator.entrypoints.receivers.listeners import Gate, listen, sia_frames, stream_factory
from escalator.runtime.tasks import cancel_all

log = logging.getLogger(__name__)

IDLE_TIMEOUT = 300.0  # seconds a TCP connection may stay silent before we close it
REPLAY_MEMORY = timedelta(minutes=1)  # with `timestamp_window: off`: how long a replay counts once
MAX_REMEMBERED = 10_000  # frames remembered for replay detection
READ_SIZE = 4096


@dataclass
class FrameSplitter:
    """Bytes in, frames (without LF/CR) out; an endless line becomes one `None` (oversized)."""

    limit: int = dc09.MAX_FRAME + 2
    _buffer: bytearray = field(default_factory=bytearray)
    _skipping: bool = False  # dropping an oversized frame until its end

    def feed(self, data: bytes) -> Iterator[bytes | None]:
        self._buffer += data
        while True:
            if self._skipping:  # until the oversized frame's CR, or the next frame's LF
                end = next((i for i, b in enumerate(self._buffer) if b in (10, 13)), -1)
                if end < 0:
                    self._buffer.clear()
                    return
                del self._buffer[:end + (self._buffer[end] == 13)]
                self._skipping = False
            end = self._buffer.find(b"\r")
            if end < 0:
                if len(self._buffer) > self.limit:
                    start = self._buffer.rfind(b"\n", 1)
                    if start > 0 and len(self._buffer) - start <= self.limit:
                        del self._buffer[:start]  # a new frame began: keep it
                    else:
                        self._buffer.clear()
                        self._skipping = True
                    yield None
                return
            chunk = bytes(self._buffer[:end])
            del self._buffer[:end + 1]
            start = chunk.rfind(b"\n")
            chunk = chunk[start + 1:]
            if len(chunk) > self.limit:
                yield None
            elif chunk:
                yield chunk

    def rest(self) -> bytes | None:
        """What was left unterminated when the sender stopped sending."""
        chunk = bytes(self._buffer).lstrip(b"\n")
        self._buffer.clear()
        return chunk or None


class SiaReceiver:
    def __init__(self, ctx: IntakeContext) -> None:
        self.ctx = ctx
        self.source_id = ctx.source.id
        self.host, self.port = ctx.options["listen"]
        self.protocol = ctx.options.get("protocol", "tcp")
        self._settings: dc09.Settings | None = None
        self._tcp: asyncio.Server | None = None
        self.gate: Gate | None = None
        self._udp: asyncio.DatagramTransport | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.tcp_port: int | None = None
        self.udp_port: int | None = None
        self.answers: Counter[str] = Counter()  # ACK / NAK / DUH sent
        self._recent: dict[bytes, datetime] = {}  # untimestamped frames stored lately

    # -- lifecycle --------------------------------------------------------------------
    async def start(self) -> None:
        self._settings = self._read_settings()
        if self.protocol in ("tcp", "both"):
            self._tcp, self.gate = await listen(f"source {self.source_id} (SIA)",
                                                stream_factory(self._serve), self.host,
                                                self.port, trusted=self._devices,
                                                frames=sia_frames)
            self.tcp_port = self._tcp.sockets[0].getsockname()[1]
        if self.protocol in ("udp", "both"):
            loop = asyncio.get_running_loop()
            port = self.tcp_port if self.port == 0 and self.tcp_port else self.port
            transport, _ = await loop.create_datagram_endpoint(
                lambda: _Datagrams(self), local_addr=(self.host, port))
            self._udp = transport
            self.udp_port = transport.get_extra_info("sockname")[1]
        log.info("source %s: SIA DC-09 receiver on %s (tcp %s, udp %s)", self.source_id,
                 self.host, self.tcp_port, self.udp_port)

    async def stop(self) -> None:
        if self._tcp is not None:
            self._tcp.close()
        if self._udp is not None:
            self._udp.close()
        await cancel_all(self._tasks)
        if self.gate is not None:
            self.gate.close_all()
        if self._tcp is not None:
            await self._tcp.wait_closed()
        self._tcp = self._udp = None

    def _devices(self) -> tuple[Network, ...]:
        return tuple(self.ctx.options.get("from", ()))

    def _read_settings(self) -> dc09.Settings:
        accounts, problems = {}, []
        for i, acct in enumerate(self.ctx.options["accounts"]):
            key = None
            if acct.get("key_env"):
                value = self.ctx.secret(acct["key_env"])
                where = f"sources.{self.source_id}.accounts[{i}].key_env"
                if not value:
                    problems.append(f"{where}: environment variable {acct['key_env']} is not set")
                elif len(value.encode()) not in dc09.KEY_LENGTHS:
                    problems.append(f"{where}: the key in {acct['key_env']} has "
                                    f"{len(value.encode())} characters, expected 16, 24 or 32")
                else:
                    key = value.encode()
            accounts[acct["account"]] = dc09.Account(acct["account"], key)
        if problems:
            raise ConfigError(problems)
        window = self.ctx.options.get("timestamp_window")
        return dc09.Settings(accounts, window or None)

    # -- one frame --------------------------------------------------------------------
    def health(self) -> dict[str, object]:
        return {"kind": "sia", "running": self._tcp is not None or self._udp is not None,
                "tcp_port": self.tcp_port, "udp_port": self.udp_port,
                "answers": dict(self.answers)}

    async def answer(self, data: bytes | None) -> bytes:
        """The reply to one frame (None: oversized), after storing what it carried."""
        reply = await self._answer(data)
        self.answers[reply[9:14].decode("ascii", "replace").strip('"*')] += 1
        return reply

    async def _answer(self, data: bytes | None) -> bytes:
        now = self.ctx.clock.now()
        if data is None:
            log.warning("source %s: oversized frame refused", self.source_id)
            return dc09.nak(now)
        assert self._settings is not None
        try:
            reading = dc09.read(data, self._settings, now)
        except Exception:  # a parser bug must not take the receiver down: the panel retries
            log.exception("source %s: cannot read frame %r", self.source_id, data[:200])
            return dc09.nak(now)
        if reading.verdict != "ACK":
            log.warning("source %s: %s (%s): %r", self.source_id, reading.verdict,
                        reading.reason, data[:200])
            return reading.reply
        if reading.event_id is None and self._replayed(data, now):
            log.info("source %s: the same untimestamped frame again; answered, counted once",
                     self.source_id)
            return reading.reply
        try:
            await self._store(reading)
        except UnstorableError as exc:
            log.error("source %s: the store refuses this frame's events: %s", self.source_id,
                      exc)
            self._forget(data)
            return _duh_from(reading.reply)  # resending cannot help: no endless NAK loop
        except StorageError:
            self._forget(data)  # not stored: the panel's resend must be stored, not skipped
            log.error("source %s: storage failed; NAK so the panel sends again", self.source_id)
            return dc09.nak(self.ctx.clock.now())
        return reading.reply

    def _replayed(self, data: bytes, now: datetime) -> bool:
        """Was this exact frame (account, sequence, content and CRC) stored within the window?

        A timestamped frame carries its own id (stored with the event, so a resend is
        a duplicate for ever); an untimestamped one has only this memory, as long as
        the timestamp window (past + future) would have accepted a replay."""
        assert self._settings is not None
        past, future = self._settings.window or (REPLAY_MEMORY, timedelta(0))
        keep = past + future
        for key, when in list(self._recent.items()):
            if now - when > keep or len(self._recent) > MAX_REMEMBERED:
                del self._recent[key]
            else:
                break  # insertion order is time order
        seen = self._recent.get(data)
        if seen is not None and now - seen <= keep:
            return True
        self._recent[data] = now
        return False

    def _forget(self, data: bytes) -> None:
        self._recent.pop(data, None)

    async def _store(self, reading: dc09.Reading) -> None:
        for i, sia in enumerate(reading.events):
            if sia.state == "heartbeat":
                await self.ctx.ingest(self.ctx.heartbeat())
                continue
            text = sia.text or ""
            event_id = f"{reading.event_id}/{i}" if reading.event_id else None
            await self.ctx.ingest(self.ctx.event(
                sia.code, sia.state, point=sia.point, text=text,
                occurred_at=reading.occurred_at, event_id=event_id))

    # -- TCP ----------------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        splitter = FrameSplitter()
        try:
            while True:
                try:
                    data = await asyncio.wait_for(reader.read(READ_SIZE), IDLE_TIMEOUT)
                except (TimeoutError, ConnectionError):
                    break
                if not data:
                    rest = splitter.rest()
                    if rest is not None and not writer.is_closing():
                        writer.write(await self.answer(rest))  # truncated: NAK, if anyone hears
                    break
                for chunk in splitter.feed(data):
                    writer.write(await self.answer(chunk))
                    await writer.drain()
        except ConnectionError:
            pass
        except asyncio.CancelledError:
            pass  # stop(): end quietly (3.11's start_server callback logs a cancelled task)
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    # -- UDP ----------------------------------------------------------------------------
    def datagram(self, data: bytes, addr: tuple[str, int]) -> None:
        task = asyncio.get_running_loop().create_task(self._datagram(data, addr))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _datagram(self, data: bytes, addr: tuple[str, int]) -> None:
        splitter = FrameSplitter()
        chunks = [*splitter.feed(data)]
        rest = splitter.rest()
        if rest is not None:
            chunks.append(rest)  # a datagram is a whole message, CR or not
        if not chunks:
            return
        # a datagram is one message and gets one answer: never a reply per CR in it
        reply = await self.answer(chunks[0] if len(chunks) == 1 else None)
        if self._udp is not None:
            self._udp.sendto(reply, addr)


def _duh_from(ack: bytes) -> bytes:
    """The DUH ("unable to process, do not resend") for the frame an ACK answers."""
    head = ack[9:-1].decode("ascii", "replace").split("[", 1)[0]
    return dc09.frame(head.replace('"*ACK"', '"DUH"').replace('"ACK"', '"DUH"') + "[]")


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, receiver: SiaReceiver) -> None:
        self.receiver = receiver

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.receiver.datagram(data, addr)
