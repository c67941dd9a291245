"""Shared pieces of the HTTP layer: JSON shapes and the HTML page shell.

The API and the ack page must describe an incident the same way, so the
incident -> JSON mapping lives here and nowhere else.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from string import Template
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from escalator.domain.model import Incident
from escalator.i18n import code_label
from escalator.storage.rows import DeliveryRow

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


def local_time(value: datetime, tz: str) -> str:
    """How a Finnish nurse writes a time: 24.11.2026 09:00, in the facility's zone."""
    return value.astimezone(ZoneInfo(tz)).strftime("%d.%m.%Y %H:%M")


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
    }


def delivery_json(row: DeliveryRow) -> dict[str, Any]:
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
    }


# -- HTML -------------------------------------------------------------------------

_PAGE = Template("""<!doctype html>
<html lang="$lang">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>$title</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;
 padding:1rem;max-width:36rem;margin-inline:auto;font-size:1.1rem;line-height:1.45;
 color:#111;background:#fff}
h1{font-size:1.5rem;margin:.2rem 0 .6rem}
dl{margin:0 0 1rem}dt{font-weight:600;margin-top:.4rem}dd{margin:0}
.msg{padding:1rem;border-radius:.5rem;background:#eef4ff;border:2px solid #3561c4}
.msg.bad{background:#fff1f0;border-color:#c0392b}
.state{display:inline-block;padding:.1rem .5rem;border-radius:.3rem;background:#eee}
.safety{display:inline-block;padding:.1rem .5rem;border-radius:.3rem;background:#fff1f0;
color:#8b1a10;border:2px solid #c0392b}
form{margin:.6rem 0}
button{width:100%;min-height:3.5rem;font-size:1.2rem;border:0;border-radius:.5rem;
 color:#fff;background:#3561c4;cursor:pointer}
button.acknowledge{background:#1e7d34}button.false_alarm{background:#8a5a00}
button.escalate{background:#c0392b}button.resolve{background:#2c3e50}
button.snooze,button.note{background:#555}button.on_way{background:#1e7d34}
select,textarea,input[type=time]{width:100%;box-sizing:border-box;font-size:1.1rem;
 padding:.5rem;margin:.3rem 0;border-radius:.4rem;border:1px solid #888}
form label{display:block;margin-top:.8rem}
textarea{min-height:7rem}
ul{padding-left:1.2rem}li{margin:.2rem 0}small{color:#555}
a{color:#3561c4}
</style>
</head>
<body>
$body
</body>
</html>
""")


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def html_page(lang: str, title: str, body: str, status: int = 200) -> web.Response:
    """`body` is already-escaped HTML; everything from outside goes through `esc`."""
    text = _PAGE.substitute(lang=esc(lang), title=esc(title), body=body)
    return web.Response(text=text, status=status, content_type="text/html",
                        charset="utf-8", headers=PAGE_HEADERS)


def message_page(lang: str, title: str, message: str, status: int, *,
                 bad: bool = True) -> web.Response:
    """A one-sentence page for a person holding a phone: what went wrong, nothing else."""
    cls = "msg bad" if bad else "msg"
    body = f'<h1>{esc(title)}</h1>\n<p class="{cls}">{esc(message)}</p>'
    return html_page(lang, title, body, status)
