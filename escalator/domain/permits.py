"""Who may do what besides answering an alarm: sign in, keep maintenance windows, write
in the safety register.

The answers have their own guard table (`guards.py`); these are the other things
people change, each a use-case command (escalator/usecases/) that asks `permitted`
before it touches anything. The roles are the config's: an API token is `operator`
or `viewer`; a board user is `nurse`, `manager` or `viewer`. None of these deeds has
a narrower scope than the facility today (an operator token or a manager reaches
every window and every record), so the question is the role alone; a scope would
be a second column here, not a check in a handler. Pure, with a table test
(tests/unit/test_permits.py).
"""

from __future__ import annotations

from enum import StrEnum


class Deed(StrEnum):
    SIGN_IN = "sign_in"  # the board
    SET_WINDOW = "set_window"  # a new maintenance window
    RENEW_WINDOW = "renew_window"
    END_WINDOW = "end_window"
    NOTE_RECORD = "note_record"  # a note on a safety record
    CLOSE_RECORD = "close_record"  # a safety record reviewed and closed
    TEST_MESSAGE = "test_message"  # the board's "send a test message" to one contact


class Refusal(StrEnum):
    """Why a command did nothing; each door says it in its reader's words."""

    ROLE = "role"  # the actor's role may not do this
    MISSING = "missing"  # no such window or record
    ENDED = "ended"  # the window is over already
    CLOSED = "closed"  # the record is closed already
    FULL = "full"  # as many windows as may be current or planned at once
    INVALID = "invalid"  # the window's times do not fit (see `maintenance.WindowProblem`)
    SLOW_DOWN = "slow_down"  # sign-in: too many attempts, wait first
    WRONG = "wrong"  # sign-in: name or password wrong


OPERATOR, MANAGER = "operator", "manager"
BOARD_ROLES = frozenset({"nurse", "manager", "viewer"})

MAY: dict[Deed, frozenset[str]] = {
    Deed.SIGN_IN: BOARD_ROLES,
    Deed.SET_WINDOW: frozenset({OPERATOR}),
    Deed.RENEW_WINDOW: frozenset({OPERATOR}),
    Deed.END_WINDOW: frozenset({OPERATOR}),
    Deed.NOTE_RECORD: frozenset({OPERATOR, MANAGER}),
    Deed.CLOSE_RECORD: frozenset({OPERATOR, MANAGER}),
    Deed.TEST_MESSAGE: frozenset({MANAGER}),
}


def permitted(role: str, deed: Deed) -> Refusal | None:
    """None if this role may do it; else why not."""
    return None if role in MAY[deed] else Refusal.ROLE
