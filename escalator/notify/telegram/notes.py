"""Notes in a chat: a short reply under the incident's card, outside the storm budget.

A note is someone's words about an alarm ("the spare part comes tomorrow"),
not an alarm. Counted against the chat's budget, twenty notes would push the
chat into storm mode and the next real alarm would arrive only as a digest
line; so notes have an allowance of their own (a few a minute per chat) and
never touch the budget alarms use. A note over the allowance is retried a
little later (a recoverable failure), so none is lost.
"""

from __future__ import annotations

import logging

from telegram.error import TelegramError

from escalator.domain.errors import NotifyError
from escalator.notify.base import Message
from escalator.notify.render import headline_for
from escalator.notify.telegram.budget import ChatBudget
from escalator.notify.telegram.cards import CardDesk
from escalator.notify.telegram.failures import to_notify_error
from escalator.runtime.clock import Clock
from escalator.usecases.chat_records import CardRef

log = logging.getLogger(__name__)

NOTES_PER_MINUTE = 3


class NoteDesk:
    def __init__(self, desk: CardDesk, clock: Clock, per_minute: int = NOTES_PER_MINUTE) -> None:
        self.desk = desk
        self.clock = clock
        self.allowance = ChatBudget(per_minute)

    async def send(self, chat: str, message: Message, ref: CardRef | None) -> None:
        now = self.clock.now()
        if not self.allowance.admit(chat, now, 1):
            wait = (self.allowance.free_at(chat, now) - now).total_seconds()
            raise NotifyError(f"notes to chat {chat}: {NOTES_PER_MINUTE} a minute at most",
                              recoverable=True, retry_after=max(wait, 1.0), kind="busy")
        lang = await self.desk.language(chat, message.language)
        text = "📝 " + headline_for(message.reason, message.detail, message.update, lang)
        reply_to = ref.message_id if ref is not None and not ref.digest else None
        try:
            await self.desk.send_text(chat, text, reply_to=reply_to, count=False)
        except TelegramError as exc:
            raise to_notify_error(exc, chat) from exc
