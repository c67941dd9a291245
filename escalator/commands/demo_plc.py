"""`escalator demo --bms modbus`: the building's automation controller as a Modbus TCP device.

In many care homes the "terminal" of the story is the building automation system
itself, and it speaks Modbus, BACnet or OPC UA rather than webhooks. With `--bms
modbus` the demo starts a small Modbus TCP device on 127.0.0.1 (pymodbus' own server,
the library the real source uses) whose coils are the building's alarm contacts; the
demo's config gets a `modbus` source polling it, and the story's fire-alarm loop
fault is raised by closing a coil, not by a webhook. Everything after that (the
ladder, the cards, the follow-through until the coil opens again) is the same.
"""

from __future__ import annotations

from typing import Any

from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

SIZE = 32  # coils; the demo uses a handful
SOURCE = "bms"
# (coil, code, point, text) the demo's point map names; the story's loop fault is coil 1
POINTS = (
    (1, "FT", "Palosilmukka 2, B-siipi", "Silmukkavika, ilmaisinlinja 2"),
    (2, "WA", "Keittiö, astianpesu", "Vesivuoto lattialla"),
)


class DemoPlc:
    """A Modbus TCP device whose coils the demo closes and opens."""

    def __init__(self) -> None:
        self.coils: dict[int, bool] = {}
        self.port = 0
        self._server: ModbusTcpServer | None = None

    def set(self, coil: int, on: bool) -> None:
        self.coils[coil] = on

    async def _read(self, fc: int, start: int, address: int, count: int,
                    registers: list[int], set_values: Any) -> None:
        """pymodbus' simulator packs 16 bits to a register: fill the ones asked for."""
        for q in range(address // 16, address // 16 + count):
            registers[q] = sum(1 << j for j in range(16) if self.coils.get(q * 16 + j))

    async def start(self) -> None:
        def block(kind: DataType) -> list[SimData]:
            return [SimData(0, count=SIZE, values=0, datatype=kind)]
        device = SimDevice(id=1, action=self._read, simdata=(
            block(DataType.BITS), block(DataType.BITS), block(DataType.REGISTERS),
            block(DataType.REGISTERS)))
        self._server = ModbusTcpServer(device, address=("127.0.0.1", 0))
        await self._server.listen()
        listening: Any = self._server.transport  # an asyncio Server once listening
        self.port = listening.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.shutdown()
            self._server = None


def source_yaml(port: int) -> str:
    """The demo's `modbus` source over the device on `port`, polled every 2 s, as YAML
    lines that go under the config's `sources:` key."""
    points = "".join(f"      - {{table: coil, address: {coil}, code: {code}, point: \"{point}\","
                     f" text: \"{text}\"}}\n" for coil, code, point, text in POINTS)
    return (f"  {SOURCE}:\n    kind: modbus\n    device: 127.0.0.1:{port}\n    unit: 1\n"
            f"    every: 2s\n    timeout: 2s\n    heartbeat_timeout: 10m\n"
            f"    points:\n{points}")


def with_source(config_yaml: str, port: int) -> str:
    """The demo config's text with the Modbus source added under `sources:`."""
    head, sep, rest = config_yaml.partition("sources:\n")
    if not sep:
        raise ValueError("the demo config has no sources: section")
    return head + sep + source_yaml(port) + rest
