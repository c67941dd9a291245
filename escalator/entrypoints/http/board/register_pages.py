"""The safety register on the board: the list, one record, and a manager's note and closing.

A record reads as the weekly summary says it (`reports.safety_text.as_record`: the
same prose, in the reader's language, ways of sending in words, never
"log:telegram"), with its date and time in the facility's zone, open or closed,
who was contacted and what came of it, what and where, and every message it is
about, the request to clear the alarm at the terminal included. Managers and
viewers read it (`REGISTER_ROLES`); only a manager writes a note or closes it
(`REGISTER_WRITERS`), through forms that carry the session's CSRF token like the
board's other forms, recorded under the signed-in name in the audit log.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from escalator.domain import bounds
from escalator.domain.permits import Refusal
from escalator.domain.register import SafetyView
from escalator.entrypoints.http.board.auth import REGISTER_ROLES, REGISTER_WRITERS, Session
from escalator.entrypoints.http.board.pages import forbidden, language, render, say, signed_in
from escalator.entrypoints.http.board.texts import bt
from escalator.entrypoints.http.keys import CONTEXT, REGISTER
from escalator.i18n import code_label, t
from escalator.reports.safety_text import as_record, cause_text, local
from escalator.usecases.register import Close, Note, Page, Register

MAX_TEXT = 4000  # as the API's notes and closing
PAGE = 200  # the newest records the register page shows
DONE = {"note": "reg.board.noted", "close": "reg.board.closed_done"}


def setup(web_app: web.Application) -> None:
    r = web_app.router
    r.add_get("/board/safety", register)
    r.add_get("/board/safety/{id}", record)
    r.add_post("/board/safety/{id}/note", note)
    r.add_post("/board/safety/{id}/close", close)


def _register(request: web.Request) -> Register:
    return request.app[REGISTER]


def _names(request: web.Request) -> dict[str, str]:
    return {pid: p.name for pid, p in request.app[CONTEXT].config.parties.items()}


def summary(v: SafetyView, lang: str, tz: str, names: dict[str, str]) -> dict[str, Any]:
    """One line of the list: when (date and time), open or closed, what, where, who."""
    who = "; ".join(f"{names.get(p.party, p.party)}: {t(lang, f'reg.outcome.{p.outcome}')}"
                    for p in v.parties)
    return {"id": v.safety.id, "incident": v.incident.id, "when": local(v.safety.at, tz, lang),
            "state": v.state, "state_words": t(lang, f"reg.state.{v.state}"),
            "what": code_label(lang, v.incident.code), "where": v.incident.point or "–",
            "cause": cause_text(lang, v.safety.cause, v.safety.detail, tz), "who": who or "–"}


@signed_in
async def register(request: web.Request, session: Session) -> web.Response:
    if session.role not in REGISTER_ROLES:
        return forbidden(request, session)
    lang, config = language(request, session), request.app[CONTEXT].config
    views = await _register(request).page(Page(limit=PAGE))
    names, tz = _names(request), config.facility.timezone
    return render(request, "safety.html", session,
                  records=[summary(v, lang, tz, names) for v in views])


@signed_in
async def record(request: web.Request, session: Session) -> web.Response:
    return await show(request, session)


async def show(request: web.Request, session: Session, said: str = "", status: int = 200,
               bad: bool = False) -> web.Response:
    if session.role not in REGISTER_ROLES:
        return forbidden(request, session)
    lang = language(request, session)
    v = await _one(request)
    if v is None:
        return say(request, session, bt(lang, "not_found"), 404)
    done = DONE.get(request.query.get("done", ""))
    if done and not said:
        said = bt(lang, done)
    tz, names = request.app[CONTEXT].config.facility.timezone, _names(request)
    return render(request, "safety_record.html", session, status, v=v,
                  line=summary(v, lang, tz, names), rec=as_record(v, lang, tz, names),
                  can_write=session.role in REGISTER_WRITERS, said=said, bad=bad,
                  max_text=MAX_TEXT, notes=[(local(n.at, tz, lang), n.by, n.note)
                                            for n in v.notes],
                  closed_at=local(v.review.closed_at, tz, lang) if v.review else "")


async def _one(request: web.Request) -> SafetyView | None:
    try:
        safety_id = bounds.row_id(request.match_info["id"], "safety record id")
    except bounds.BadInput:
        return None
    return await _register(request).record(safety_id)


def _text(form: Any, name: str) -> str | None:
    """A field of the form, stripped; None when a store could not keep it or it is too long."""
    value = str(form.get(name, "")).replace("\r\n", "\n").strip()
    if len(value) > MAX_TEXT or bounds.unstorable(value):
        return None
    return value


@signed_in
async def note(request: web.Request, session: Session) -> web.StreamResponse:
    if session.role not in REGISTER_WRITERS:
        return forbidden(request, session)
    lang = language(request, session)
    v = await _one(request)
    if v is None:
        return say(request, session, bt(lang, "not_found"), 404)
    text = _text(await request.post(), "note")
    if not text:
        return await show(request, session, bt(lang, "reg.board.bad"), 400, bad=True)
    done = await _register(request).note(Note(session.name, session.role, v.safety.id, text))
    if done.refusal is Refusal.ROLE:
        return forbidden(request, session)
    raise web.HTTPSeeOther(f"/board/safety/{v.safety.id}?done=note")


@signed_in
async def close(request: web.Request, session: Session) -> web.StreamResponse:
    if session.role not in REGISTER_WRITERS:
        return forbidden(request, session)
    lang = language(request, session)
    v = await _one(request)
    if v is None:
        return say(request, session, bt(lang, "not_found"), 404)
    form = await request.post()
    cause, measures = _text(form, "cause"), _text(form, "measures")
    if not cause or measures is None:
        return await show(request, session, bt(lang, "reg.board.bad"), 400, bad=True)
    done = await _register(request).close(
        Close(session.name, session.role, v.safety.id, cause, measures))
    if done.refusal is Refusal.ROLE:
        return forbidden(request, session)
    if done.refusal is Refusal.CLOSED:
        return await show(request, session, bt(lang, "reg.board.already"), 409, bad=True)
    raise web.HTTPSeeOther(f"/board/safety/{v.safety.id}?done=close")
