"""Signed, expiring ack links: the link is the credential of the party it was made for.

Token = base64url(JSON {i: incident, p: party, e: expiry unix}) "." HMAC-SHA256.
Short enough for an SMS; no server-side state to lose.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
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

    def _sig(self, payload: str) -> str:
        return _b64(hmac.new(self._secret, payload.encode(), hashlib.sha256).digest()[:18])

    def make(self, incident_id: int, party: str, now: datetime) -> str:
        expires = int((now + self.ttl).timestamp())
        payload = _b64(json.dumps({"i": incident_id, "p": party, "e": expires},
                                  separators=(",", ":")).encode())
        return f"{payload}.{self._sig(payload)}"

    def check(self, token: str, now: datetime) -> LinkClaim:
        payload, dot, sig = token.partition(".")
        if not dot or len(token) > 512:
            raise LinkError("malformed link")
        if not hmac.compare_digest(sig, self._sig(payload)):
            raise LinkError("bad signature")
        try:
            data = json.loads(_unb64(payload))
            claim = LinkClaim(int(data["i"]), str(data["p"]),
                              datetime.fromtimestamp(int(data["e"]), UTC))
        except (ValueError, KeyError, TypeError) as exc:
            raise LinkError("malformed link") from exc
        if now >= claim.expires:
            raise LinkError("expired", expired=True)
        return claim
