"""Which contacts get which notice when: the contact rules as a table
(escalator/domain/contact_rules.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from escalator.domain.contact_rules import ContactRules, Group, Send, is_act, plan

M = timedelta(minutes=1)
# the vendor: 0 voice, 1 sms, 2 email, 3 sms (the on-call engineer's second phone)
CHANNELS = ("voice", "sms", "email", "sms")
RULES = ContactRules((
    ("high", (Group((0, 1)), Group((2,), 2 * M), Group((3,), 5 * M))),
    ("low", (Group((2,)), Group((1,), 30 * M))),
))
PHONE_ONLY = ContactRules((("high", (Group((0,)),)),))
PHONE_THEN_MAIL = ContactRules((("high", (Group((0,)), Group((2,), 2 * M))),))


def written(channel: str) -> bool:
    return channel != "voice"


@pytest.mark.parametrize(("rules", "urgency", "reason", "update", "expected"), [
    # acts go through every group, the phone included, each at its offset
    (RULES, "high", "FIRST", False, [(0, 0), (1, 0), (2, 2), (3, 7)]),
    (RULES, "high", "ESCALATED", False, [(0, 0), (1, 0), (2, 2), (3, 7)]),
    (RULES, "high", "ACK_OVERDUE", False, [(0, 0), (1, 0), (2, 2), (3, 7)]),
    (RULES, "high", "CLEAR_REQUESTED", False, [(0, 0), (1, 0), (2, 2), (3, 7)]),
    (RULES, "high", "RENOTIFY", False, [(0, 0), (1, 0), (2, 2), (3, 7)]),
    # the route's urgency picks the rules
    (RULES, "low", "FIRST", False, [(2, 0), (1, 30)]),
    (RULES, "low", "CLEAR_REQUESTED", False, [(2, 0), (1, 30)]),
    # updates: only the written contacts of the first group with any, at once
    (RULES, "high", "ACKED", True, [(1, 0)]),
    (RULES, "high", "CLEARED", True, [(1, 0)]),
    (RULES, "high", "FIRST", True, [(1, 0)]),  # news of a call, not a call
    (RULES, "low", "RESOLVED", True, [(2, 0)]),
    (PHONE_THEN_MAIL, "high", "ACKED", True, [(2, 0)]),
    (PHONE_ONLY, "high", "ACKED", True, []),  # reached only by phone: nobody
    # an urgency without rules of its own uses the first given
    (PHONE_ONLY, "low", "FIRST", False, [(0, 0)]),
])
def test_which_contacts_get_which_notice_when(rules, urgency, reason, update, expected):
    got = plan(rules, urgency, reason, update, CHANNELS, written)
    assert [(s.contact, s.after / M) for s in got] == expected


def test_a_contact_in_two_groups_is_tried_once_at_its_first():
    rules = ContactRules((("high", (Group((1, 2)), Group((2, 0), M))),))
    assert plan(rules, "high", "FIRST", False, CHANNELS, written) == (
        Send(1), Send(2), Send(0, M))


def test_a_contact_the_party_no_longer_has_is_left_out():
    rules = ContactRules((("high", (Group((0, 9)),)),))  # a reload removed contact 9
    assert plan(rules, "high", "FIRST", False, CHANNELS, written) == (Send(0),)


@pytest.mark.parametrize(("reason", "update", "act"), [
    ("FIRST", False, True), ("ESCALATED", False, True), ("ACK_OVERDUE", False, True),
    ("CLEAR_REQUESTED", False, True), ("REOPENED", False, True),
    ("ACKED", True, False), ("CLEARED", True, False), ("NOTE", True, False),
    ("EXHAUSTED", False, False), ("FIRST", True, False),
])
def test_what_asks_a_party_to_act(reason, update, act):
    assert is_act(reason, update) is act
