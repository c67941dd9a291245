"""The audit chain's hash over a payload already in its canonical text.

`audit.flush` hashes each row from its payload's JSON text (encoded once, for the
column and the hash alike) instead of the payload object; the hash must be the very
one `link_hash` gives over the object, which `audit verify` recomputes from the
stored rows: rows written before and after the change are one chain.
"""

from __future__ import annotations

import pytest

from escalator.storage import audit

PAYLOADS = [
    {},
    {"reason": "ACKED", "party": "ward-a", "detail": "Hoitaja Åsa tulee", "step": 2},
    {"delivery": 7, "error": None, "attempts": 3, "maybe_sent": True, "sent_at": "x"},
    {"nested": {"b": [1, 2.5, None], "a": "\"quoted\" \\ back\nslash"}, "é": "ü\u2028"},
    {"state": "open", "digest": "ab" * 32, "z": -1, "big": 10**20},
]


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("actor, incident_id", [("escalator", 12), (None, None),
                                                 ("Nurse \"Anna\" Öberg", 0)])
def test_the_hash_from_the_payload_text_is_the_hash_over_the_payload(payload, actor,
                                                                      incident_id):
    at = "2026-12-07T13:00:00.000000+00:00"
    expected = audit.link_hash("f" * 64, 41, at, "timeline.ACKED", actor, incident_id, payload)
    got = audit._link("f" * 64, 41, at, "timeline.ACKED", actor, incident_id,
                      audit.canonical(payload))
    assert got == expected
