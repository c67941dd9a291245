"""Who may see and act on which incident, in which chat.

Rights are per incident, not per chat: a Telegram user may see an incident
(`/open`, `/status`) and press its buttons only for a party that incident has
notified (`incident.notified`), only in a chat that is one of that party's
Telegram contacts, and only if the user is one of that party's
`telegram_user`s. Facility staff (`channels.telegram.staff_users`) may see and
act on every incident, but only in the facility's own chats: the chats of the
parties a ladder calls first or as its last resort (the facility's wards and
manager), and their own private chat with the bot. Being a member of a group
is never enough: anyone can be added to a group chat, and a contractor's group
must not see the ward's other alarms.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from escalator.config.model import Config
from escalator.domain.model import Incident
from escalator.notify.telegram.chats import chat_parties


@dataclass(frozen=True)
class Actor:
    """An authorised Telegram user, and the party they act for in this chat (if any)."""

    user_id: int
    name: str  # what the timeline and the others see, with the Telegram id
    party: str | None
    staff: bool


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


def facility_parties(config: Config) -> set[str]:
    """The facility's own parties: whom a ladder calls first or as its last resort."""
    targets = [t for ladder in config.ladders.values()
               for t in (*(ladder.steps[0].notify if ladder.steps else ()), *ladder.on_exhausted)]
    found: set[str] = set()
    for target in targets:
        roster = config.rosters.get(target)
        found.update(roster.members) if roster else found.add(target)
    return found


def facility_chat(config: Config, chat_id: int | str, chat_username: str | None,
                  user_id: int) -> bool:
    """A chat of the facility's own parties, or the user's private chat with the bot."""
    if str(chat_id) == str(user_id):
        return True
    own = facility_parties(config)
    return any(p.id in own for p in chat_parties(config, chat_id, chat_username))


def authorise_for(config: Config, incident: Incident, chat_id: int | str,
                  chat_username: str | None, user_id: int, name: str) -> Actor | None:
    """The actor if this user may see and act on this incident in this chat, else None."""
    told = [p for p in chat_parties(config, chat_id, chat_username) if p.id in incident.notified]
    own = _first(p.id for p in told if user_id in p.telegram_users)
    staff = user_id in staff_users(config)
    if own is not None:
        return Actor(user_id, name, own, staff)
    if staff and facility_chat(config, chat_id, chat_username, user_id):
        return Actor(user_id, name, told[0].id if told else None, True)
    return None


def _first(items: Iterable[str]) -> str | None:
    return next(iter(items), None)
