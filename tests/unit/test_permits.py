"""Who may do what besides answering: one table (domain/permits.py), read by the use cases."""

from __future__ import annotations

import pytest

from escalator.domain.permits import MAY, Deed, Refusal, permitted

WINDOWS = (Deed.SET_WINDOW, Deed.RENEW_WINDOW, Deed.END_WINDOW)
RECORDS = (Deed.NOTE_RECORD, Deed.CLOSE_RECORD)
CASES = [
    *[("operator", d, None) for d in (*WINDOWS, *RECORDS)],
    *[("viewer", d, Refusal.ROLE) for d in (*WINDOWS, *RECORDS)],  # a viewer reads only
    *[("manager", d, None) for d in RECORDS],  # the board's manager keeps the register
    *[("manager", d, Refusal.ROLE) for d in WINDOWS],  # windows are the operators' (API)
    *[("nurse", d, Refusal.ROLE) for d in (*WINDOWS, *RECORDS)],
    *[(role, Deed.SIGN_IN, None) for role in ("nurse", "manager", "viewer")],
    ("operator", Deed.SIGN_IN, Refusal.ROLE),  # an API token's role is no board user's
    ("", Deed.SIGN_IN, Refusal.ROLE),
    # a test message to a contact: the manager on the board, nobody else
    ("manager", Deed.TEST_MESSAGE, None),
    *[(role, Deed.TEST_MESSAGE, Refusal.ROLE) for role in ("nurse", "viewer", "operator", "")],
]


@pytest.mark.parametrize(("role", "deed", "refusal"), CASES,
                         ids=[f"{r or 'none'}-{d}" for r, d, _ in CASES])
def test_the_permit_table(role, deed, refusal):
    assert permitted(role, deed) is refusal


def test_every_deed_has_a_row():
    assert set(MAY) == set(Deed)
