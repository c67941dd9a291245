"""The DC-09 reader: table of verdicts, agreement with pysiaalarm, and properties."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pysiaalarm.account import SIAAccount
from pysiaalarm.event import SIAEvent

sys.path.insert(0, str(Path(__file__).parents[1]))
from intake_support import sia_frames  # noqa: E402

from escalator.codecs import dc09
from escalator.entrypoints.receivers.sia import FrameSplitter

NOW = datetime(2026, 9, 25, 14, 12, 10, tzinfo=UTC)
PLAIN = dc09.Settings({"1234": dc09.Account("1234"), "78919": dc09.Account("78919")}, None)
KEYED = dc09.Settings({"1234": dc09.Account("1234", b"0123456789ABCDEF")}, None)
FRAMES = sia_frames()


def body_frame(body: str) -> bytes:
    return f"{SIAEvent._crc_calc(body)}{len(body):04X}{body}".encode()


def events(frame: bytes, settings: dc09.Settings = PLAIN) -> list[tuple[str, str, str]]:
    reading = dc09.read(frame, settings, NOW)
    assert reading.verdict == "ACK", reading.reason
    return [(e.code, e.state, e.point) for e in reading.events]


@pytest.mark.parametrize("body,expected", [
    ('"SIA-DCS"0001L0#1234[#1234|Nri1/FT004^Palosilmukka vika^]', [("FT", "alarm", "004")]),
    ('"SIA-DCS"0001L0#1234[#1234|Nri1/FJ004]', [("FT", "clear", "004")]),
    ('"SIA-DCS"0001L0#1234[#1234|Nri1/YZ001]', [("YX", "clear", "001")]),
    ('"SIA-DCS"0001L0#1234[#1234|Nri1/FT004/FT005]', [("FT", "alarm", "004"),
                                                      ("FT", "alarm", "005")]),
    ('"SIA-DCS"0001L0#1234[#1234|Nid12/ri2/PA001]', [("PA", "alarm", "001")]),
    ('"SIA-DCS"0001L0#1234[#1234|NRP]', [("RP", "heartbeat", "")]),
    ('"SIA-DCS"0001L0#1234[#1234|NZZ9]', [("ZZ", "alarm", "9")]),  # unknown: still an alarm
    ('"ADM-CID"0001L0#1234[#1234|1373 01 004]', [("FT", "alarm", "004")]),
    ('"ADM-CID"0001L0#1234[#1234|3373 01 004]', [("FT", "clear", "004")]),
    ('"ADM-CID"0001L0#1234[#1234|1310 00 000]', [("YX", "alarm", "000")]),
    ('"ADM-CID"0001L0#1234[#1234|1301 00 000]', [("AT", "alarm", "000")]),
    ('"ADM-CID"0001L0#1234[#1234|1602 00 000]', [("RP", "heartbeat", "000")]),
    ('"ADM-CID"0001L0#1234[#1234|6130 01 012]', [("BA", "alarm", "012")]),
    ('"ADM-CID"0001L0#1234[#1234|1999 01 012]', [("CID999", "alarm", "012")]),
    ('"NULL"0000R0L0#1234[]', [("RP", "heartbeat", "")]),
])
def test_events_of_a_frame(body, expected):
    assert events(body_frame(body)) == expected


@pytest.mark.parametrize("body,verdict", [
    ('"SIA-DCS"0001L0#1234[#1234|Nri1/FT004', "DUH"),  # no closing ]
    ('"SIA-DCS"0001L0#1234[#1234|Nri1/FT004]junk', "DUH"),
    ('"SIA-DCS"0001L0#1234[#1234|N]', "DUH"),  # no event at all
    ('"SIA-DCS"0001L0#1234[#1234|Nri1/FT004]_25:00:00,01-01-2026', "NAK"),
    ('"SIA-DCS"0001L0#1234[#1234|Nri1/FT004]_10:00:00,02-30-2026', "NAK"),
    ('"SIA-DCS"0001#1234[#1234|Nri1/FT004]', "DUH"),  # no line prefix
    ('"SIA-DCS"0001L0[#4321|Nri1/FT004]', "DUH"),  # account only inside, and unknown
])
def test_verdicts(body, verdict):
    assert dc09.read(body_frame(body), PLAIN, NOW).verdict == verdict


def test_account_may_be_given_only_inside_the_data():
    assert events(body_frame('"SIA-DCS"0001L0[#1234|Nri1/FT004]')) == [("FT", "alarm", "004")]


@pytest.mark.parametrize("index", range(len(FRAMES)))
def test_agrees_with_pysiaalarm_on_the_fixture_frames(index):
    """Code, account, timestamp and validity as pysiaalarm reads the same real frames."""
    frame = FRAMES[index]
    keyed = b'"*' in frame
    ours = dc09.read(frame, KEYED if keyed else PLAIN, NOW)
    accounts = {"1234": SIAAccount("1234", "0123456789ABCDEF" if keyed else None, None),
                "78919": SIAAccount("78919", None, None)}
    theirs = SIAEvent.from_line(frame.decode(), accounts)
    assert theirs.valid_message and ours.verdict == "ACK"
    assert ours.account == theirs.account
    code = ours.events[0].code
    assert code == theirs.code or (theirs.message_type.value == "NULL" and code == "RP")
    theirs_time = theirs.timestamp if isinstance(theirs.timestamp, datetime) else None
    assert ours.occurred_at == theirs_time


def test_crc_is_crc16_arc():
    assert dc09.crc16(b"123456789") == 0xBB3D  # the catalogue check value of CRC-16/ARC


# -- properties ---------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_get_a_well_formed_answer(data):
    reading = dc09.read(data, KEYED, NOW)
    assert reading.verdict in ("ACK", "NAK", "DUH")
    reply = reading.reply
    assert reply[:1] == b"\n" and reply[-1:] == b"\r"
    text = reply[1:-1].decode("ascii")
    assert int(text[:4], 16) == dc09.crc16(text[8:].encode())


codes = st.sampled_from(["FA", "FT", "BA", "PA", "MA", "TA", "AT", "YT", "YX", "QQ"])
zones = st.from_regex(r"[0-9]{1,4}", fullmatch=True)
texts = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E,
                              exclude_characters="^[]|/"), max_size=30)


@settings(max_examples=200, deadline=None)
@given(code=codes, zone=zones, text=texts, seq=st.integers(0, 9999), area=st.integers(0, 99))
def test_generated_sia_frames_round_trip(code, zone, text, seq, area):
    body = f'"SIA-DCS"{seq:04d}R1L0#1234[#1234|Nri{area}/{code}{zone}^{text}^]'
    reading = dc09.read(body_frame(body), PLAIN, NOW)
    assert reading.verdict == "ACK", reading.reason
    [event] = reading.events
    assert (event.code, event.state, event.point, event.text) == (code, "alarm", zone, text)
    assert reading.reply == dc09.frame(f'"ACK"{seq:04d}R1L0#1234[]')


@settings(max_examples=200, deadline=None)
@given(qualifier=st.sampled_from("136"), event=st.sampled_from(
    ["110", "130", "301", "302", "310", "373"]), zone=st.integers(0, 999))
def test_generated_contact_id_frames_agree_with_pysiaalarm(qualifier, event, zone):
    """pysiaalarm names the restore code (FJ); we clear the alarm's own code (FT)."""
    body = f'"ADM-CID"0001L0#1234[#1234|{qualifier}{event} 01 {zone:03d}]'
    [ours] = dc09.read(body_frame(body), PLAIN, NOW).events
    new = body.replace(f"|{qualifier}", "|1")
    theirs = SIAEvent.from_line(body_frame(new).decode(), {"1234": SIAAccount("1234")})
    assert ours.code == theirs.code
    assert ours.state == ("clear" if qualifier == "3" else "alarm")
    assert ours.point == f"{zone:03d}"


