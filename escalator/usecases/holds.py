"""Named query: which open alarms a maintenance window holds, with its work and its times.

The board must not show a held alarm as an ordinary open one ("open", no ladder):
a nurse reading it would not know that nobody is being called on purpose, nor
until when. A hold is a row of `incident_holds` (written by `maintenance_holds`)
naming its window; the window's start is the config file's window of that id or
the one set through the API (a window since removed keeps the end the hold
recorded). Read in the same transaction as the incidents the page shows.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from escalator.config.model import Config
from escalator.domain.maintenance import MaintenanceWindow
from escalator.storage.sql import Tx


@dataclass(frozen=True)
class HeldAlarm:
    """Why an alarm is not escalated: the planned work, and the window it falls in."""

    incident_id: int
    work: str  # the window's reason: "Palohälytinhuolto, Kone Oy"
    starts: datetime | None  # None: the window is gone (only its recorded end is known)
    until: datetime  # the ladder starts then if the alarm is still on


def held(tx: Tx, config: Config, ids: Collection[int] | None = None) -> dict[int, HeldAlarm]:
    """The holds of `ids` (None: every hold), by incident id. Few rows: the table holds
    only alarms held right now."""
    wanted = None if ids is None else set(ids)
    by_id: dict[str, MaintenanceWindow | None] = {w.id: w for w in config.maintenance}
    found = {}
    for h in tx.maintenance.holds():
        if wanted is not None and h.incident_id not in wanted:
            continue
        if h.window_id not in by_id:
            api = tx.maintenance.window(int(h.window_id)) if h.window_id.isdigit() else None
            by_id[h.window_id] = api.window if api else None
        window = by_id[h.window_id]
        found[h.incident_id] = HeldAlarm(h.incident_id, h.reason,
                                         window.starts if window else None, h.until)
    return found
