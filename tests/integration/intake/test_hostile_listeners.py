"""Hostile input on the building network, against the real listeners (issue 11, 1 and 2).

A hostile e-mail must not delay a concurrent webhook alarm by more than 100 ms,
and a thousand idle sockets from one machine must not stop intake from another.
Everything goes over real sockets: smtplib to the SMTP receiver, aiohttp to the
HTTP listener, a separate process holding the idle sockets.
"""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import subprocess
import sys
import time
from contextlib import asynccontextmanager

import aiohttp
from intake_support import ENV, WAIT, tcp_exchange, with_sources
from outside import free_port

from escalator.codecs import dc09
from escalator.entrypoints.receivers.listeners import HTTP_LIMITS

SOURCES = """\
  mailbox:
    kind: email
    listen: 127.0.0.1:0
    rules:
      - match: "Maavuoto (?P<where>.+) alkoi"
        code: YX
        point: "{where}"
  panel:
    kind: sia
    listen: 127.0.0.1:0
    protocol: tcp
    timestamp_window: off
    accounts:
      - account: "1234"
        allow_unencrypted: true
"""
TOKEN = ENV["ESCALATOR_TERMINAL_TOKEN"]


@asynccontextmanager
async def serving(tmp_path, clock, recorder):
    from escalator.app import Escalator
    from escalator.config import load_config_text

    text = with_sources(f"sqlite:///{tmp_path}/e.db", SOURCES).replace(
        "listen: 127.0.0.1:8089", f"listen: 127.0.0.1:{free_port()}")
    cfg, _ = load_config_text(text, env=ENV)
    app = Escalator(cfg, clock=clock, env=ENV,
                    notifiers={"telegram": recorder, "email": recorder, "sms": recorder})
    await app.start(serve_http=True, schedule=False)
    try:
        yield app
    finally:
        await app.stop()



