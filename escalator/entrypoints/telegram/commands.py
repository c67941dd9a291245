"""Chat commands: /open /status /oncall for the ward, /start /chatid /help /language.

/start, /chatid and /help answer in any chat: they are how a facility manager
finds the ids to put in the configuration. /oncall answers only in chats the
configuration knows, or to staff users. /open and /status show an incident
only to whom `auth.authorise_for` lets see it (a notified party's user in that
party's chat, or staff in the facility's own chats): a card carries buttons,
and a contractor's group must not get the ward's other alarms.
Changing the chat's language needs an authorised user.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from escalator.config.model import LANGUAGES, Config
from escalator.domain.availability import Directory
from escalator.domain.covers import Asker
from escalator.domain.model import Incident
from escalator.entrypoints.telegram.auth import (
    authorise,
    authorise_for,
    display_name,
    staff_users,
)
from escalator.i18n.dates import moment
from escalator.notify.guidance import available_names
from escalator.notify.telegram.cards import CardDesk
from escalator.notify.telegram.chats import chat_parties
from escalator.notify.telegram.texts import t, tn
from escalator.runtime.clock import Clock
from escalator.usecases.cover import Covering

log = logging.getLogger(__name__)

OPEN_CARDS = 5  # /open posts at most this many cards; the rest are listed by number
Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


class Commands:
    def __init__(self, desk: CardDesk, clock: Clock, config: Callable[[], Config],
                 directory: Callable[[], Directory], covering: Covering | None = None) -> None:
        self.desk = desk
        self.clock = clock
        self.config = config
        self.directory = directory
        self.covering = covering  # cover shifts (/cover); None: not wired

    def handlers(self) -> dict[str, Handler]:
        return {"start": self.start, "chatid": self.chatid, "help": self.help,
                "open": self.open, "status": self.status, "oncall": self.oncall,
                "language": self.language, "cover": self.cover}

    # -- anywhere ---------------------------------------------------------------
    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, lang = await self._where(update)
        user = update.effective_user.id if update.effective_user else "?"
        text = "\n\n".join([t(lang, "cmd.start"), t(lang, "cmd.chatid", chat=chat, user=user),
                            t(lang, "cmd.help")])
        await self._say(chat, text)

    async def chatid(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, lang = await self._where(update)
        user = update.effective_user.id if update.effective_user else "?"
        await self._say(chat, t(lang, "cmd.chatid", chat=chat, user=user))

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, lang = await self._where(update)
        await self._say(chat, t(lang, "cmd.help"))

    # -- configured chats ---------------------------------------------------------
    async def open(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, lang = await self._where(update)
        if not self._known(update):
            await self._say(chat, t(lang, "cmd.not_configured"))
            return
        user = update.effective_user
        eff = update.effective_chat
        if user is None or eff is None or authorise(
                self.config(), eff.id, eff.username, user.id, str(user.id)) is None:
            await self._say(chat, t(lang, "cmd.unauthorised", user=user.id if user else "?"))
            return
        found = [i for i in await self.desk.records.open_incidents(limit=500)
                 if self._may_see(update, i)]
        if not found:
            await self._say(chat, t(lang, "cmd.open.none"))
            return
        shown = found[:OPEN_CARDS]  # the newest first: most likely what is being asked about
        for incident in reversed(shown):
            if not await self._card(chat, incident.id, lang):
                return
        rest = found[OPEN_CARDS:]
        if rest:
            ids = ", ".join(f"#{i.id}" for i in sorted(rest, key=lambda i: i.id))
            await self._say(chat, tn(lang, "cmd.open.more", len(found), count=len(found), ids=ids))

    async def status(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, lang = await self._where(update)
        if not self._known(update):
            await self._say(chat, t(lang, "cmd.not_configured"))
            return
        args = [a.lstrip("#") for a in (context.args or [])]
        if len(args) != 1 or not (args[0].isascii() and args[0].isdecimal()) or len(args[0]) > 12:
            await self._say(chat, t(lang, "cmd.status.usage"))
            return
        incident_id = int(args[0])
        incident = await self.desk.records.incident(incident_id)
        if incident is not None and not self._may_see(update, incident):
            user = update.effective_user.id if update.effective_user else "?"
            await self._say(chat, t(lang, "cmd.status.not_yours", id=incident_id, user=user))
            return
        if not await self._card(chat, incident_id, lang, missing_ok=False):
            return

    async def oncall(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, lang = await self._where(update)
        if not self._known(update):
            await self._say(chat, t(lang, "cmd.not_configured"))
            return
        directory = await self.covering.directory() if self.covering else self.directory()
        await self._say(chat, oncall_text(self.config(), directory, self.clock, lang))

    async def language(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, lang = await self._where(update)
        args = [a.lower() for a in (context.args or [])]
        if len(args) != 1 or args[0] not in LANGUAGES:
            await self._say(chat, t(lang, "cmd.language.usage", current=lang))
            return
        user = update.effective_user
        eff_chat = update.effective_chat
        if user is None or eff_chat is None or authorise(
                self.config(), eff_chat.id, eff_chat.username, user.id,
                display_name(user.id, user.first_name, user.last_name, user.username)) is None:
            await self._say(chat, t(lang, "cmd.unauthorised", user=user.id if user else "?"))
            return
        chosen = args[0]
        await self.desk.records.set_chat_language(chat, chosen)
        await self._say(chat, t(chosen, "cmd.language.set"))

    async def cover(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`/cover Anna [tonight | 2026-12-24T21:00..2026-12-25T07:00]`: the user's own
        party works instead of Anna then (domain/covers.py says who may)."""
        chat, lang = await self._where(update)
        user, eff = update.effective_user, update.effective_chat
        actor = None if user is None or eff is None else authorise(
            self.config(), eff.id, eff.username, user.id,
            display_name(user.id, user.first_name, user.last_name, user.username))
        if actor is None:
            await self._say(chat, t(lang, "cmd.unauthorised", user=user.id if user else "?"))
            return
        own = self.config().parties.get(actor.party or "")
        if self.covering is None or own is None or actor.user_id not in own.telegram_users:
            await self._say(chat, t(lang, "cover.no_party"))  # staff in a ward's chat: not it
            return
        await self._say(chat, await cover_reply(self.covering, actor.name, own.id,
                                                list(context.args or []), lang,
                                                self.config().facility.timezone))

    # -- helpers --------------------------------------------------------------
    async def _where(self, update: Update) -> tuple[str, str]:
        chat = str(update.effective_chat.id) if update.effective_chat else "?"
        return chat, await self.desk.language(chat)

    def _known(self, update: Update) -> bool:
        chat, user = update.effective_chat, update.effective_user
        if chat is None:
            return False
        config = self.config()
        if chat_parties(config, chat.id, chat.username):
            return True
        return user is not None and user.id in staff_users(config)

    def _may_see(self, update: Update, incident: Incident) -> bool:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return False
        return authorise_for(self.config(), incident, chat.id, chat.username, user.id,
                             str(user.id)) is not None

    async def _card(self, chat: str, incident_id: int, lang: str, missing_ok: bool = True
                    ) -> bool:
        """Post a card with buttons; False when the chat's budget or Telegram says stop."""
        incident = await self.desk.records.incident(incident_id)
        if incident is None:
            if not missing_ok:
                await self._say(chat, t(lang, "pop.unknown", id=incident_id))
            return True
        if self.desk.budget.room(chat, self.clock.now()) < 1:
            return False
        try:
            await self.desk.post(chat, incident, lang)
        except TelegramError as exc:
            log.warning("telegram: /open card for %s in %s failed: %s", incident_id, chat, exc)
            return False
        return True

    async def _say(self, chat: str, text: str) -> None:
        """A reply, if the chat's budget has room (commands never crowd out alarms)."""
        if self.desk.budget.room(chat, self.clock.now()) < 1:
            log.info("telegram: reply to %s dropped (chat budget used up)", chat)
            return
        try:
            await self.desk.send_text(chat, text)
        except TelegramError as exc:
            log.warning("telegram: reply to %s failed: %s", chat, exc)


