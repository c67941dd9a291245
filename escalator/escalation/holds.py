"""Use cases of maintenance windows inside the service's transactions: hold and release.

An alarm that a window covers is opened as usual (event stored, incident and
timeline written) but its ladder does not start; a row in `incident_holds`
remembers why. Every wake re-reads the windows (the file's and the API's), so
a renewed, shortened or ended window takes effect without anything else
changing: whatever no window covers any more starts its ladder with reason
MAINTENANCE_ENDED. A clear during the window resolves the incident quietly
(nobody was told, so nobody is told), the same alarm back soon after is
reopened and held again, and a person acting on it releases it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from escalator.config.model import Config
from escalator.domain import policy
from escalator.domain.availability import Directory
from escalator.domain.ladder import FollowUp, Ladder
from escalator.domain.maintenance import MaintenanceWindow, covering
from escalator.domain.model import (
    Decision,
    Entry,
    Escalation,
    Incident,
    Reason,
    State,
    params,
)
from escalator.storage.sql import Tx


def windows(tx: Tx, config: Config, now: datetime) -> list[MaintenanceWindow]:
    """Every window not ended at `now`: the config file's and those set through the API."""
    from_api = tx.maintenance.current(now)
    return [*(w for w in config.maintenance if w.ends > now), *from_api]


def window_for(tx: Tx, config: Config, incident: Incident, now: datetime
               ) -> MaintenanceWindow | None:
    """The window a new incident opens inside, if any: its ladder waits for the end."""
    return covering(windows(tx, config, now), incident.source, incident.code, incident.point,
                    now)


def held(incident: Incident, window: MaintenanceWindow, now: datetime) -> Decision:
    """A new incident inside `window`: recorded as held, no ladder until the window ends
    (the caller stores it once with this timer and adds the hold's row)."""
    detail = params(work=window.reason, until=window.ends, window=window.id)
    return Decision(incident, entries=(Entry(now, Reason.MAINTENANCE_HELD, None, detail),),
                    next_due=window.ends)


def hold_reopened(tx: Tx, config: Config, reopened: Decision, before: Incident,
                  now: datetime) -> Decision:
    """The same alarm back inside a window (the installer tripped it again): reopened,
    counted and held, not called out; otherwise the reopen decision as it was."""
    inc = reopened.incident
    window = covering(windows(tx, config, now), inc.source, inc.code, inc.point, now)
    if window is None:
        return reopened
    held = replace(inc, escalation=Escalation(), notified=before.notified)
    logged = [e for e in reopened.entries if e.reason is Reason.REOPENED and e.party is None]
    detail = params(work=window.reason, until=window.ends, window=window.id)
    tx.maintenance.add_hold(inc.id, window)
    return Decision(held, entries=(*logged, Entry(now, Reason.MAINTENANCE_HELD, None, detail)),
                    next_due=window.ends)


def _still_held(incident: Incident | None) -> bool:
    """Nobody has acted on it and it has not cleared: the hold is still the whole story."""
    return (incident is not None and incident.state is State.OPEN
            and incident.escalation.step < 0 and not incident.escalation.exhausted)


def review(
    tx: Tx, config: Config, now: datetime, ladder_of: Callable[[Incident], Ladder],
    follow_of: Callable[[Incident], FollowUp], directory: Directory,
) -> list[Decision]:
    """Each held incident: still covered -> due at the window's end; else its ladder starts."""
    holds = tx.maintenance.holds()
    if not holds:
        return []
    current = windows(tx, config, now)
    decisions = []
    for h in holds:
        incident = tx.incidents.get(h.incident_id)
        if incident is None or not _still_held(incident):
            tx.maintenance.drop_hold(h.incident_id)
            continue
        window = covering(current, incident.source, incident.code, incident.point, now)
        if window is not None:
            if (window.id, window.reason, window.ends) != (h.window_id, h.reason, h.until):
                tx.maintenance.update_hold(incident.id, window)
            decisions.append(Decision(incident, next_due=window.ends))
            continue
        tx.maintenance.drop_hold(incident.id)
        decisions.append(policy.start(incident, ladder_of(incident), directory, now,
                                      follow_of(incident), reason=Reason.MAINTENANCE_ENDED,
                                      detail=params(work=h.reason)))
    return decisions
