"""Telegram errors -> the dispatcher's NotifyError (recoverable or not).

RetryAfter (429), timeouts, network errors and 5xx are worth retrying on the
same channel (after Telegram's `retry_after` when it gave one); Forbidden
(bot blocked or removed), BadRequest (chat not found, ...), an invalid token
or a migrated group are not: the party's next contact method is tried.
"""

from __future__ import annotations

import warnings
from datetime import timedelta

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from escalator.domain.errors import NotifyError


def retry_after_seconds(exc: RetryAfter) -> float:
    """Seconds to wait; PTB 22 returns int or timedelta and warns about the change."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def to_notify_error(exc: TelegramError, chat: str) -> NotifyError:
    if isinstance(exc, RetryAfter):
        return NotifyError(f"telegram flood control in chat {chat}", recoverable=True,
                           retry_after=retry_after_seconds(exc), kind="busy")
    if isinstance(exc, ChatMigrated):
        return NotifyError(f"telegram chat {chat} became supergroup {exc.new_chat_id}: "
                           "put the new id in the config", recoverable=False,
                           kind="bad_address")
    if isinstance(exc, Forbidden | BadRequest | InvalidToken):
        kind = "not_set_up" if isinstance(exc, InvalidToken) else "bad_address"
        return NotifyError(f"telegram refused chat {chat}: {exc.message}", recoverable=False,
                           kind=kind)
    if isinstance(exc, NetworkError):  # includes TimedOut; 5xx answers arrive as NetworkError
        return NotifyError(f"telegram unreachable: {exc.message}", recoverable=True,
                           kind="unreachable")
    return NotifyError(f"telegram error: {exc.message}", recoverable=True, kind="busy")


def not_modified(exc: TelegramError) -> bool:
    """Editing to the same text: Telegram says so, and that is success for us."""
    return isinstance(exc, BadRequest) and "not modified" in exc.message.lower()


def message_gone(exc: TelegramError) -> bool:
    """The card was deleted (or is too old to edit): post a new one instead."""
    text = exc.message.lower()
    return isinstance(exc, BadRequest) and any(s in text for s in (
        "message to edit not found", "message_id_invalid", "message can't be edited",
        "message to be replied not found"))
