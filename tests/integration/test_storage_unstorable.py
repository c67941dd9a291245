"""Data the database refuses is told apart from an outage (issue 11, finding 7).

Intake cleans every field, so these values no longer come from devices; if
one ever does, the sender must get a permanent refusal (HTTP 422, SMTP 554,
SIA DUH) rather than "retry later" for ever, and /healthz must not call the
store down because of one bad value.
"""

from __future__ import annotations

import pytest

from escalator.domain.errors import UnstorableError
from escalator.storage import open_store


@pytest.mark.parametrize("value", ["a\x00b", "a\ud800b"], ids=["nul", "surrogate"])
async def test_a_value_the_store_refuses_is_unstorable_and_the_store_stays_healthy(
        store_url, value):
    store = open_store(store_url)
    await store.open()
    try:
        if store_url.startswith("sqlite") and value == "a\x00b":
            pytest.skip("SQLite stores a NUL in TEXT")
        with pytest.raises(UnstorableError):
            await store.transaction(lambda tx: tx.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?)", ("poison", value)))
        assert store.healthy
        assert await store.transaction(
            lambda tx: tx.one("SELECT value FROM meta WHERE key = 'poison'")) is None
    finally:
        await store.close()