async def post_alarm(port: int, code: str, *, local: str = "127.0.0.1") -> tuple[int, float]:
    """One webhook alarm over a fresh connection from `local`; (status, seconds taken)."""
    connector = aiohttp.TCPConnector(local_addr=(local, 0), force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        async with session.post(f"http://127.0.0.1:{port}/api/v1/events",
                                json={"code": code, "point": "Huone 12"},
                                headers={"Authorization": f"Bearer {TOKEN}"},
                                timeout=aiohttp.ClientTimeout(total=WAIT * 2)) as resp:
            await resp.read()
            return resp.status, time.perf_counter() - started


def hostile_mail() -> bytes:
    """About 1 MB: a 64 KB folded Subject that is quadratic for a backtracking engine
    (each "Maavuoto" starts a `.+` that runs to the end and never finds "alkoi"),
    and a body of the same words."""
    words = " ".join(["Maavuoto x"] * 6_000)
    folded = "\r\n ".join(words[i:i + 70] for i in range(0, len(words), 70))
    body = ("Maavuoto " * 100 + "\r\n") * 1_050
    return (f"From: terminal@example.test\r\nTo: alarms@example.test\r\n"
            f"Subject: {folded}\r\nMessage-ID: <hostile-1@example.test>\r\n\r\n{body}"
            ).encode()


SENDER = r"""
import smtplib, sys
mail = sys.stdin.buffer.read()
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=120) as client:
    client.sendmail("terminal@example.test", ["alarms@example.test"], mail)
print("sent", flush=True)
"""


async def test_a_hostile_mail_delays_a_webhook_alarm_by_at_most_100_ms(tmp_path, clock,
                                                                         recorder):
    """The sender is a real SMTP client in another process (another machine, as far as
    the service can tell). "Delay" is the webhook's worst latency while the mail is
    received and read, beyond its worst latency just before on the same machine, so a
    busy test machine's own hiccups do not count against the service. Up to three
    mails: a machine's stray hiccup may spoil one measurement, a real stall (the
    quadratic regex on the loop took 18 s) spoils every one."""
    async with serving(tmp_path, clock, recorder) as app:
        port, smtp_port = app.http_port, app.intake["mailbox"].port
        mail = hostile_mail()
        assert len(mail) > 1_000_000
        seen = []
        for attempt in range(3):
            baseline = [(await post_alarm(port, f"BASE{attempt}-{i}"))[1] for i in range(10)]
            sending = asyncio.create_task(asyncio.to_thread(
                subprocess.run, [sys.executable, "-c", SENDER, str(smtp_port)], input=mail,
                capture_output=True, timeout=120))
            latencies = []
            while not sending.done() or not latencies:
                status, took = await post_alarm(port, f"DURING{attempt}-{len(latencies)}")
                assert status == 202
                latencies.append(took)
            sent = await sending
            assert sent.stdout.strip() == b"sent", sent.stderr[-500:]
            seen.append((max(latencies), max(baseline)))
            if max(latencies) - max(baseline) <= 0.100:
                break
        else:
            raise AssertionError("a webhook alarm was delayed more than 100 ms in every try: " +
                                 ", ".join(f"{d * 1000:.0f} ms (at most {b * 1000:.0f} ms just "
                                           "before)" for d, b in seen))
        stored = await app.store.transaction(lambda tx: tx.incidents.listed("open"))
        assert any(i.source == "mailbox" for i in stored)  # the mail itself was not lost


HOLDER = r"""
import select, socket, sys, resource
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard < 4096 else 4096, hard))
count = int(sys.argv[1]); ports = [int(p) for p in sys.argv[2:]]
held = []
for port in ports:
    for _ in range(count):
        s = socket.socket(); s.setblocking(False); s.bind(("127.0.0.1", 0))
        s.connect_ex(("127.0.0.1", port)); held.append(s)
poller = select.poll()
for s in held:
    poller.register(s, select.POLLOUT)
pending, deadline = {s.fileno() for s in held}, 3.0
while pending and deadline > 0:
    for fd, _ in poller.poll(100):
        pending.discard(fd); poller.unregister(fd)
    deadline -= 0.1
print("holding", len(held) - len(pending), flush=True)
sys.stdin.read()
"""


async def test_a_thousand_idle_sockets_from_one_client_do_not_stop_another(
        tmp_path, clock, recorder, caplog):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    in_use = len(os.listdir("/proc/self/fd"))
    # the usual 1,024 handles: far fewer than the sockets the other machine opens
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, in_use + 700), hard))
    try:
        async with serving(tmp_path, clock, recorder) as app:
            sia_port = app.intake["panel"].tcp_port
            holder = subprocess.Popen(
                [sys.executable, "-c", HOLDER, "1000", str(app.http_port), str(sia_port)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            try:
                line = await asyncio.to_thread(holder.stdout.readline)  # type: ignore[union-attr]
                assert line.startswith("holding")
                await asyncio.sleep(0.2)  # let the loop take in the flood (not a timing check)
                status, _ = await post_alarm(app.http_port, "FLOOD1", local="127.0.0.2")
                assert status == 202
                frame = dc09.frame('"SIA-DCS"0001L0#1234[#1234|Nri1/FA101]')
                [reply] = await tcp_exchange_from(sia_port, frame)
                assert b'"ACK"' in reply
            finally:
                holder.stdin.close()  # type: ignore[union-attr]
                holder.wait(timeout=WAIT)
                holder.stdout.close()  # type: ignore[union-attr]
            assert app.http_gate is not None
            assert app.http_gate.refused > 0  # the flood was turned away, not held
            assert app.http_gate.total <= HTTP_LIMITS.per_client
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors[:3]]
    warnings = [r for r in caplog.records if r.name == "escalator.entrypoints.receivers.listeners"]
    assert len(warnings) <= 8  # a few per listener and client, not one per socket


async def tcp_exchange_from(port: int, payload: bytes) -> list[bytes]:
    """`tcp_exchange`, but from 127.0.0.2: another machine than the flooding one."""
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection("127.0.0.1", port, local_addr=("127.0.0.2", 0)), WAIT)
    try:
        writer.write(payload)
        await writer.drain()
        return [await asyncio.wait_for(reader.readuntil(b"\r"), WAIT)]
    finally:
        writer.close()
        await writer.wait_closed()


