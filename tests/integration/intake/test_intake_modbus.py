"""A Modbus TCP source against pymodbus' own simulator, whose inputs the test sets.

The device is a real pymodbus server on 127.0.0.1 (a free port); its coils,
discrete inputs and registers answer from `Plant.values`, so a test changes the
building's state and polls. A raw TCP server stands in for a device that
answers garbage or nothing at all.
"""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from intake_support import events, incidents, until
from pymodbus.constants import ExcCodes
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from escalator.domain.model import State

_TABLE = {1: "coil", 2: "discrete", 3: "holding", 4: "input"}
SIZE = 200


class Plant:
    """A building automation controller: its Modbus values are what the test sets."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, int], int] = {}
        self.refuse: ExcCodes | None = None  # answer every read with this exception
        self.reads = 0
        self.server: ModbusTcpServer | None = None
        self.port = 0

    async def action(self, fc, start, address, count, registers, set_values):
        self.reads += 1
        if self.refuse is not None:
            return self.refuse
        table = _TABLE[fc]
        offset = address - start
        if table in ("coil", "discrete"):
            # pymodbus' simulator packs bits 16 to a register: `count` registers from the
            # one holding `address`
            for q in range(address // 16, address // 16 + count):
                registers[q] = sum(1 << j for j in range(16)
                                   if self.values.get((table, q * 16 + j), 0))
        else:
            for i in range(count):
                registers[offset + i] = self.values.get((table, address + i), 0)
        return None

    async def start(self) -> None:
        def block(kind):
            return [SimData(0, count=SIZE, values=0, datatype=kind)]
        device = SimDevice(id=1, action=self.action, simdata=(
            block(DataType.BITS), block(DataType.BITS), block(DataType.REGISTERS),
            block(DataType.REGISTERS)))
        self.server = ModbusTcpServer(device, address=("127.0.0.1", self.port))
        await self.server.listen()
        self.port = self.server.transport.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.shutdown()
            self.server = None


@pytest.fixture
async def plant():
    device = Plant()
    await device.start()
    yield device
    await device.stop()


def modbus_yaml(port: int, timeout: str = "2s") -> str:
    return f"""\
  plc:
    kind: modbus
    device: 127.0.0.1:{port}
    unit: 1
    every: 1h
    max_backoff: 4h
    timeout: {timeout}
    heartbeat_timeout: 20m
    points:
      - {{table: coil, address: 10, code: FT, point: Fire loop 2, text: Loop fault}}
      - {{table: discrete, address: 11, code: YX, point: Kitchen, alarm: 0}}
      - {{table: holding, address: 100, bit: 3, code: WL, point: Boiler room}}
      - {{table: input, address: 7, code: TMP, point: Freezer, alarm: 2}}
