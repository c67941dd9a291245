"""Acting on an incident: take it, false alarm, resolve, snooze, note, escalate.

Every entry point (ack page, board, operator API, voice) goes through the service's
one rulebook (`EscalationService.act`), so the timeline and the people on the ladder
see the same thing whoever pressed where. Notes are rate-limited per link and per
person here, once for all entry points.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from escalator.domain.availability import Directory
from escalator.domain.model import Action, Incident
from escalator.links import LinkClaim, LinkSigner
from escalator.service import EscalationService
from escalator.storage.protocol import Store
from escalator.storage.sql import Tx
from escalator.usecases.context import Context
from escalator.usecases.notelimit import NoteLimiter

T = TypeVar("T")


@dataclass(frozen=True)
class Answering:
    context: Context
    service: EscalationService
    notes: NoteLimiter
    signer: LinkSigner
    store: Store
    not_reached_by: Callable[[int, int, str, str], Awaitable[bool]]
    poke: Callable[[], None]

    async def act(
        self, incident_id: int, action: Action, by: str, *, party: str | None = None,
        minutes: int | None = None, note: str = "", clear_by: datetime | None = None,
        eta: datetime | None = None, said: str = "",
        check: Callable[[Tx, Incident], None] | None = None,
    ) -> Incident:
        """One person's action, applied by the rulebook (ActionError when it refuses)."""
        return await self.service.act(incident_id, action, by, party=party, minutes=minutes,
                                      note=note, clear_by=clear_by, eta=eta, said=said,
                                      check=check)

    @property
    def directory(self) -> Directory:
        """Who is who and on duty now (follows a config reload)."""
        return self.service.directory

    def note_wait(self, link: Hashable, person: Hashable) -> timedelta | None:
        """None, and the note is counted; else how long until one more is allowed."""
        return self.notes.admit(link, person, self.context.now())

    def claim(self, token: str) -> LinkClaim:
        """What a signed link allows; LinkError if it is forged, bent or too old."""
        return self.signer.check(token, self.context.now())

    async def read(self, fn: Callable[[Tx], T]) -> T:
        """What the answer is about: the incident, its deliveries (one read transaction)."""
        return await self.store.transaction(fn)

    async def record(self, fn: Callable[[Tx], T]) -> T:
        """Write down what a channel told us about an answer (a key pressed, a hang-up)."""
        return await self.store.transaction(fn)

    async def not_reached(self, delivery_id: int, incident_id: int, channel: str,
                          error: str) -> bool:
        """Nobody got this delivery after all: try the party's next contact now."""
        moved = await self.not_reached_by(delivery_id, incident_id, channel, error)
        if moved:
            self.poke()
        return moved
