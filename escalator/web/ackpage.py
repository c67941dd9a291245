"""`/ack/{token}`: the page a nurse opens from an SMS or chat message.

The signed token in the URL is the credential: it names the incident and the
party, so no login and no CSRF token are needed, and every action is
recorded under that party's name. The page works without JavaScript or
external assets on any phone, in the reader's language, and a person never
sees a stack trace: every failure is a sentence saying what to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from escalator.domain.model import Action, Incident, Reason, State
from escalator.errors import ActionError
from escalator.i18n import TEXTS, code_label, t
from escalator.service import parse_minutes
from escalator.storage.rows import dt
from escalator.web.links import LinkClaim, LinkError
from escalator.web.views import APP, esc, html_page, local_time, message_page

MAX_NOTE = 2000
TIMELINE_SHOWN = 20
SNOOZE_CHOICES = (15, 60, 240)
CONTACT_REASONS = {Reason.FIRST, Reason.RENOTIFY, Reason.ESCALATED, Reason.EXHAUSTED,
                   Reason.SAFETY_INCIDENT}
# Order on the page: the likely answer first, the ladder-changing ones after it.
BUTTONS = (Action.ACKNOWLEDGE, Action.FALSE_ALARM, Action.ESCALATE, Action.RESOLVE)


def setup(web_app: web.Application) -> None:
    web_app.router.add_get("/ack/{token}", show)
    web_app.router.add_post("/ack/{token}", perform)


@dataclass(frozen=True)
class Visitor:
    """Who holds this link: the party it was made for, and how to talk to them."""

    claim: LinkClaim
    name: str
    lang: str
    tz: str
    names: Mapping[str, str]  # party id -> display name, for the timeline


def _visitor(request: web.Request) -> Visitor | web.Response:
    """The link's party, or the page explaining why the link cannot be used."""
    app = request.app[APP]
    config = app.config
    lang = config.facility.language
    try:
        claim = app.signer.check(request.match_info["token"], app.clock.now())
    except LinkError as exc:
        if exc.expired:
            return message_page(lang, t(lang, "page.title"), t(lang, "page.link_expired"), 410)
        return message_page(lang, t(lang, "page.title"), t(lang, "page.link_invalid"), 400)
    party = config.parties.get(claim.party)
    names = {pid: p.name for pid, p in config.parties.items()}
    return Visitor(claim, party.name if party else claim.party,
                   (party.language if party else None) or lang, config.facility.timezone,
                   names)


async def _load(request: web.Request, incident_id: int
                ) -> tuple[Incident | None, list[dict[str, Any]]]:
    return await request.app[APP].store.transaction(
        lambda tx: (tx.incident(incident_id), tx.timeline(incident_id)))


def _say(v: Visitor, key: str, status: int, **values: object) -> web.Response:
    return message_page(v.lang, t(v.lang, "page.title"), t(v.lang, key, **values), status)


async def show(request: web.Request) -> web.Response:
    v = _visitor(request)
    if isinstance(v, web.Response):
        return v
    incident, timeline = await _load(request, v.claim.incident_id)
    if incident is None:
        return _say(v, "page.not_found", 404)
    return html_page(v.lang, code_label(v.lang, incident.code),
                     render_incident(v, incident, timeline, request.path))


async def perform(request: web.Request) -> web.Response:
    v = _visitor(request)
    if isinstance(v, web.Response):
        return v
    form = await request.post()
    parsed = _parse_form(v, form)
    if isinstance(parsed, web.Response):
        return parsed
    action, minutes, note = parsed
    incident, _ = await _load(request, v.claim.incident_id)
    if incident is None:
        return _say(v, "page.not_found", 404)
    if incident.state is State.RESOLVED and action is not Action.NOTE:
        return _closed(v, incident, request.path)
    try:
        after = await request.app[APP].service.act(
            incident.id, action, v.name, party=v.claim.party, minutes=minutes, note=note)
    except ActionError:
        return _say(v, "page.bad_form", 400)
    if after.state is State.RESOLVED and action not in (Action.NOTE, Action.RESOLVE):
        return _closed(v, after, request.path)  # closed by someone else meanwhile
    return _done(v, after, action, request.path)


def _parse_form(v: Visitor, form: Mapping[str, Any]
                ) -> tuple[Action, int | None, str] | web.Response:
    name = form.get("action")
    if not isinstance(name, str) or name not in {a.value for a in Action}:
        return _say(v, "page.bad_form", 400)
    note = form.get("note", "")
    note = note.strip()[:MAX_NOTE] if isinstance(note, str) else ""
    if name == Action.NOTE and not note:
        return _say(v, "page.note_empty", 400)
    try:
        minutes = parse_minutes(form.get("minutes"))
    except ActionError:
        return _say(v, "page.bad_form", 400)
    return Action(name), minutes, note


def _closed(v: Visitor, incident: Incident, path: str) -> web.Response:
    state = t(v.lang, f"state.{incident.state.value}")
    body = (f"<h1>{esc(code_label(v.lang, incident.code))}</h1>\n"
            f'<p class="msg">{esc(t(v.lang, "page.closed", state=state))}</p>\n'
            f'<p><a href="{esc(path)}">{esc(t(v.lang, "label.back"))}</a></p>')
    return html_page(v.lang, t(v.lang, "page.title"), body)


