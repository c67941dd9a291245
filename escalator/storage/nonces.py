"""The per-incident random value that binds ack links to one incident instance.

Incident ids restart at 1 when a database is recreated (or restored from an
older backup), so an id alone cannot say which alarm a week-old link was made
for. Each incident gets a random nonce the first time a link is made for it;
the link carries it under the signature and the page refuses a link whose
nonce is not the incident's. Kept in a table of its own, created on demand.

`tx.nonces` of an open transaction. It works on the small `Statements` protocol
(audit.py does too): `sql.Tx` builds it, and it never imports `sql` back.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from escalator.storage.statements import Statements  # sql.Tx is one; no circle

CHUNK = 500  # ids per IN (...) query
NONCE_BYTES = 6  # distinguishes incident instances; the HMAC is what makes links unforgeable


class Nonces:
    def __init__(self, tx: Statements) -> None:
        self._tx = tx

    def made_for(self, incident_ids: Iterable[int]) -> dict[int, bytes]:
        """Each incident's nonce, made now for those that have none yet (a few statements
        for a whole reminder round, not two per incident)."""
        tx = self._tx
        wanted = sorted(set(incident_ids))
        found: dict[int, bytes] = {}
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start:start + CHUNK]
            marks = ",".join("?" * len(chunk))
            for row in tx.rows(f"SELECT incident_id, nonce FROM incident_nonces"
                               f" WHERE incident_id IN ({marks})", chunk):
                found[int(row["incident_id"])] = bytes.fromhex(row["nonce"])
        for incident_id in wanted:
            if incident_id in found:
                continue
            made = tx.execute("INSERT INTO incident_nonces (incident_id, nonce) VALUES (?, ?) "
                              "ON CONFLICT (incident_id) DO NOTHING RETURNING nonce",
                              (incident_id, secrets.token_hex(NONCE_BYTES))).fetchall()
            nonce = bytes.fromhex(made[0][0]) if made else self.get(incident_id)
            assert nonce is not None
            found[incident_id] = nonce
        return found

    def get(self, incident_id: int) -> bytes | None:
        """The incident's nonce; None if no link was ever made for it in this database."""
        row = self._tx.one("SELECT nonce FROM incident_nonces WHERE incident_id = ?",
                           (incident_id,))
        return bytes.fromhex(row["nonce"]) if row else None
