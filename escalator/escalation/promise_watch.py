"""The tick's watch on service promises: a promise that runs out is a safety record.

For each open alarm a party with a `promise:` was asked to handle, the pure
rule (`escalator.domain.service_promises`) says which promises broke by now; each is
written once per alarm, party and promise as a record of its own cause
(`promise_broken`), with the promise and the figure as parameters. The next
deadline is returned so the waker comes back exactly then, and not before.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from escalator.domain import service_promises as promises
from escalator.domain.availability import Party
from escalator.domain.model import Incident, Reason, SafetyCause, SafetyRecord, params, read_params
from escalator.domain.register import DeliveryItem, TimelineItem
from escalator.storage import promises as store
from escalator.storage.sql import Tx

CAUSE = SafetyCause.PROMISE_BROKEN


def promised(parties: Mapping[str, Party]) -> dict[str, promises.Promise]:
    return {pid: p.promise for pid, p in parties.items() if p.promise}


def current(inc: Incident, timeline: list[TimelineItem], deliveries: list[DeliveryItem]
            ) -> tuple[datetime, list[TimelineItem], list[DeliveryItem]]:
    """The alarm now running: from the incident's opening or its last reopening."""
    reopens = [e.at for e in timeline if e.reason == Reason.REOPENED.value and e.party is None]
    start = max(reopens, default=inc.opened_at)
    return (start, [e for e in timeline if e.at >= start],
            [d for d in deliveries if d.created_at >= start])


def record(outcome: promises.Outcome, name: str, now: datetime) -> SafetyRecord:
    """The parameters a reader's sentence is made of (never a sentence): whose promise,
    which, its limit, the first ask, and the figure if the thing came late."""
    took = None if outcome.figure is None else int(outcome.figure.total_seconds())
    return SafetyRecord(CAUSE, now, params(
        party=outcome.party, name=name, promise=outcome.kind, why=f"promise_{outcome.kind}",
        within=promises.spoken(outcome.limit), within_s=int(outcome.limit.total_seconds()),
        took_s=took, since=outcome.deadline - outcome.limit))


def review(tx: Tx, parties: Mapping[str, Party], now: datetime) -> datetime | None:
    """Write the promises broken by `now`; the next deadline of those still pending."""
    wanted = promised(parties)
    ids = store.open_asked(tx, sorted(wanted))
    if not ids:
        return None
    incidents = tx.register.incidents(ids)
    timelines, deliveries = tx.register.timelines(ids), tx.register.deliveries(ids)
    written = store.safety_of(tx, ids, CAUSE.value)
    due: list[datetime] = []
    for iid in ids:
        inc = incidents.get(iid)
        if inc is None:
            continue
        start, timeline, sent = current(inc, timelines[iid], deliveries[iid])
        found = promises.handled(timeline, sent, None, wanted)
        done = [(str(said.get("party")), str(said.get("promise"))) for r in written[iid]
                if r.at >= start for said in (read_params(r.detail),)]
        broken = promises.newly_broken(found, wanted, now, done)
        tx.safety.add(iid, [record(o, parties[o.party].name, now) for o in broken])
        nxt = promises.next_deadline(found, wanted, now)
        if nxt is not None:
            due.append(nxt)
    return min(due, default=None)
