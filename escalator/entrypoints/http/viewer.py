"""What a read-only party (`role: viewer`, the purchaser) sees behind a link: the record.

A viewer's link shows the alarm, its safety records in full (the same text a
nurse pastes into HaiPro) and who was contacted; it has no buttons, and a
POST with it is refused (403), whatever the form says.
"""

from __future__ import annotations

from aiohttp import web

from escalator.config.model import Config
from escalator.domain.model import Incident
from escalator.entrypoints.http.keys import CONTEXT, REGISTER
from escalator.entrypoints.http.views import html_page
from escalator.i18n import code_label, t
from escalator.reports.safety_text import as_text, contact_line, local


def is_viewer(config: Config, party_id: str) -> bool:
    party = config.parties.get(party_id)
    return party is not None and party.role == "viewer"


async def page(request: web.Request, incident: Incident, lang: str) -> web.Response:
    config = request.app[CONTEXT].config
    tz = config.facility.timezone
    names = {pid: p.name for pid, p in config.parties.items()}
    views, lines = await request.app[REGISTER].of_incident(incident.id)
    heading = code_label(lang, incident.code)
    return html_page("viewer.html", lang, heading, heading=heading, inc=incident,
                     since=local(incident.opened_at, tz, lang),
                     state=t(lang, f"state.{incident.state.value}"),
                     records=[as_text(v, lang, tz, names) for v in views],
                     contacts=[contact_line(c, lang, tz, names) for c in lines])
