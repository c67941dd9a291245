"""ESPA 4.4.4 as the sending side (the master): select the paging system, hand it one
call block, release the line. Bytes only; the channel (notify/paging.py) decides what
the block says.

The exchange, as ISO 1745 basic mode and ESPA 4.4.4 describe it:

    we:     <address> ENQ                  select the paging system
    it:     ACK (ready)  |  NAK (not ready)
    we:     SOH 1 STX records ETX BCC      one "call to pager" block
    it:     ACK (taken)  |  NAK (damaged: we send it again)
    we:     EOT                            the line is free again

Every answer is awaited for `answer_within`; a missing answer or a NAK is tried
again up to `retries` times (the selection and the block each). Only the ACK of
the block is acceptance: what counts as "sent" for this channel. Why each failure
is what it is for the dispatcher (notify/base.py Notifier):

- no connection, or the connection dropped mid-exchange: `unreachable`, retried
  (a converter restarting, a cable pulled);
- no answer after every try: `timeout`, retried;
- the selection NAKed every time (the system is busy): `busy`, retried;
- the block NAKed every time: `refused`, not retried; the party's next contact is
  tried at once, because a system that rejects this block will reject it again.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from escalator.codecs.espa444 import ACK, ENQ, EOT, NAK
from escalator.domain.errors import NotifyError
from escalator.notify.serial_line import Close, open_serial


@dataclass(frozen=True)
class Line:
    host: str = ""
    port: int = 0
    address: str = "2"  # the paging system's station address, one digit
    answer_within: float = 2.0  # seconds for each ACK/NAK
    retries: int = 2  # further tries after the first, for the selection and the block
    device: str = ""  # a serial port instead of host and port
    baudrate: int = 9600


async def page(line: Line, block: bytes) -> None:
    """Open the line, deliver `block`, close it; returns only when the block was ACKed."""
    try:
        reader, writer, close = await asyncio.wait_for(_open(line), line.answer_within)
    except TimeoutError:
        raise NotifyError("paging: no connection within "
                          f"{line.answer_within:g}s", recoverable=True, kind="timeout") from None
    except OSError as exc:
        raise NotifyError(f"paging: cannot connect ({exc.strerror or exc})", recoverable=True,
                          kind="unreachable") from None
    try:
        await _exchange(line, reader, writer, block)
    finally:
        try:
            await asyncio.wait_for(close(), 1.0)
        except (OSError, TimeoutError):
            pass


async def _open(line: Line) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, Close]:
    if line.device:
        return await open_serial(line.device, line.baudrate)
    reader, writer = await asyncio.open_connection(line.host, line.port)

    async def close() -> None:
        writer.close()
        await writer.wait_closed()

    return reader, writer, close


async def _exchange(line: Line, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    block: bytes) -> None:
    select = line.address.encode("ascii") + bytes([ENQ])
    answer = await _tries(line, reader, writer, select)
    if answer != ACK:
        raise _failed("the selection", answer, line, busy=True)
    answer = await _tries(line, reader, writer, block)
    if answer != ACK:
        raise _failed("the call block", answer, line, busy=False)
    try:  # the block is taken; releasing the line is courtesy, not acceptance
        writer.write(bytes([EOT]))
        await asyncio.wait_for(writer.drain(), line.answer_within)
    except (OSError, TimeoutError):
        pass


async def _tries(line: Line, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 data: bytes) -> int | None:
    """Send `data` until ACKed, at most 1 + retries times; the last answer (None: none)."""
    answer: int | None = None
    for _ in range(1 + line.retries):
        try:
            writer.write(data)
            await writer.drain()
        except OSError as exc:
            raise _dropped(exc) from None
        answer = await _answer(line, reader)
        if answer == ACK:
            return ACK
    return answer


async def _answer(line: Line, reader: asyncio.StreamReader) -> int | None:
    """The next ACK or NAK within `answer_within` (other bytes are line noise); None if none."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + line.answer_within
    while (left := deadline - loop.time()) > 0:
        try:
            byte = await asyncio.wait_for(reader.read(1), left)
        except TimeoutError:
            return None
        except OSError as exc:
            raise _dropped(exc) from None
        if not byte:
            raise _dropped(None)
        if byte[0] in (ACK, NAK):
            return byte[0]
    return None


def _dropped(exc: OSError | None) -> NotifyError:
    why = f" ({exc.strerror or exc})" if exc is not None else ""
    return NotifyError(f"paging: the connection dropped{why}", recoverable=True,
                       kind="unreachable")


def _failed(what: str, answer: int | None, line: Line, *, busy: bool) -> NotifyError:
    tries = 1 + line.retries
    if answer is None:
        return NotifyError(f"paging: no answer to {what} after {tries} tries",
                           recoverable=True, kind="timeout")
    if busy:
        return NotifyError(f"paging: the system was not ready ({what} NAKed {tries} times)",
                           recoverable=True, kind="busy")
    return NotifyError(f"paging: {what} was refused (NAKed {tries} times)",
                       recoverable=False, kind="refused")
