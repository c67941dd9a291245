"""A neighbour on the building network cannot fill a listener (issue 19, point 4).

Measured before: five addresses with 64 sockets each, sending one header line
every 50 s, blocked the webhook for everyone; nine addresses with 32 each
blocked SIA. Here a separate process does the same from 127.0.0.2-10 (real
sockets, loopback only) and the configured terminal at 127.0.0.20 still gets
its webhook alarm (202) and its SIA frame (ACK) through: slots are kept for
the sources' `from:` addresses. And a head or frame that dribbles is closed at
its deadline, however often a byte comes.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
from contextlib import asynccontextmanager

import aiohttp
from intake_support import ENV, WAIT, with_sources
from outside import free_port

from escalator.codecs import dc09

TERMINAL = "127.0.0.20"
SOURCES = f"""\
  panel:
    kind: sia
    listen: 127.0.0.1:0
    protocol: tcp
    timestamp_window: off
    from: [{TERMINAL}]
    accounts:
      - account: "1234"
        allow_unencrypted: true
"""
TOKEN = ENV["ESCALATOR_TERMINAL_TOKEN"]

# opens `per` sockets from each of `addresses` to `port`, sends the start of a request
# head (or frame), then one more line to each every 0.5 s until stdin closes
DRIBBLER = r"""
import select, socket, sys, time
port, per, kind = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
addresses = sys.argv[4:]
start, line = ((b"GET / HTTP/1.1\r\nHost: x\r\n", b"X-Slow: 1\r\n") if kind == "http"
               else (b"\n\"SIA-DCS\"", b"0"))
held = []
for address in addresses:
    for _ in range(per):
        s = socket.socket()
        s.bind((address, 0))
        try:
            s.connect(("127.0.0.1", port))
            s.send(start)
        except OSError:
            pass
        held.append(s)
print("holding", len(held), flush=True)
while not select.select([sys.stdin], [], [], 0.5)[0]:
    for s in held:
        try:
            s.send(line)
        except OSError:
            pass
for s in held:
    s.close()
