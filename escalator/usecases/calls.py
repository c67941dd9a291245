"""Voice calls: what a gateway reports about a call we placed (a key pressed, the
hang-up), and what the voice channel records about the calls it places.

A key that answers goes through `Answering.answer` like any other door's answer; this
keeps the call's own record (which key, when it ended) and moves a call nobody
answered on to the party's next contact, as a failed send would.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import datetime

from escalator.security.links import LinkClaim
from escalator.storage import voicecalls
from escalator.storage.protocol import Store
from escalator.storage.sql import SqlStore, Tx
from escalator.usecases.context import Context
from escalator.usecases.shapes import Sent

CHANNEL = "voice"


@dataclass(frozen=True)
class Calls:
    context: Context
    store: Store
    not_reached_by: Callable[[int, int, str, str], Awaitable[bool]]  # the dispatcher's
    poke: Callable[[], None]

    async def call_of(self, claim: LinkClaim, delivery_id: int) -> Sent | None:
        """The notice the gateway reports on, if it was this link's party's on this
        link's incident (anything else is a guess at another call)."""
        def read(tx: Tx) -> Sent | None:
            return next((Sent.of(d) for d in tx.deliveries.of_incident(claim.incident_id)
                         if d.id == delivery_id and d.party == claim.party), None)
        return await self.store.transaction(read)

    async def key_pressed(self, call: Sent, digit: str) -> None:
        """Kept first, so the hang-up that follows knows the call was answered."""
        now = self.context.now()
        await self.store.transaction(lambda tx: voicecalls.pressed(
            tx, call.id, call.incident_id, call.party, digit, now))

    async def ended(self, call: Sent, status: str, answer_keys: Collection[str]
                    ) -> bool | None:
        """The call is over. None when a key answered it or the hang-up was told before;
        else whether the party's next contact is being tried (it is not reached)."""
        now = self.context.now()
        before = await self.store.transaction(
            lambda tx: voicecalls.ended(tx, call.id, status, now))
        if before is not None and (before.ended or before.digit in answer_keys):
            return None
        moved = await self.not_reached_by(call.id, call.incident_id, CHANNEL,
                                          f"call ended ({status}) with no key pressed")
        if moved:
            self.poke()
        return moved


@dataclass(frozen=True)
class CallLog:
    """The voice channel's `CallRecords` port: it never sees the store."""

    store: SqlStore

    async def link_nonce(self, incident_id: int) -> bytes | None:
        """The incident's link nonce; None if no link was ever made for it."""
        return await self.store.transaction(lambda tx: tx.nonces.get(incident_id))

    async def placed(self, delivery_id: int, incident_id: int, party: str, address: str,
                     call_ref: str | None, at: datetime) -> None:
        """A call placed for this delivery (a fallback to a second number replaces it)."""
        await self.store.transaction(lambda tx: voicecalls.placed(
            tx, delivery_id, incident_id, party, address, call_ref, at))
