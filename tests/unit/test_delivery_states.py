"""The delivery state machine's table: every move from every state, allowed or refused.

The expected table is written out here by hand, independently of
`escalator.domain.delivery.RULES`, so a change to who may move a delivery where
is a deliberate change to both.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from escalator.domain.delivery import (
    LIVE,
    RULES,
    Actor,
    Move,
    Refused,
    Status,
    allowed,
    check_fields,
    deadline,
    target,
)

P, SE, H, C = Status.PENDING, Status.SENDING, Status.HELD, Status.CHECKING
SENT, F, SUP, SK = Status.SENT, Status.FAILED, Status.SUPERSEDED, Status.SKIPPED

EXPECTED: dict[Move, tuple[Actor, dict[Status, Status]]] = {
    Move.CLAIM: (Actor.DISPATCHER, {P: SE}),
    Move.CLAIM_HELD: (Actor.DISPATCHER, {H: C}),
    Move.ACCEPT: (Actor.CHANNEL, {SE: SENT}),
    Move.HOLD: (Actor.CHANNEL, {SE: H}),
    Move.RETRY: (Actor.DISPATCHER, {SE: P}),
    Move.FALL_BACK: (Actor.DISPATCHER, {SE: P, C: P}),
    Move.GIVE_UP: (Actor.DISPATCHER, {SE: F, C: F}),
    Move.DROP: (Actor.DISPATCHER, {SE: SUP, C: SUP}),
    Move.SKIP: (Actor.DISPATCHER, {SE: SK}),
    Move.KEEP_HELD: (Actor.DISPATCHER, {C: H}),
    Move.CARRY: (Actor.DIGEST, {H: SENT, C: SENT}),
    Move.SUPERSEDE: (Actor.SERVICE, {P: SUP}),
    Move.UNCLAIM: (Actor.DISPATCHER, {SE: P, C: H}),
    Move.RECOVER: (Actor.RECOVERY, {SE: P, C: H}),
    Move.NOT_REACHED: (Actor.PEER, {SENT: P}),
    Move.NOT_REACHED_LAST: (Actor.PEER, {SENT: F}),
}

CASES = [(move, status) for move in Move for status in Status]


def test_the_table_names_every_move():
    assert set(RULES) == set(EXPECTED) == set(Move)


@pytest.mark.parametrize(("move", "status"), CASES, ids=[f"{m}-{s.name}" for m, s in CASES])
def test_every_move_from_every_state(move, status):
    by, edges = EXPECTED[move]
    if status in edges:
        assert allowed(move, status)
        assert target(move, status) is edges[status]
        assert target(move, status, by) is edges[status]
        for other in set(Actor) - {by}:  # and only by its own actor
            with pytest.raises(Refused):
                target(move, status, other)
    else:
        assert not allowed(move, status)
        with pytest.raises(Refused):
            target(move, status)


def test_only_a_peers_acceptance_or_the_digest_carrying_it_makes_sent():
    makers = {m for m in Move if SENT in RULES[m].edges.values()}
    assert makers == {Move.ACCEPT, Move.CARRY}
    assert {RULES[m].by for m in makers} == {Actor.CHANNEL, Actor.DIGEST}


def test_nothing_moves_a_given_up_superseded_or_skipped_row():
    for status in (F, SUP, SK):
        assert not any(allowed(m, status) for m in Move)


def test_a_claimed_row_is_never_claimed_again():
    for status in (SE, C):
        assert not allowed(Move.CLAIM, status) and not allowed(Move.CLAIM_HELD, status)


def test_outcomes_of_a_claim_need_the_claim():
    outcomes = {Move.ACCEPT, Move.HOLD, Move.RETRY, Move.FALL_BACK, Move.GIVE_UP, Move.DROP,
                Move.SKIP, Move.KEEP_HELD, Move.UNCLAIM}
    assert {m for m in Move if RULES[m].claimed} == outcomes


def test_sent_carries_the_acceptance_time_and_nothing_else_sets_one():
    at = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    check_fields(Move.ACCEPT, {"sent_at": at, "channel": "telegram"})
    check_fields(Move.CARRY, {"sent_at": at})
    for move in (Move.ACCEPT, Move.CARRY):
        with pytest.raises(Refused):
            check_fields(move, {"channel": "telegram"})  # sent, but when? never NULL
        with pytest.raises(Refused):
            check_fields(move, {"sent_at": None})
    with pytest.raises(Refused):
        check_fields(Move.HOLD, {"sent_at": at})  # held is not sent
    with pytest.raises(Refused):
        check_fields(Move.RETRY, {"status": "sent"})  # the status is the move's


def test_the_ladder_waits_only_for_rows_that_may_still_reach_someone():
    assert LIVE == {P, SE, H, C, SENT}


def test_the_fallback_deadline_counts_from_the_first_attempt():
    first = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    assert deadline(first, timedelta(seconds=20)) == first + timedelta(seconds=20)
