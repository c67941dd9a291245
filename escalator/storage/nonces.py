"""The per-incident random value that binds ack links to one incident instance.

Incident ids restart at 1 when a database is recreated (or restored from an
older backup), so an id alone cannot say which alarm a week-old link was made
for. Each incident gets a random nonce the first time a link is made for it;
the link carries it under the signature and the page refuses a link whose
nonce is not the incident's. Kept in a table of its own, created on demand.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from escalator.storage.statements import Statements as Tx  # sql.Tx is one; no circle

CHUNK = 500  # ids per IN (...) query
NONCE_BYTES = 6  # distinguishes incident instances; the HMAC is what makes links unforgeable


def link_nonces(tx: Tx, incident_ids: Iterable[int]) -> dict[int, bytes]:
    """Each incident's nonce, made now for those that have none yet (a few statements
    for a whole reminder round, not two per incident)."""
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
        nonce = bytes.fromhex(made[0][0]) if made else link_nonce(tx, incident_id)
        assert nonce is not None
        found[incident_id] = nonce
    return found


def link_nonce(tx: Tx, incident_id: int) -> bytes | None:
    """The incident's nonce; None if no link was ever made for it in this database."""
    row = tx.one("SELECT nonce FROM incident_nonces WHERE incident_id = ?", (incident_id,))
    return bytes.fromhex(row["nonce"]) if row else None
