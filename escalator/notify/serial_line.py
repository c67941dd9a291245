"""A serial port as an asyncio stream, for a paging system wired by RS-232 to this machine.

ESPA 4.4.4 was made for a serial line; many paging and nurse-call systems still have
only that. The port is opened raw (8 data bits, no parity, one stop bit, no flow
control: what ESPA 4.4.4 prescribes) at the configured speed, and handed to asyncio
as two pipe transports over the same descriptor, so the exchange in espa_master.py
runs unchanged over TCP or serial. POSIX only (termios), no extra package.
"""

from __future__ import annotations

import asyncio
import os
import termios
import tty
from collections.abc import Awaitable, Callable

Close = Callable[[], Awaitable[None]]


async def open_serial(device: str, baudrate: int
                      ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, Close]:
    """The port as (reader, writer, close); OSError when it cannot be opened."""
    loop = asyncio.get_running_loop()
    fd = os.open(device, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    try:
        tty.setraw(fd)
        attrs = termios.tcgetattr(fd)
        attrs[4] = attrs[5] = getattr(termios, f"B{baudrate}")
        attrs[2] &= ~(termios.PARENB | termios.CSTOPB | termios.CRTSCTS)
        termios.tcsetattr(fd, termios.TCSANOW, attrs)
        write_fd = os.dup(fd)
    except (OSError, termios.error) as exc:
        os.close(fd)
        raise OSError(f"{device}: {exc}") from None
    reader = asyncio.StreamReader()
    read_protocol = asyncio.StreamReaderProtocol(reader)
    read_transport, _ = await loop.connect_read_pipe(
        lambda: read_protocol, os.fdopen(fd, "rb", buffering=0))
    write_transport, write_protocol = await loop.connect_write_pipe(
        asyncio.streams.FlowControlMixin, os.fdopen(write_fd, "wb", buffering=0))
    writer = asyncio.StreamWriter(write_transport, write_protocol, reader, loop)

    async def close() -> None:
        write_transport.close()
        read_transport.close()
        await asyncio.sleep(0)  # let the transports' close callbacks run

    return reader, writer, close
