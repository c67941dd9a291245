"""What one delivery attempt comes to: a move of the delivery state machine
(`escalator.domain.delivery`) with the fields it writes, and what the timeline says.

Every stage of an attempt (escalator/dispatch/stages.py) that stops the chain returns
one of these; the dispatcher writes them in batches (escalator/dispatch/recording.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from escalator.domain.delivery import Move, Status, target
from escalator.domain.model import Incident
from escalator.storage.rows import DeliveryRow

KEEP = object()  # failing_since unchanged
CUT = "cut at shutdown after the request left: may have been sent; sent again with its id"

# (party, incident id, checks, contact): a held notice's check has a lane of its own, so
# a retry of an earlier message to the party never holds it past its fallback deadline;
# a notice spread over contact rules has one per contact (-1: not spread), so a slow SMS
# gateway does not hold up the e-mail meant to go at once
Lane = tuple[str, int, bool, int]
Item = tuple[DeliveryRow, Incident, "datetime | None"]


@dataclass(frozen=True)
class Outcome:
    row: DeliveryRow  # as claimed: its status and claim number are what the write expects
    move: Move | None  # None: nothing to write (a digest carried it meanwhile)
    fields: dict[str, object]
    failed_for_good: bool = False
    # A channel gave up: what the timeline says (channel, failure kind, next
    # channel, the technical error for the API), rendered per reader later.
    note: dict[str, str] = field(default_factory=dict)
    failing_since: object = KEEP  # datetime | None | KEEP
    # spread over the party's contact rules with this outcome: the further rows to add,
    # (contact index, due); None: not spreading (written only if the move is)
    spread: tuple[tuple[int, datetime], ...] | None = None
    failure: str = ""  # a failed send's kind (`errors.FAILURES`): the contact's health

    @property
    def status(self) -> Status | None:
        return None if self.move is None else target(self.move, self.row.status)

    @property
    def done(self) -> bool:
        """The lane may go on: this row is out of the way (sent, held, dropped)."""
        return self.status is not Status.PENDING