def oncall_text(config: Config, directory: Directory, clock: Clock, lang: str) -> str:
    """Who is on each roster now, and each ladder's steps with who they reach now."""
    now = clock.now()
    lines = [t(lang, "cmd.oncall.head")]
    for rid in config.rosters:
        reaches = directory.resolve(rid, now)
        names = [directory.name(r.party) for r in reaches if r.available]
        lines.append(f"• {rid}: {', '.join(names) or t(lang, 'cmd.oncall.nobody')}")
    if not config.rosters:  # no shifts: on duty is whoever each ladder calls first, now
        for lid, ladder in config.ladders.items():
            first = available_names(ladder.steps[0].notify, directory, now) if ladder.steps \
                else ""
            lines.append(f"• {lid}: {first or t(lang, 'cmd.oncall.nobody')}")
    lines += ["", t(lang, "cmd.oncall.ladders")]
    for lid, ladder in config.ladders.items():
        steps = []
        for n, step in enumerate(ladder.steps, 1):
            names = []
            for target in step.notify:
                for r in directory.resolve(target, now):
                    name = directory.name(r.party)
                    names.append(name if r.available
                                 else f"{name} ({t(lang, 'cmd.oncall.closed')})")
            steps.append(f"{n}. {', '.join(names)}")
        lines.append(f"{lid}: " + " → ".join(steps))
    return "\n".join(lines)


async def cover_reply(covering: Covering, name: str, party: str, words: list[str], lang: str,
                      tz: str) -> str:
    """The reply to /cover: the longest leading words that name a person are whose shift,
    the rest the period ("tonight" when none)."""
    for n in range(len(words), 0, -1):
        covered = covering.party(" ".join(words[:n]))
        if covered is not None:
            break
    else:
        return t(lang, "cover.usage")
    span = covering.period(" ".join(words[n:]))
    if span is None:
        return t(lang, "cover.usage")
    result = await covering.cover(Asker(name, "nurse", party), covered, party, *span)
    if result.cover is None:
        problem = result.problem.value if result.problem else "unknown"
        return t(lang, f"cover.problem.{problem}")
    d = covering.current_directory()
    return t(lang, "cover.done", cover=d.name(party), covered=d.name(covered),
             start=moment(span[0], tz, lang), end=moment(span[1], tz, lang))
