"""One open transaction, reached per aggregate (`tx.incidents.get(...)`).

Each aggregate's SQL is in a module of its own; this class only gathers them, and
says what the transaction left for the store to do at its commit (the timers it
set, the rows kept back to be written once, the incidents it changed).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from escalator.storage import audit
from escalator.storage.contact_health import ContactHealth
from escalator.storage.covers import Covers
from escalator.storage.decisions import Decisions
from escalator.storage.deliveries import Deliveries
from escalator.storage.events import Events
from escalator.storage.incidents import Incidents
from escalator.storage.maintenance import Maintenance
from escalator.storage.meta import Meta
from escalator.storage.nonces import Nonces
from escalator.storage.register import Register
from escalator.storage.safety import Safety
from escalator.storage.sources import Sources
from escalator.storage.timeline import Timeline
from escalator.storage.txbase import Dialect, TxBase


class Tx(TxBase):
    """One open transaction, reached per aggregate (`tx.incidents.get(...)`)."""

    def __init__(self, conn: Any, dialect: Dialect, claim_fresh: bool = False) -> None:
        super().__init__(conn, dialect, claim_fresh)
        self.events = Events(self)
        self.incidents = Incidents(self)
        self.timeline = Timeline(self)
        self.safety = Safety(self)
        self.deliveries = Deliveries(self, self.incidents)
        self.sources = Sources(self)
        self.decisions = Decisions(self.incidents, self.timeline, self.deliveries, self.safety)
        self.nonces = Nonces(self)
        self.maintenance = Maintenance(self)
        self.register = Register(self)
        self.meta = Meta(self)
        self.covers = Covers(self)  # cover shifts (storage/covers.py)
        self.contact_health = ContactHealth(self)  # the board's channel health, tests

    @property
    def wake_at(self) -> datetime | None:
        """The earliest incident timer this transaction left set. Only the last save of
        each incident counts (an incident opened and repeated in one batch: the repeat's)."""
        timers = [at for at in self.incidents.timers.values() if at is not None]
        return min(timers) if timers else None

    @property
    def wakes_leader(self) -> bool:
        """This transaction left work for the leader's waker (outbox rows to claim, a
        timer set): a follower tells the leader at its commit (`DUE_CHANNEL`)."""
        return self.needs_claim or bool(self.incidents.timers)

    @property
    def changed_incidents(self) -> frozenset[int]:
        """The incidents this transaction added or saved (the board shows only these anew)."""
        return frozenset(self.incidents.timers)

    def finish(self) -> None:
        """Just before the commit: what was kept back to be written once per transaction
        (the timeline's rows, the audit chain's rows and head, each in one statement; the
        link nonces of the fresh rows' incidents, in one go)."""
        if self.nonces_wanted:
            self.fresh_nonces.update(self.nonces.made_for(self.nonces_wanted))
            self.nonces_wanted = []
        if self.incidents.written:  # each incident's state as committed, in the chain
            audit.record_incidents(self, self.incidents.written)
            self.incidents.written = {}
        self.flush_kept()

    def _flush_kept(self) -> None:
        self.timeline.flush()
        audit.flush(self)
