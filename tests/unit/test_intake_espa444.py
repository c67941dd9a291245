"""ESPA 4.4.4 codec and line: fixtures, BCC, and properties."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parents[1]))
from intake_support import espa_blocks  # noqa: E402

from escalator.codecs.espa444 import ACK, ENQ, EspaError, Link, bcc, encode_block, parse_block


def test_fixture_blocks():
    call_me, fault = (parse_block(b) for b in espa_blocks())
    assert call_me.header == "1"
    assert call_me.named() == {"call_address": "550", "display_message": "CALL ME 101",
                               "beep_coding": "3", "call_type": "3", "transmissions": "3",
                               "priority": "3"}
    assert (fault.address, fault.message, fault.records[6]) == ("101", "PALOSILMUKKA VIKA", "2")


def test_encode_matches_the_fixture_bytes():
    assert encode_block("1", {1: "101", 2: "PALOSILMUKKA VIKA", 3: "3", 4: "2", 6: "2"}) \
        == espa_blocks()[1]


@pytest.mark.parametrize("raw,reason", [
    (b"", "not a SOH"),
    (b"\x01\x31\x02\x31\x1f\x31\x03\x00", "BCC"),
    (b"\x01\x31\x31\x1f\x31\x03" + bytes([0x31 ^ 0x31 ^ 0x1F ^ 0x31 ^ 0x03]), "no STX"),
])
def test_bad_blocks(raw, reason):
    with pytest.raises(EspaError, match=reason):
        parse_block(raw)


def test_a_select_for_us_is_acked_and_for_others_not():
    link = Link("2")
    assert list(link.feed(b"3" + bytes([ENQ]))) == []
    assert list(link.feed(b"2" + bytes([ENQ]))) == [("poll", ""), ("reply", bytes([ACK]))]


latin1_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF,
                                    exclude_characters="\x7f"), max_size=60)
records = st.dictionaries(st.integers(1, 8), latin1_text, min_size=1, max_size=8)


@settings(deadline=None)
@given(header=st.sampled_from(["1", "2", "3"]), records=records)
def test_encode_parse_round_trip(header, records):
    block = parse_block(encode_block(header, records))
    assert (block.header, block.records) == (header, records)


@settings(max_examples=300, deadline=None)
@given(header=st.sampled_from(["1", "2"]), records=records, data=st.data())
def test_any_changed_byte_is_refused(header, records, data):
    raw = bytearray(encode_block(header, records))
    pos = data.draw(st.integers(1, len(raw) - 1))
    raw[pos] = data.draw(st.integers(0, 255).filter(lambda b: b != raw[pos]))
    with pytest.raises(EspaError):
        parse_block(bytes(raw))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=3000))
def test_the_line_survives_any_bytes(data):
    link = Link("2")
    for action, _value in link.feed(data):
        assert action in ("reply", "block", "bad", "poll", "end")
    # and a good block afterwards is still read (after an EOT resets the line)
    actions = list(link.feed(b"\x04" + espa_blocks()[1]))
    assert actions[-1][0] == "block"


@settings(deadline=None)
@given(chunks=st.lists(st.integers(1, 9), min_size=1, max_size=30))
def test_blocks_split_anyhow_are_read_whole(chunks):
    stream = b"2" + bytes([ENQ]) + b"".join(espa_blocks()) + b"\x04"
    link, found, pos = Link("2"), [], 0
    while pos < len(stream):
        for size in chunks:
            found += [a for a, _ in link.feed(stream[pos:pos + size])]
            pos += size
    assert found == ["poll", "reply", "block", "block", "end"]


def test_bcc_is_xor_after_soh_through_etx():
    block = espa_blocks()[0]
    assert bcc(block[1:-1]) == block[-1] == 0x23
