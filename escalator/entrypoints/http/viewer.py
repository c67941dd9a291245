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
from escalator.entrypoints.http.views import html_page
from escalator.i18n import code_label, t
from escalator.reports import data
from escalator.reports.safety_text import as_text, contact_line, local
from escalator.storage.sql import Tx


def is_viewer(config: Config, party_id: str) -> bool:
    party = config.parties.get(party_id)
    return party is not None and party.role == "viewer"


async def page(request: web.Request, incident: Incident, lang: str) -> web.Response:
    queries = request.app[QUERIES]
    config, now = queries.context.config, queries.context.now()
    tz, staff = config.facility.timezone, data.care_staff(config)
    names = {pid: p.name for pid, p in config.parties.items()}

    def read(tx: Tx) -> tuple[list, list]:
        rows = [r for r in tx.register.safety_page(limit=1000) if r.incident_id == incident.id]
        timeline = tx.register.timelines([incident.id])[incident.id]
        deliveries = tx.register.deliveries([incident.id])[incident.id]
        return data.views(tx, rows, staff, now), list(contact_lines(timeline, deliveries))

    views, lines = await queries.read(read)
    heading = code_label(lang, incident.code)
    return html_page("viewer.html", lang, heading, heading=heading, inc=incident,
                     since=local(incident.opened_at, tz, lang),
                     state=t(lang, f"state.{incident.state.value}"),
                     records=[as_text(v, lang, tz, names) for v in views],
                     contacts=[contact_line(c, lang, tz, names) for c in lines])
