"""Who may press a button or use a staff command in which chat.

A Telegram user may act in a chat if the config says so: the user is a
`telegram_user` of a party whose contact list includes that chat, or is in
`channels.telegram.staff_users` (facility-wide staff). Being a member of the
group is not enough: anyone can be added to a group chat.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from escalator.config.model import Config
from escalator.domain.availability import Party


@dataclass(frozen=True)
class Actor:
    """An authorised Telegram user, and the party they act for in this chat (if any)."""

    user_id: int
    name: str  # what the timeline and the others see, with the Telegram id
    party: str | None
    staff: bool


def chat_matches(address: str, chat_id: int | str, username: str | None) -> bool:
    if address.startswith("@"):
        return bool(username) and address[1:].lower() == str(username).lower()
    return address == str(chat_id)


def chat_parties(config: Config, chat_id: int | str, username: str | None = None) -> list[Party]:
    """The parties that have this chat as one of their Telegram contacts."""
    return [p for p in config.parties.values()
            if any(c.channel == "telegram" and chat_matches(c.address, chat_id, username)
                   for c in p.contacts)]


def staff_users(config: Config) -> tuple[int, ...]:
    return tuple(config.channels.get("telegram", {}).get("staff_users") or ())


def display_name(user_id: int, first: str | None, last: str | None,
                 username: str | None) -> str:
    """"Anna Virtanen (Telegram 1001)": readable, and traceable to one account."""
    name = " ".join(x for x in (first, last) if x) or (f"@{username}" if username else "")
    return f"{name} (Telegram {user_id})" if name else f"Telegram {user_id}"


def authorise(config: Config, chat_id: int | str, chat_username: str | None, user_id: int,
              name: str) -> Actor | None:
    """The actor if this user may act in this chat, else None."""
    parties = chat_parties(config, chat_id, chat_username)
    own = _first(p.id for p in parties  # a viewer (the purchaser) reads, never acts
                 if user_id in p.telegram_users and p.role != "viewer")
    if own is not None:
        return Actor(user_id, name, own, user_id in staff_users(config))
    if user_id in staff_users(config):
        return Actor(user_id, name, parties[0].id if parties else None, True)
    return None


def _first(items: Iterable[str]) -> str | None:
    return next(iter(items), None)
