"""A simulated paging / nurse-call system speaking ESPA 4.4.4 over TCP, as the slave.

It reads what a master sends byte by byte with its own small parser (not the
service's codec, so a fault in the codec cannot hide itself), and answers as the
test tells it (`mode`):

- "answer": ACK to its selection (`<address> ENQ`), ACK to a good block, NAK to a
  block whose BCC is wrong, and records every good block in `calls`;
- "nak_first": NAKs the first block it gets (a line fault), then as "answer";
- "hang": reads everything and answers nothing;
- "refuse": NAKs every block (it will not take this call);
- "busy": NAKs every selection (not ready);
- "drop": closes the connection as soon as it is selected;
- "drop_block": ACKs the selection, closes the connection when the block comes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

SOH, STX, ETX, EOT, ENQ, ACK, NAK, US, RS = 1, 2, 3, 4, 5, 6, 0x15, 0x1F, 0x1E


@dataclass
class Call:
    header: str
    records: dict[int, str]


@dataclass
class PagingSystem:
    address: str = "2"
    mode: str = "answer"
    port: int = 0
    calls: list[Call] = field(default_factory=list)
    selections: int = 0
    blocks_seen: int = 0  # good or bad, answered or not
    releases: int = 0  # EOTs
    connections: int = 0
    _naked_first: bool = False

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        prev: int | None = None
        try:
            while True:
                byte = await reader.read(1)
                if not byte:
                    return
                b = byte[0]
                if b == ENQ and prev is not None and chr(prev) == self.address:
                    self.selections += 1
                    if self.mode == "drop":
                        return
                    if self.mode != "hang":
                        writer.write(bytes([NAK if self.mode == "busy" else ACK]))
                elif b == SOH:
                    raw = await self._block(reader)
                    if raw is None:
                        return
                    self.blocks_seen += 1
                    answer = self._judge(raw)
                    if answer is None:
                        return
                    if answer:
                        writer.write(bytes([answer]))
                elif b == EOT:
                    self.releases += 1
                prev = b
                await writer.drain()
        except ConnectionError:
            return
        finally:
            writer.close()

    async def _block(self, reader: asyncio.StreamReader) -> bytes | None:
        data = bytearray()
        while True:
            byte = await reader.read(1)
            if not byte:
                return None
            data += byte
            if byte[0] == ETX:
                bcc = await reader.read(1)
                return bytes(data + bcc) if bcc else None

    def _judge(self, raw: bytes) -> int | None:
        """0: say nothing; None: drop the line; else the byte to answer."""
        if self.mode == "drop_block":
            return None
        if self.mode == "hang":
            return 0
        if self.mode == "refuse":
            return NAK
        if self.mode == "nak_first" and not self._naked_first:
            self._naked_first = True
            return NAK
        inner, bcc = raw[:-1], raw[-1]
        check = 0
        for b in inner:
            check ^= b
        if check != bcc:
            return NAK
        head, _, body = inner[:-1].partition(bytes([STX]))
        records = {}
        for part in body.split(bytes([RS])):
            ident, _, value = part.partition(bytes([US]))
            records[int(ident)] = value.decode("iso-8859-1")
        self.calls.append(Call(head.decode("ascii"), records))
        return ACK


@asynccontextmanager
async def paging_system(mode: str = "answer", address: str = "2") -> AsyncIterator[PagingSystem]:
    system = PagingSystem(address=address, mode=mode)
    server = await asyncio.start_server(system.serve, "127.0.0.1", 0)
    system.port = server.sockets[0].getsockname()[1]
    try:
        yield system
    finally:
        server.close()
        await server.wait_closed()


@asynccontextmanager
async def serial_paging_system(mode: str = "answer", address: str = "2"
                               ) -> AsyncIterator[tuple[PagingSystem, str]]:
    """The same system at the far end of a serial line: a pseudo-terminal, whose other
    end (a path like /dev/pts/5) the service opens as its serial device."""
    import os
    import tty

    loop = asyncio.get_running_loop()
    far, near = os.openpty()
    tty.setraw(far)
    tty.setraw(near)
    system = PagingSystem(address=address, mode=mode)
    reader = asyncio.StreamReader()
    protocol = asyncio.StreamReaderProtocol(reader)
    read_transport, _ = await loop.connect_read_pipe(lambda: protocol,
                                                     os.fdopen(far, "rb", buffering=0))
    write_transport, write_protocol = await loop.connect_write_pipe(
        asyncio.streams.FlowControlMixin, os.fdopen(os.dup(far), "wb", buffering=0))
    writer = asyncio.StreamWriter(write_transport, write_protocol, reader, loop)
    task = asyncio.create_task(system.serve(reader, writer))
    try:
        yield system, os.ttyname(near)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        write_transport.close()
        read_transport.close()
        os.close(near)
        await asyncio.sleep(0)
