"""A safety record lists every message it is about, not only the calls.

The request to clear the alarm at the terminal (sent to the vendor) and the record
sent to the last resort were left out of the record's contact lines; they are now
`told` lines, which make nobody a party that "did not answer".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from escalator.domain.register import DeliveryItem, contact_lines, party_outcomes

T0 = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


def sent(party: str, reason: str, minutes: int, update: bool = False) -> DeliveryItem:
    at = T0 + timedelta(minutes=minutes)
    return DeliveryItem(party, reason, 0, update, "sent", at, at, "email", None)


def test_the_clear_request_and_the_record_are_told_lines_updates_are_not():
    lines = contact_lines([], [sent("ward", "FIRST", 0), sent("vendor", "CLEAR_REQUESTED", 1),
                               sent("manager", "SAFETY_INCIDENT", 240),
                               sent("ward", "CLEARED", 250, update=True)])
    assert [(c.party, c.kind, c.reason) for c in lines] == [
        ("ward", "called", "FIRST"), ("vendor", "told", "CLEAR_REQUESTED"),
        ("manager", "told", "SAFETY_INCIDENT")]
    assert [(p.party, p.calls, p.outcome) for p in party_outcomes(lines)] == [
        ("ward", 1, "no_answer")]  # the vendor was asked to clear, not called
