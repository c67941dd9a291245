"""Signed, expiring ack links: the link is the credential of the party it was made for.

Token = base64url(version 2, incident, expiry, nonce, party) "." base64url(HMAC-SHA256[:12]):
about 55 characters, so a whole SMS is not spent on the link (a 96-bit tag on an
expiring link is far beyond online guessing). The nonce is the incident's own
random value (`escalator.storage.nonces`): it binds the link to one incident
instance, so after a database is recreated an old link does not open the new #1.
An incident number past 2**32 gets base64url(JSON {i, p, e, n}) "." HMAC-SHA256[:18].

A link without a nonce (version 1, or JSON without `n`: the formats before
nonces, and the voice gateway's call-back tokens, which are bound to their call
instead) opens no ack page: `bound` refuses it. Such a link could be made by
anyone holding the key for any incident number, and a call-back token seen by a
gateway must not act as an ack link. Ack links made before nonces expired
within `http.link_ttl` (7 days by default) of being sent.

Key rotation: links are signed with the current key; the previous key (if
configured) is still accepted, so links already sent keep working for their
lifetime. Whether the party is still in the config is checked where the link is
used, not here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import struct
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True)
class LinkClaim:
    incident_id: int
    party: str
    expires: datetime
    nonce: bytes | None = None  # None: an older link, made before links carried one
    ttl: timedelta = timedelta(0)

    @property
    def issued(self) -> datetime:
        """When the link was made (its expiry minus the link lifetime)."""
        return self.expires - self.ttl


class LinkError(Exception):
    """The link is forged, damaged or expired; `expired` tells which for the page."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


_COMPACT = struct.Struct(">BII")  # version, incident id, expiry (unix seconds)
COMPACT_TAG = 12  # bytes of HMAC kept in compact links
NONCE = 6  # bytes of the incident's nonce in version-2 links


def _compact_claim(raw: bytes) -> LinkClaim:
    version, incident_id, expires = _COMPACT.unpack(raw[:_COMPACT.size])
    rest, nonce = raw[_COMPACT.size:], None
    if version == 2:
        if len(rest) < NONCE:
            raise ValueError("short nonce")
        nonce, rest = rest[:NONCE], rest[NONCE:]
    return LinkClaim(incident_id, rest.decode(), datetime.fromtimestamp(expires, UTC), nonce)


def _json_claim(raw: bytes) -> LinkClaim:
    data = json.loads(raw)
    nonce = bytes.fromhex(str(data["n"])) if "n" in data else None
    return LinkClaim(int(data["i"]), str(data["p"]), datetime.fromtimestamp(int(data["e"]), UTC),
                     nonce)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class LinkSigner:
    def __init__(self, secret: bytes, ttl: timedelta, previous: bytes | None = None) -> None:
        if len(secret) < 16 or (previous is not None and len(previous) < 16):
            raise ValueError("the link secret must be at least 16 bytes")
        self._secret = secret
        self._previous = previous
        self.ttl = ttl

    def _sig(self, payload: str, size: int = 18, key: bytes | None = None) -> str:
        mac = hmac.new(key or self._secret, payload.encode(), hashlib.sha256)
        return _b64(mac.digest()[:size])

    def _signed(self, payload: str, sig: str, size: int) -> bool:
        """Signed by the current key, or by the previous one (links sent before a rotation)."""
        ok = hmac.compare_digest(sig.encode(), self._sig(payload, size).encode())
        if self._previous is not None:
            old = self._sig(payload, size, self._previous)
            ok = hmac.compare_digest(sig.encode(), old.encode()) or ok
        return ok

    def make(self, incident_id: int, party: str, now: datetime, nonce: bytes | None = None
             ) -> str:
        """A link for `party` on this incident; `nonce` is the incident's (see module doc)."""
        expires = int((now + self.ttl).timestamp())
        if 0 <= incident_id < 2**32 and 0 <= expires < 2**32:
            if nonce is not None:
                if len(nonce) != NONCE:
                    raise ValueError(f"a link nonce has {NONCE} bytes")
                raw = _COMPACT.pack(2, incident_id, expires) + nonce + party.encode()
            else:
                raw = _COMPACT.pack(1, incident_id, expires) + party.encode()
            payload = _b64(raw)
            return f"{payload}.{self._sig(payload, COMPACT_TAG)}"
        fields: dict[str, object] = {"i": incident_id, "p": party, "e": expires}
        if nonce is not None:
            fields["n"] = nonce.hex()
        payload = _b64(json.dumps(fields, separators=(",", ":")).encode())
        return f"{payload}.{self._sig(payload)}"

    def check(self, token: str, now: datetime) -> LinkClaim:
        payload, dot, sig = token.partition(".")
        if not dot or len(token) > 512:
            raise LinkError("malformed link")
        try:
            raw = _unb64(payload)
        except ValueError as exc:
            raise LinkError("malformed link") from exc
        compact = raw[:1] in (b"\x01", b"\x02")
        if not self._signed(payload, sig, COMPACT_TAG if compact else 18):
            raise LinkError("bad signature")
        try:
            claim = _compact_claim(raw) if compact else _json_claim(raw)
        except (ValueError, KeyError, TypeError, struct.error) as exc:
            raise LinkError("malformed link") from exc
        if now >= claim.expires:
            raise LinkError("expired", expired=True)
        return replace(claim, ttl=self.ttl)


def bound(claim: LinkClaim, opened_at: datetime, nonce: bytes | None) -> bool:
    """Was this link made for this incident instance (not for an earlier same-numbered one)?

    The link must carry the incident's nonce. A link without one is refused (see the
    module doc): its signature alone would bind it to an incident number, not to the
    incident a party was told about. `opened_at` is kept for the callers' sake."""
    del opened_at
    if claim.nonce is None or nonce is None:
        return False
    return hmac.compare_digest(claim.nonce, nonce)