@settings(max_examples=300, deadline=None)
@given(index=st.integers(0, len(FRAMES) - 1), data=st.data())
def test_any_changed_byte_after_the_header_is_a_nak(index, data):
    frame = bytearray(FRAMES[index])
    pos = data.draw(st.integers(8, len(frame) - 1))
    new = data.draw(st.integers(0, 255).filter(lambda b: b != frame[pos]))
    frame[pos] = new
    settings_ = KEYED if b'"*' in FRAMES[index] else PLAIN
    assert dc09.read(bytes(frame), settings_, NOW).verdict == "NAK"


@settings(deadline=None)
@given(chunks=st.lists(st.integers(1, 50), min_size=1, max_size=40))
def test_splitter_finds_the_same_frames_however_the_bytes_arrive(chunks):
    stream = b"".join(b"\n" + f + b"\r" for f in FRAMES)
    splitter, found, pos = FrameSplitter(), [], 0
    for size in chunks * (len(stream) // sum(chunks) + 1):
        found.extend(splitter.feed(stream[pos:pos + size]))
        pos += size
        if pos >= len(stream):
            break
    assert found == FRAMES


def test_splitter_refuses_an_endless_frame_and_recovers():
    splitter = FrameSplitter(limit=100)
    out = list(splitter.feed(b"\n" + b"x" * 150))
    out += list(splitter.feed(b"y" * 50 + b"\n" + FRAMES[0] + b"\r"))
    assert out == [None, FRAMES[0]]


def test_window_is_measured_from_the_injected_time():
    settings_ = dc09.Settings(PLAIN.accounts, (timedelta(seconds=40), timedelta(seconds=20)))
    burglary = FRAMES[3]  # 14:12:04
    assert dc09.read(burglary, settings_, NOW).verdict == "ACK"
    assert dc09.read(burglary, settings_, NOW + timedelta(seconds=37)).verdict == "NAK"
    assert dc09.read(burglary, settings_, NOW - timedelta(seconds=27)).verdict == "NAK"
