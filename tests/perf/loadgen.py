"""Lean load for the rate benchmark (W2): senders in processes of their own, a sink that
only records.

At a few thousand events a second an aiohttp sender and an aiohttp sink sharing one
Python process with the measuring are the limit, not the system measured: the bench
then reports its own ceiling. Here

- each sender is a process of its own (`python loadgen.py send SPEC`) that drives its
  share of the rate (events n = index, index + procs, ...) over a fixed pool of
  keep-alive connections, with hand-written HTTP/1.1 requests on a bare asyncio
  protocol. Every event has its due time `start + n / rate`; time.monotonic is
  CLOCK_MONOTONIC, one clock for every process on Linux, so a sender's due times and
  the sink's arrival times compare directly. It prints, at the end, one JSON line:
  each accepted event's key and due time, how late the sender itself was, the
  failures it saw and the CPU time it used;
- the sink (`LeanSink`) answers every POST with 200 and keeps the raw body with its
  arrival time; parsing waits until the measuring is over.

Latency counts from an event's due time, so a sender that falls behind (or waits for a
free connection) shows in the figures instead of hiding the system's backlog; the
sender's own lateness is reported beside them, to tell the two apart.

Standard library only, and uvloop when it is installed (the senders start in a fraction
of a second).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"


# -- HTTP/1.1 framing, both directions --------------------------------------------------
def _message(buf: bytearray) -> tuple[bytes, bytes, int] | None:
    """(head, body, length used) of the first complete message in `buf`, or None."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = bytes(buf[:end]).lower()
    start = end + 4
    if b"transfer-encoding: chunked" in head:
        body, at = bytearray(), start
        while True:
            eol = buf.find(b"\r\n", at)
            if eol < 0:
                return None
            size = int(bytes(buf[at:eol]).split(b";")[0], 16)
            if len(buf) < eol + 2 + size + 2:
                return None
            body += buf[eol + 2:eol + 2 + size]
            at = eol + 2 + size + 2
            if size == 0:
                return head, bytes(body), at
    length = 0
    marker = head.find(b"content-length:")
    if marker >= 0:
        eol = head.find(b"\r\n", marker)
        length = int(head[marker + 15:eol if eol >= 0 else None].strip())
    if len(buf) < start + length:
        return None
    return head, bytes(buf[start:start + length]), start + length


class _SinkProtocol(asyncio.Protocol):
    def __init__(self, record: Callable[[bytes, bytes, float, float], None]) -> None:
        self._record = record
        self._buf = bytearray()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self._buf += data
        while True:
            found = _message(self._buf)
            if found is None:
                return
            head, body, used = found
            del self._buf[:used]
            self._record(head.split(b" ", 2)[1], body, time.monotonic(), time.time())
            assert self._transport is not None
            self._transport.write(OK)


class LeanSink:
    """A webhook sink that answers 200 at once and keeps (path, body, monotonic, unix
    time) of every POST; `take()` hands over what arrived since the last call."""

    def __init__(self) -> None:
        self._raw: list[tuple[bytes, bytes, float, float]] = []
        self._server: asyncio.Server | None = None

    async def start(self) -> str:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _SinkProtocol(lambda *row: self._raw.append(row)), "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def take(self) -> list[tuple[str, Any, float, float]]:
        rows, self._raw = self._raw, []
        return [(path.decode(), json.loads(body), mono, wall) for path, body, mono, wall in rows]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()


# -- the sender ------------------------------------------------------------------------
class _Conn(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.alive = True
        self._buf = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def request(self, data: bytes) -> asyncio.Future[tuple[int, bytes]]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return self.waiter

    def data_received(self, data: bytes) -> None:
        self._buf += data
        found = _message(self._buf)
        if found is None:
            return
        head, body, used = found
        del self._buf[:used]
        if b"\r\nconnection: close" in head:
            self.alive = False
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result((int(head[9:12]), body))

    def connection_lost(self, exc: Exception | None) -> None:
        self.alive = False
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("closed"))


class _Pool:
    """At most `size` keep-alive connections to one address; a caller waits for one."""

    def __init__(self, host: str, port: int, size: int) -> None:
        self.host, self.port, self.size = host, port, size
        self.open = 0
        self.idle: deque[_Conn] = deque()
        self.waiting: deque[asyncio.Future[_Conn]] = deque()
        self._spares: set[asyncio.Future[None]] = set()

    async def _replace(self, waiter: asyncio.Future[_Conn]) -> None:
        try:
            waiter.set_result(await self._new())
        except OSError as exc:
            waiter.set_exception(ConnectionError(str(exc)))

    async def fill(self) -> None:
        while self.open < self.size:
            self.idle.append(await self._new())

    async def _new(self) -> _Conn:
        self.open += 1
        try:
            _, conn = await asyncio.get_running_loop().create_connection(
                _Conn, self.host, self.port)
        except OSError:
            self.open -= 1
            raise
        return conn

    async def get(self) -> _Conn:
        if self.idle:
            return self.idle.popleft()
        if self.open < self.size:
            return await self._new()
        waiter: asyncio.Future[_Conn] = asyncio.get_running_loop().create_future()
        self.waiting.append(waiter)
        return await waiter

    def put(self, conn: _Conn) -> None:
        if not conn.alive:
            self.open -= 1
            if conn.transport is not None:
                conn.transport.close()
            if self.waiting:  # a replacement for whoever waits
                self._spares.add(asyncio.ensure_future(self._replace(self.waiting.popleft())))
            return
        if self.waiting:
            self.waiting.popleft().set_result(conn)
        else:
            self.idle.append(conn)


