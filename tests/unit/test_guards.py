"""The guard table: who may answer which alarm, with what, how often, and as whom."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from escalator.domain.guards import (
    CARD_SNOOZES,
    DEFAULT_SNOOZE,
    FITS,
    PER_ACTOR,
    Actor,
    Ask,
    Door,
    Facts,
    Kind,
    Past,
    Role,
    Verdict,
    Why,
    judge,
    snooze_choices,
    version,
)
from escalator.domain.limits import NOTES_PER_INCIDENT
from escalator.domain.model import Action, Incident, State
from escalator.entrypoints.http import answers
from escalator.entrypoints.http.board import rows
from escalator.notify import buttons as callback
from escalator.notify.telegram import layout

NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
M = timedelta(minutes=1)
OPEN = Incident(id=1, source="terminal", code="FT", point="Loop 2", text="", severity=None,
                ladder="technical-fault", state=State.OPEN, opened_at=NOW - 5 * M,
                last_seen_at=NOW - 5 * M, notified=("ward-a", "purchaser"))
PARTIES = ("ward-a", "ward-b", "purchaser", "vendor")
WARD = Actor(Door.ACK_PAGE, "Ward A", "ward-a", scope="ward-a", link_bound=True)
NURSE_B = Actor(Door.BOARD, "Bea", "ward-b", Role.NURSE, scope="ward-b")
MANAGER = Actor(Door.BOARD, "Maija", None, Role.MANAGER)
OPERATOR = Actor(Door.API, "operator", role=Role.OPERATOR)


def facts(inc: Incident = OPEN, **kw: object) -> Facts:
    base = Facts(incident=inc, parties=PARTIES, viewers={"purchaser"}, version=version(inc))
    return replace(base, **kw)


def at(state: State, **kw: object) -> Incident:
    return replace(OPEN, state=state, **kw)


TAKE = Ask(Action.ACKNOWLEDGE)
CASES = [
    # who ----------------------------------------------------------------------------
    ("the ward's own link", WARD, TAKE, facts(), Why.OK),
    ("a manager on the board: every alarm", MANAGER, TAKE, facts(), Why.OK),
    ("an operator token: every alarm", OPERATOR, TAKE, facts(), Why.OK),
    ("a board viewer never acts", replace(MANAGER, role=Role.VIEWER), TAKE, facts(),
     Why.VIEWER),
    ("a viewer party's link", replace(WARD, party="purchaser", scope="purchaser"), TAKE,
     facts(), Why.VIEWER),
    ("a party removed from the config", WARD, TAKE,
     facts(parties=("ward-b", "purchaser")), Why.PARTY_REMOVED),
    ("a link bound to another incident #1", replace(WARD, link_bound=False), TAKE, facts(),
     Why.LINK_REVOKED),
    ("ward B's nurse on ward A's alarm", NURSE_B, TAKE, facts(), Why.NOT_YOURS),
    ("a stranger in the ward's chat", Actor(Door.TELEGRAM, "x", role=Role.STRANGER), TAKE,
     facts(), Why.NOT_YOURS),
    # state ----------------------------------------------------------------------------
    ("resolved: no answer but a note", WARD, TAKE, facts(at(State.RESOLVED)), Why.CLOSED),
    ("resolved: a note is still written", WARD, Ask(Action.NOTE), facts(at(State.RESOLVED)),
     Why.OK),
    ("taken: taking again does not fit", WARD, TAKE, facts(at(State.ACKNOWLEDGED)),
     Why.CHANGED),
    ("a form shown before the state changed", WARD, Ask(Action.RESOLVE, version="old"),
     facts(), Why.CHANGED),
    ("a form shown in this state", WARD, Ask(Action.RESOLVE, version=version(OPEN)),
     facts(), Why.OK),
    # how often ------------------------------------------------------------------------
    ("the same answer again while it stands", WARD, Ask(Action.SNOOZE, 15),
     facts(at(State.SNOOZED), past=(Past(Action.SNOOZE, 15, NOW - M),)), Why.REPEAT),
    ("another length is not a repeat", WARD, Ask(Action.SNOOZE, 60),
     facts(at(State.SNOOZED), past=(Past(Action.SNOOZE, 15, NOW - M),)), Why.OK),
    ("taking it again once it was passed on is no repeat", WARD, TAKE,
     facts(past=(Past(Action.ACKNOWLEDGE, None, NOW - M),)), Why.OK),
    ("five answers in ten minutes, then wait", WARD, Ask(Action.RESOLVE),
     facts(past=tuple(Past(Action.NOTE, None, NOW - n * M) for n in range(PER_ACTOR, 0, -1))),
     Why.TOO_MANY),
    ("notes across incidents count too", WARD, Ask(Action.NOTE),
     facts(notes_elsewhere=tuple(NOW - n * 30 * timedelta(seconds=1) for n in range(10))),
     Why.TOO_MANY),
    # what comes with it -----------------------------------------------------------------
    ("a snooze over http.max_snooze", WARD, Ask(Action.SNOOZE, 240),
     facts(max_snooze=timedelta(hours=1)), Why.SNOOZE_TOO_LONG),
    ("a snooze without a length is the default", WARD, Ask(Action.SNOOZE), facts(), Why.OK),
    ("a snooze of 0 minutes is no snooze length", WARD, Ask(Action.SNOOZE, 0), facts(),
     Why.SNOOZE_TOO_LONG),
    ("not ours from a party the ladder passed: a note", WARD, Ask(Action.ESCALATE),
     facts(may_pass_on=False), Why.DEMOTED),
    ("...and an operator may always pass it on", OPERATOR, Ask(Action.ESCALATE),
     facts(may_pass_on=False), Why.OK),
    ("a demoted pass counts as a note", WARD, Ask(Action.ESCALATE),
     facts(may_pass_on=False, notes_elsewhere=tuple(NOW - n * M for n in range(10))),
     Why.TOO_MANY),
    # room for notes (from every door together) ------------------------------------------
    ("a note when the alarm holds all it may", WARD, Ask(Action.NOTE),
     facts(notes_on_incident=NOTES_PER_INCIDENT), Why.NOTES_FULL),
    ("...one fewer still fits", WARD, Ask(Action.NOTE),
     facts(notes_on_incident=NOTES_PER_INCIDENT - 1), Why.OK),
    ("...an operator's note is no exception", OPERATOR, Ask(Action.NOTE),
     facts(notes_on_incident=NOTES_PER_INCIDENT), Why.NOTES_FULL),
    ("a demoted pass is a note: no room, no note", WARD, Ask(Action.ESCALATE),
     facts(may_pass_on=False, notes_on_incident=NOTES_PER_INCIDENT), Why.NOTES_FULL),
    ("a pass that is not demoted is no note", WARD, Ask(Action.ESCALATE),
     facts(notes_on_incident=NOTES_PER_INCIDENT), Why.OK),
    ("the other answers never ask for room", WARD, TAKE,
     facts(notes_on_incident=NOTES_PER_INCIDENT), Why.OK),
]


@pytest.mark.parametrize(("name", "actor", "ask", "given", "why"), CASES,
                         ids=[c[0] for c in CASES])
def test_the_guard_table(name, actor, ask, given, why):
    assert judge(actor, ask, given, NOW).why is why


def test_a_full_incident_is_said_as_its_own_reason_not_as_bad_input():
    """The ack page used to say "bad form" when the note cap refused: the reader could
    not tell that another note would never fit here (issue 18)."""
    verdict = judge(WARD, Ask(Action.NOTE), facts(notes_on_incident=NOTES_PER_INCIDENT), NOW)
    assert verdict.why is Why.NOTES_FULL and verdict.kind is Kind.INVALID
    assert not verdict.acts and verdict.wait is None


def test_too_many_says_how_long_to_wait():
    past = tuple(Past(Action.NOTE, None, NOW - n * M) for n in (9, 8, 7, 6, 5))
    verdict = judge(WARD, Ask(Action.NOTE), facts(past=past), NOW)
    assert verdict == Verdict(Why.TOO_MANY, M) and verdict.kind is Kind.LIMITED


def test_an_actor_is_counted_as_their_party_else_as_themselves():
    assert WARD.key == replace(WARD, door=Door.TELEGRAM, person="Anna").key
    assert MANAGER.key != replace(MANAGER, person="Pekka").key


@pytest.mark.parametrize("state", list(State))
def test_one_table_of_answers_per_state_for_board_telegram_and_the_ack_page(state):
    inc = at(state)
    offered = {a.value for a in FITS[state]}
    board = set(rows.actions(inc))
    card = {callback.parse(data).action.value  # type: ignore[union-attr]
            for row in layout.keyboard(inc, "en") for _, data in row}
    page = {answers.KINDS[f.action].value for f in answers.forms("en", inc)}
    assert board == card == page == offered, state


def test_snooze_lengths_and_their_default_are_in_one_place():
    assert DEFAULT_SNOOZE == 15 and CARD_SNOOZES == (15, 60)
    assert callback.SNOOZE_CHOICES == CARD_SNOOZES
    assert snooze_choices(timedelta(hours=1)) == (15, 60)
    root = Path(__file__).resolve().parents[2] / "escalator"
    literal = re.compile(r"minutes or 15\b|\(15, 60|snooze.*timedelta\(hours=4\)")
    found = [str(p.relative_to(root)) for p in root.rglob("*.py")
             if p.name != "guards.py" and literal.search(p.read_text())]
    assert found == []
