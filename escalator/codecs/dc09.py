"""SIA DC-09 messages: read one frame, decide ACK / NAK / DUH, build the reply. Pure.

A frame on the wire is `LF crc(4 hex) 0LLL body CR`; the CRC (CRC-16/ARC) and
the length cover the body. The body is `"ID"seq[Rrcvr]Lpref#acct[data]...`:
ID is SIA-DCS, ADM-CID (Contact ID) or NULL (link test), with a leading `*`
when everything after `[` is AES-CBC encrypted (zero IV) with the account's
key. The reply we send, per ANSI/SIA DC-09:

| what came                                                        | reply |
|------------------------------------------------------------------|-------|
| good message, stored (encrypted as `*ACK` when the message was)  | ACK   |
| CRC or length wrong, no frame structure, oversized, truncated    | NAK   |
| timestamp outside the window (the NAK carries our time)          | NAK   |
| encrypted, but the account's key does not decrypt it (wrong key) | NAK   |
| storing failed (the panel retries)                               | NAK   |
| unknown ID token (a protocol we do not speak), unknown account,  | DUH   |
| plain message for an account that has a key, encrypted message   |       |
| for an account without one, or content we cannot read           |       |

An unknown *event code* is still ACKed and stored: an alarm we cannot name is
still an alarm (pysiaalarm would answer DUH and drop it).

pysiaalarm parses most of this too, but reads the wall clock for timestamps
and NAKs, calls the area a zone, takes one event per message and accepts
whatever a wrong key decrypts to; so frames are read here and pysiaalarm's
Contact ID table completes ours (the tests check both agree on real frames).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from Crypto.Cipher import AES
from pysiaalarm.data.data import ADM_MAPPING

from escalator.i18n.codes import CONTACT_ID, RESTORES

MAX_FRAME = 8 + 0xFFF  # crc + length field + the longest body the length field can say
KEY_LENGTHS = (16, 24, 32)
PROTOCOLS = ("SIA-DCS", "ADM-CID", "NULL")
TEST_CODES = ("RP", "RX")  # periodic / manual test reports: signs of life, not alarms

_HEADER = re.compile(
    r'"(?P<enc>\*)?(?P<id>[^"]*)"(?P<seq>\d{4})(?P<rcvr>R[0-9A-Fa-f]{1,6})?'
    r"(?P<pref>L[0-9A-Fa-f]{1,6})(?:#(?P<acct>[0-9A-Fa-f]{3,16}))?\[(?P<rest>.*)", re.S)
_TIMESTAMP = re.compile(r"_(\d\d):(\d\d):(\d\d),(\d\d)-(\d\d)-(\d{4})")
_TAIL = re.compile(r"((?:\[[^\[\]]*\])*)(_[0-9:,-]+)?")
_CID = re.compile(r"([136])(\d{3}) ([0-9A-Fa-f]{2}) ([0-9A-Fa-f]{3})")
_SIA_TOKEN = re.compile(
    r"(?P<mod>ri|id|ti|pi)(?P<val>[0-9:]*)"
    r"|(?P<code>[A-Z]{2})(?P<addr>[0-9A-Za-z]*)(?:\^(?P<text>[^^]*)\^)?")

_DERIVED_RESTORES = {sub["3"]: sub["1"] for sub in ADM_MAPPING.values()
                     if sub.get("3") and sub.get("1") and sub["3"] != sub["1"]}


@dataclass(frozen=True)
class Account:
    number: str  # upper-case hex
    key: bytes | None = None


@dataclass(frozen=True)
class Settings:
    accounts: Mapping[str, Account]
    window: tuple[timedelta, timedelta] | None = (timedelta(seconds=40), timedelta(seconds=20))


@dataclass(frozen=True)
class SiaEvent:
    code: str
    state: str  # alarm | clear | heartbeat
    point: str = ""
    text: str = ""
    area: str = ""


@dataclass(frozen=True)
class Reading:
    """What one frame said, and what to answer once its events are stored."""

    verdict: str  # ACK | NAK | DUH
    reason: str
    reply: bytes  # the answer for this verdict (for ACK: to send after storing)
    events: tuple[SiaEvent, ...] = ()
    account: str = ""
    protocol: str = ""
    event_id: str | None = None  # retransmissions of one timestamped frame share it
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class _Head:
    encrypted: bool
    protocol: str
    seq: str
    rcvr: str
    pref: str
    account: str
    rest: str  # everything after the header's '['


class _Refuse(Exception):
    def __init__(self, verdict: str, reason: str) -> None:
        super().__init__(reason)
        self.verdict, self.reason = verdict, reason


def crc16(data: bytes) -> int:
    """CRC-16/ARC (poly 0xA001 reflected, init 0), as DC-09 specifies."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def frame(body: str) -> bytes:
    """`LF crc 0LLL body CR` around an ASCII body."""
    raw = body.encode("ascii")
    return b"\n" + f"{crc16(raw):04X}{len(raw):04X}".encode() + raw + b"\r"


