"""Where one request head or device frame ends, so a listener can time it.

An idle timer that any byte restarts lets a neighbour hold a socket for ever
with one byte a minute (issue 19: one header line every 50 s kept 320 sockets
and blocked the webhook for everyone). So the listeners
(escalator/entrypoints/receivers/listeners.py) give each request head or frame
a deadline that runs from its first byte (the
first one from the connection's start) and only its end stops. These readers
say, after each chunk, whether a head or frame is still incomplete. They look
only at framing bytes and never decide anything else; the protocol behind
them parses the same bytes for real.
"""

from __future__ import annotations

from typing import Protocol


class Frames(Protocol):
    def feed(self, data: bytes) -> bool:
        """Take the next bytes; True while a head or frame is begun and not ended."""


class LineFrames:
    """Frames ended by one byte: SIA DC-09 (`\\n ... \\r`), SMTP commands (`... \\n`)."""

    def __init__(self, end: bytes) -> None:
        self._end = end[0]
        self._partial = False

    def feed(self, data: bytes) -> bool:
        cut = data.rfind(self._end)
        tail = data[cut + 1:] if cut >= 0 else data
        if cut >= 0:
            self._partial = False
        if tail.strip(b"\r\n"):
            self._partial = True
        return self._partial


SOH, ETX, EOT, ENQ, ACK, NAK = 0x01, 0x03, 0x04, 0x05, 0x06, 0x15


class EspaFrames:
    """ESPA 4.4.4: `address ENQ`, `SOH ... ETX BCC` blocks, EOT, ACK, NAK."""

    def __init__(self) -> None:
        self._state = "between"  # between | text (bytes before ENQ) | block | bcc
        self._partial = False

    def feed(self, data: bytes) -> bool:
        for byte in data:
            if self._state == "bcc":
                self._state, self._partial = "between", False
            elif self._state == "block":
                if byte == ETX:
                    self._state = "bcc"
            elif byte == SOH:
                self._state, self._partial = "block", True
            elif byte in (ENQ, EOT, ACK, NAK):
                self._state, self._partial = "between", False
            elif byte not in (0x0A, 0x0D):
                self._state, self._partial = "text", True
        return self._partial


MAX_HEAD = 64 * 1024  # past this, the HTTP server refuses the head anyway


class HttpFrames:
    """HTTP/1.1 requests: a head up to its empty line, then a body of Content-Length
    bytes or in chunks. Only the head is a "frame"; body bytes are not timed here."""

    def __init__(self) -> None:
        self._head = bytearray()
        self._body = 0  # bytes of a Content-Length body still to come
        self._chunked: bytearray | None = None  # a chunked body's unparsed bytes

    def feed(self, data: bytes) -> bool:
        view = memoryview(data)
        while view:
            if self._body:
                step = min(self._body, len(view))
                self._body -= step
                view = view[step:]
            elif self._chunked is not None:
                view = self._chunk(view)
            else:
                view = self._take_head(view)
        return bool(self._head.strip(b"\r\n"))

    def _take_head(self, view: memoryview) -> memoryview:
        if not self._head:  # blank lines between requests are no head
            data = bytes(view).lstrip(b"\r\n")
            if not data:
                return view[len(view):]
            view = memoryview(data)
        before = len(self._head)
        self._head += view
        text = bytes(self._head)
        end, size = text.find(b"\r\n\r\n"), 4
        bare = text.find(b"\n\n")
        if bare >= 0 and (end < 0 or bare < end):
            end, size = bare, 2
        if end < 0:
            if len(self._head) > MAX_HEAD:  # still a head; keep only its tail to search
                del self._head[:-4]
            return view[len(view):]
        head = text[:end].lower()
        self._head.clear()
        rest = view[end + size - before:]
        if b"transfer-encoding:" in head and b"chunked" in head:
            self._chunked = bytearray()
        else:
            self._body = _content_length(head)
        return rest

    def _chunk(self, view: memoryview) -> memoryview:
        """Skip a chunked body: size lines, data, and the trailer's empty line."""
        assert self._chunked is not None
        self._chunked += view
        buf = self._chunked
        while True:
            line_end = buf.find(b"\n")
            if line_end < 0:
                return view[len(view):]
            line = bytes(buf[:line_end]).strip()
            try:
                size = int(line.split(b";")[0], 16) if line else -1
            except ValueError:
                size = 0
            if size == 0:  # the last chunk; the trailer ends at an empty line
                trailer = buf.find(b"\r\n\r\n", line_end - 1)
                if trailer < 0:
                    return view[len(view):]
                rest = bytes(buf[trailer + 4:])
                self._chunked = None
                return memoryview(rest)
            if size < 0:
                del buf[:line_end + 1]
                continue
            if len(buf) < line_end + 1 + size + 2:
                return view[len(view):]
            del buf[:line_end + 1 + size + 2]


def _content_length(head: bytes) -> int:
    for line in head.split(b"\n"):
        name, sep, value = line.partition(b":")
        if sep and name.strip() == b"content-length":
            try:
                return max(0, int(value.strip()))
            except ValueError:
                return 0
    return 0
