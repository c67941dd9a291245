"""ESPA 4.4.4 receiver over TCP (a serial server or a panel's IP port) or a serial line.

A "call to pager" block becomes an event: the first matching rule (regex on the
display text) gives code, point and state; without a rule the source's `code`
and the call address are used and the display text is the event's text. The
block is ACKed only after the event is stored; a storage failure is a NAK, so
the panel sends the block again. Selects and polls are signs of life (at most
one heartbeat a minute is stored).

Serial lines use pyserial-asyncio; a device that is missing or fails is
reopened every few seconds, and the source's `heartbeat_timeout` reports it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from escalator.codecs import espa444
from escalator.codecs.fields import apply_rules
from escalator.domain.errors import StorageError
from escalator.entrypoints.receivers.base import (
    IntakeContext,
    Throttle,
    heartbeat_every,
)
from escalator.entrypoints.receivers.listeners import Gate, espa_frames, stream_factory
from escalator.entrypoints.receivers.listeners import listen as listen_gated
from escalator.runtime.tasks import cancel_all

log = logging.getLogger(__name__)

READ_SIZE = 1024
IDLE_TIMEOUT = 600.0  # seconds a TCP connection may stay silent
SERIAL_RETRY = (5.0, 60.0)  # first and longest wait before reopening a serial device


class EspaReceiver:
    def __init__(self, ctx: IntakeContext) -> None:
        self.ctx = ctx
        self.source_id = ctx.source.id
        self.address: str = ctx.options.get("address", "2")
        self._throttle = Throttle(ctx.clock, heartbeat_every(ctx.source))
        self._server: asyncio.Server | None = None
        self.gate: Gate | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.port: int | None = None
        self.serial_open = False  # the serial device is open and being served

    async def start(self) -> None:
        listen = self.ctx.options.get("listen")
        if listen:
            self._server, self.gate = await listen_gated(
                f"source {self.source_id} (ESPA)", stream_factory(self._serve), *listen,
                trusted=lambda: tuple(self.ctx.options.get("from", ())), frames=espa_frames)
            self.port = self._server.sockets[0].getsockname()[1]
            log.info("source %s: ESPA 4.4.4 on tcp %s:%s", self.source_id, listen[0], self.port)
        device = self.ctx.options.get("serial")
        if device:
            self._spawn(self._serial(device))

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        if self.gate is not None:
            self.gate.close_all()
        await cancel_all(self._tasks)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    def health(self) -> dict[str, Any]:
        serial = self.ctx.options.get("serial")
        return {"kind": "espa", "running": self._server is not None or bool(self._tasks),
                "port": self.port, "serial": serial,
                "serial_open": self.serial_open if serial else None}

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- the line -------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self.run_line(reader, writer, IDLE_TIMEOUT)
        except asyncio.CancelledError:
            pass  # stop(): end quietly (3.11's start_server callback logs a cancelled task)
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def run_line(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                       idle: float | None) -> None:
        """Serve one line (a TCP connection or a serial port) until it ends."""
        link = espa444.Link(self.address)
        while True:
            try:
                data = await asyncio.wait_for(reader.read(READ_SIZE), idle)
            except (TimeoutError, ConnectionError, OSError):
                return
            if not data:
                return
            for action, value in link.feed(data):
                reply = await self._act(action, value)
                if reply:
                    writer.write(reply)
            with contextlib.suppress(ConnectionError):
                await writer.drain()

    async def _act(self, action: str, value: object) -> bytes:
        try:
            if action == "reply":
                assert isinstance(value, bytes)
                return value
            if action in ("poll", "end"):
                if self._throttle.due():
                    await self.ctx.ingest(self.ctx.heartbeat())
                return b""
            if action == "bad":
                log.warning("source %s: NAK: %s", self.source_id, value)
                return bytes([espa444.NAK])
            assert isinstance(value, espa444.Block)
            await self._store(value)
            return bytes([espa444.ACK])
        except StorageError:
            log.error("source %s: storage failed; NAK so the panel sends again", self.source_id)
            return bytes([espa444.NAK]) if action == "block" else b""

    async def _store(self, block: espa444.Block) -> None:
        if block.header != espa444.CALL_TO_PAGER:
            log.info("source %s: block with header %r acknowledged, not an alarm",
                     self.source_id, block.header)
            await self.ctx.ingest(self.ctx.heartbeat())
            return
        found = apply_rules(self.ctx.options.get("rules", ()), {"text": block.message})
        if found is None:
            event = self.ctx.event(self.ctx.options.get("code", "ESPA"), "alarm",
                                   point=block.address, text=block.message)
        elif found.state == "heartbeat":
            event = self.ctx.heartbeat()
        else:
            event = self.ctx.event(found.code or self.ctx.options.get("code", "ESPA"),
                                   found.state, point=found.point or block.address,
                                   text=found.text or block.message, severity=found.severity)
        await self.ctx.ingest(event)

    # -- serial ---------------------------------------------------------------------
    async def _serial(self, device: str) -> None:
        import serial_asyncio  # type: ignore[import-untyped]  # only for serial lines

        wait = SERIAL_RETRY[0]
        while True:
            try:
                reader, writer = await serial_asyncio.open_serial_connection(
                    url=device, baudrate=self.ctx.options.get("baudrate", 9600))
            except (OSError, ValueError) as exc:
                log.error("source %s: cannot open %s (%s); retrying in %.0f s",
                          self.source_id, device, exc, wait)
                await asyncio.sleep(wait)
                wait = min(wait * 2, SERIAL_RETRY[1])
                continue
            wait = SERIAL_RETRY[0]
            log.info("source %s: ESPA 4.4.4 on %s", self.source_id, device)
            self.serial_open = True
            try:
                await self.run_line(reader, writer, None)
            finally:
                self.serial_open = False
                writer.close()
            log.warning("source %s: serial line %s closed; reopening", self.source_id, device)
            await asyncio.sleep(SERIAL_RETRY[0])
