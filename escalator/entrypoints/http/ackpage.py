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
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from escalator.domain.guards import MAX_SNOOZE, Actor, Door, Kind, Why
from escalator.domain.model import WAITING_FOR_CLEAR, Action, Incident, Reason, State
from escalator.entrypoints.http import answers, viewer
from escalator.entrypoints.http.keys import ANSWERING
from escalator.entrypoints.http.privacy import scrub
from escalator.entrypoints.http.views import (
    PAGE_HEADERS,
    html_page,
    local_time,
    message_page,
    told_together,
)
from escalator.i18n import code_label, reader_language, t, tn
from escalator.i18n.explain import explain
from escalator.links import LinkClaim, LinkError, bound
from escalator.storage.rows import dt
from escalator.storage.sql import Tx
from escalator.usecases.answering import Command, Outcome

MAX_NOTE = answers.MAX_NOTE
TIMELINE_SHOWN = 20
CONTACT_REASONS = {Reason.FIRST, Reason.RENOTIFY, Reason.ESCALATED, Reason.EXHAUSTED,
                   Reason.SAFETY_INCIDENT, Reason.REOPENED, Reason.REWALK, Reason.NOW_AVAILABLE,
                   Reason.CLEAR_REQUESTED, Reason.ACK_OVERDUE,
                   Reason.MAINTENANCE_ENDED}


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
    now: datetime | None = None
    max_snooze: timedelta = MAX_SNOOZE


def _visitor(request: web.Request, for_answer: bool = False) -> Visitor | web.Response:
    """The link's party, or the page explaining why the link cannot be used. For an
    answer (`for_answer`) a party gone from the config is left to the answer's guards."""
    answering = request.app[ANSWERING]
    config = answering.context.config
    lang = config.facility.language
    try:
        claim = answering.claim(request.match_info["token"])
    except LinkError as exc:
        key, status = ("page.link_expired", 410) if exc.expired else ("page.link_invalid", 400)
        if _wants_json(request):
            return _json({"error": t(lang, key)}, status)
        return message_page(lang, t(lang, "page.title"), t(lang, key), status)
    party = config.parties.get(claim.party)
    if party is None and for_answer:
        return Visitor(claim, claim.party, lang, config.facility.timezone, {},
                       answering.context.now(), config.http.max_snooze)
    if party is None:  # removed from the config: its links are revoked (checked at use)
        if _wants_json(request):
            return _json({"error": t(lang, "page.link_revoked")}, 403)
        return message_page(lang, t(lang, "page.title"), t(lang, "page.link_revoked"), 403)
    names = {pid: p.name for pid, p in config.parties.items()}
    return Visitor(claim, party.name, reader_language(party.language, lang),
                   config.facility.timezone, names, answering.context.now(),
                   config.http.max_snooze)


async def _load(request: web.Request, claim: LinkClaim
                ) -> tuple[Incident | None, list[dict[str, Any]]]:
    """The link's incident and timeline; (None, []) if the link was made for another
    incident that had the same number (an earlier database)."""
    def read(tx: Tx) -> tuple[Incident | None, list[dict[str, Any]]]:
        incident = tx.incidents.get(claim.incident_id)
        if incident is None or not bound(claim, incident.opened_at, tx.nonces.get(incident.id)):
            return None, []
        return incident, tx.timeline.of_incident(incident.id)

    return await request.app[ANSWERING].read(read)


def _say(v: Visitor, key: str, status: int, **values: object) -> web.Response:
    return message_page(v.lang, t(v.lang, "page.title"), t(v.lang, key, **values), status)


async def show(request: web.Request) -> web.Response:
    v = _visitor(request)
    if isinstance(v, web.Response):
        return v
    incident, timeline = await _load(request, v.claim)
    if incident is None:
        return _say(v, "page.not_found", 404)
    config = request.app[ANSWERING].context.config
    if viewer.is_viewer(config, v.claim.party):  # the record, no buttons
        return await viewer.page(request, incident, v.lang)
    return incident_page(v, incident, timeline)


async def perform(request: web.Request) -> web.Response:
    """An answer from the page (a form) or from a ticket system (a form or JSON): read
    into a command for the answer use case, its outcome said back in the reader's words."""
    v = _visitor(request, for_answer=True)
    if isinstance(v, web.Response):
        return v
    answering = request.app[ANSWERING]
    now = answering.context.now()
    try:
        answer = answers.parse(await _fields(request), now, v.tz)
    except answers.AnswerError as exc:
        return _reply(request, v, exc.key, 400)
    actor = Actor(Door.ACK_PAGE, v.name, v.claim.party, scope=v.claim.party)
    outcome = await answering.answer(Command(
        actor, v.claim.incident_id, answer.action, minutes=answer.minutes, note=answer.note,
        eta=answer.eta, clear_by=answer.clear_by, said=answer.said, version=answer.version,
        link=v.claim))
    return _outcome(request, v, answer, outcome, now)