"""


async def started(app):
    source = app.intake["plc"]
    await until(lambda: _polled(source), "the first poll")
    return source


async def _polled(source) -> bool:
    return source.polls >= 1 and not source._lock.locked()


def normal(plant: Plant) -> None:
    """Nothing in alarm: the discrete input YX is a closed contact (1 = normal)."""
    plant.values = {("discrete", 11): 1}


async def open_codes(app) -> list[str]:
    return sorted(i.code for i in await incidents(app, "open") if i.source == "plc")


async def test_each_kind_of_point_opens_and_clears(intake_app, plant):
    normal(plant)
    app = await intake_app(modbus_yaml(plant.port))
    source = await started(app)
    assert source.failures == 0 and await open_codes(app) == []
    assert source.health()["requests_per_poll"] == 4
    plant.values.update({("coil", 10): 1, ("discrete", 11): 0, ("holding", 100): 0b1000,
                         ("input", 7): 2})
    assert await source.poll_once()
    assert await open_codes(app) == ["FT", "TMP", "WL", "YX"]
    [ft] = [i for i in await incidents(app) if i.code == "FT"]
    assert (ft.point, ft.text) == ("Fire loop 2", "Loop fault")
    plant.values.update({("holding", 100): 0b0111, ("input", 7): 3})  # other bits: no alarm
    assert await source.poll_once()
    assert await open_codes(app) == ["FT", "YX"]
    assert await source.poll_once()  # unchanged: nothing sent
    normal(plant)
    assert await source.poll_once()
    states = {i.code: (i.state, i.count) for i in await incidents(app)}
    assert states == {c: (State.RESOLVED, 1) for c in ("FT", "TMP", "WL", "YX")}
    stored = [(e["code"], e["state"]) for e in await events(app, "plc")]
    assert stored.count(("FT", "alarm")) == 1 and stored[-1][1] == "clear"


async def test_changes_while_the_connection_is_down_are_read_at_reconnect(intake_app, plant):
    normal(plant)
    plant.values[("coil", 10)] = 1
    app = await intake_app(modbus_yaml(plant.port))
    source = await started(app)
    assert await open_codes(app) == ["FT"]
    await plant.stop()
    assert not await source.poll_once()
    assert source.failures == 1 and source.last_error
    plant.values.update({("coil", 10): 0, ("holding", 100): 0b1000})  # while unreachable
    await plant.start()  # the same port again
    assert await source.poll_once()
    assert source.failures == 0
    states = {i.code: i.state for i in await incidents(app)}
    assert states == {"FT": State.RESOLVED, "WL": State.OPEN}


async def test_a_device_restart_does_not_raise_standing_alarms_again(intake_app, plant):
    normal(plant)
    plant.values[("coil", 10)] = 1
    app = await intake_app(modbus_yaml(plant.port))
    source = await started(app)
    await plant.stop()
    await plant.start()  # its connection to us is gone; its values are the same
    assert await source.poll_once() or await source.poll_once()
    [ft] = await incidents(app)
    assert (ft.code, ft.state, ft.count) == ("FT", State.OPEN, 1)


async def test_a_service_restart_settles_from_storage(intake_app, plant):
    normal(plant)
    plant.values.update({("coil", 10): 1, ("input", 7): 2})
    first = await intake_app(modbus_yaml(plant.port))
    await started(first)
    await first.stop()
    plant.values[("input", 7)] = 0  # TMP ended while the service was down
    second = await intake_app(modbus_yaml(plant.port))
    await started(second)
    states = {i.code: (i.state, i.count) for i in await incidents(second)}
    assert states == {"FT": (State.OPEN, 1), "TMP": (State.RESOLVED, 1)}


async def test_exception_answers_fail_the_poll_and_change_nothing(intake_app, plant):
    normal(plant)
    plant.values[("coil", 10)] = 1
    app = await intake_app(modbus_yaml(plant.port))
    source = await started(app)
    plant.refuse = ExcCodes.DEVICE_FAILURE
    plant.values[("coil", 10)] = 0
    assert not await source.poll_once()
    assert source.failures == 1 and "coil 10" in source.last_error
    assert await open_codes(app) == ["FT"]  # a failed read is not a clear
    plant.refuse = None
    assert await source.poll_once()
    assert await open_codes(app) == []


class Junk:
    """A TCP peer that answers every request with `reply` (or never, when None)."""

    def __init__(self, reply: bytes | None) -> None:
        self.reply = reply
        self.requests = 0
        self.writers: list[asyncio.StreamWriter] = []

    async def handle(self, reader, writer) -> None:
        self.writers.append(writer)
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while await reader.read(260):
                self.requests += 1
                if self.reply is not None:
                    writer.write(self.reply)
                    await writer.drain()


async def serve(junk: Junk):
    server = await asyncio.start_server(junk.handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


@pytest.mark.parametrize("reply", [
    b"\x00\x01\x00\x00\x00\xff\x01\x01",  # a header promising 255 bytes that never come
    b"\xff" * 300,  # noise
    b"\x00\x01\x00\x00\x00\x04\x01\x01\x09\xff",  # a coil answer with 9 bytes claimed, 1 sent
    None,  # nothing at all
])
async def test_garbage_or_silence_from_the_device_is_a_failed_poll(intake_app, clock, reply):
    junk = Junk(reply)
    server, port = await serve(junk)
    try:
        app = await intake_app(modbus_yaml(port, timeout="0.3s"))
        source = await started(app)
        assert source.failures == 1 and junk.requests >= 1
        assert [i for i in await incidents(app) if i.source == "plc"] == []
        assert app.health()["intake"]["sources"]["plc"]["failures"] == 1
    finally:
        for writer in junk.writers:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_a_device_that_stops_answering_makes_the_source_silent(intake_app, plant, clock):
    normal(plant)
    app = await intake_app(modbus_yaml(plant.port))
    source = await started(app)
    await plant.stop()
    assert not await source.poll_once()
    assert not await source.poll_once()
    assert source.next_delay().total_seconds() == 4 * 3600  # backed off to max_backoff
    await app.tick()
    clock.advance(minutes=21)
    await app.tick()
    assert await open_codes(app) == ["source_silent"]
    await plant.start()
    assert await source.poll_once()
    assert await open_codes(app) == []


async def test_an_error_the_library_did_not_expect_is_a_failed_poll_not_a_dead_loop(
        intake_app, plant, monkeypatch):
    from pymodbus.client import AsyncModbusTcpClient

    normal(plant)
    app = await intake_app(modbus_yaml(plant.port))
    source = await started(app)
    real = AsyncModbusTcpClient.read_coils

    async def choke(self, *args, **kwargs):
        raise struct_error("unpack requires a buffer of 2 bytes")

    monkeypatch.setattr(AsyncModbusTcpClient, "read_coils", choke)
    assert not await source.poll_once()
    assert source.failures == 1 and "unpack" in source.last_error
    monkeypatch.setattr(AsyncModbusTcpClient, "read_coils", real)
    plant.values[("coil", 10)] = 1
    assert await source.poll_once()
    assert await open_codes(app) == ["FT"]


def struct_error(text: str) -> Exception:
    import struct

    return struct.error(text)