def read(data: bytes, settings: Settings, now: datetime) -> Reading:
    """One frame without its LF/CR -> the verdict, the events and the reply."""
    head: _Head | None = None
    try:
        body = _check_envelope(data)
        head = _head(body)
        if head.protocol not in PROTOCOLS:
            raise _Refuse("DUH", f"unsupported protocol {head.protocol!r}")
        account = _account(head, settings)
        plain = _plain(head, account)
        occurred = _timestamp(plain, head, settings, now)
        events = _events(head, plain)
    except _Refuse as refused:
        reply = nak(now) if refused.verdict == "NAK" or head is None else duh(head)
        return Reading(refused.verdict, refused.reason, reply,
                       account=head.account if head else "", protocol=head.protocol if head else "")
    event_id = f"{head.account}/{head.seq}/{data[:4].decode()}" if occurred else None
    return Reading("ACK", "ok", ack(head, account, now), events, head.account, head.protocol,
                   event_id, occurred)


def _check_envelope(data: bytes) -> str:
    if len(data) > MAX_FRAME:
        raise _Refuse("NAK", f"frame of {len(data)} bytes is longer than DC-09 allows")
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise _Refuse("NAK", "bytes outside ASCII") from None
    if len(text) < 8 or not re.fullmatch(r"[0-9A-Fa-f]{4}0[0-9A-Fa-f]{3}", text[:8]):
        raise _Refuse("NAK", "no CRC and length header")
    body = text[8:]
    if int(text[:4], 16) != crc16(body.encode("ascii")):
        raise _Refuse("NAK", "CRC mismatch")
    if int(text[4:8], 16) != len(body):
        raise _Refuse("NAK", f"length field says {int(text[4:8], 16)}, body has {len(body)}")
    return body


def _head(body: str) -> _Head:
    found = _HEADER.fullmatch(body)
    if not found:
        raise _Refuse("DUH", "cannot read the message header")
    account = (found["acct"] or _inner_account(found["rest"]) or "").upper()
    return _Head(bool(found["enc"]), found["id"], found["seq"], found["rcvr"] or "R0",
                 found["pref"], account, found["rest"])


def _inner_account(rest: str) -> str | None:
    inner = re.match(r"#([0-9A-Fa-f]{3,16})\|", rest)
    return inner[1] if inner else None


def _account(head: _Head, settings: Settings) -> Account:
    account = settings.accounts.get(head.account)
    if account is None:
        raise _Refuse("DUH", f"unknown account {head.account or '(none)'}")
    if head.encrypted and account.key is None:
        raise _Refuse("DUH", "encrypted message for an account without a key")
    if not head.encrypted and account.key is not None:
        raise _Refuse("DUH", "plain message for an account that must encrypt")
    return account


def _plain(head: _Head, account: Account) -> str:
    """Everything after the `[` of the header, decrypted when needed."""
    rest = head.rest
    if not head.encrypted:
        return rest
    assert account.key is not None
    try:
        raw = bytes.fromhex(rest)
    except ValueError:
        raise _Refuse("NAK", "encrypted part is not hex") from None
    if not raw or len(raw) % 16:
        raise _Refuse("NAK", "encrypted part is not whole AES blocks")
    clear = AES.new(account.key, AES.MODE_CBC, bytes(16)).decrypt(raw)
    if any(b < 0x20 or b > 0x7E for b in clear) or b"|" not in clear or b"]" not in clear:
        raise _Refuse("NAK", "cannot decrypt with the account's key")
    return clear.decode("ascii")


def _split(plain: str) -> tuple[str, str]:
    """`pad|payload]tail` -> (payload, tail)."""
    end = plain.find("]")
    if end < 0:
        raise _Refuse("DUH", "no ']' closing the data")
    data, tail = plain[:end], plain[end + 1:]
    if "|" in data:
        data = data.split("|", 1)[1]
    elif data.startswith("#"):
        data = ""
    return data, tail


