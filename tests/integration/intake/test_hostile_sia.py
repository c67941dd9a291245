"""SIA DC-09 against a hostile sender (issue 11, finding 8): replays, amplification, keyless."""

from __future__ import annotations

import asyncio

import pytest
from intake_support import WAIT, incidents, sia_frames, tcp_exchange

from escalator.config import load_config_text

SIA = """\
  panel:
    kind: sia
    listen: 127.0.0.1:0
    protocol: both
    accounts:
      - {account: "1234", allow_unencrypted: true}
      - {account: "78919", allow_unencrypted: true}
    timestamp_window: off
"""
FT_PLAIN, FT_CID, LINK_TEST, BURGLARY, FT_ENCRYPTED = sia_frames()


def wire(frame: bytes) -> bytes:
    return b"\n" + frame + b"\r"


async def test_an_untimestamped_frame_replayed_counts_once(intake_app, clock):
    app = await intake_app(SIA)
    port = app.intake["panel"].tcp_port
    for _ in range(3):
        [reply] = await tcp_exchange(port, wire(FT_PLAIN), 1)
        assert b'"ACK"' in reply  # the panel (or the replayer) is answered as usual
    [incident] = await incidents(app)
    assert incident.count == 1
    clock.advance(minutes=2)  # past the replay memory: the panel really sends it again
    await tcp_exchange(port, wire(FT_PLAIN), 1)
    [incident] = await incidents(app)
    assert incident.count == 2


class _Replies(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.replies: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: object) -> None:
        self.replies.put_nowait(data)


async def test_one_datagram_gets_at_most_one_answer(intake_app):
    app = await intake_app(SIA)
    port = app.intake["panel"].udp_port
    loop = asyncio.get_running_loop()
    transport, proto = await loop.create_datagram_endpoint(
        _Replies, remote_addr=("127.0.0.1", port))
    try:
        transport.sendto(b"x\r" * 700)  # 1,400 bytes, 700 "frames"
        transport.sendto(wire(BURGLARY))  # then a real one, to know when we have heard all
        answers = []
        while not answers or b'"ACK"' not in answers[-1]:
            answers.append(await asyncio.wait_for(proto.replies.get(), WAIT))
    finally:
        transport.close()
    assert len(answers) == 2, f"{len(answers) - 1} answers to one garbage datagram"
    assert b'"NAK"' in answers[0]


def _config(accounts: str):
    from intake_support import ENV, with_sources

    yaml = f"""\
  panel:
    kind: sia
    listen: 127.0.0.1:0
    accounts:
{accounts}"""
    return load_config_text(with_sources("sqlite:///:memory:", yaml), env=ENV)


@pytest.mark.parametrize("accounts,warned", [
    ('      - {account: "1234"}\n', True),
    ('      - {account: "1234", allow_unencrypted: true}\n', False),
    ('      - {account: "1234", key_env: SIA_KEY}\n', False),
])
def test_a_keyless_account_is_a_config_warning_unless_allowed(accounts, warned):
    _, warnings = _config(accounts)
    keyless = [w for w in warnings if "has no key_env" in w]
    assert bool(keyless) is warned, warnings
    if warned:
        assert "accounts[0].account" in keyless[0]  # says where
