"""The e-mail channel: SMTP with aiosmtplib, a text and an HTML part, threaded per incident.

`channels.email`: host, port, security (none | starttls | tls; absent: STARTTLS
when the server offers it), username_env / password_env (login from the
environment), from. The mail is in the party's language (the dispatcher
already chose it: `people.<id>.language` or the facility's).

Threading: each delivery has its own deterministic Message-ID, and every mail
about one incident carries the same per-incident root id in In-Reply-To and
References (and the same subject), so mail clients show one conversation per
alarm: FIRST, the reminders, the update that someone took it, CLEARED.

Failures: 4xx answers, lost connections and timeouts are temporary (the
dispatcher retries with backoff); 5xx answers, a refused login, a missing
feature or a bad certificate are permanent (the party's next contact is tried).
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Mapping
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from html import escape
from typing import Any

import aiosmtplib

from escalator.config.channels import email_problems
from escalator.config.model import Facility
from escalator.domain.availability import Contact
from escalator.domain.errors import ConfigError, NotifyError
from escalator.i18n import t
from escalator.notify.base import Message, require_set_up
from escalator.runtime.clock import Clock

Settings = Mapping[str, Any]
DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}


problems = email_problems  # what stops this configuration from sending at all


def _failure(exc: BaseException) -> NotifyError:
    """Connection trouble is temporary; a certificate we cannot trust or a server that
    lacks what the config asks for (AUTH, STARTTLS) will not mend itself in minutes."""
    if isinstance(exc, ssl.SSLCertVerificationError) or isinstance(
            exc.__cause__, ssl.SSLCertVerificationError):
        return NotifyError(f"SMTP TLS certificate not trusted: {exc}", recoverable=False,
                           kind="unreachable")
    if isinstance(exc, OSError | TimeoutError):  # refused, reset, disconnected, timed out
        return NotifyError(f"SMTP server unreachable: {exc!r}", recoverable=True,
                           kind="unreachable")
    return NotifyError(f"SMTP: {exc}", recoverable=False,  # e.g. AUTH not supported
                       kind="not_set_up")


def thread_root(message: Message, facility: Facility, domain: str) -> str:
    """The same id for every mail about this incident (stable across restarts)."""
    inc = message.incident
    return f"<incident-{inc.id}.{int(inc.opened_at.timestamp())}.{facility.id}@{domain}>"


def message_id(message: Message, facility: Facility, domain: str) -> str:
    """One id per delivery: a retry of the same delivery is the same mail."""
    inc = message.incident
    return (f"<delivery-{message.delivery_id}.incident-{inc.id}."
            f"{int(inc.opened_at.timestamp())}.{facility.id}@{domain}>")


def build_mail(message: Message, settings: Settings, to: str, facility: Facility,
               clock: Clock) -> EmailMessage:
    sender = str(settings["from"])
    domain = parseaddr(sender)[1].rpartition("@")[2] or "escalator.invalid"
    root = thread_root(message, facility, domain)
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = formataddr((message.party_name, to))
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(clock.now())
    mail["Message-ID"] = message_id(message, facility, domain)
    mail["In-Reply-To"] = root
    mail["References"] = root
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to us
    mail["X-Auto-Response-Suppress"] = "All"
    mail["X-Escalator-Incident"] = str(message.incident.id)
    mail["X-Escalator-Reason"] = message.reason
    footer = t(message.language, "mail.footer", facility=facility.name)
    mail.set_content(f"{message.text}\n\n-- \n{footer}\n")
    mail.add_alternative(_html(message, footer), subtype="html")
    mail["Content-Language"] = message.language  # after the body: set_content drops Content-*
    return mail


def _button(message: Message) -> str:
    """A viewer's link opens the record: the button does not promise an answer."""
    return "mail.open_record" if message.read_only else "mail.open"


def _html(message: Message, footer: str) -> str:
    lang = message.language
    lines = message.text.split("\n")
    parts = [f'<p style="font-size:18px;font-weight:bold;margin:0 0 12px">'
             f"{escape(lines[0])}</p>"]
    block: list[str] = []
    for line in lines[1:]:
        if message.ack_url and line.endswith(message.ack_url):
            url = escape(message.ack_url)
            block.append(
                f'</p><p style="margin:18px 0"><a href="{url}" style="display:inline-block;'
                f"padding:14px 22px;background:#1e7d34;color:#ffffff;font-size:18px;"
                f'text-decoration:none;border-radius:6px">{escape(t(lang, _button(message)))}</a>'
                f'</p><p style="font-size:13px;color:#555555">{url}')
        elif line:
            block.append(escape(line) + "<br>")
    parts.append(f'<p style="font-size:16px;line-height:1.5">{"".join(block)}</p>')
    parts.append(f'<p style="font-size:12px;color:#777777">{escape(footer)}</p>')
    return (f'<!doctype html>\n<html lang="{escape(lang)}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(message.subject)}</title></head>\n"
            f'<body style="font-family:Arial,Helvetica,sans-serif;color:#111111;'
            f'max-width:36rem">\n{"".join(parts)}\n</body></html>\n')


class EmailNotifier:
    def __init__(
        self,
        settings: Callable[[], Settings],
        facility: Callable[[], Facility],
        secrets: Callable[[str], str | None],
        clock: Clock,
        *,
        tls_context: ssl.SSLContext | None = None,
        timeout: float = 30.0,
    ) -> None:
        found = problems(settings())
        if found:
            raise ConfigError(found)
        self._settings = settings
        self._facility = facility
        self._secrets = secrets
        self._clock = clock
        self._tls_context = tls_context
        self._timeout = timeout

    async def send(self, contact: Contact, message: Message) -> None:
        settings = self._settings()
        require_set_up(problems(settings))
        mail = build_mail(message, settings, contact.address, self._facility(), self._clock)
        try:
            await aiosmtplib.send(mail, **self._connection(settings))
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            text = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
            busy = all(400 <= c < 500 for c in codes)
            raise NotifyError(f"recipient refused: {text}", recoverable=busy,
                              kind="busy" if busy else "bad_address") from exc
        except aiosmtplib.SMTPResponseException as exc:
            busy = 400 <= exc.code < 500
            raise NotifyError(f"SMTP {exc.code} {exc.message}", recoverable=busy,
                              kind="busy" if busy else "refused") from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise _failure(exc) from exc

    def _connection(self, settings: Settings) -> dict[str, Any]:
        security = settings.get("security")
        options: dict[str, Any] = {
            "hostname": settings["host"],
            "port": settings.get("port") or DEFAULT_PORTS.get(security or "starttls", 587),
            "use_tls": security == "tls",
            "start_tls": {"none": False, "starttls": True, "tls": False}.get(security or ""),
            "timeout": self._timeout,
        }
        if self._tls_context is not None:
            options["tls_context"] = self._tls_context
        user_env, password_env = settings.get("username_env"), settings.get("password_env")
        if user_env and password_env:
            username, password = self._secrets(user_env), self._secrets(password_env)
            if not username or not password:
                raise NotifyError(f"SMTP login: environment variable {user_env} or "
                                  f"{password_env} is not set", recoverable=False,
                                  kind="not_set_up")
            options["username"], options["password"] = username, password
        return options
