"""The voice_calls records on SQLite and PostgreSQL: a key press survives a restart and a
repeated hang-up report is recognised."""

from __future__ import annotations

from escalator.storage import open_store, voicecalls


async def test_placed_pressed_ended_and_a_second_number_on_both_databases(store_url, clock):
    store = open_store(store_url)
    await store.open()
    now = clock.now()
    try:
        await store.transaction(lambda tx: voicecalls.placed(
            tx, 41, 7, "alarm-vendor", "+358201234567", "c1", now))
        await store.transaction(lambda tx: voicecalls.pressed(tx, 41, 7, "alarm-vendor", "2",
                                                              now))
        # a key press for a call whose record was lost is still kept
        await store.transaction(lambda tx: voicecalls.pressed(tx, 42, 7, "alarm-vendor", "1",
                                                              now))
    finally:
        await store.close()
    store = open_store(store_url)  # after a restart
    await store.open()
    try:
        first = await store.transaction(lambda tx: voicecalls.ended(tx, 41, "completed", now))
        again = await store.transaction(lambda tx: voicecalls.ended(tx, 41, "completed", now))
        assert first is not None and (first.digit, first.ended, first.call_ref) == \
            ("2", False, "c1")
        assert again is not None and again.ended
        lost = await store.transaction(lambda tx: voicecalls.call(tx, 42))
        assert lost is not None and lost.digit == "1"
        # the delivery falls back to a second number: a fresh call, no key yet
        await store.transaction(lambda tx: voicecalls.placed(
            tx, 41, 7, "alarm-vendor", "+358209999999", "c2", now))
        fresh = await store.transaction(lambda tx: voicecalls.call(tx, 41))
        assert fresh is not None
        assert (fresh.address, fresh.call_ref, fresh.digit, fresh.ended) == \
            ("+358209999999", "c2", None, False)
    finally:
        await store.close()
