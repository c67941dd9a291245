"""Telegram's way in for one channel: button presses and chat commands.

The channel (`notify/telegram/`) sends and owns the bot's connection; this puts
the handlers for what people send back on that connection. A press becomes a
command for the answer use case (`presses.py`), a chat command a read through
the channel's records (`commands.py`). The composition root hands in the answer
use case once it is built (`answer_with`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from escalator.domain.errors import StorageError
from escalator.entrypoints.telegram.commands import Commands
from escalator.entrypoints.telegram.presses import PressHandler
from escalator.monitoring.metrics import DOOR
from escalator.notify.telegram.channel import TelegramChannel
from escalator.usecases.answering import Command, Outcome
from escalator.usecases.cover import Covering


class TelegramInbound:
    def __init__(self, channel: TelegramChannel,
                 answer_with: Callable[[Command], Awaitable[Outcome]] | None = None,
                 covering: Covering | None = None) -> None:
        desk = channel.desk
        self.answer_with = answer_with  # Answering.answer: the one way every door's answer takes
        self.presses = PressHandler(desk, self._answer, channel.clock, channel.config)
        self.commands = Commands(desk, channel.clock, channel.config, desk.directory, covering)
        channel.installers.append(self.install)

    async def _answer(self, command: Command) -> Outcome:
        if self.answer_with is None:
            raise StorageError("telegram: presses are not wired to the answer use case yet")
        return await self.answer_with(command)

    def install(self, app: Application) -> None:
        app.add_handler(CallbackQueryHandler(self._pressed))
        for name, handler in self.commands.handlers().items():
            app.add_handler(CommandHandler(name, handler))

    async def _pressed(self, update: Any, context: Any) -> None:
        """A button press is an answer through Telegram's door (`metrics.DOOR`)."""
        DOOR.set("telegram")
        await self.presses(update, context)
