"""Shared pieces of the HTTP layer: JSON shapes and the HTML page shell.

The API and the ack page must describe an incident the same way, so the
incident -> JSON mapping lives here and nowhere else.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Any

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape

from escalator.domain.model import Incident
from escalator.i18n import code_label, dates, t
from escalator.usecases.shapes import Sent

BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="escalator"'}

# Pages carry a credential in their URL: never cache them, never leak it onward,
# never let another site frame the buttons.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                               "form-action 'self'; frame-ancestors 'none'",
}


class ApiError(Exception):
    """A client mistake on a JSON endpoint; the middleware turns it into {"error": ...}."""

    def __init__(self, status: int, message: str, *,
                 headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.extra = extra


def iso(value: datetime | None) -> str | None:
    """UTC ISO-8601, so API clients never have to guess a timezone."""
    return value.astimezone(UTC).isoformat() if value else None


def local_time(value: datetime, tz: str, lang: str) -> str:
    """Date and time as the reader writes them (24.11.2026 9.00 in Finnish), in the
    facility's zone."""
    return dates.stamp(value, tz, lang)


def incident_json(inc: Incident, lang: str) -> dict[str, Any]:
    esc = inc.escalation
    return {
        "id": inc.id,
        "state": inc.state.value,
        "code": inc.code,
        "code_label": code_label(lang, inc.code),
        "point": inc.point,
        "text": inc.text,
        "severity": inc.severity,
        "source": inc.source,
        "ladder": inc.ladder,
        "opened_at": iso(inc.opened_at),
        "last_seen_at": iso(inc.last_seen_at),
        "count": inc.count,
        "step": esc.step,
        "loop": esc.loop,
        "exhausted": esc.exhausted,
        "notified": list(inc.notified),
        "acked_by": inc.acked_by,
        "acked_at": iso(inc.acked_at),
        "snoozed_until": iso(inc.snoozed_until),
        "false_alarm_by": inc.false_alarm_by,
        "false_alarm_deadline": iso(inc.false_alarm_deadline),
        "resolved_at": iso(inc.resolved_at),
        "resolved_by": inc.resolved_by,
        "promise": inc.promise,
        "arrive_by": iso(inc.eta),
        "fix_by": iso(inc.fix_by),
        "ack_deadline": iso(inc.ack_deadline),
    }


def delivery_json(row: Sent) -> dict[str, Any]:
    return {
        "id": row.id,
        "party": row.party,
        "reason": row.reason,
        "status": row.status,
        "channel": row.channel,
        "attempts": row.attempts,
        "error": row.error,
        "step": row.step,
        "loop": row.loop,
        "update": row.is_update,
        "detail": row.detail,
        "created_at": iso(row.created_at),
        "sent_at": iso(row.sent_at),
        "maybe_sent": row.maybe_sent,  # a send was cut at shutdown: the peer may have it
    }


# -- HTML: the pages' layout is in templates/ ---------------------------------------

_ENV = Environment(loader=PackageLoader("escalator.entrypoints.http", "templates"),
                   autoescape=select_autoescape(default=True, default_for_string=True),
                   trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def html_page(template: str, lang: str, title: str, status: int = 200,
              **values: Any) -> web.Response:
    """`templates/<template>` in the reader's language; the engine escapes every value
    (autoescape), so nothing from outside reaches the page as markup."""
    text = _ENV.get_template(template).render(lang=lang, title=title, t=partial(t, lang),
                                              **values)
    return web.Response(text=text, status=status, content_type="text/html",
                        charset="utf-8", headers=PAGE_HEADERS)


def message_page(lang: str, title: str, message: str, status: int, *,
                 bad: bool = True) -> web.Response:
    """A one-sentence page for a person holding a phone: what went wrong, nothing else."""
    return html_page("message.html", lang, title, status, message=message, bad=bad)


def told_together(entries: list[dict[str, Any]]
                  ) -> list[tuple[dict[str, Any], list[str]]]:
    """One line per thing that happened: the same news told to several parties at the
    same moment ("taken by the vendor", to the nurse and to maintenance) is one line
    naming them all, so the page's twenty lines reach further back."""
    grouped: list[tuple[dict[str, Any], list[str]]] = []
    for e in entries:
        key = (e["at"], e["reason"], e["detail"])
        if grouped and e["party"] and grouped[-1][1] and \
                (grouped[-1][0]["at"], grouped[-1][0]["reason"], grouped[-1][0]["detail"]) == key:
            grouped[-1][1].append(e["party"])
        else:
            grouped.append((e, [e["party"]] if e["party"] else []))
    return grouped