def _outcome(request: web.Request, v: Visitor, answer: answers.Answer, outcome: Outcome,
             now: datetime) -> web.Response:
    why, after = outcome.why, outcome.incident
    if why is Why.OK and after is not None:
        if after.state is State.RESOLVED and answer.action not in (Action.NOTE, Action.RESOLVE):
            return _closed(request, v, after, why)  # closed by someone else meanwhile
        return _done(request, v, after, answers.confirmation(
            v.lang, answer, after, v.claim.party, v.tz, now, list(outcome.escalated_to)))
    if why is Why.DEMOTED and after is not None:  # the ladder already passed them
        return _done(request, v, after, t(v.lang, "confirm.not_current"), why)
    if outcome.kind in (Kind.CONFLICT, Kind.NOOP) and after is not None:
        if after.state is State.RESOLVED:  # nothing was changed: say what it is now
            return _closed(request, v, after, why)
        state = t(v.lang, f"state.{after.state.value}")
        return _reply(request, v, "page.changed", 409, after, why, state=state)
    if why is Why.TOO_MANY and outcome.wait is not None:
        return _too_many(request, v, outcome.wait, answer.action is Action.NOTE)
    key, status = _SAID.get(why, ("page.bad_form", 400))
    return _reply(request, v, key, status, None, why)


_SAID = {Why.VIEWER: ("reg.refused", 403), Why.NOT_YOURS: ("answer.not_yours", 403),
         Why.PARTY_REMOVED: ("page.link_revoked", 403), Why.NOT_FOUND: ("page.not_found", 404),
         Why.LINK_REVOKED: ("page.not_found", 404)}


async def _fields(request: web.Request) -> Mapping[str, Any]:
    if request.content_type == "application/json":
        try:
            data = await request.json()
        except ValueError:
            return {}
        return {k: str(x) for k, x in data.items() if x is not None} \
            if isinstance(data, dict) else {}
    return await request.post()


