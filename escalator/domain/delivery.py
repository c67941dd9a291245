"""The delivery state machine: every state an outbox row can be in, and who moves it.

One table (`RULES`) names every allowed move: from which states, to which
state, and which part of the service may make it. The store applies a move
only to a row still in the state the mover saw (a conditional UPDATE in
`escalator.storage.sql.Tx.deliveries.move`); a write refused so is logged and
audited, never applied. Nothing else writes a delivery's status.

    PENDING  --claim-->  SENDING  --accept-->  SENT   (sent_at: the peer's acceptance)
    SENDING  --retry / fall_back-->  PENDING      (same contact later / next contact)
    SENDING  --retry-->  PENDING, maybe_sent      (a send cut at the shutdown deadline)
    SENDING  --hold-->  HELD  --claim_held-->  CHECKING  --fall_back-->  PENDING
    HELD, CHECKING  --carry-->  SENT              (the digest holding it went out)
    SENDING, CHECKING  --give_up-->  FAILED       (no contact left: the ladder moves on)

(all of them: `RULES`; drawn in docs/architecture.md, "Delivery states").

What "sent" means: a person's channel (Telegram, the mail server, the SMS or
voice gateway, the webhook's receiver) accepted the notice, and `sent_at` is
when it did. A notice a channel only queued (a Telegram digest waiting for the
chat's budget, or for Telegram to come back) is HELD, not sent; exactly one
digest holds it (the channel's queue row is the token), and only that digest
going out (`carry`) makes it sent. Nothing else makes `sent`: not a check
that found nothing to take back, not a copy of an outcome.

A claim is exclusive: a claimed row is SENDING or CHECKING, and no claim
returns it again until its outcome is written; each claim counts up the row's
`claims`, and an outcome is written only for the claim that is still current,
so an outcome of a lapsed claim (the process died, a new one recovered the
row) cannot overwrite what happened since. The claim's lease is the running
leader: it ends with the outcome, or at the next start (`recover`).

A contact is left for the next one at `fallback_after` counted from its first
attempt, wherever the notice waits meanwhile (retries, a digest, an outage):
the check of a held notice is due at that same deadline and is not re-armed.
With no contact left the row is FAILED and the service moves the ladder on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Status(StrEnum):
    """The `deliveries.status` column."""

    PENDING = "pending"  # due at next_attempt_at, on contact `contact_index`
    SENDING = "sending"  # claimed: an attempt is in flight (fenced by `claims`)
    HELD = "queued"  # in one channel queue (a Telegram digest): not delivered yet
    CHECKING = "checking"  # a held notice claimed for its check at the fallback deadline
    SENT = "sent"  # a peer accepted it; sent_at is when
    FAILED = "failed"  # given up: no contact left (the ladder moves on)
    SUPERSEDED = "superseded"  # no longer matters (the incident was taken, a newer reminder)
    SKIPPED = "skipped"  # an update no contact of the party carries


class Actor(StrEnum):
    """Who may make a move."""

    DISPATCHER = "dispatcher"  # claims, and records the outcome of its own claim
    CHANNEL = "channel"  # a channel's answer to a send, recorded by the dispatcher
    DIGEST = "digest"  # a channel's queue going out (the Telegram digest)
    SERVICE = "service"  # the escalation service: a call nobody needs any more
    RECOVERY = "recovery"  # the next start after a crash
    PEER = "peer"  # a peer reporting later that nobody got it (a call not answered)


class Move(StrEnum):
    CLAIM = "claim"
    CLAIM_HELD = "claim_held"
    ACCEPT = "accept"
    HOLD = "hold"
    RETRY = "retry"
    FALL_BACK = "fall_back"
    GIVE_UP = "give_up"
    DROP = "drop"  # the incident was taken after the claim: the call is not sent
    SKIP = "skip"
    KEEP_HELD = "keep_held"  # checked before its deadline (after a restart): back in the queue
    CARRY = "carry"
    SUPERSEDE = "supersede"
    UNCLAIM = "unclaim"  # claimed, never attempted (a lane ended): back as it was
    RECOVER = "recover"
    NOT_REACHED = "not_reached"  # accepted, then reported unanswered: the next contact
    NOT_REACHED_LAST = "not_reached_last"  # ... and there is none left


S = Status


@dataclass(frozen=True)
class Rule:
    edges: Mapping[Status, Status]  # from -> to
    by: Actor
    claimed: bool  # the mover must hold the row's current claim (the claim number matches)


RULES: Mapping[Move, Rule] = {
    Move.CLAIM: Rule({S.PENDING: S.SENDING}, Actor.DISPATCHER, False),
    Move.CLAIM_HELD: Rule({S.HELD: S.CHECKING}, Actor.DISPATCHER, False),
    Move.ACCEPT: Rule({S.SENDING: S.SENT}, Actor.CHANNEL, True),
    Move.HOLD: Rule({S.SENDING: S.HELD}, Actor.CHANNEL, True),
    Move.RETRY: Rule({S.SENDING: S.PENDING}, Actor.DISPATCHER, True),
    Move.FALL_BACK: Rule({S.SENDING: S.PENDING, S.CHECKING: S.PENDING}, Actor.DISPATCHER, True),
    Move.GIVE_UP: Rule({S.SENDING: S.FAILED, S.CHECKING: S.FAILED}, Actor.DISPATCHER, True),
    Move.DROP: Rule({S.SENDING: S.SUPERSEDED, S.CHECKING: S.SUPERSEDED}, Actor.DISPATCHER,
                    True),
    Move.SKIP: Rule({S.SENDING: S.SKIPPED}, Actor.DISPATCHER, True),
    Move.KEEP_HELD: Rule({S.CHECKING: S.HELD}, Actor.DISPATCHER, True),
    Move.CARRY: Rule({S.HELD: S.SENT, S.CHECKING: S.SENT}, Actor.DIGEST, False),
    Move.SUPERSEDE: Rule({S.PENDING: S.SUPERSEDED}, Actor.SERVICE, False),
    Move.UNCLAIM: Rule({S.SENDING: S.PENDING, S.CHECKING: S.HELD}, Actor.DISPATCHER, True),
    Move.RECOVER: Rule({S.SENDING: S.PENDING, S.CHECKING: S.HELD}, Actor.RECOVERY, False),
    Move.NOT_REACHED: Rule({S.SENT: S.PENDING}, Actor.PEER, False),
    Move.NOT_REACHED_LAST: Rule({S.SENT: S.FAILED}, Actor.PEER, False),
}

CLAIMED = frozenset({S.SENDING, S.CHECKING})
# may still reach someone, or did: the ladder waits for these before moving on
LIVE = frozenset({S.PENDING, S.SENDING, S.HELD, S.CHECKING, S.SENT})


class Refused(ValueError):
    """A move the table does not allow from that state, or by that actor."""


def target(move: Move, status: Status | str, by: Actor | None = None) -> Status:
    """The state `move` leads to from `status`; Refused if the table has no such edge."""
    rule = RULES[move]
    if by is not None and by is not rule.by:
        raise Refused(f"{by} may not {move}")
    try:
        return rule.edges[Status(status)]
    except (KeyError, ValueError):
        raise Refused(f"{move} from {status}") from None


def allowed(move: Move, status: Status | str) -> bool:
    try:
        target(move, status)
    except Refused:
        return False
    return True


def sources(move: Move) -> frozenset[Status]:
    return frozenset(RULES[move].edges)


def check_fields(move: Move, fields: Mapping[str, object]) -> None:
    """What a move must carry: a move to SENT the peer's acceptance time, others none."""
    makes_sent = S.SENT in RULES[move].edges.values()
    if makes_sent and not isinstance(fields.get("sent_at"), datetime):
        raise Refused(f"{move} without the time the peer accepted it")
    if not makes_sent and fields.get("sent_at") is not None:
        raise Refused(f"{move} may not set sent_at")
    if "status" in fields:
        raise Refused("the status is the move's, not a field")


def deadline(first_attempt: datetime, fallback_after: timedelta) -> datetime:
    """When a contact is left for the next one, wherever the notice waits meanwhile."""
    return first_attempt + fallback_after
