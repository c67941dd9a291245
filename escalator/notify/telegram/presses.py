"""A tap on a card's button: check who pressed, act through the service, answer.

Every press gets an answer popup (Telegram shows a spinner until then):
done, "already taken by X at 12:03", "not authorised" (also written to the
incident's timeline), or a clear word about stale buttons. Presses are
handled one at a time, so two nurses tapping "I'll take it" together get one
owner and one "already taken".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from telegram import CallbackQuery, Chat, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from escalator.clock import Clock
from escalator.config.model import Config
from escalator.domain.answering import Handled, already_handled
from escalator.domain.model import Action, Incident, params
from escalator.errors import ActionError, StorageError
from escalator.notify.telegram import callback, layout
from escalator.notify.telegram.auth import authorise_for, display_name
from escalator.notify.telegram.cards import CardDesk
from escalator.notify.telegram.guidance import false_alarm_at
from escalator.notify.telegram.texts import t
from escalator.service import EscalationService

log = logging.getLogger(__name__)


class PressHandler:
    def __init__(self, desk: CardDesk, service: EscalationService, clock: Clock,
                 config: Callable[[], Config]) -> None:
        self.desk = desk
        self.service = service
        self.clock = clock
        self.config = config
        self._lock = asyncio.Lock()

    async def __call__(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        chat = query.message.chat if query.message else None
        lang = await self.desk.language(str(chat.id)) if chat else self.config().facility.language
        press = callback.parse(query.data)
        if chat is None or query.message is None or press is None:
            await _answer(query, t(lang, "pop.stale"))
            return
        user = query.from_user
        name = display_name(user.id, user.first_name, user.last_name, user.username)
        try:
            async with self._lock:
                reply, after = await self._decide(press, chat, user.id, name, lang)
        except StorageError:
            log.exception("telegram press on %s: store unavailable", query.data)
            await _answer(query, t(lang, "pop.busy"))
            return
        await _answer(query, reply, alert=after is None or reply.startswith(_ALREADY))
        if after is not None:
            await self._refresh(str(chat.id), query.message.message_id, after, lang)

    async def _decide(self, press: callback.Press, chat: Chat, user_id: int, name: str,
                      lang: str) -> tuple[str, Incident | None]:
        """The popup text, and the incident to show on the card (None: leave the card)."""
        incident = await self.desk.store.transaction(lambda tx: tx.incident(press.incident_id))
        if incident is None:
            return t(lang, "pop.unknown", id=press.incident_id), None
        actor = authorise_for(self.config(), incident, chat.id, chat.username, user_id, name)
        if actor is None:
            await self._refuse(incident, press, name, chat)
            return t(lang, "pop.unauthorised", user=user_id), None
        handled = self._already(incident, press.action, lang)
        if handled:
            return _ALREADY + handled, incident
        try:
            after = await self.service.act(incident.id, press.action, actor.name,
                                           party=actor.party, minutes=press.minutes)
        except ActionError:
            if press.action is Action.SNOOZE:  # longer than `http.max_snooze` allows
                limit = self.config().http.max_snooze
                return t(lang, "pop.snooze_limit",
                         duration=layout.duration(lang, int(limit.total_seconds() // 60))), None
            return t(lang, "pop.unknown", id=press.incident_id), None
        log.info("telegram: %s did %s on incident %s", actor.name, press.action, incident.id)
        done = t(lang, f"pop.done.{press.action.value}",
                 duration=layout.duration(lang, press.minutes or 15))
        return done, after

    def _already(self, incident: Incident, action: Action, lang: str) -> str | None:
        """"Already taken by X at 12:03" instead of acting twice; None when the action applies."""
        tz, now = self.config().facility.timezone, self.clock.now()

        def when(at: datetime | None) -> str:
            return layout.local(at, tz, now, lang) if at else "?"

        handled = already_handled(incident, action)
        if handled is None:
            return None
        if handled.kind is Handled.RESOLVED:
            who = t(lang, "who.terminal") if handled.who == "source" else handled.who or "?"
            return t(lang, "pop.handled", who=who, time=when(handled.at))
        if handled.kind is Handled.TAKEN:
            return t(lang, "pop.taken", who=handled.who or "?", time=when(handled.at))
        if handled.kind is Handled.AWAITING_CLEAR:
            return t(lang, "pop.awaiting_clear", who=handled.who or "?")
        return t(lang, "pop.false_alarm", who=handled.who or "?",
                 time=when(false_alarm_at(incident)))

    async def _refuse(self, incident: Incident, press: callback.Press, name: str,
                      chat: Chat) -> None:
        """Nothing changes, but the attempt is in the incident's timeline for the audit."""
        detail = params(who=name, action=press.action.value, chat=chat.id)
        await self.service.refused(incident.id, detail)
        log.warning("telegram: refused %s on incident %s: %s", press.action, incident.id, detail)

    async def _refresh(self, chat: str, message_id: int, incident: Incident, lang: str) -> None:
        """Show the new state on the pressed card, if the chat's budget has room for it."""
        if self.desk.budget.room(chat, self.clock.now()) < 1:
            log.info("telegram: card %s in %s left as is (chat budget used up)", message_id, chat)
            return
        try:
            if await self.desk.edit(chat, message_id, incident, lang):
                await self.desk.remember(chat, incident.id, message_id)
        except TelegramError as exc:
            log.warning("telegram: could not update card %s in %s: %s", message_id, chat, exc)


_ALREADY = "ℹ️ "  # marks "already handled" answers, which deserve an alert box


async def _answer(query: CallbackQuery, text: str, *, alert: bool = True) -> None:
    """The popup; a press older than Telegram's limit cannot be answered, which is fine."""
    try:
        await query.answer(layout.shorten(text, 200), show_alert=alert)
    except TelegramError as exc:
        log.info("telegram: press not answered: %s", exc)
