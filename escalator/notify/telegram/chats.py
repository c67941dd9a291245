"""Which parties a chat belongs to: the card's language and whether it has buttons
depend on it (the sending side), and so do the rights of who presses in it
(`escalator.entrypoints.telegram.auth`, the way in)."""

from __future__ import annotations

from escalator.config.model import Config
from escalator.domain.availability import Party


def chat_matches(address: str, chat_id: int | str, username: str | None) -> bool:
    if address.startswith("@"):
        return bool(username) and address[1:].lower() == str(username).lower()
    return address == str(chat_id)


def chat_parties(config: Config, chat_id: int | str, username: str | None = None) -> list[Party]:
    """The parties that have this chat as one of their Telegram contacts."""
    return [p for p in config.parties.values()
            if any(c.channel == "telegram" and chat_matches(c.address, chat_id, username)
                   for c in p.contacts)]
