"""What the Telegram channel stores, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from escalator.storage import open_store
from escalator.usecases import chat_records as records

NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


async def test_cards_queue_and_chat_languages(store_url):
    store = open_store(store_url)
    await store.open()
    try:
        def write(tx):
            records.save_card(tx, 17, "-100123", 501, NOW)
            records.save_card(tx, 17, "-100123", 502, NOW + timedelta(minutes=1))  # re-posted
            records.save_card(tx, 18, "-100123", 600, NOW, digest=True)
            records.enqueue(tx, "-100123", 19, 7, "FIRST", "", NOW)
            records.enqueue(tx, "-100123", 19, 7, "FIRST", "", NOW)  # the same delivery again
            records.enqueue(tx, "@ward_b", 20, 8, "RENOTIFY", "", NOW)
            records.set_chat_language(tx, "-100123", "sv")
            records.set_chat_language(tx, "-100123", "en")

        await store.transaction(write)

        def read(tx):
            return (records.card(tx, 17, "-100123"), records.card(tx, 18, "-100123"),
                    records.card(tx, 17, "-100999"), records.queued_chats(tx),
                    records.queued(tx, "-100123"), records.chat_language(tx, "-100123"),
                    records.chat_language(tx, "-100999"))

        card, digest, none, chats, queued, lang, no_lang = await store.transaction(read)
        assert card == records.CardRef(502, False)
        assert digest == records.CardRef(600, True)
        assert none is None
        assert chats == ["-100123", "@ward_b"]
        assert [(q.incident_id, q.delivery_id, q.reason, q.queued_at) for q in queued] == [
            (19, 7, "FIRST", NOW)]
        assert (lang, no_lang) == ("en", None)

        await store.transaction(lambda tx: records.unqueue(tx, [q.id for q in queued]))
        assert await store.transaction(records.queued_chats) == ["@ward_b"]
    finally:
        await store.close()
