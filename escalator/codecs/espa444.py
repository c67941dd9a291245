"""ESPA 4.4.4 (the paging interface of fire panels and nurse-call systems). Pure.

We play the paging system (address 2 by default). The panel selects us with
`<address> ENQ` and we answer ACK; it sends data blocks

    SOH header STX record RS record ... ETX BCC     record = id US value

with BCC the XOR of every byte after SOH up to and including ETX. We answer a
good block with ACK (after its event is stored) and a damaged one with NAK, so
the panel sends it again; EOT ends the exchange. Text is ISO-8859-1, so
Finnish and Swedish letters (ä, ö, å) arrive as they were written.

Records: 1 call address, 2 display message, 3 beep coding, 4 call type,
5 number of transmissions, 6 priority, 7 call status, 8 pager status.
Header 1 is "call to pager" (an alarm); other headers (status information,
status requests) are acknowledged and otherwise ignored.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

SOH, STX, ETX, EOT, ENQ, ACK, NAK = 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x15
US, RS = 0x1F, 0x1E
MAX_BLOCK = 1024  # far more than any pager text; longer is noise or an attack
RECORDS = {1: "call_address", 2: "display_message", 3: "beep_coding", 4: "call_type",
           5: "transmissions", 6: "priority", 7: "call_status", 8: "pager_status"}
CALL_TO_PAGER = "1"


class EspaError(ValueError):
    """A block we cannot accept; the panel gets a NAK."""


@dataclass(frozen=True)
class Block:
    header: str
    records: dict[int, str]

    @property
    def address(self) -> str:
        return self.records.get(1, "")

    @property
    def message(self) -> str:
        return self.records.get(2, "")

    def named(self) -> dict[str, str]:
        return {RECORDS[k]: v for k, v in self.records.items() if k in RECORDS}


def bcc(data: bytes) -> int:
    value = 0
    for byte in data:
        value ^= byte
    return value


def encode_block(header: str, records: dict[int, str]) -> bytes:
    """A block as a panel sends it (for tests and tools)."""
    body = bytes([RS]).join(str(k).encode() + bytes([US]) + v.encode("iso-8859-1")
                            for k, v in records.items())
    inner = header.encode() + bytes([STX]) + body + bytes([ETX])
    return bytes([SOH]) + inner + bytes([bcc(inner)])


def parse_block(raw: bytes) -> Block:
    """`SOH header STX records ETX BCC` -> Block; EspaError says what is wrong."""
    if len(raw) < 5 or raw[0] != SOH or raw[-2] != ETX:
        raise EspaError("not a SOH ... ETX BCC block")
    inner = raw[1:-1]
    if bcc(inner) != raw[-1]:
        raise EspaError(f"BCC {raw[-1]:#04x} does not match {bcc(inner):#04x}")
    stx = inner.find(bytes([STX]))
    if stx < 0:
        raise EspaError("no STX between header and records")
    header = inner[:stx].decode("iso-8859-1")
    if not header or any(ch < 0x20 for ch in inner[:stx]):
        raise EspaError("empty or garbled header")
    body = inner[stx + 1:-1]
    records: dict[int, str] = {}
    for part in body.split(bytes([RS])) if body else []:
        ident, sep, value = part.partition(bytes([US]))
        if not sep or not ident.isdigit():
            raise EspaError(f"record {part[:20]!r} is not 'id US value'")
        if any(ch < 0x20 for ch in value):
            raise EspaError(f"control character in record {int(ident)}")
        records[int(ident)] = value.decode("iso-8859-1")
    return Block(header, records)


@dataclass
class Link:
    """The receiving side of the line: bytes in, what to do out.

    `feed` yields ("reply", bytes) to send at once, ("block", Block) to store and
    then ACK, ("bad", reason) to NAK, ("poll", "") for a select or poll of us (a
    sign of life) and ("end", "") for EOT.
    """

    address: str = "2"
    _block: bytearray | None = None
    _await_bcc: bool = False
    _skipping: bool = False
    _last: int | None = None  # the byte before an ENQ is the address

    def feed(self, data: bytes) -> Iterator[tuple[str, object]]:
        for byte in data:
            yield from self._byte(byte)

    def _byte(self, byte: int) -> Iterator[tuple[str, object]]:
        if self._block is not None:
            yield from self._in_block(byte)
            return
        if self._skipping and byte not in (SOH, EOT, ENQ):
            return
        self._skipping = False
        if byte == SOH:
            self._block = bytearray([SOH])
        elif byte == ENQ:
            addr = chr(self._last) if self._last is not None and 0x30 <= self._last <= 0x39 \
                else None
            if addr is None or addr == self.address:
                yield ("poll", "")
                yield ("reply", bytes([ACK]))
        elif byte == EOT:
            yield ("end", "")
        self._last = byte

    def _in_block(self, byte: int) -> Iterator[tuple[str, object]]:
        assert self._block is not None
        self._block.append(byte)
        if self._await_bcc:
            raw, self._block, self._await_bcc = bytes(self._block), None, False
            self._last = None
            try:
                yield ("block", parse_block(raw))
            except EspaError as exc:
                yield ("bad", str(exc))
        elif byte == SOH:  # the sender gave up on a truncated block and starts again
            self._block = bytearray([SOH])
        elif byte == EOT:
            self._block = None
            yield ("end", "")
        elif byte == ETX:
            self._await_bcc = True
        elif len(self._block) > MAX_BLOCK:
            self._block, self._skipping = None, True
            yield ("bad", f"block longer than {MAX_BLOCK} bytes")
