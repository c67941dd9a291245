"""Signed, expiring ack links: the link is the credential of the party it was made for.

Token = base64url(version 1, incident, expiry, party) "." base64url(HMAC-SHA256[:12]):
about 45 characters, so a whole SMS is not spent on the link (a 96-bit tag on an
expiring link is far beyond online guessing). Links made in the older format,
base64url(JSON {i, p, e}) "." HMAC-SHA256[:18], are still accepted until they
expire. No server-side state to lose.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True)
class LinkClaim:
    incident_id: int
    party: str
    expires: datetime


class LinkError(Exception):
    """The link is forged, damaged or expired; `expired` tells which for the page."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


_COMPACT = struct.Struct(">BII")  # version, incident id, expiry (unix seconds)
COMPACT_TAG = 12  # bytes of HMAC kept in compact links


def _compact_claim(raw: bytes) -> LinkClaim:
    _, incident_id, expires = _COMPACT.unpack(raw[:_COMPACT.size])
    party = raw[_COMPACT.size:].decode()
    return LinkClaim(incident_id, party, datetime.fromtimestamp(expires, UTC))


def _json_claim(raw: bytes) -> LinkClaim:
    data = json.loads(raw)
    return LinkClaim(int(data["i"]), str(data["p"]), datetime.fromtimestamp(int(data["e"]), UTC))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class LinkSigner:
    def __init__(self, secret: bytes, ttl: timedelta) -> None:
        if len(secret) < 16:
            raise ValueError("the link secret must be at least 16 bytes")
        self._secret = secret
        self.ttl = ttl

    def _sig(self, payload: str, size: int = 18) -> str:
        return _b64(hmac.new(self._secret, payload.encode(), hashlib.sha256).digest()[:size])

    def make(self, incident_id: int, party: str, now: datetime) -> str:
        expires = int((now + self.ttl).timestamp())
        if 0 <= incident_id < 2**32 and 0 <= expires < 2**32:
            payload = _b64(_COMPACT.pack(1, incident_id, expires) + party.encode())
            return f"{payload}.{self._sig(payload, COMPACT_TAG)}"
        payload = _b64(json.dumps({"i": incident_id, "p": party, "e": expires},
                                  separators=(",", ":")).encode())
        return f"{payload}.{self._sig(payload)}"

    def check(self, token: str, now: datetime) -> LinkClaim:
        payload, dot, sig = token.partition(".")
        if not dot or len(token) > 512:
            raise LinkError("malformed link")
        try:
            raw = _unb64(payload)
        except ValueError as exc:
            raise LinkError("malformed link") from exc
        compact = raw[:1] == b"\x01"
        expected = self._sig(payload, COMPACT_TAG if compact else 18)
        if not hmac.compare_digest(sig.encode(), expected.encode()):
            raise LinkError("bad signature")
        try:
            claim = _compact_claim(raw) if compact else _json_claim(raw)
        except (ValueError, KeyError, TypeError, struct.error) as exc:
            raise LinkError("malformed link") from exc
        if now >= claim.expires:
            raise LinkError("expired", expired=True)
        return claim
