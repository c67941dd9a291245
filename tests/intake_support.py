"""Helpers for the intake tests: an app with intake sources, real-socket senders, fixtures.

The senders are deliberately small and separate from the receivers they test,
so a receiver bug cannot hide behind a shared helper.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from support import TOKENS, config_text

FIXTURES = Path(__file__).parent / "fixtures"
ENV = {**TOKENS, "SIA_KEY": "0123456789ABCDEF", "MQTT_USER": "sensor", "MQTT_PASS": "pw",
       "POLL_TOKEN": "poll-token-1"}
WAIT = 5.0  # seconds: the bound for waiting on sockets; never a timing assumption


def with_sources(storage: str, extra_yaml: str) -> str:
    """The test config with more sources (YAML indented by two spaces under `sources:`)."""
    text = config_text(storage)
    assert text.count("sources:\n") == 1
    return text.replace("sources:\n", "sources:\n" + extra_yaml.rstrip("\n") + "\n", 1)


def sia_frames() -> list[bytes]:
    lines = (FIXTURES / "sia_dc09_frames.txt").read_text(encoding="ascii").splitlines()
    return [line.strip().encode("ascii") for line in lines if line.strip()
            and not line.startswith("#")]


def espa_blocks() -> list[bytes]:
    lines = (FIXTURES / "espa444_frames.txt").read_text(encoding="ascii").splitlines()
    return [bytes.fromhex(line) for line in lines if line.strip() and not line.startswith("#")]


async def tcp_exchange(port: int, payload: bytes, replies: int, *, terminator: bytes = b"\r",
                       close_write: bool = False) -> list[bytes]:
    """Send bytes in one write, read `replies` answers ending in `terminator`."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(payload)
        await writer.drain()
        if close_write:
            writer.write_eof()
        answers = []
        for _ in range(replies):
            answers.append(await asyncio.wait_for(reader.readuntil(terminator), WAIT))
        return answers
    finally:
        writer.close()
        await writer.wait_closed()


class _Udp(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.replies: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: object) -> None:
        self.replies.put_nowait(data)


async def udp_exchange(port: int, payload: bytes) -> bytes:
    loop = asyncio.get_running_loop()
    transport, proto = await loop.create_datagram_endpoint(
        _Udp, remote_addr=("127.0.0.1", port))
    try:
        transport.sendto(payload)
        return await asyncio.wait_for(proto.replies.get(), WAIT)
    finally:
        transport.close()


async def until(condition, what: str = "condition") -> None:
    """Wait (bounded) for an async condition; for work another task finishes."""
    for _ in range(int(WAIT / 0.01)):
        if await condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


async def incidents(app, state: str | None = None):
    return await app.store.transaction(lambda tx: tx.incidents.listed(state))


async def events(app, source: str):
    return await app.store.transaction(
        lambda tx: tx.rows("SELECT * FROM events WHERE source = ? ORDER BY id", (source,)))
