"""A tap on a card's button: who pressed, as a command for the answer use case; its
outcome as the popup.

Every press gets an answer popup (Telegram shows a spinner until then):
done, "already taken by X at 12:03", "not authorised" (also written to the
incident's timeline), or a clear word about stale buttons. Presses are
handled one at a time, so two nurses tapping "I'll take it" together get one
owner and one "already taken".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from telegram import CallbackQuery, Chat, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from escalator.clock import Clock
from escalator.config.model import Config
from escalator.domain.answering import AlreadyHandled, Handled
from escalator.domain.guards import DEFAULT_SNOOZE, Actor, Door, Kind, Role, Why
from escalator.domain.model import Action, Incident
from escalator.errors import StorageError
from escalator.notify.telegram import callback, layout
from escalator.notify.telegram.auth import authorise_for, display_name
from escalator.notify.telegram.cards import CardDesk
from escalator.notify.telegram.guidance import false_alarm_at
from escalator.notify.telegram.texts import t
from escalator.usecases.answering import Command, Outcome

log = logging.getLogger(__name__)


class PressHandler:
    def __init__(self, desk: CardDesk, answer: Callable[[Command], Awaitable[Outcome]],
                 clock: Clock, config: Callable[[], Config]) -> None:
        self.desk = desk
        self.answer = answer  # Answering.answer: the one way every door's answer takes
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
                reply, after, done = await self._decide(press, chat, user.id, name, lang)
        except StorageError:
            log.exception("telegram press on %s: store unavailable", query.data)
            await _answer(query, t(lang, "pop.busy"))
            return
        await _answer(query, reply, alert=not done)
        if after is not None:
            await self._refresh(str(chat.id), query.message.message_id, after, lang)

    async def _decide(self, press: callback.Press, chat: Chat, user_id: int, name: str,
                      lang: str) -> tuple[str, Incident | None, bool]:
        """The popup text, the incident to show on the card (None: leave the card), and
        whether it was done (a plain popup) rather than refused (an alert box)."""
        incident = await self.desk.store.transaction(lambda tx: tx.incidents.get(press.incident_id))
        if incident is None:
            return t(lang, "pop.unknown", id=press.incident_id), None, False
        found = authorise_for(self.config(), incident, chat.id, chat.username, user_id, name)
        if found is None:
            actor = Actor(Door.TELEGRAM, name, role=Role.STRANGER)
        elif found.party is not None and not found.staff:
            actor = Actor(Door.TELEGRAM, found.name, found.party, scope=found.party)
        else:  # staff, in the facility's own chats: every alarm
            actor = Actor(Door.TELEGRAM, found.name, found.party, Role.STAFF)
        outcome = await self.answer(Command(actor, incident.id, press.action,
                                            minutes=press.minutes, where=chat.id))
        if outcome.kind is Kind.REFUSED:
            log.warning("telegram: refused %s on incident %s: %s (%s)", press.action,
                        incident.id, outcome.why, name)
            return t(lang, "pop.unauthorised", user=user_id), None, False
        tz, now = self.config().facility.timezone, self.clock.now()
        reply = popup(lang, outcome, press.action, press.minutes, tz, now)
        if outcome.kind is Kind.DONE:
            log.info("telegram: %s did %s on incident %s", name, press.action, incident.id)
        shown = outcome.incident if outcome.kind in (Kind.DONE, Kind.NOOP, Kind.CONFLICT) \
            else None
        if outcome.why is Why.SNOOZE_TOO_LONG:  # longer than `http.max_snooze` allows
            limit = self.config().http.max_snooze
            reply = t(lang, "pop.snooze_limit",
                      duration=layout.duration(lang, int(limit.total_seconds() // 60)))
        return reply, shown, outcome.kind is Kind.DONE and not reply.startswith(_ALREADY)

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


def popup(lang: str, outcome: Outcome, action: Action, minutes: int | None,
          tz: str = "UTC", now: datetime | None = None) -> str:
    """The chat's answer to a press, from the answer's outcome (the demo outbox says the
    same): done; "already taken by X at 12:03"; or why nothing happened."""
    why, inc = outcome.why, outcome.incident
    if why is Why.OK:
        return t(lang, f"pop.done.{action.value}",
                 duration=layout.duration(lang, minutes or DEFAULT_SNOOZE))
    if why is Why.DEMOTED:
        return t(lang, "confirm.not_current")
    if outcome.handled is not None and inc is not None:
        return _ALREADY + _handled(lang, outcome.handled, inc, tz, now)
    if why is Why.REPEAT:
        return _ALREADY + t(lang, "answer.repeat")
    if why in (Why.CHANGED, Why.CLOSED) and inc is not None:
        return _ALREADY + t(lang, "act.refused", state=t(lang, f"state.{inc.state.value}"))
    if why is Why.TOO_MANY and outcome.wait is not None:
        return t(lang, "answer.too_many",
                 minutes=max(1, -(-int(outcome.wait.total_seconds()) // 60)))
    return t(lang, "pop.unknown", id=inc.id if inc else "?")


def _handled(lang: str, handled: AlreadyHandled, incident: Incident, tz: str,
             now: datetime | None) -> str:
    """"Already taken by X at 12:03" instead of acting twice."""
    def when(at: datetime | None) -> str:
        return layout.local(at, tz, now, lang) if at and now else "?"

    if handled.kind is Handled.RESOLVED:
        who = t(lang, "who.terminal") if handled.who == "source" else handled.who or "?"
        return t(lang, "pop.handled", who=who, time=when(handled.at))
    if handled.kind is Handled.TAKEN:
        return t(lang, "pop.taken", who=handled.who or "?", time=when(handled.at))
    if handled.kind is Handled.AWAITING_CLEAR:
        return t(lang, "pop.awaiting_clear", who=handled.who or "?")
    return t(lang, "pop.false_alarm", who=handled.who or "?",
             time=when(false_alarm_at(incident)))


async def _answer(query: CallbackQuery, text: str, *, alert: bool = True) -> None:
    """The popup; a press older than Telegram's limit cannot be answered, which is fine."""
    try:
        await query.answer(layout.shorten(text, 200), show_alert=alert)
    except TelegramError as exc:
        log.info("telegram: press not answered: %s", exc)
