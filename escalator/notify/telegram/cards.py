"""The card desk: posts and edits incident cards, and sends chat texts.

The one place that calls Telegram for a chat, so every call Telegram accepted
is counted in the chat's budget (`ChatBudget.record`; a failed call is not)
and every card posted is remembered in the store (`records.save_card`),
whoever asked for it: a delivery, a button press or a command.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters
from telegram.error import TelegramError

from escalator.clock import Clock
from escalator.config.model import Config
from escalator.domain.availability import Directory
from escalator.domain.model import Incident
from escalator.errors import StorageError
from escalator.notify.telegram import guidance, layout, records
from escalator.notify.telegram.auth import chat_parties
from escalator.notify.telegram.budget import ChatBudget
from escalator.notify.telegram.failures import message_gone, not_modified
from escalator.storage.sql import SqlStore, Tx


def chat_arg(chat: str) -> int | str:
    """Numeric ids go to Telegram as numbers, @usernames as they are."""
    try:
        return int(chat)
    except ValueError:
        return chat


@dataclass(frozen=True)
class Shown:
    message_id: int
    posted: bool  # a new message (it pings by itself); False: an existing card was edited


class CardDesk:
    def __init__(self, bot: Callable[[], Bot], store: SqlStore, clock: Clock,
                 config: Callable[[], Config], directory: Callable[[], Directory],
                 budget: ChatBudget) -> None:
        self._bot = bot
        self.store = store
        self.clock = clock
        self.config = config
        self.directory = directory
        self.budget = budget

    # -- language -------------------------------------------------------------
    async def language(self, chat: str, fallback: str | None = None) -> str:
        """The chat's own choice (/language), else the given one, else the chat's party's."""
        try:
            chosen = await self.store.transaction(lambda tx: records.chat_language(tx, chat))
        except StorageError:  # a popup saying "try again" must still be in some language
            chosen = None
        return chosen or fallback or self.default_language(chat)

    def default_language(self, chat: str) -> str:
        config = self.config()
        for party in chat_parties(config, chat):
            if party.language:
                return party.language
        return config.facility.language

    # -- rendering ------------------------------------------------------------
    async def render(self, incident: Incident, lang: str
                     ) -> tuple[str, InlineKeyboardMarkup | None]:
        timeline = await self.store.transaction(lambda tx: tx.timeline.of_incident(incident.id))
        config, directory, now = self.config(), self.directory(), self.clock.now()
        ladder = config.ladders.get(incident.ladder)
        upcoming = guidance.upcoming(incident, ladder, directory) if ladder else None
        pass_to, remind_at = guidance.hand_over(incident, upcoming, config, now)
        facts = layout.CardFacts(
            incident=incident, lang=lang, tz=config.facility.timezone, now=now,
            facility=config.facility.name, serious=guidance.serious(incident, lang),
            todo=guidance.todo(incident, lang, config.codes),
            contacting_now=guidance.contacting_now(incident, ladder, directory, now)
            if ladder else "",
            upcoming=upcoming, contacted=guidance.contacted(timeline, directory),
            pass_to=pass_to, remind_at=remind_at)
        remind = layout.local(remind_at, config.facility.timezone, now, lang) if remind_at else ""
        return layout.card_text(facts), markup(incident, lang, pass_to, remind)

    # -- Telegram calls ---------------------------------------------------------
    def read_only(self, chat: str) -> bool:
        """A chat only viewers (the purchaser) receive in: the card shows, with no buttons."""
        parties = chat_parties(self.config(), chat)
        return bool(parties) and all(p.role == "viewer" for p in parties)

    async def post(self, chat: str, incident: Incident, lang: str) -> int:
        text, keys = await self.render(incident, lang)
        keys = None if self.read_only(chat) else keys
        message_id = await self.send_text(chat, text, keys)
        now = self.clock.now()
        await self.store.transaction(
            lambda tx: records.save_card(tx, incident.id, chat, message_id, now))
        return message_id

    async def edit(self, chat: str, message_id: int, incident: Incident, lang: str) -> bool:
        """Edit the card in place; False when it is gone (deleted, too old): post a new one."""
        text, keys = await self.render(incident, lang)
        keys = None if self.read_only(chat) else keys
        try:
            await self._bot().edit_message_text(text, chat_id=chat_arg(chat),
                                                message_id=message_id, reply_markup=keys)
        except TelegramError as exc:
            if not_modified(exc):
                return True
            if message_gone(exc):
                return False
            raise
        self.budget.record(chat, self.clock.now())  # spent only by what Telegram accepted
        return True

    async def show(self, chat: str, incident: Incident, lang: str,
                   ref: records.CardRef | None) -> Shown:
        """Edit the chat's card for this incident, or post one if there is none (any more)."""
        if ref is not None and not ref.digest:
            if await self.edit(chat, ref.message_id, incident, lang):
                return Shown(ref.message_id, False)
        return Shown(await self.post(chat, incident, lang), True)

    async def send_text(self, chat: str, text: str, keys: InlineKeyboardMarkup | None = None,
                        reply_to: int | None = None, *, count: bool = True) -> int:
        """`count=False`: not against the chat's budget (notes have an allowance of their own)."""
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        sent = await self._bot().send_message(
            chat_id=chat_arg(chat), text=layout.shorten(text, layout.TELEGRAM_LIMIT),
            reply_markup=keys, reply_parameters=reply)
        if count:  # spent only by what Telegram accepted: a failed call costs nothing
            self.budget.record(chat, self.clock.now())
        return sent.message_id

    async def remember(self, chat: str, incident_id: int, message_id: int) -> None:
        """A card shown by a command or pressed on becomes the one later edits go to."""
        now = self.clock.now()

        def save(tx: Tx) -> None:
            records.save_card(tx, incident_id, chat, message_id, now)

        await self.store.transaction(save)


def markup(incident: Incident, lang: str, pass_to: str = "",
           remind_at: str = "") -> InlineKeyboardMarkup | None:
    rows = layout.keyboard(incident, lang, pass_to, remind_at)
    if not rows:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)
                                  for label, data in row] for row in rows])
