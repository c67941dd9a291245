"""Modbus point maps: which registers to read, and which readings are alarms (pure).

A Modbus device has no alarm list of its own, only numbers: coils and discrete
inputs (one bit each), holding and input registers (16 bits each). The YAML
point map says, per point, where it is (`table`, `address`, for a register
optionally a `bit` 0-15), what it means (`code`, `point`, `text`) and which
value is the alarm (`alarm`, default 1: a set bit, a register equal to it).
This module turns the map into as few read requests as Modbus allows and a set
of readings into the active alarms; the receiver (entrypoints/receivers/modbus.py)
does the I/O and the diffing against what is stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

TABLES = ("coil", "discrete", "holding", "input")
BIT_TABLES = ("coil", "discrete")
# the largest read of one request, per the Modbus application protocol
MAX_COUNT = {"coil": 2000, "discrete": 2000, "holding": 125, "input": 125}
GAP = 16  # read over a hole this small rather than send another request


@dataclass(frozen=True)
class Point:
    """One alarm input of the device, as configured."""

    table: str
    address: int
    code: str
    point: str = ""
    text: str = ""
    bit: int | None = None
    alarm: int = 1
    severity: str = ""

    def is_alarm(self, value: int) -> bool:
        """A bit (a coil, or `bit` of a register) or a whole register equal to `alarm`."""
        if self.bit is not None:
            value = (value >> self.bit) & 1
        elif self.table in BIT_TABLES:
            value = 1 if value else 0
        return value == self.alarm


@dataclass(frozen=True)
class Read:
    """One request: `count` values of `table` from `address`."""

    table: str
    address: int
    count: int


def plan_reads(points: Iterable[Point]) -> list[Read]:
    """The requests that cover every point: neighbours share one, small holes are read over."""
    reads: list[Read] = []
    for table in TABLES:
        addresses = sorted({p.address for p in points if p.table == table})
        start = end = -1
        for address in addresses:
            if start >= 0 and address - end <= GAP and address - start < MAX_COUNT[table]:
                end = address
                continue
            if start >= 0:
                reads.append(Read(table, start, end - start + 1))
            start = end = address
        if start >= 0:
            reads.append(Read(table, start, end - start + 1))
    return reads


def readings(read: Read, values: list[int] | list[bool]) -> dict[tuple[str, int], int]:
    """The answer to one request as {(table, address): value}; a short answer is an error."""
    if len(values) < read.count:
        raise ValueError(f"{read.table} {read.address}: {len(values)} values for {read.count}")
    return {(read.table, read.address + i): int(values[i]) & 0xFFFF for i in range(read.count)}


def active(points: Iterable[Point],
           values: Mapping[tuple[str, int], int]) -> dict[tuple[str, str], Point]:
    """The points in alarm, by (code, point): what the receiver compares with the last poll."""
    return {(p.code, p.point): p for p in points
            if (p.table, p.address) in values and p.is_alarm(values[(p.table, p.address)])}