def _request(kind: str, host: str, port: int, tag: str, n: int) -> bytes:
    if kind == "esc":
        path, auth = "/api/v1/events", "Authorization: Bearer bench-term\r\n"
        body = json.dumps({"code": "FT", "point": f"{tag}p{n}", "id": f"{tag}e{n}",
                           "state": "alarm"})
    elif kind == "am":
        path, auth = "/api/v2/alerts", ""
        body = json.dumps([{"labels": {"alertname": "bench", "n": f"{tag}{n}"}}])
    else:
        path, auth = "/relay", ""
        body = json.dumps({"n": f"{tag}{n}"})
    data = body.encode()
    return (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{auth}"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
            ).encode() + data


def _key(kind: str, port: int, tag: str, n: int, status: int, body: bytes) -> str | None:
    if kind == "esc":
        return f"{port}:{json.loads(body)['incident']}:FIRST" if status == 202 else None
    if kind == "am":
        return f"{tag}{n}" if status == 200 else None
    return f"{tag}{n}" if status == 202 else None


async def send(spec: dict[str, Any]) -> dict[str, Any]:
    """Drive this process's share of `spec`; see the module docstring."""
    kind, tag, rate = spec["kind"], spec["tag"], float(spec["rate"])
    procs, index = int(spec["procs"]), int(spec["index"])
    targets = [(u.split("//")[1].split(":")[0], int(u.rsplit(":", 1)[1]))
               for u in spec["targets"]]
    pools = [_Pool(h, p, int(spec["conns"])) for h, p in targets]
    for pool in pools:
        await pool.fill()
    mine = range(index, int(spec["count"]), procs)
    requests = {n: _request(kind, *targets[n % len(targets)], tag, n) for n in mine}
    sent: dict[str, float] = {}
    late: list[float] = []
    failed: Counter[str] = Counter()

    async def one(n: int, due: float) -> None:
        pool = pools[n % len(pools)]
        try:
            conn = await pool.get()
        except OSError:  # ConnectionError too
            failed["connection"] += 1
            return
        try:
            status, body = await conn.request(requests[n])
        except ConnectionError:
            failed["connection"] += 1
            pool.put(conn)
            return
        pool.put(conn)
        key = _key(kind, pool.port, tag, n, status, body)
        if key is None:
            failed[f"HTTP {status}"] += 1
        else:
            sent[key] = due

    start = float(spec["start"])
    cpu = time.process_time()
    tasks = []
    for n in mine:
        due = start + n / rate
        delay = due - time.monotonic()
        if delay > 0.0005:
            await asyncio.sleep(delay)
        late.append(max(0.0, time.monotonic() - due))
        tasks.append(asyncio.ensure_future(one(n, due)))
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=60)
    cpu = time.process_time() - cpu
    for pool in pools:
        for conn in pool.idle:
            if conn.transport is not None:
                conn.transport.close()
    late.sort()
    return {"sent": sent, "failed": dict(failed), "cpu_s": cpu,
            "late_p99": late[int(len(late) * 0.99)] if late else 0.0,
            "late_max": late[-1] if late else 0.0}


async def drive(kind: str, targets: list[str], rate: float, count: int, tag: str,
                procs: int, conns: int) -> dict[str, Any]:
    """Run `procs` sender processes together; their results merged."""
    start = time.monotonic() + 1.0  # time for the processes to start and connect
    spec = {"kind": kind, "targets": targets, "rate": rate, "count": count, "tag": tag,
            "procs": procs, "start": start, "conns": max(1, conns // procs)}
    children = [await asyncio.create_subprocess_exec(
        sys.executable, __file__, "send", json.dumps({**spec, "index": i}),
        stdout=asyncio.subprocess.PIPE) for i in range(procs)]
    merged: dict[str, Any] = {"sent": {}, "failed": Counter(), "late_p99": 0.0,
                              "late_max": 0.0, "cpu_s": 0.0}
    for child in children:
        out, _ = await child.communicate()
        if child.returncode != 0 or not out:
            merged["failed"]["sender crashed"] += 1
            continue
        got = json.loads(out)
        merged["sent"].update(got["sent"])
        merged["failed"].update(got["failed"])
        merged["cpu_s"] += got["cpu_s"]
        merged["late_p99"] = max(merged["late_p99"], got["late_p99"])
        merged["late_max"] = max(merged["late_max"], got["late_max"])
    return merged


def _loop() -> asyncio.AbstractEventLoop:
    try:  # uvloop, when installed, roughly halves a sender's CPU per event
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()  # type: ignore[no-any-return]


if __name__ == "__main__" and sys.argv[1:2] == ["send"]:
    with asyncio.Runner(loop_factory=_loop) as runner:
        print(json.dumps(runner.run(send(json.loads(sys.argv[2])))))
