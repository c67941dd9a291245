"""The dispatcher's two transactions: claim what is due, and write what came of it.

Each outcome is written as its move of the delivery state machine, and only if the
row is still under the claim it was sent on; with it the audit record, the contact's
failing-since time and, when a channel gave up, the timeline entry.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from escalator.config.model import Config
from escalator.dispatch.fallback import move_on
from escalator.dispatch.outcome import CUT, KEEP, Item, Outcome
from escalator.domain.answering import CALLS
from escalator.domain.channel_health import NO_INCIDENT, Seen
from escalator.domain.delivery import RULES, Move, Status
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
    return items, tx.nonces.made_for((i.id for _, i, _ in items if i.id != NO_INCIDENT))


def record(tx: Tx, outcomes: list[Outcome], now: datetime) -> set[int]:
    """Write the outcomes, each as its move of the delivery state machine and only if
    the row is still under the claim it was sent on; the ids of those refused."""
    refused: set[int] = set()
    seen: dict[tuple[str, int, str], Seen] = {}  # per contact: only the newest is written
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
        contact_seen(seen, o, now)
        if o.note and o.row.incident_id != NO_INCIDENT:  # a channel gave up: the timeline
            # says which, and what happens next (a test message has no timeline)
            reason = Reason.DELIVERY_FAILED if o.failed_for_good else Reason.CHANNEL_FAILED
            tx.timeline.add(o.row.incident_id, [Entry(now, reason, o.row.party,
                                                      params(notice=o.row.reason, **o.note))])
    for (party, index, channel), s in seen.items():
        if s.ok_at is not None:
            tx.contact_health.succeeded(party, index, channel, s.ok_at)
        if s.failed_at is not None:
            tx.contact_health.failed(party, index, channel, s.failed_at, s.failure, s.error)
    return refused


def contact_seen(seen: dict[tuple[str, int, str], Seen], o: Outcome, now: datetime) -> None:
    """The contact this attempt was on (`o.row` as claimed) got through, or failed: its
    health on the board, gathered per contact so a batch writes each contact once. A
    send cut at shutdown says nothing about the contact, nor does a contact that left
    the config, nor a notice only written to the log."""
    row, error = o.row, o.fields.get("error")
    if o.move is Move.ACCEPT:
        label = str(o.fields.get("channel") or "")
        if label and not label.startswith("log:"):
            sent = o.fields.get("sent_at")
            at, key = sent if isinstance(sent, datetime) else now, (row.party,
                                                                     row.contact_index, label)
            was = seen.get(key, Seen())
            seen[key] = replace(was, ok_at=max(at, was.ok_at) if was.ok_at else at)
        return
    failure = o.failure or o.note.get("failure", "")
    channel = str(o.fields.get("channel") or o.note.get("channel") or "")
    if not error or error == CUT or not failure or failure == "no_contact" or not channel:
        return
    key = (row.party, row.contact_index, channel.removeprefix("log:"))
    seen[key] = replace(seen.get(key, Seen()), failed_at=now, failure=failure,
                        error=str(error))


def record_not_reached(tx: Tx, config: Config, delivery_id: int, incident_id: int,
                       channel: str, error: str, now: datetime) -> Outcome | None:
    """A `sent` delivery nobody got (a call nobody answered with a key) moves on to the
    party's next contact, written as that move; None when it has moved on already."""
    row = {d.id: d for d in tx.deliveries.of_incident(incident_id)}.get(delivery_id)
    if row is None or row.status != Status.SENT or row.channel != channel:
        return None
    party = config.parties.get(row.party)
    if party is None or row.contact_index >= len(party.contacts):
        return None
    contact = party.contacts[row.contact_index]
    o = move_on(row, party, f"{contact.channel} {contact.address}: {error}", now,
                contact.channel, "not_answered", moves=(Move.NOT_REACHED, Move.NOT_REACHED_LAST))
    return o if not record(tx, [o], now) else None