def _timestamp(plain: str, head: _Head, settings: Settings, now: datetime) -> datetime | None:
    _, tail = _split(plain)
    found = _TAIL.fullmatch(tail)
    if not found:
        raise _Refuse("DUH", "cannot read what follows the data")
    stamp = found[2]
    if stamp is None:
        if head.encrypted and settings.window is not None:
            raise _Refuse("NAK", "encrypted message without a timestamp")
        return None
    parts = _TIMESTAMP.fullmatch(stamp)
    if not parts:
        raise _Refuse("NAK", f"timestamp {stamp!r} is not _HH:MM:SS,MM-DD-YYYY")
    hh, mi, ss, mo, dd, yy = (int(p) for p in parts.groups())
    try:
        when = datetime(yy, mo, dd, hh, mi, ss, tzinfo=UTC)
    except ValueError:
        raise _Refuse("NAK", f"timestamp {stamp!r} is not a date") from None
    if settings.window is not None:
        past, future = settings.window
        if not now - past <= when <= now + future:
            raise _Refuse("NAK", f"timestamp {when.isoformat()} outside the window")
    return when


def _events(head: _Head, plain: str) -> tuple[SiaEvent, ...]:
    payload, _ = _split(plain)
    if head.protocol == "NULL":
        return (SiaEvent("RP", "heartbeat"),)
    if head.protocol == "ADM-CID":
        return (_contact_id(payload),)
    return _sia_dcs(payload)


def _contact_id(payload: str) -> SiaEvent:
    found = _CID.fullmatch(payload.strip())
    if not found:
        raise _Refuse("DUH", f"Contact ID data {payload[:40]!r} is not 'QEEE GG ZZZ'")
    qualifier, event, group, zone = found.groups()
    code = CONTACT_ID.get(event) or ADM_MAPPING.get(event, {}).get("1") or f"CID{event}"
    state = "clear" if qualifier == "3" else "alarm"
    if code in TEST_CODES:
        state = "heartbeat"
    text = f"Contact ID {qualifier}{event}, group {group}, zone {zone}"
    return SiaEvent(code, state, zone, text, group)


def _sia_dcs(payload: str) -> tuple[SiaEvent, ...]:
    """`Nri1/FT004^text^/BA012` -> one event per code; ri/id/ti apply to the codes after."""
    data = payload[1:] if payload[:1] in ("N", "O") else payload
    area, events, pos = "", [], 0
    while pos < len(data):
        found = _SIA_TOKEN.match(data, pos)
        if not found or found.end() == pos:
            raise _Refuse("DUH", f"cannot read SIA data at {data[pos:pos + 20]!r}")
        if found["mod"] == "ri":
            area = found["val"]
        elif found["code"]:
            events.append(_sia_event(found["code"], found["addr"], found["text"] or "", area))
        pos = found.end()
        if pos < len(data):
            if data[pos] != "/":
                raise _Refuse("DUH", f"expected '/' at {data[pos:pos + 20]!r}")
            pos += 1
    if not events:
        raise _Refuse("DUH", "no event code in the message")
    return tuple(events)


def _sia_event(code: str, address: str, text: str, area: str) -> SiaEvent:
    if code in TEST_CODES:
        return SiaEvent(code, "heartbeat", address, text, area)
    restored = RESTORES.get(code) or _DERIVED_RESTORES.get(code)
    if restored:
        return SiaEvent(restored, "clear", address, text, area)
    return SiaEvent(code, "alarm", address, text, area)


# -- replies ----------------------------------------------------------------------------

def timestamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("_%H:%M:%S,%m-%d-%Y")


def nak(now: datetime) -> bytes:
    """NAK carries the receiver's time so a panel with a wrong clock can correct it."""
    return frame(f'"NAK"0000R0L0A0[]{timestamp(now)}')


def duh(head: _Head) -> bytes:
    return frame(f'"DUH"{head.seq}{head.rcvr}{head.pref}#{head.account}[]')


def ack(head: _Head, account: Account, now: datetime) -> bytes:
    prefix = f"{head.seq}{head.rcvr}{head.pref}#{head.account}["
    if not head.encrypted:
        return frame(f'"ACK"{prefix}]')
    assert account.key is not None
    content = f"]{timestamp(now)}"
    padded = content.rjust(len(content) + 16 - len(content) % 16, "0")
    sealed = AES.new(account.key, AES.MODE_CBC, bytes(16)).encrypt(padded.encode("ascii"))
    return frame(f'"*ACK"{prefix}{sealed.hex().upper()}')
