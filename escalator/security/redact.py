"""Secrets never reach a log line, at any level, from any library.

httpx logs every request URL (at INFO), and python-telegram-bot logs requests
and their errors at DEBUG; the Bot API puts the bot token into the URL path,
so any of those lines would print it. A handler filter would only cover our
own handlers (not a test's or an operator's), so the redaction is done where
every record is made: a log record factory that replaces each known secret
value, and anything shaped like a Telegram bot token, with `***`, before any
handler or formatter sees the record.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

MASK = "***"
MIN_LENGTH = 8  # shorter values would mask ordinary words; no real secret is that short
BOT_TOKEN = re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{8,}")

_secrets: set[str] = set()
_lock = threading.Lock()
_installed: list[Callable[..., logging.LogRecord]] = []


def add_secrets(values: Iterable[str | None]) -> None:
    """Mask these values in every log record from now on (installs the factory once)."""
    with _lock:
        _secrets.update(v for v in values if v and len(v) >= MIN_LENGTH)
        if not _installed:
            previous = logging.getLogRecordFactory()
            _installed.append(previous)
            logging.setLogRecordFactory(_factory(previous))


def redact(text: str) -> str:
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    return BOT_TOKEN.sub(MASK, text)


def _factory(previous: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: let logging report it as it always does
            return record
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            masked = redact(text)
            if masked != text:  # the traceback names the secret: keep it, masked
                record.exc_text, record.exc_info = masked, None
        return record

    return make
