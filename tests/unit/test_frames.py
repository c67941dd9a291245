"""Where a request head or device frame ends (escalator/parsing/frames.py), so the listeners can
give each a deadline that dribbling does not extend (issue 19, point 4)."""

from __future__ import annotations

from escalator.parsing.frames import EspaFrames, HttpFrames, LineFrames


def feed_all(frames, chunks):
    return [frames.feed(c) for c in chunks]


def test_an_http_head_is_begun_until_its_empty_line_and_bodies_are_skipped():
    h = HttpFrames()
    assert feed_all(h, [b"GET / HTTP/1.1\r\nHost: x\r\n", b"\r\n"]) == [True, False]
    # a body of Content-Length bytes is not a head, whatever it holds; the next head is
    assert feed_all(h, [b"POST /a HTTP/1.1\r\nContent-Length: 9\r\n\r\nGET\r\n\r\n", b"xx",
                        b"GET"]) == [False, False, True]
    assert h.feed(b" / HTTP/1.1\r\n\r\n") is False
    assert h.feed(b"\r\n\r\n") is False  # blank lines between requests are no head


def test_a_chunked_body_is_skipped_to_its_last_chunk():
    h = HttpFrames()
    assert h.feed(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel") is False
    assert h.feed(b"lo\r\n0\r\n\r\n") is False
    assert h.feed(b"G") is True  # the next request's head


def test_a_dribbled_head_stays_begun():
    h = HttpFrames()
    assert all(feed_all(h, [b"GET / HTTP/1.1\r\n"] + [b"X-A: 1\r\n"] * 50))


def test_sia_and_smtp_frames_end_at_their_byte():
    sia = LineFrames(b"\r")
    assert feed_all(sia, [b'\n"SIA-DCS"', b"0001]\r", b"\n", b"\n1234"]) == [
        True, False, False, True]
    smtp = LineFrames(b"\n")
    assert feed_all(smtp, [b"EHLO x", b"\r\n", b"MAIL FROM:<a@b>\r\n"]) == [True, False, False]


def test_espa_blocks_end_after_their_check_byte():
    e = EspaFrames()
    assert feed_all(e, [b"2", b"\x05", b"\x01hdr\x02rec", b"\x03", b"Z", b"\x04"]) == [
        True, False, True, True, False, False]