def _wants_json(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def _json(data: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(data, status=status, headers=PAGE_HEADERS)


def _reply(request: web.Request, v: Visitor, key: str, status: int,
           incident: Incident | None = None, why: Why | None = None,
           **values: object) -> web.Response:
    text = t(v.lang, key, **values)
    if _wants_json(request):
        extra = {"incident": incident.id, "state": incident.state.value} if incident else {}
        if why is not None:  # the guard's reason code, for machines
            extra["outcome"] = why.value
        return _json({"error": text, **extra}, status)
    return message_page(v.lang, t(v.lang, "page.title"), text, status)


def _too_many(request: web.Request, v: Visitor, wait: timedelta, note: bool) -> web.Response:
    """429 with the reason in the reader's language, and when to try again."""
    minutes = max(1, -(-int(wait.total_seconds()) // 60))
    key = "page.note_limit" if note else "answer.too_many"
    resp = _reply(request, v, key, 429, None, Why.TOO_MANY, minutes=minutes)
    resp.headers["Retry-After"] = str(max(1, int(wait.total_seconds())))
    return resp


def _closed(request: web.Request, v: Visitor, incident: Incident, why: Why = Why.CLOSED
            ) -> web.Response:
    state = t(v.lang, f"state.{incident.state.value}")
    text = t(v.lang, "page.closed", state=state)
    if _wants_json(request):
        return _json({"error": text, "incident": incident.id, "state": incident.state.value,
                      "outcome": why.value}, 409)
    return html_page("ack_closed.html", v.lang, t(v.lang, "page.title"),
                     heading=code_label(v.lang, incident.code), text=text, back=request.path)


def _done(request: web.Request, v: Visitor, incident: Incident, said: str,
          why: Why = Why.OK) -> web.Response:
    """The answer confirmed in plain words, and what the alarm's state is now."""
    if _wants_json(request):
        return _json({"incident": incident.id, "state": incident.state.value,
                      "message": said, "outcome": why.value})
    return html_page("ack_done.html", v.lang, t(v.lang, "page.title"),
                     heading=code_label(v.lang, incident.code), said=said,
                     state=t(v.lang, f"state.{incident.state.value}"), back=request.path)


# -- the incident page ------------------------------------------------------------

def incident_page(v: Visitor, inc: Incident, timeline: list[dict[str, Any]]
                  ) -> web.Response:
    """The alarm, what was promised, the answers, who was told and what happened
    (laid out by templates/ack_incident.html)."""
    lang, heading = v.lang, code_label(v.lang, inc.code)
    closed = ""
    if inc.state is State.RESOLVED:
        closed = t(lang, "page.closed", state=t(lang, f"state.{inc.state.value}"))
    history, refused = _timeline(v, timeline)
    return html_page(
        "ack_incident.html", lang, heading, heading=heading, inc=inc, facts=_facts(v, inc),
        name=v.name, closed=closed,
        forms=[] if closed else answers.forms(lang, inc, v.max_snooze), max_note=MAX_NOTE,
        contacted=_contacted(v, timeline), history=history, refused=refused)


Fact = tuple[str, str, str]  # label ("" for none), text, kind ("", "state" or "safety")


def _facts(v: Visitor, inc: Incident) -> list[Fact]:
    lang = v.lang
    rows: list[Fact] = []
    if inc.point:
        rows.append((t(lang, "label.where"), inc.point, ""))
    rows.append((t(lang, "label.since"), local_time(inc.opened_at, v.tz, v.lang), ""))
    rows.append((t(lang, "label.state"), t(lang, f"state.{inc.state.value}"), "state"))
    rows += _promises(v, inc)
    if inc.count > 1:
        rows.append(("", tn(lang, "label.count", inc.count, count=inc.count), ""))
    if inc.reopened:
        rows.append(("", tn(lang, "label.reopened", inc.reopened, n=inc.reopened), ""))
    if inc.safety:
        causes = ", ".join(t(lang, f"safety.{c}") for c in dict.fromkeys(inc.safety))
        rows.append((t(lang, "label.safety"), causes, "safety"))
    return rows


def _promises(v: Visitor, inc: Incident) -> list[Fact]:
    """What the taker or the caller of a false alarm promised, and by when it is checked."""
    lang, rows = v.lang, []
    if inc.acked_by and inc.state is State.ACKNOWLEDGED:
        rows.append((t(lang, "label.taken_by"), scrub(inc.acked_by), ""))
        if inc.eta:
            rows.append((t(lang, "label.eta"), local_time(inc.eta, v.tz, lang), ""))
        if inc.ack_deadline:
            rows.append((t(lang, "label.ack_deadline"),
                         local_time(inc.ack_deadline, v.tz, lang), ""))
    if inc.false_alarm_deadline and inc.state in WAITING_FOR_CLEAR:
        if inc.clear_promised_by and inc.clear_promised_by != inc.false_alarm_deadline:
            rows.append((t(lang, "label.promised"),
                         local_time(inc.clear_promised_by, v.tz, lang), ""))
        rows.append((t(lang, "label.clear_by"),
                     local_time(inc.false_alarm_deadline, v.tz, lang), ""))
    return rows


def _contacted(v: Visitor, timeline: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Everyone the ladder has told so far, with when they were last told."""
    last: dict[str, str] = {}
    for entry in timeline:
        if entry["reason"] in CONTACT_REASONS and entry["party"]:
            last.pop(entry["party"], None)  # keep the order of the latest contact
            last[entry["party"]] = entry["at"]
    return [(v.names.get(p, p), _when(v, at)) for p, at in last.items()]


def _timeline(v: Visitor, timeline: list[dict[str, Any]]
              ) -> tuple[list[tuple[str, str]], str]:
    """The latest history, newest first, and a line counting refused attempts: they are
    counted, not listed, so a stranger pressing buttons cannot push the real history off
    the page."""
    refused = [e for e in timeline if e["reason"] == Reason.REFUSED.value]
    history = told_together([e for e in timeline if e["reason"] != Reason.REFUSED.value])
    lines = []
    for entry, parties in history[-TIMELINE_SHOWN:][::-1]:  # newest first: what one needs
        who = ", ".join(v.names.get(p, p) for p in parties)
        lines.append((_when(v, entry["at"]),
                      scrub(" – ".join(x for x in (who, _entry_text(v, entry)) if x))))
    said = tn(v.lang, "page.refused_count", len(refused), count=len(refused),
              last=_when(v, refused[-1]["at"])) if refused else ""
    return lines, said


def _entry_text(v: Visitor, entry: dict[str, Any]) -> str:
    """The reason and its parameters, in the reader's words."""
    return explain(v.lang, entry["reason"], entry["detail"] or "", tz=v.tz, now=v.now,
                   timeline=True)


def _when(v: Visitor, stored: str) -> str:
    at = dt(stored)
    return local_time(at, v.tz, v.lang) if at else ""
