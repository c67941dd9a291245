"""Table tests of the small access pieces: note limits, log throttle, scrubbing, masking."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from escalator.domain.guards import Past, wait_for
from escalator.domain.model import Action
from escalator.entrypoints.http.privacy import scrub
from escalator.monitoring.logthrottle import LogThrottle
from escalator.security.links import LinkClaim, LinkSigner, bound
from escalator.security.redact import MASK, add_secrets, redact
from escalator.usecases.ledger import Ledger

T0 = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


def test_answers_are_counted_per_actor_and_incident_and_notes_per_actor_too():
    """The guards' window over the ledger (what the old note limiter did per link and
    person, now for every answer)."""
    ledger = Ledger(window=timedelta(minutes=10))
    p, q = ("party", "p"), ("party", "q")
    for minute in (0, 1):
        ledger.record(p, 1, Past(Action.NOTE, None, T0 + timedelta(minutes=minute)), note=True)
    at = T0 + timedelta(minutes=2)
    assert wait_for([x.at for x in ledger.past(p, 1, at)], 2, at) == timedelta(minutes=8)
    assert ledger.past(p, 2, at) == () and ledger.past(q, 1, at) == ()  # another incident, actor
    ledger.record(p, 2, Past(Action.NOTE, None, at), note=True)
    assert wait_for(ledger.notes(p, at), 3, at) == timedelta(minutes=8)  # across incidents
    later = T0 + timedelta(minutes=10)
    assert len(ledger.past(p, 1, later)) == 1  # the first expired


def test_throttle_logs_the_first_then_once_an_interval_with_the_count():
    throttle = LogThrottle(timedelta(minutes=1))
    seen = [throttle.allow(T0 + timedelta(seconds=s)) for s in (0, 1, 30, 59, 60, 61, 200)]
    assert seen == [0, None, None, None, 3, None, 1]


@pytest.mark.parametrize(("text", "shown"), [
    ("Anna Virtanen (Telegram 1001)", "Anna Virtanen"),
    ("email faults@security.example: 550 full", "email …: 550 full"),
    ("call +358 40 765 4321 now", "call … now"),
    ("or 040 7654321.", "or ….",),
    ("in chat -1001234567890", "in …"),
    ("until 2026-11-24T09:45:00+00:00 at 09:45", "until 2026-11-24T09:45:00+00:00 at 09:45"),
    ("Loop 2, detector 14", "Loop 2, detector 14"),
])
def test_scrub_hides_addresses_and_ids_not_times_or_places(text, shown):
    assert scrub(text) == shown


def test_a_configured_secret_and_a_bot_token_are_masked_in_every_record(caplog):
    add_secrets(["s3cret-value-for-test", "short"])
    caplog.set_level(logging.DEBUG)
    logging.getLogger("some.library").debug("GET https://api/bot123456:AAbbCC-dd_ee/x %s",
                                            "s3cret-value-for-test")
    [record] = [r for r in caplog.records if r.name == "some.library"]
    assert record.getMessage() == f"GET https://api/bot{MASK}/x {MASK}"
    assert redact("short") == "short"  # too short to be a secret: left alone


def test_a_link_with_a_nonce_is_bound_to_its_incident_only():
    signer = LinkSigner(b"k" * 16, timedelta(days=7))
    token = signer.make(1, "ward-a", T0, b"\x01" * 6)
    claim = signer.check(token, T0)
    assert claim.nonce == b"\x01" * 6 and claim.issued == T0
    assert bound(claim, T0, b"\x01" * 6)
    assert not bound(claim, T0, b"\x02" * 6) and not bound(claim, T0, None)
    legacy = LinkClaim(1, "ward-a", T0 + timedelta(days=7), None, timedelta(days=7))
    # a link without a nonce is refused, even one made after the incident opened
    assert not bound(legacy, T0, None) and not bound(legacy, T0, b"\x01" * 6)
