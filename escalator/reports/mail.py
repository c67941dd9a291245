"""Send a report over the SMTP server of `channels.email` (the same settings as alarms)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from email.message import EmailMessage
from typing import Any

import aiosmtplib

from escalator.domain.errors import NotifyError
from escalator.notify.email import DEFAULT_PORTS, problems


def options(settings: Mapping[str, Any], secret: Callable[[str], str | None],
            timeout: float = 60.0) -> dict[str, Any]:
    security = settings.get("security")
    found: dict[str, Any] = {
        "hostname": settings["host"],
        "port": settings.get("port") or DEFAULT_PORTS.get(security or "starttls", 587),
        "use_tls": security == "tls",
        "start_tls": {"none": False, "starttls": True, "tls": False}.get(security or ""),
        "timeout": timeout,
    }
    user_env, password_env = settings.get("username_env"), settings.get("password_env")
    if user_env and password_env:
        user, password = secret(user_env), secret(password_env)
        if not user or not password:
            raise NotifyError(f"SMTP login: environment variable {user_env} or {password_env}"
                              " is not set", recoverable=False)
        found["username"], found["password"] = user, password
    return found


async def send(msg: EmailMessage, settings: Mapping[str, Any],
               secret: Callable[[str], str | None]) -> None:
    """Raise NotifyError with the reason; the scheduler retries and the CLI says it."""
    found = problems(settings)
    if found:
        raise NotifyError("; ".join(found), recoverable=False)
    try:
        await aiosmtplib.send(msg, **options(settings, secret))
    except aiosmtplib.SMTPResponseException as exc:
        raise NotifyError(f"SMTP {exc.code} {exc.message}",
                          recoverable=400 <= exc.code < 500) from exc
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise NotifyError(f"SMTP: {exc!r}", recoverable=True) from exc
