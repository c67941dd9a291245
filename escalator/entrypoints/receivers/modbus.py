"""Modbus TCP (pymodbus): poll a building automation system's alarm points.

Every `every` the points of the YAML point map are read (as few requests as
`codecs.modbus.plan_reads` makes of them) and the points in alarm compared with
the previous poll: a point that went into alarm opens, one that left it clears.
A complete poll is a sign of life; a failed one (no connection, no answer in
`timeout`, an exception response, an answer of the wrong size) is not, so a
device that stops answering opens a "source silent" incident after
`heartbeat_timeout`, like any other source. After a failure the connection is
dropped and the next poll waits twice as long, up to `max_backoff`.

At start the previous state is this source's open incidents from storage, so
a restart of the service or of the device neither raises a standing alarm again
nor misses one that changed while nobody was reading: the first good poll
settles the difference.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ModbusException

from escalator.codecs.modbus import Point, Read, active, plan_reads, readings
from escalator.domain.errors import StorageError
from escalator.domain.retry import poll_delay
from escalator.entrypoints.receivers.base import (
    IntakeContext,
    Throttle,
    heartbeat_every,
    poll_forever,
    polled_alive,
)
from escalator.runtime.tasks import cancel_and_wait

log = logging.getLogger(__name__)
logging.getLogger("pymodbus").setLevel(logging.WARNING)  # its debug lines are every frame

_READERS = {"coil": "read_coils", "discrete": "read_discrete_inputs",
            "holding": "read_holding_registers", "input": "read_input_registers"}


class ModbusPollError(Exception):
    pass


class ModbusSource:
    def __init__(self, ctx: IntakeContext) -> None:
        self.ctx = ctx
        self.source_id = ctx.source.id
        opts = ctx.options
        self.host, self.port = opts["device"]
        self.unit: int = opts["unit"]
        self.every: timedelta = opts["every"]
        self.timeout: timedelta = opts["timeout"]
        self.max_backoff: timedelta = opts["max_backoff"]
        self.points: tuple[Point, ...] = opts["points"]
        self.reads: list[Read] = plan_reads(self.points)
        self.failures = 0
        self.polls = 0  # attempts, successful or not (for tests and health)
        self.last_error: str | None = None
        self._active: dict[tuple[str, str], Point] | None = None  # None: not known yet
        self._throttle = Throttle(ctx.clock, heartbeat_every(ctx.source))
        self._client: AsyncModbusTcpClient | None = None
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
        self._disconnect()

    def health(self) -> dict[str, object]:
        return {"kind": "modbus", "running": self._task is not None and not self._task.done(),
                "polls": self.polls, "failures": self.failures, "last_error": self.last_error,
                "requests_per_poll": len(self.reads)}

    def next_delay(self) -> timedelta:
        """`every` after a success; doubling after each failure, at most `max_backoff`."""
        return poll_delay(self.every, self.failures, self.max_backoff)

    async def _loop(self) -> None:
        await poll_forever(self.poll_once, self.next_delay)

    async def poll_once(self) -> bool:
        """Read every point, diff and store; True when all was read and stored."""
        async with self._lock:
            self.polls += 1
            try:
                values = await self._read_all()
                sent = await self._apply(active(self.points, values))
            except (ModbusPollError, StorageError) as exc:
                return self._failed(str(exc))
            except Exception as exc:  # a hostile answer the library chokes on is
                # a failed poll, not a dead loop (that source would stay silent for good)
                return self._failed(f"{type(exc).__name__}: {exc}")
            self.failures, self.last_error = 0, None
            await polled_alive(self.ctx, self._throttle, sent)
            return True

    def _failed(self, error: str) -> bool:
        self.failures += 1
        self.last_error = error
        self._disconnect()  # a half-read answer must not be taken for the next one
        log.warning("source %s: Modbus poll failed (%s); next in %s", self.source_id, error,
                    self.next_delay())
        return False

    async def _read_all(self) -> dict[tuple[str, int], int]:
        client = await self._connected()
        values: dict[tuple[str, int], int] = {}
        for read in self.reads:
            try:
                answer = await getattr(client, _READERS[read.table])(
                    read.address, count=read.count, device_id=self.unit)
            except (TimeoutError, ModbusException, OSError) as exc:
                raise ModbusPollError(f"{type(exc).__name__}: {exc}") from None
            if answer.isError():
                raise ModbusPollError(f"{read.table} {read.address}+{read.count}: {answer}")
            got = answer.bits if read.table in ("coil", "discrete") else answer.registers
            try:
                values.update(readings(read, got))
            except ValueError as exc:
                raise ModbusPollError(str(exc)) from None
        return values

    async def _connected(self) -> AsyncModbusTcpClient:
        if self._client is not None and self._client.connected:
            return self._client
        self._disconnect()
        # no retries or reconnects of its own: the poll loop backs off and counts failures
        client = AsyncModbusTcpClient(self.host, port=self.port, retries=0,
                                      timeout=self.timeout.total_seconds(),
                                      reconnect_delay=0)
        try:
            ok = await client.connect()
        except (ModbusException, OSError) as exc:
            client.close()
            raise ModbusPollError(f"connect {self.host}:{self.port}: {exc}") from None
        if not ok:
            client.close()
            raise ModbusPollError(f"cannot connect to {self.host}:{self.port}")
        self._client = client
        return client

    def _disconnect(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    async def _apply(self, listed: dict[tuple[str, str], Point]) -> int:
        """Send the differences; `_active` follows what was stored, so a failure resumes."""
        if self._active is None:
            stored = await self.ctx.open_alarms() if self.ctx.open_alarms else set()
            known = {self.ctx.stored_key(p.code, p.point): p for p in self.points}
            # only this map's points: other incidents of the source (silence) are not ours
            self._active = {key: known[key] for key in stored if key in known}
        sent = 0
        listed = {self.ctx.stored_key(*key): p for key, p in listed.items()}
        for key, point in listed.items():
            if key not in self._active:
                await self.ctx.ingest(self.ctx.event(point.code, "alarm", point=point.point,
                                                     text=point.text, severity=point.severity))
                self._active[key] = point
                sent += 1
        for key in [k for k in self._active if k not in listed]:
            code, where = key
            await self.ctx.ingest(self.ctx.event(code, "clear", point=where))
            del self._active[key]
            sent += 1
        return sent
