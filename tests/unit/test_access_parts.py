"""Table tests of the small access pieces: note limits, log throttle, scrubbing, masking."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from escalator.entrypoints.http.privacy import scrub
from escalator.links import LinkClaim, LinkSigner, bound
from escalator.logthrottle import Throttle
from escalator.redact import MASK, add_secrets, redact
from escalator.usecases.notelimit import NoteLimiter

T0 = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


def test_note_limiter_counts_per_link_and_per_person_over_a_sliding_window():
    limiter = NoteLimiter(per_link=2, per_person=3, window=timedelta(minutes=10))
    assert limiter.admit("l1", "p", T0) is None
    assert limiter.admit("l1", "p", T0 + timedelta(minutes=1)) is None
    assert limiter.admit("l1", "p", T0 + timedelta(minutes=2)) == timedelta(minutes=8)
    assert limiter.admit("l2", "p", T0 + timedelta(minutes=2)) is None  # another link
    assert limiter.admit("l3", "p", T0 + timedelta(minutes=3)) == timedelta(minutes=7)
    assert limiter.admit("l3", "q", T0 + timedelta(minutes=3)) is None  # another person
    assert limiter.admit("l1", "p", T0 + timedelta(minutes=10)) is None  # the first expired


def test_throttle_logs_the_first_then_once_an_interval_with_the_count():
    throttle = Throttle(timedelta(minutes=1))
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