"""


@asynccontextmanager
async def serving(tmp_path, clock, recorder):
    from escalator.app import Escalator
    from escalator.config import load_config_text

    text = with_sources(f"sqlite:///{tmp_path}/e.db", SOURCES).replace(
        "listen: 127.0.0.1:8089", f"listen: 127.0.0.1:{free_port()}")
    text = text.replace("    token_env: ESCALATOR_TERMINAL_TOKEN\n",
                        f"    token_env: ESCALATOR_TERMINAL_TOKEN\n    from: [{TERMINAL}]\n", 1)
    assert text.count(f"from: [{TERMINAL}]") == 2  # the webhook source and the panel
    cfg, _ = load_config_text(text, env=ENV)
    app = Escalator(cfg, clock=clock, env=ENV,
                    notifiers={"telegram": recorder, "email": recorder, "sms": recorder})
    await app.start(serve_http=True, schedule=False)
    try:
        yield app
    finally:
        await app.stop()


@asynccontextmanager
async def dribbling(port: int, per: int, kind: str, addresses: list[str]):
    proc = subprocess.Popen([sys.executable, "-c", DRIBBLER, str(port), str(per), kind,
                             *addresses], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    try:
        line = await asyncio.to_thread(proc.stdout.readline)  # type: ignore[union-attr]
        assert line.startswith("holding")
        yield
    finally:
        proc.stdin.close()  # type: ignore[union-attr]
        proc.wait(timeout=WAIT * 2)
        proc.stdout.close()  # type: ignore[union-attr]


async def until(condition, what: str) -> None:
    for _ in range(int(WAIT / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"not within {WAIT} s: {what}")


async def post_alarm(port: int) -> int:
    connector = aiohttp.TCPConnector(local_addr=(TERMINAL, 0), force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session, session.post(
            f"http://127.0.0.1:{port}/api/v1/events", json={"code": "FT", "point": "Huone 3"},
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=aiohttp.ClientTimeout(total=WAIT)) as resp:
        return resp.status


async def sia_frame(port: int) -> bytes:
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection("127.0.0.1", port, local_addr=(TERMINAL, 0)), WAIT)
    try:
        writer.write(dc09.frame('"SIA-DCS"0001L0#1234[#1234|Nri1/FA101]'))
        await writer.drain()
        return await asyncio.wait_for(reader.readuntil(b"\r"), WAIT)
    finally:
        writer.close()
        await writer.wait_closed()


NEIGHBOURS = [f"127.0.0.{n}" for n in range(2, 11)]


async def test_five_times_64_dribbling_sockets_leave_the_terminal_its_webhook(
        tmp_path, clock, recorder):
    async with serving(tmp_path, clock, recorder) as app:
        gate = app.http_gate
        assert gate is not None
        async with dribbling(app.http_port, 64, "http", NEIGHBOURS[:5]):
            await until(lambda: gate.refused >= 5 * 64 - 256, "the flood reaches the cap")
            assert gate.total >= 192  # the neighbours hold every slot they may
            assert await post_alarm(app.http_port) == 202


async def test_nine_times_32_dribbling_sockets_leave_the_panel_its_sia_frame(
        tmp_path, clock, recorder):
    async with serving(tmp_path, clock, recorder) as app:
        receiver = app.intake["panel"]
        gate = receiver.gate
        async with dribbling(receiver.tcp_port, 32, "sia", NEIGHBOURS):
            await until(lambda: gate.refused >= 9 * 32 - 256, "the flood reaches the cap")
            assert b'"ACK"' in await sia_frame(receiver.tcp_port)


async def test_a_dribbled_head_or_frame_is_closed_at_its_deadline():
    """One byte every 50 ms keeps the idle timer (3 s) from ever firing; the head
    deadline (0.3 s from the first byte) closes it anyway. A configured address may
    open its line and wait; a complete request in pieces is not cut."""
    from escalator.domain.outbound import parse_network
    from escalator.entrypoints.receivers.listeners import (
        Limits,
        http_frames,
        listen,
        stream_factory,
    )

    heard: list[bytes] = []

    async def sink(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while chunk := await reader.read(100):
            heard.append(chunk)
        writer.close()

    trusted = (parse_network(TERMINAL),)
    server, gate = await listen("test", stream_factory(sink), "127.0.0.1", 0,
                                Limits(total=8, per_client=4, idle=3.0, reserved=2, head=0.3),
                                trusted=lambda: trusted, frames=http_frames)
    port = server.sockets[0].getsockname()[1]
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port,
                                                       local_addr=("127.0.0.2", 0))
        writer.write(b"GET / HTTP/1.1\r\n")
        closed = False
        for _ in range(100):  # 5 s of one header byte every 50 ms
            try:
                writer.write(b"X")
                await writer.drain()
            except ConnectionError:
                closed = True
                break
            await asyncio.sleep(0.05)
            if reader.at_eof() or writer.is_closing():
                closed = True
                break
            closed = gate.late == 1
            if closed:
                break
        assert closed and gate.late == 1
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
        # a configured terminal opens its line and says nothing for longer than the deadline
        quiet = await asyncio.open_connection("127.0.0.1", port, local_addr=(TERMINAL, 0))
        # a stranger sends a whole request in two pieces within the deadline
        ok = await asyncio.open_connection("127.0.0.1", port, local_addr=("127.0.0.3", 0))
        ok[1].write(b"POST / HTTP/1.1\r\nContent-Length: 4\r\n")
        await ok[1].drain()
        await asyncio.sleep(0.1)
        ok[1].write(b"\r\nbody")
        await ok[1].drain()
        await asyncio.sleep(0.6)  # twice the deadline (what is checked is what was closed)
        assert gate.late == 1 and gate.total == 2
        for _, w in (quiet, ok):
            w.close()
            await w.wait_closed()
        await until(lambda: gate.total == 0, "the server's ends closed")
        await asyncio.sleep(0)  # let the handlers return before the loop goes
    finally:
        server.close()
        await server.wait_closed()