def _done(v: Visitor, incident: Incident, action: Action, path: str) -> web.Response:
    what = t(v.lang, f"action.{action.value}")
    state = t(v.lang, f"state.{incident.state.value}")
    body = (f"<h1>{esc(code_label(v.lang, incident.code))}</h1>\n"
            f'<p class="msg">{esc(t(v.lang, "page.done", what=what))}</p>\n'
            f"<p>{esc(t(v.lang, 'label.state'))}: "
            f'<span class="state">{esc(state)}</span></p>\n'
            f'<p><a href="{esc(path)}">{esc(t(v.lang, "label.back"))}</a></p>')
    return html_page(v.lang, t(v.lang, "page.title"), body)


# -- the incident page ------------------------------------------------------------

def render_incident(v: Visitor, inc: Incident, timeline: list[dict[str, Any]],
                    path: str) -> str:
    lang = v.lang
    parts = [f"<h1>{esc(code_label(lang, inc.code))}</h1>"]
    if inc.text:
        parts.append(f"<p>{esc(inc.text)}</p>")
    parts.append(_facts(v, inc))
    parts.append(f"<p><small>{esc(t(lang, 'label.you', name=v.name))}</small></p>")
    if inc.state is State.RESOLVED:
        state = t(lang, f"state.{inc.state.value}")
        parts.append(f'<p class="msg">{esc(t(lang, "page.closed", state=state))}</p>')
    else:
        parts.append(f"<h2>{esc(t(lang, 'label.act'))}</h2>")
        parts += [_button(lang, a) for a in BUTTONS]
        parts.append(_snooze_form(lang))
    parts.append(_note_form(lang))
    parts.append(_contacted(v, timeline))
    parts.append(_timeline(v, timeline))
    return "\n".join(parts)


def _facts(v: Visitor, inc: Incident) -> str:
    lang = v.lang
    rows = []
    if inc.point:
        rows.append((t(lang, "label.where"), esc(inc.point)))
    rows.append((t(lang, "label.since"), esc(local_time(inc.opened_at, v.tz))))
    state = t(lang, f"state.{inc.state.value}")
    rows.append((t(lang, "label.state"), f'<span class="state">{esc(state)}</span>'))
    if inc.count > 1:
        rows.append(("", esc(t(lang, "label.count", count=inc.count))))
    items = "".join(f"<dt>{esc(k)}</dt><dd>{val}</dd>" if k else f"<dd>{val}</dd>"
                    for k, val in rows)
    return f"<dl>{items}</dl>"


def _button(lang: str, action: Action) -> str:
    return (f'<form method="post"><input type="hidden" name="action" value="{action.value}">'
            f'<button class="{action.value}" type="submit">'
            f"{esc(t(lang, f'action.{action.value}'))}</button></form>")


def _snooze_form(lang: str) -> str:
    options = "".join(
        f'<option value="{m}">{esc(_duration(lang, m))}</option>' for m in SNOOZE_CHOICES)
    return (f'<form method="post"><input type="hidden" name="action" value="snooze">'
            f'<label for="minutes">{esc(t(lang, "label.snooze_for"))}</label>'
            f'<select id="minutes" name="minutes">{options}</select>'
            f'<button class="snooze" type="submit">{esc(t(lang, "action.snooze"))}</button>'
            f"</form>")


def _note_form(lang: str) -> str:
    return (f'<form method="post"><input type="hidden" name="action" value="note">'
            f'<label for="note">{esc(t(lang, "label.note"))}</label>'
            f'<textarea id="note" name="note" rows="5" maxlength="{MAX_NOTE}" required>'
            f"</textarea>"
            f'<button class="note" type="submit">{esc(t(lang, "action.note"))}</button>'
            f"</form>")


def _duration(lang: str, minutes: int) -> str:
    if minutes % 60 == 0:
        return t(lang, "unit.hours", n=minutes // 60)
    return t(lang, "unit.minutes", n=minutes)


def _contacted(v: Visitor, timeline: list[dict[str, Any]]) -> str:
    """Everyone the ladder has told so far, with when they were last told."""
    last: dict[str, str] = {}
    for entry in timeline:
        if entry["reason"] in CONTACT_REASONS and entry["party"]:
            last.pop(entry["party"], None)  # keep the order of the latest contact
            last[entry["party"]] = entry["at"]
    heading = f"<h2>{esc(t(v.lang, 'label.contacted'))}</h2>"
    if not last:
        return f"{heading}<p>{esc(t(v.lang, 'label.nobody_contacted'))}</p>"
    items = "".join(
        f"<li>{esc(v.names.get(p, p))} <small>{esc(_when(v, at))}</small></li>"
        for p, at in last.items())
    return f"{heading}<ul>{items}</ul>"


def _timeline(v: Visitor, timeline: list[dict[str, Any]]) -> str:
    shown = timeline[-TIMELINE_SHOWN:][::-1]  # newest first: that is what a reader needs
    items = []
    for entry in shown:
        who = v.names.get(entry["party"], entry["party"]) if entry["party"] else ""
        text = " – ".join(x for x in (who, _entry_text(v.lang, entry)) if x)
        items.append(f"<li><small>{esc(_when(v, entry['at']))}</small> {esc(text)}</li>")
    return f"<h2>{esc(t(v.lang, 'page.timeline'))}</h2><ul>{''.join(items)}</ul>"


def _entry_text(lang: str, entry: dict[str, Any]) -> str:
    """The reason in the reader's words where the catalogue has them; the detail as logged."""
    key, detail = f"reason.{entry['reason']}", entry["detail"] or ""
    template = TEXTS.get(key, {}).get("en")
    if template is None:
        return detail
    if "{detail}" in template:
        return t(lang, key, detail=detail)
    return " – ".join(x for x in (t(lang, key), detail) if x)


def _when(v: Visitor, stored: str) -> str:
    at = dt(stored)
    return local_time(at, v.tz) if at else ""
