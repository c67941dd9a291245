"""What the voice channel records about its calls, as named operations over the store.

The channel (escalator/notify/voice.py) only sends: it asks for the incident's link
nonce (so the key-press link is bound to this incident like every link) and says
which call it placed for a delivery (the hang-up and key-press handlers read it).
It gets this object through its `CallRecords` port and never sees the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from escalator.storage import voicecalls
from escalator.storage.nonces import link_nonce
from escalator.storage.sql import SqlStore


@dataclass(frozen=True)
class CallLog:
    store: SqlStore

    async def link_nonce(self, incident_id: int) -> bytes | None:
        """The incident's link nonce; None if no link was ever made for it."""
        return await self.store.transaction(lambda tx: link_nonce(tx, incident_id))

    async def placed(self, delivery_id: int, incident_id: int, party: str, address: str,
                     call_ref: str | None, at: datetime) -> None:
        """A call placed for this delivery (a fallback to a second number replaces it)."""
        await self.store.transaction(lambda tx: voicecalls.placed(
            tx, delivery_id, incident_id, party, address, call_ref, at))
