"""What a read-only party (`role: viewer`, the purchaser) sees behind a link: the record.

A viewer's link shows the alarm, its safety records in full (the same text a
nurse pastes into HaiPro) and who was contacted; it has no buttons, and a
POST with it is refused (403), whatever the form says.
"""

from __future__ import annotations

from aiohttp import web

from escalator.config.model import Config
from escalator.domain.model import Incident
from escalator.domain.register import contact_lines
from escalator.entrypoints.http.keys import QUERIES
from escalator.entrypoints.http.views import esc, html_page
from escalator.i18n import code_label, t
from escalator.reports import data
from escalator.reports.safety_text import as_text, contact_line, local
from escalator.storage import register as store
from escalator.storage.sql import Tx

PRE = ('style="white-space:pre-wrap;font-family:Menlo,Consolas,monospace;font-size:13px;'
       'background:#f6f6f6;padding:10px;border-radius:6px"')


def is_viewer(config: Config, party_id: str) -> bool:
    party = config.parties.get(party_id)
    return party is not None and party.role == "viewer"


async def page(request: web.Request, incident: Incident, lang: str) -> web.Response:
    queries = request.app[QUERIES]
    config, now = queries.context.config, queries.context.now()
    tz, staff = config.facility.timezone, data.care_staff(config)
    names = {pid: p.name for pid, p in config.parties.items()}

    def read(tx: Tx) -> tuple[list, list]:
        rows = [r for r in store.safety_page(tx, limit=1000) if r.incident_id == incident.id]
        timeline = store.timelines(tx, [incident.id])[incident.id]
        deliveries = store.deliveries(tx, [incident.id])[incident.id]
        return data.views(tx, rows, staff, now), list(contact_lines(timeline, deliveries))

    views, lines = await queries.read(read)
    state = t(lang, f"state.{incident.state.value}")
    parts = [f"<h1>{esc(code_label(lang, incident.code))}</h1>",
             f'<p class="msg">{esc(t(lang, "reg.view_only"))}</p>',
             f"<dl><dt>{esc(t(lang, 'label.where'))}</dt><dd>{esc(incident.point or '–')}</dd>"
             f"<dt>{esc(t(lang, 'label.since'))}</dt>"
             f"<dd>{esc(local(incident.opened_at, tz))}</dd>"
             f"<dt>{esc(t(lang, 'label.state'))}</dt><dd>{esc(state)}</dd></dl>"]
    for v in views:
        parts.append(f"<pre {PRE}>{esc(as_text(v, lang, tz, names))}</pre>")
    if not views:
        items = "".join(f"<li>{esc(contact_line(c, lang, tz, names))}</li>" for c in lines)
        parts.append(f"<h2>{esc(t(lang, 'reg.contacts'))}</h2><ul>{items}</ul>")
    return html_page(lang, code_label(lang, incident.code), "\n".join(parts))
