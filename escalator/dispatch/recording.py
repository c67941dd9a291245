"""The dispatcher's two transactions: claim what is due, and write what came of it.

Each outcome is written as its move of the delivery state machine, and only if the
row is still under the claim it was sent on; with it the audit record, the contact's
failing-since time and, when a channel gave up, the timeline entry.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from escalator.config.model import Config
from escalator.dispatch.outcome import KEEP, Item, Outcome
from escalator.domain.answering import CALLS
from escalator.domain.delivery import RULES, Move
from escalator.domain.model import WAITING_FOR_CLEAR, Entry, Reason, State, params
from escalator.storage import audit
from escalator.storage.sql import Tx

CLOSED = (State.ACKNOWLEDGED, State.RESOLVED, *WAITING_FOR_CLEAR)  # calls not sent any more
# the audit log's `delivery.<kind>`: the state reached, or what the move did
AUDIT_KIND = {Move.RETRY: "retry", Move.FALL_BACK: "next_contact",
              Move.NOT_REACHED: "next_contact", Move.UNCLAIM: "unclaimed"}


def shortest_fallback(config: Config) -> timedelta:
    """The shortest `fallback_after` of any channel: a contact failing longer than this
    may be past its deadline, and is claimed even behind an earlier message."""
    own = [v.get("fallback_after") for v in config.channels.values()]
    return min([config.delivery.fallback_after,
                *(o for o in own if isinstance(o, timedelta))])


def claim(tx: Tx, now: datetime, limit: int, failing_before: datetime | None = None,
          ) -> tuple[list[Item], dict[int, bytes]]:
    """Due rows, in flight now, and the link nonces of their incidents (made if new)."""
    items = tx.deliveries.claim(now, limit, calls=CALLS, closed=[s.value for s in CLOSED],
                                failing_before=failing_before)
    return items, tx.nonces.made_for((i.id for _, i, _ in items))


def record(tx: Tx, outcomes: list[Outcome], now: datetime) -> set[int]:
    """Write the outcomes, each as its move of the delivery state machine and only if
    the row is still under the claim it was sent on; the ids of those refused."""
    refused: set[int] = set()
    for o in outcomes:
        if o.move is None:
            continue
        claim = o.row.claims if RULES[o.move].claimed else None
        if not tx.deliveries.move(o.row.id, o.move, now=now, current=o.row.status, claim=claim,
                                  **o.fields):
            refused.add(o.row.id)
            continue
        audit.record_delivery(tx, o.row.id, o.row.incident_id, o.row.party, o.row.reason,
                              {**o.fields, "status": AUDIT_KIND.get(o.move, o.status)}, now)
        if o.spread is not None:  # the notice's other contacts, per the party's rules
            tx.deliveries.spread(o.row, o.spread, now)
        if o.failing_since is not KEEP:
            tx.deliveries.set_failing_since(o.row.id, o.failing_since)  # type: ignore[arg-type]
        if o.note:  # a channel gave up: the timeline says which, and what happens next
            reason = Reason.DELIVERY_FAILED if o.failed_for_good else Reason.CHANNEL_FAILED
            tx.timeline.add(o.row.incident_id, [Entry(now, reason, o.row.party,
                                                      params(notice=o.row.reason, **o.note))])
    return refused
