"""ESPA 4.4.4 over a real TCP socket and a real serial line (a pseudo-terminal)."""

from __future__ import annotations

import asyncio
import dataclasses
import os

import pytest
from intake_support import WAIT, espa_blocks, events, incidents, until

from escalator.codecs.espa444 import encode_block
from escalator.domain.errors import StorageError
from escalator.domain.model import State

ENQ, ACK, NAK, EOT = b"\x05", b"\x06", b"\x15", b"\x04"
ESPA = """\
  paging:
    kind: espa
    listen: 127.0.0.1:0
    heartbeat_timeout: 30m
    rules:
      - {match: "PALOSILMUKKA VIKA", code: FT}
      - {match: "MAAVUOTO (?P<where>.+)", code: YX, point: "{where}"}
      - {match: "KUITATTU (?P<where>.+)", code: YX, point: "{where}", state: clear}
"""
CALL_ME, LOOP_FAULT = espa_blocks()


class Panel:
    """The panel's side of the line: select, send blocks, read one reply byte each."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def connect(cls, port: int) -> Panel:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def send(self, data: bytes) -> bytes:
        self.writer.write(data)
        await self.writer.drain()
        return await asyncio.wait_for(self.reader.readexactly(1), WAIT)

    async def close(self) -> None:
        self.writer.write(EOT)
        self.writer.close()
        await self.writer.wait_closed()


async def test_handshake_and_fixture_blocks_become_incidents(intake_app):
    app = await intake_app(ESPA)
    panel = await Panel.connect(app.intake["paging"].port)
    assert await panel.send(b"2" + ENQ) == ACK
    assert await panel.send(LOOP_FAULT) == ACK
    assert await panel.send(CALL_ME) == ACK
    await panel.close()
    found = sorted((i.code, i.point, i.text) for i in await incidents(app))
    assert found == [("ESPA", "550", "CALL ME 101"), ("FT", "101", "PALOSILMUKKA VIKA")]


async def test_a_select_for_another_address_is_not_answered(intake_app):
    app = await intake_app(ESPA)
    panel = await Panel.connect(app.intake["paging"].port)
    assert await panel.send(b"3" + ENQ + b"2" + ENQ) == ACK  # only the second is for us
    assert await panel.send(LOOP_FAULT) == ACK
    await panel.close()


async def test_bad_bcc_is_a_nak_and_the_resent_block_is_acked(intake_app):
    app = await intake_app(ESPA)
    panel = await Panel.connect(app.intake["paging"].port)
    damaged = LOOP_FAULT[:-1] + bytes([LOOP_FAULT[-1] ^ 0x01])
    assert await panel.send(damaged) == NAK
    assert await incidents(app) == []
    assert await panel.send(LOOP_FAULT) == ACK
    await panel.close()
    assert len(await incidents(app)) == 1


@pytest.mark.parametrize("junk", [
    b"\x01\x31\x02\x31\x1f" + b"A" * 2000,  # oversized: never reaches ETX in time
    b"\x01\x31\x32\x1f\x31\x03" + bytes([0x31 ^ 0x32 ^ 0x1F ^ 0x31 ^ 0x03]),  # no STX
    encode_block("1", {1: "101"}).replace(b"\x1f", b"\x1d"),  # records without US
])
async def test_malformed_blocks_are_nakked_and_the_line_goes_on(intake_app, junk):
    app = await intake_app(ESPA)
    panel = await Panel.connect(app.intake["paging"].port)
    if len(junk) > 1000:
        assert await panel.send(junk + b"\x03\x00") == NAK
    else:
        fixed = junk[:-1] + bytes([_bcc(junk[1:-1])])
        assert await panel.send(fixed) == NAK
    assert await panel.send(LOOP_FAULT) == ACK
    await panel.close()


def _bcc(data: bytes) -> int:
    value = 0
    for b in data:
        value ^= b
    return value


async def test_a_truncated_block_is_dropped_when_the_panel_starts_again(intake_app):
    app = await intake_app(ESPA)
    panel = await Panel.connect(app.intake["paging"].port)
    assert await panel.send(LOOP_FAULT[:12] + LOOP_FAULT) == ACK
    await panel.close()
    assert [(i.code, i.point) for i in await incidents(app)] == [("FT", "101")]


async def test_finnish_letters_in_latin1_and_rules_with_clear(intake_app):
    app = await intake_app(ESPA)
    panel = await Panel.connect(app.intake["paging"].port)
    alarm = encode_block("1", {1: "101", 2: "MAAVUOTO keittiö, pääkeskus", 6: "2"})
    assert "ö".encode("iso-8859-1") in alarm and "ö".encode() not in alarm
    assert await panel.send(alarm) == ACK
    [incident] = await incidents(app)
    assert (incident.code, incident.point) == ("YX", "keittiö, pääkeskus")
    assert incident.text == "MAAVUOTO keittiö, pääkeskus"
    assert await panel.send(encode_block("1", {1: "101", 2: "KUITATTU keittiö, pääkeskus"})) \
        == ACK
    await panel.close()
    [incident] = await incidents(app)
    assert incident.state is State.RESOLVED


async def test_storage_failure_is_a_nak(intake_app):
    app = await intake_app(ESPA)
    receiver = app.intake["paging"]
    real = receiver.ctx

    async def failing(event):
        raise StorageError("disk full")

    receiver.ctx = dataclasses.replace(real, ingest=failing)
    panel = await Panel.connect(receiver.port)
    assert await panel.send(LOOP_FAULT) == NAK
    receiver.ctx = real
    assert await panel.send(LOOP_FAULT) == ACK
    await panel.close()
    assert len(await events(app, "paging")) == 1


async def test_polls_are_heartbeats_that_end_source_silent(intake_app, clock):
    app = await intake_app(ESPA)
    await app.tick()
    clock.advance(minutes=31)
    await app.tick()
    [silent] = [i for i in await incidents(app, "open") if i.source == "paging"]
    assert silent.code == "source_silent"
    panel = await Panel.connect(app.intake["paging"].port)
    assert await panel.send(b"2" + ENQ) == ACK
    await panel.close()
    assert [i.source for i in await incidents(app, "open")] == ["terminal"]


async def test_serial_line(intake_app):
    """A pseudo-terminal stands in for the RS-232 cable; pyserial-asyncio opens its far end."""
    pytest.importorskip("serial_asyncio")
    master, slave = os.openpty()
    os.set_blocking(master, False)
    try:
        app = await intake_app(ESPA.replace("listen: 127.0.0.1:0",
                                            f"serial: {os.ttyname(slave)}"))

        async def exchange(data: bytes) -> bytes:
            os.write(master, data)
            for _ in range(int(WAIT / 0.01)):
                try:
                    reply = os.read(master, 1)
                except BlockingIOError:
                    await asyncio.sleep(0.01)
                    continue
                if reply:
                    return reply
            raise AssertionError("no reply on the serial line")

        await until(lambda: _opened(app), "the serial port to open")
        assert await exchange(b"2" + ENQ) == ACK
        assert await exchange(LOOP_FAULT) == ACK
        assert [(i.code, i.point) for i in await incidents(app)] == [("FT", "101")]
    finally:
        os.close(master)
        os.close(slave)


async def _opened(app) -> bool:
    return app.intake["paging"].serial_open
