"""The pure rules of channel health (domain/channel_health.py): when a contact may be
tested, what its state is, a channel's newest outcome; and a failed test gives up at
once in the dispatcher's stages instead of retrying or falling back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from escalator.config import load_config_text
from escalator.dispatch import stages
from escalator.domain.channel_health import (
    TEST,
    TESTS_PER_HOUR,
    NoTest,
    Seen,
    may_test,
    newest,
    placeholder_incident,
)
from escalator.domain.delivery import Move
from escalator.domain.errors import NotifyError
from escalator.storage.rows import DeliveryRow

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
S = timedelta(seconds=1)

CASES = [
    ("sms", None, 0, None),
    ("email", NOW - 61 * S, TESTS_PER_HOUR - 1, None),
    ("sms", NOW - 59 * S, 0, NoTest.TOO_SOON),  # once a minute per contact
    ("email", None, TESTS_PER_HOUR, NoTest.TOO_MANY),  # a cap per person and hour
    ("telegram", None, 0, NoTest.NOT_TESTABLE),  # a card for an incident: not a test
    ("voice", None, 0, NoTest.NOT_TESTABLE),
    ("webhook", None, 0, NoTest.NOT_TESTABLE),
]


@pytest.mark.parametrize(("channel", "last", "by_person", "why"), CASES)
def test_may_test(channel, last, by_person, why):
    assert may_test(channel, last, by_person, NOW) == why


@pytest.mark.parametrize(("ok", "failed", "state"), [
    (None, None, "unknown"), (NOW, None, "works"), (None, NOW, "failing"),
    (NOW, NOW - S, "works"), (NOW - S, NOW, "failing"), (NOW, NOW, "works"),
])
def test_the_newer_outcome_decides(ok, failed, state):
    assert Seen(ok, failed).state == state


def test_a_channel_is_its_contacts_newest_success_and_failure():
    seen = [Seen(NOW - 5 * S, NOW - 9 * S, "timeout", "a"), Seen(NOW - 7 * S, NOW - 2 * S,
                                                                 "bad_address", "b"), Seen()]
    assert newest(seen) == Seen(NOW - 5 * S, NOW - 2 * S, "bad_address", "b")
    assert newest([Seen()]) == Seen()


YAML = """
facility: {id: t, name: T, timezone: Europe/Helsinki}
storage: "sqlite:///:memory:"
sources: {terminal: {kind: webhook, token_env: TOKEN}}
people:
  vendor:
    name: Vendor
    contact: [{sms: "+358401234567"}, {email: v@example.com}]
ladders:
  l: {steps: [{notify: [vendor], escalate_after: 10m}]}
routes: [{ladder: l}]
"""


@pytest.mark.parametrize("recoverable", [True, False])
def test_a_failed_test_gives_up_at_once_without_the_next_contact(recoverable):
    config, _ = load_config_text(YAML, env={"TOKEN": "x" * 32})
    row = DeliveryRow(7, 0, "vendor", TEST, None, 0, "Maija", False, "sending", 0, 0, NOW,
                      NOW, None, None, None, claims=1)
    a = stages.Attempt(row, placeholder_incident(NOW), placeholder_incident(NOW).state,
                       config.parties["vendor"], config, NOW, None, lambda _: True)
    assert stages.before_send(a) is None  # a test is wanted, reachable, in order
    o = stages.failed(a, NotifyError("HTTP 500", recoverable=recoverable, kind="busy"),
                      NOW, 0.5)
    assert (o.move, o.failed_for_good, o.failure, o.note) == (Move.GIVE_UP, True, "busy", {})
    assert "contact_index" not in o.fields and o.fields["channel"] == "sms"
    message = stages.compose_test(a, "fi")
    assert message.ack_url == "" and "Maija" in message.text