__all__ = ["tcp_exchange"]


async def test_a_silent_connection_is_closed_after_the_idle_time_and_caps_hold():
    from escalator.entrypoints.receivers.listeners import Limits, listen, stream_factory

    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(await reader.read(10))
        await writer.drain()
        await reader.read()  # then stay until the peer or the gate closes us
        writer.close()

    server, gate = await listen("test", stream_factory(echo), "127.0.0.1", 0,
                                Limits(total=3, per_client=2, idle=0.2))
    port = server.sockets[0].getsockname()[1]
    try:
        first = await asyncio.open_connection("127.0.0.1", port)
        second = await asyncio.open_connection("127.0.0.1", port)
        third = await asyncio.open_connection("127.0.0.1", port)  # over the per-client cap
        assert await asyncio.wait_for(third[0].read(), WAIT) == b""
        other = await asyncio.open_connection("127.0.0.1", port, local_addr=("127.0.0.2", 0))
        other[1].write(b"hello")
        assert await asyncio.wait_for(other[0].read(5), WAIT) == b"hello"
        # nobody speaks again: the gate closes every silent connection
        for reader, _ in (first, second, other):
            assert await asyncio.wait_for(reader.read(), WAIT) == b""
        assert gate.total == 0 and gate.refused == 1
        for _, writer in (first, second, third, other):
            writer.close()
    finally:
        server.close()
        await server.wait_closed()


async def test_a_connection_that_keeps_talking_stays_and_is_closed_once_it_stops():
    """Idle means no data for the idle time, counted from the last chunk: a device that
    keeps sending within it is never cut off, and one that falls silent is."""
    from escalator.entrypoints.receivers.listeners import Limits, listen, stream_factory

    heard: list[bytes] = []

    async def sink(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while chunk := await reader.read(10):
            heard.append(chunk)
        writer.close()

    server, gate = await listen("test", stream_factory(sink), "127.0.0.1", 0,
                                Limits(total=3, per_client=2, idle=1.0))
    port = server.sockets[0].getsockname()[1]
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for n in range(10):  # 10 chunks 0.25 s apart: 2.5 s in all, over twice the idle time
            writer.write(b"%d" % n)
            await writer.drain()
            await asyncio.sleep(0.25)
        assert gate.total == 1  # still open: it never went quiet for the idle time
        assert b"".join(heard) == b"0123456789"
        assert await asyncio.wait_for(reader.read(), WAIT) == b""  # silent now: closed
        assert gate.total == 0
        writer.close()
    finally:
        server.close()
        await server.wait_closed()


async def test_connections_left_open_are_closed_when_the_service_stops(tmp_path, clock,
                                                                        recorder):
    """An idle device's socket does not outlive the service (Server.close() alone only
    stops new connections): each listener closes what it still holds."""
    async with serving(tmp_path, clock, recorder) as app:
        ports = {"http": app.http_port, "smtp": app.intake["mailbox"].port,
                 "sia": app.intake["panel"].tcp_port}
        held = {name: await asyncio.open_connection("127.0.0.1", port)
                for name, port in ports.items()}
        await asyncio.sleep(0.05)  # let the listeners take them in (not a timing check)
        greeting = await asyncio.wait_for(held["smtp"][0].readline(), WAIT)
        assert greeting.startswith(b"220")
    for name, (reader, writer) in held.items():
        try:  # the far end went away: end of stream, or a reset
            assert await asyncio.wait_for(reader.read(), WAIT) == b"", name
        except ConnectionResetError:
            pass
        writer.close()
