"""SIA DC-09 over real TCP and UDP sockets, with the real frames from the fixtures.

Frames the tests build themselves get their CRC from pysiaalarm, so the
receiver's own CRC code is checked against an independent implementation.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from Crypto.Cipher import AES
from intake_support import (
    events,
    incidents,
    sia_frames,
    tcp_exchange,
    udp_exchange,
)
from pysiaalarm.event import SIAEvent

from escalator.domain.errors import StorageError
from escalator.domain.model import SOURCE_SILENT, State

SIA = """\
  panel:
    kind: sia
    listen: 127.0.0.1:0
    protocol: both
    heartbeat_timeout: 10m
    accounts:
      - {account: "1234"}
      - {account: "78919"}
    timestamp_window: off
"""
SIA_KEYED = """\
  panel:
    kind: sia
    listen: 127.0.0.1:0
    accounts:
      - {account: "1234", key_env: SIA_KEY}
"""
FT_PLAIN, FT_CID, LINK_TEST, BURGLARY, FT_ENCRYPTED = sia_frames()
KEY = b"0123456789ABCDEF"


def wire(frame: bytes) -> bytes:
    return b"\n" + frame + b"\r"


def build(body: str) -> bytes:
    """A frame with CRC and length computed by pysiaalarm (not by the code under test)."""
    return wire(f"{SIAEvent._crc_calc(body)}{len(body):04X}{body}".encode("ascii"))


def verb(reply: bytes) -> str:
    """ACK / NAK / DUH / *ACK from a reply, after checking its CRC and length."""
    assert reply.startswith(b"\n") and reply.endswith(b"\r"), reply
    text = reply[1:-1].decode("ascii")
    body = text[8:]
    assert SIAEvent._crc_calc(body) == text[:4], reply
    assert int(text[4:8], 16) == len(body), reply
    return body.split('"')[1]


def tcp_port(app) -> int:
    return app.intake["panel"].tcp_port


async def test_fixture_frames_are_acked_and_become_incidents(intake_app, clock):
    app = await intake_app(SIA)
    replies = [(await tcp_exchange(tcp_port(app), wire(f), 1))[0] for f in (FT_PLAIN, FT_CID)]
    assert replies == [b'\nDBE70014"ACK"0001R0L0#1234[]\r'] * 2
    [incident] = await incidents(app)
    assert (incident.source, incident.code, incident.point) == ("panel", "FT", "004")
    assert incident.text == "Palosilmukka vika"
    assert incident.count == 2  # Contact ID 373 zone 004 is the same fire loop trouble
    assert incident.severity == "high"


async def test_the_event_is_stored_when_the_ack_arrives(intake_app):
    app = await intake_app(SIA)
    [reply] = await tcp_exchange(tcp_port(app), wire(FT_PLAIN), 1)
    assert verb(reply) == "ACK"
    stored = await events(app, "panel")  # read at once: no waiting, it must be there
    assert [(e["code"], e["state"], e["point"]) for e in stored] == [("FT", "alarm", "004")]


async def test_storage_failure_is_a_nak_and_the_retry_is_stored(intake_app):
    app = await intake_app(SIA)
    receiver = app.intake["panel"]
    real = receiver.ctx

    async def failing(event):
        raise StorageError("disk full")

    receiver.ctx = dataclasses.replace(real, ingest=failing)
    [reply] = await tcp_exchange(tcp_port(app), wire(FT_PLAIN), 1)
    assert verb(reply) == "NAK"
    assert await events(app, "panel") == []
    receiver.ctx = real
    [reply] = await tcp_exchange(tcp_port(app), wire(FT_PLAIN), 1)
    assert verb(reply) == "ACK"
    assert len(await incidents(app, "open")) == 1


async def test_two_frames_in_one_segment_are_both_answered_and_stored(intake_app):
    app = await intake_app(SIA)
    replies = await tcp_exchange(tcp_port(app), wire(FT_PLAIN) + wire(BURGLARY), 2)
    assert [verb(r) for r in replies] == ["ACK", "ACK"]
    assert replies[1] == b'\n0AFE0017"ACK"0002R1L232#78919[]\r'
    codes = sorted((i.code, i.point) for i in await incidents(app))
    assert codes == [("BA", "012"), ("FT", "004")]


async def test_a_frame_split_over_many_writes_is_read_whole(intake_app):
    import asyncio

    app = await intake_app(SIA)
    reader, writer = await asyncio.open_connection("127.0.0.1", tcp_port(app))
    for i in range(0, len(wire(FT_PLAIN)), 7):
        writer.write(wire(FT_PLAIN)[i:i + 7])
        await writer.drain()
    reply = await asyncio.wait_for(reader.readuntil(b"\r"), 5)
    writer.close()
    await writer.wait_closed()
    assert verb(reply) == "ACK"


async def test_contact_id_restore_and_sia_restore_clear_the_incident(intake_app):
    app = await intake_app(SIA)
    port = tcp_port(app)
    await tcp_exchange(port, wire(FT_CID), 1)
    [reply] = await tcp_exchange(port, build('"ADM-CID"0002L0#1234[#1234|3373 01 004]'), 1)
    assert verb(reply) == "ACK"
    [incident] = await incidents(app)
    assert incident.state is State.RESOLVED
    await tcp_exchange(port, wire(FT_PLAIN), 1)
    [reply] = await tcp_exchange(port, build('"SIA-DCS"0003L0#1234[#1234|Nri1/FJ004]'), 1)
    assert verb(reply) == "ACK"
    # the same fault again soon after: the same incident, reopened and cleared again
    [again] = await incidents(app)
    assert (again.id, again.state, again.reopened) == (incident.id, State.RESOLVED, 1)


async def test_link_test_is_a_heartbeat_and_resolves_source_silent(intake_app, clock):
    app = await intake_app(SIA)
    await app.tick()  # supervision starts counting
    clock.advance(minutes=11)
    await app.tick()
    [silent] = await incidents(app, "open")
    assert silent.code == SOURCE_SILENT and silent.source == "panel"
    [reply] = await tcp_exchange(tcp_port(app), wire(LINK_TEST), 1)
    assert reply == b'\n181A0014"ACK"0000R0L0#1234[]\r'
    assert await incidents(app, "open") == []
    assert [e["state"] for e in await events(app, "panel")][-1] == "heartbeat"


async def test_udp_frames_are_answered_to_the_sender(intake_app):
    app = await intake_app(SIA)
    reply = await udp_exchange(app.intake["panel"].udp_port, wire(FT_PLAIN))
    assert reply == b'\nDBE70014"ACK"0001R0L0#1234[]\r'
    reply = await udp_exchange(app.intake["panel"].udp_port, b"garbage")
    assert verb(reply) == "NAK"
    assert len(await incidents(app)) == 1


BAD_FRAMES = {
    "wrong crc": (wire(b"0000" + FT_PLAIN[4:]), "NAK"),
    "wrong length": (wire(FT_PLAIN[:4] + b"0038" + FT_PLAIN[8:]), "NAK"),
    "no header": (wire(b"hello"), "NAK"),
    "not ascii": (wire("F5920039Pälö".encode()), "NAK"),
    "unknown protocol": (build('"SIA-XYZ"0001L0#1234[#1234|Nri1/FT004]'), "DUH"),
    "unknown account": (build('"SIA-DCS"0001L0#9999[#9999|Nri1/FT004]'), "DUH"),
    "unreadable data": (build('"SIA-DCS"0001L0#1234[#1234|N???]'), "DUH"),
    "bad contact id": (build('"ADM-CID"0001L0#1234[#1234|1373]'), "DUH"),
    "encrypted without key": (wire(FT_ENCRYPTED), "DUH"),
    "oversized": (b"\n" + b"7" * 10_000 + b"\r", "NAK"),
    "endless without CR": (b"\n" + b"7" * 10_000, "NAK"),
}


async def test_bad_frames_are_answered_and_the_receiver_keeps_working(intake_app, clock):
    app = await intake_app(SIA)
    port = tcp_port(app)
    for name, (payload, expected) in BAD_FRAMES.items():
        clock.advance(minutes=2)  # the same good frame each time: not a replay to skip
        # the bad frame and a good one on the same connection: both answered, in order
        replies = await tcp_exchange(port, payload + wire(FT_PLAIN), 2)
        assert [verb(r) for r in replies] == [expected, "ACK"], name
    assert [e["code"] for e in await events(app, "panel")] == ["FT"] * len(BAD_FRAMES)
    health = app.health()["intake"]
    assert health["ok"] and health["sources"]["panel"]["running"]
    answers = health["sources"]["panel"]["answers"]
    assert answers == {"ACK": len(BAD_FRAMES), "NAK": 6, "DUH": 5}


async def test_truncated_frame_is_nakked_when_the_sender_stops(intake_app):
    app = await intake_app(SIA)
    [reply] = await tcp_exchange(tcp_port(app), wire(FT_PLAIN)[:30], 1, close_write=True)
    assert verb(reply) == "NAK"
    [reply] = await tcp_exchange(tcp_port(app), wire(FT_PLAIN), 1)
    assert verb(reply) == "ACK"


async def test_nak_carries_the_receivers_time(intake_app, clock):
    app = await intake_app(SIA)
    [reply] = await tcp_exchange(tcp_port(app), wire(b"0000" + FT_PLAIN[4:]), 1)
    assert reply.endswith(b'"NAK"0000R0L0A0[]_07:00:00,11-24-2026\r')


def _decrypt_ack(reply: bytes) -> str:
    body = reply[1:-1].decode()[8:]
    sealed = bytes.fromhex(body.split("[", 1)[1])
    return AES.new(KEY, AES.MODE_CBC, bytes(16)).decrypt(sealed).decode()


async def test_encrypted_frame_is_acked_encrypted_inside_the_window(intake_app, clock):
    clock.set(datetime(2025, 1, 15, 10, 0, 10, tzinfo=UTC))  # the frame says 10:00:00
    app = await intake_app(SIA_KEYED)
    [reply] = await tcp_exchange(tcp_port(app), wire(FT_ENCRYPTED), 1)
    assert verb(reply) == "*ACK"
    assert reply[1:-1].decode()[8:].startswith('"*ACK"0001R0L0#1234[')
    assert _decrypt_ack(reply).lstrip("0") == "]_10:00:10,01-15-2025"
    [incident] = await incidents(app)
    assert (incident.code, incident.point) == ("FT", "004")
    # the panel did not hear the ACK and sends the very same frame again: stored once
    await tcp_exchange(tcp_port(app), wire(FT_ENCRYPTED), 1)
    assert len(await events(app, "panel")) == 1


async def test_encrypted_frame_outside_the_window_is_nakked(intake_app, clock):
    app = await intake_app(SIA_KEYED)  # the clock says 2026; the frame 2025
    [reply] = await tcp_exchange(tcp_port(app), wire(FT_ENCRYPTED), 1)
    assert verb(reply) == "NAK"
    clock.set(datetime(2025, 1, 15, 10, 0, 0, tzinfo=UTC) + timedelta(seconds=41))
    [reply] = await tcp_exchange(tcp_port(app), wire(FT_ENCRYPTED), 1)
    assert verb(reply) == "NAK"  # 41 s old: just outside the default 40 s
    assert await incidents(app) == []


async def test_wrong_key_is_a_nak_and_a_plain_frame_for_a_keyed_account_a_duh(intake_app, clock):
    clock.set(datetime(2025, 1, 15, 10, 0, 5, tzinfo=UTC))
    app = await intake_app(SIA_KEYED, env={**__import__("intake_support").ENV,
                                           "SIA_KEY": "FEDCBA9876543210"})
    [reply] = await tcp_exchange(tcp_port(app), wire(FT_ENCRYPTED), 1)
    assert verb(reply) == "NAK"
    [reply] = await tcp_exchange(tcp_port(app), wire(FT_PLAIN), 1)
    assert verb(reply) == "DUH"
    assert await incidents(app) == []


async def test_a_key_of_the_wrong_length_stops_the_start(intake_app):
    import pytest

    from escalator.domain.errors import ConfigError

    env = {**__import__("intake_support").ENV, "SIA_KEY": "short"}
    with pytest.raises(ConfigError, match="has 5 characters, expected 16, 24 or 32"):
        await intake_app(SIA_KEYED, env=env)


async def test_timestamp_window_applies_to_plain_frames_too(intake_app, clock):
    clock.set(datetime(2026, 9, 25, 14, 12, 30, tzinfo=UTC))  # the BA frame says 14:12:04
    keyed = SIA.replace("timestamp_window: off", "timestamp_window: [40s, 20s]")
    app = await intake_app(keyed)
    [reply] = await tcp_exchange(tcp_port(app), wire(BURGLARY), 1)
    assert verb(reply) == "ACK"
    clock.advance(seconds=30)
    [reply] = await tcp_exchange(tcp_port(app), wire(BURGLARY), 1)
    assert verb(reply) == "NAK"


async def test_the_message_says_what_it_is_and_what_to_do(intake_app, recorder):
    app = await intake_app(SIA)
    await tcp_exchange(tcp_port(app), build('"ADM-CID"0001L0#1234[#1234|1310 01 002]'), 1)
    await app.tick()
    message = recorder.to("ward-a")[0]
    assert "Maavuoto" in message.text  # Contact ID 310: ground fault, in Finnish
    assert "Ilmoita sähköurakoitsijalle" in message.text  # and what to do about it
