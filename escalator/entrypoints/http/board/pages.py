"""The board's pages: sign-in, open alarms (live), one alarm, on duty, safety register.

Every page but the sign-in page needs a session; every POST needs the
session's CSRF token; answers go through the answer use case and its guards
exactly like the ack page and Telegram, recorded under the signed-in person's
name and credited to their ward (`board_actor`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape

from escalator.domain import bounds
from escalator.domain.guards import (
    ARRIVAL_CHOICES,
    DEFAULT_SNOOZE,
    Actor,
    Door,
    Kind,
    Role,
    Why,
    snooze_choices,
    version,
    whole_minutes,
)
from escalator.domain.limits import NOTES_PER_INCIDENT
from escalator.domain.model import Action, Incident, Reason, State
from escalator.entrypoints.http import answers
from escalator.entrypoints.http.board import duty, listing, rows
from escalator.entrypoints.http.board.auth import (
    REGISTER_ROLES,
    Session,
    find_user,
    same,
)
from escalator.entrypoints.http.board.editor_chrome import chrome
from escalator.entrypoints.http.board.picture import Call, Mark, picture
from escalator.entrypoints.http.board.state import BoardState
from escalator.entrypoints.http.board.texts import LANGS, bt, cover_said, local
from escalator.entrypoints.http.keys import ANSWERING, BOARD, CONTEXT, COVERING, QUERIES
from escalator.entrypoints.http.views import told_together
from escalator.i18n import code_label
from escalator.i18n.explain import explain
from escalator.usecases.answering import Command
from escalator.usecases.shapes import Sent, Story, when

COOKIE = "escalator_board"
LANG_COOKIE = "escalator_lang"
MAX_NOTE = answers.MAX_NOTE
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; script-src 'self'; "
                               "connect-src 'self'; img-src 'self' data:; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
}
ACTIONS = {"acknowledge": Action.ACKNOWLEDGE, "escalate": Action.ESCALATE,
           "false_alarm": Action.FALSE_ALARM, "resolve": Action.RESOLVE,
           "snooze": Action.SNOOZE, "note": Action.NOTE, "en_route": Action.EN_ROUTE,
           "on_site": Action.ON_SITE}
TIMED = (Action.SNOOZE, Action.EN_ROUTE, Action.ON_SITE)  # may carry minutes
MARKS = {Reason.ACKED.value: "act.take", Reason.FALSE_ALARM.value: "act.false_alarm",
         Reason.RESOLVED.value: "act.resolve", Reason.CLEARED.value: "state.resolved",
         Reason.SNOOZED.value: "state.snoozed", Reason.AWAITING_CLEAR.value: "act.resolve",
         Reason.EN_ROUTE.value: "act.en_route", Reason.ON_SITE.value: "act.on_site"}

_ENV = Environment(loader=PackageLoader("escalator.entrypoints.http.board", "templates"),
                   autoescape=select_autoescape(default=True), trim_blocks=True,
                   lstrip_blocks=True)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def board_state(request: web.Request) -> BoardState:
    return request.app[BOARD]


# -- helpers ----------------------------------------------------------------------

def language(request: web.Request, session: Session | None) -> str:
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGS:
        return chosen
    if session and session.lang in LANGS:
        return session.lang
    return request.app[CONTEXT].config.facility.language


def render(request: web.Request, template: str, session: Session | None, status: int = 200,
           **values: Any) -> web.Response:
    lang = language(request, session)
    text = _ENV.get_template(template).render(
        lang=lang, t=lambda key, **kw: bt(lang, key, **kw), session=session,
        path=request.path, has_outbox=board_state(request).outbox is not None,
        register_roles=REGISTER_ROLES,
        editor=chrome(request, session.role if session else None, lang), **values)
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8",
                        headers=HEADERS)


def say(request: web.Request, session: Session | None, message: str, status: int
        ) -> web.Response:
    return render(request, "message.html", session, status, message=message)


def current(request: web.Request) -> Session | None:
    """The request's session, checked against the users of the config in force."""
    app = request.app[CONTEXT]
    users = app.config.board.users if app.config.board else ()
    return board_state(request).sessions.get(request.cookies.get(COOKIE), app.clock.now(),
                                             users)


def signed_in(handler: Callable[[web.Request, Session], Awaitable[web.StreamResponse]]
              ) -> Handler:
    """Pages: without a session, to the sign-in page (and back here afterwards)."""
    async def wrapped(request: web.Request) -> web.StreamResponse:
        session = current(request)
        if session is None:
            if request.method == "GET" and "text/event-stream" not in \
                    request.headers.get("Accept", ""):
                raise web.HTTPSeeOther(f"/board/login?next={request.path_qs}")
            return web.Response(status=401, text="sign in first", headers=HEADERS)
        if request.method == "POST":
            form = await request.post()
            token = form.get("csrf")
            if not isinstance(token, str) or not same(token, session.csrf):
                return say(request, session, bt(language(request, session), "csrf"), 403)
        return await handler(request, session)
    return wrapped


def forbidden(request: web.Request, session: Session) -> web.Response:
    return say(request, session, bt(language(request, session), "forbidden"), 403)


def safe_next(value: object) -> str:
    """Only our own pages: never an open redirect to another site."""
    if isinstance(value, str) and value.startswith("/board") and "//" not in value \
            and "\\" not in value:
        return value
    return "/board/"


def cookie_secure(request: web.Request) -> bool:
    """Cookies are `Secure` when this request came over TLS, and whenever the service's
    public address is https (a reverse proxy in front speaks TLS to the browser, plain
    HTTP to us): a browser then never sends the session over plain HTTP on the LAN."""
    public = request.app[CONTEXT].config.http.public_url
    return request.secure or public.lower().startswith("https://")


def set_session_cookie(response: web.StreamResponse, token: str, max_age: int,
                       secure: bool) -> None:
    response.set_cookie(COOKIE, token, max_age=max_age, httponly=True, samesite="Strict",
                        path="/", secure=secure)


async def choose_language(request: web.Request) -> web.Response:
    """A preference, not an action: a cookie and back to where the reader was."""
    lang = request.match_info["lang"]
    response = web.HTTPSeeOther(safe_next(request.query.get("next")))
    if lang in LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="Lax", path="/")
    raise response


# -- open alarms (the live stream is in `live`) ---------------------------------------

@signed_in
async def board(request: web.Request, session: Session) -> web.Response:
    lang, queries = language(request, session), request.app[QUERIES]
    found, holds = await listing.open_incidents(queries)
    shown = listing.list_html(found, queries, lang, request.app[CONTEXT].now(), holds)
    return render(request, "board.html", session, listing=shown)


# -- one alarm --------------------------------------------------------------------

async def _incident(request: web.Request) -> Story | None:
    try:
        incident_id = bounds.row_id(request.match_info["id"], "incident id")
    except bounds.BadInput:  # "²", or more digits than an id can have: no such alarm
        return None
    return await request.app[QUERIES].story(incident_id)


@signed_in
async def incident_page(request: web.Request, session: Session) -> web.Response:
    """The alarm; after an action (POST, then redirect here) with what was saved."""
    lang = language(request, session)
    done = ACTIONS.get(request.query.get("done", ""))
    if done is None:
        return await show_incident(request, session)
    minutes = bounds.whole_or_none(request.query.get("minutes"), "minutes", 1, bounds.MAX_MINUTES)
    words = _action_words(lang, done, minutes)  # "²" was a 500 here: now the default's words
    return await show_incident(request, session, bt(lang, "act.done", action=words))


async def show_incident(request: web.Request, session: Session, said: str = "",
                        status: int = 200, bad: bool = False) -> web.Response:
    app = request.app[CONTEXT]
    lang = language(request, session)
    story = await _incident(request)
    if story is None:
        return say(request, session, bt(lang, "not_found"), 404)
    incident, timeline, deliveries = story.incident, story.timeline, story.deliveries
    now, config = app.clock.now(), app.config
    tz = config.facility.timezone
    names = {pid: p.name for pid, p in config.parties.items()}
    # a maintenance window holds it: the page says so, with the window
    hold = await request.app[QUERIES].hold(incident.id)
    entries = [{"when": local(at, tz, now, lang) if (at := when(e["at"])) else "",
                "who": ", ".join(names.get(p, p) for p in parties),
                "text": explain(lang, e["reason"], e["detail"] or "", tz=tz, now=now,
                                timeline=True),
                "reason": e["reason"]} for e, parties in reversed(told_together(timeline))]
    return render(
        request, "incident.html", session, status,
        inc=incident,
        row=rows.row(incident, config, request.app[QUERIES].directory, lang, now, hold),
        entries=entries, svg=_picture(incident, timeline, deliveries, config, lang, now),
        said=said, bad=bad, snoozes=snooze_choices(config.http.max_snooze),
        arrivals=ARRIVAL_CHOICES,
        version=version(incident),
        is_open=incident.state is not State.RESOLVED, max_note=MAX_NOTE,
        allowed=rows.actions(incident),
        label=code_label(lang, incident.code))


def _picture(inc: Incident, timeline: list[dict[str, Any]], deliveries: list[Sent],
             config: Any, lang: str, now: datetime) -> str:
    ladder = config.ladders.get(inc.ladder)
    directory_name = {pid: p.name for pid, p in config.parties.items()}
    steps = [f"{n}. " + ", ".join(directory_name.get(p, p) for p in s.notify)
             for n, s in enumerate(ladder.steps if ladder else (), 1)]
    steps.append(bt(lang, "ladder.exhausted"))
    calls = [Call(d.created_at, len(steps) - 1 if d.step is None else d.step,
                  directory_name.get(d.party, d.party), d.reason == Reason.RENOTIFY.value)
             for d in deliveries if not d.is_update]
    marks = [Mark(at, bt(lang, MARKS[e["reason"]]))
             for e in timeline if e["reason"] in MARKS and (at := when(e["at"]))]
    end = inc.resolved_at if inc.state is State.RESOLVED and inc.resolved_at else now
    return picture(steps, sorted(calls, key=lambda c: c.at), marks, inc.opened_at, end,
                   config.facility.timezone, bt(lang, "ladder.picture"),
                   bt(lang, "ladder.picture_desc"), bt(lang, "ladder.you_are_here"), lang)


def board_actor(request: web.Request, session: Session, door: Door = Door.BOARD) -> Actor:
    """The signed-in person, credited to their ward (`board.users[].party`): a nurse
    answers what that ward was told of, a manager every alarm, a viewer nothing."""
    config = request.app[CONTEXT].config
    user = find_user(config.board.users, session.name) if config.board else None
    party = user.party if user else None
    role = {"nurse": Role.NURSE, "manager": Role.MANAGER}.get(session.role, Role.VIEWER)
    return Actor(door, session.name, party, role,
                 scope=party if role is Role.NURSE else None)


@signed_in
async def act(request: web.Request, session: Session) -> web.Response:
    """The incident page's forms: a command for the answer use case, its outcome shown."""
    lang = language(request, session)
    form = await request.post()
    action = ACTIONS.get(str(form.get("action", "")))
    story = await _incident(request)
    if story is None:
        return say(request, session, bt(lang, "not_found"), 404)
    incident = story.incident
    try:
        given = form.get("minutes")
        minutes = whole_minutes(given) if action is Action.SNOOZE or (
            action in TIMED and given not in (None, "")) else None
    except bounds.BadInput:
        action = None
    note = str(form.get("note", "")).replace("\r\n", "\n").strip()[:MAX_NOTE]
    if action is None or (action is Action.NOTE and not note) or bounds.unstorable(note):
        said = bt(lang, "page.bad_input" if bounds.unstorable(note) else "act.bad")  # NUL
        return await show_incident(request, session, said, 400, bad=True)
    seen = form.get("version")
    outcome = await request.app[ANSWERING].answer(Command(
        board_actor(request, session), incident.id, action, minutes=minutes, note=note,
        version=seen if isinstance(seen, str) else None))
    if outcome.kind is Kind.NOOP:  # the same answer again: nothing new, nobody told
        return await show_incident(request, session, bt(lang, "answer.repeat"))
    if outcome.kind is Kind.DONE:
        suffix = f"&minutes={minutes}" if minutes else ""
        raise web.HTTPSeeOther(f"/board/incidents/{incident.id}?done={action.value}{suffix}")
    if outcome.kind is Kind.REFUSED:
        return forbidden(request, session)
    if outcome.why is Why.TOO_MANY and outcome.wait is not None:
        minutes_left = max(1, -(-int(outcome.wait.total_seconds()) // 60))
        return await show_incident(request, session, bt(lang, "answer.too_many",
                                                        minutes=minutes_left), 429, bad=True)
    if outcome.why is Why.NOTES_FULL:
        return await show_incident(request, session, bt(lang, "answer.notes_full",
                                                        count=NOTES_PER_INCIDENT), 400, bad=True)
    if outcome.why is Why.BAD_TIME:
        return await show_incident(request, session, bt(lang, "page.need_time"), 400, bad=True)
    if outcome.kind is Kind.CONFLICT:
        now = outcome.incident or incident
        state = bt(lang, f"state.{now.state.value}")
        return await show_incident(request, session, bt(lang, "act.refused", state=state),
                                   409, bad=True)
    return await show_incident(request, session, bt(lang, "act.bad"), 400, bad=True)


def _action_words(lang: str, action: Action, minutes: int | None) -> str:
    if action is Action.SNOOZE:
        return bt(lang, "act.snooze", duration=duration(lang, minutes or DEFAULT_SNOOZE))
    if action is Action.EN_ROUTE:
        return bt(lang, "button.en_route", duration=duration(lang, minutes or 60))
    key = {Action.ON_SITE: "act.on_site", Action.ACKNOWLEDGE: "act.take",
           Action.ESCALATE: "act.pass_on", Action.FALSE_ALARM: "act.false_alarm",
           Action.RESOLVE: "act.resolve", Action.NOTE: "act.note"}[action]
    return bt(lang, key)


def duration(lang: str, minutes: int) -> str:
    return bt(lang, "unit.h", n=minutes // 60) if minutes % 60 == 0 \
        else bt(lang, "unit.min", n=minutes)


# -- on duty (the safety register: register_pages) ---------------------------------------

@signed_in
async def oncall(request: web.Request, session: Session) -> web.Response:
    app, covering = request.app[CONTEXT], request.app[COVERING]
    now, config, directory = app.clock.now(), app.config, await covering.directory()
    tz, lang = config.facility.timezone, language(request, session)
    roster_duty = duty.rosters(config, directory, now)
    ladder_duty = duty.ladders(config, directory, now)
    gaps = sum(d.gap for d in roster_duty) + sum(ld.gap for ld in ladder_duty)
    return render(request, "oncall.html", session, rosters=roster_duty, ladders=ladder_duty,
                  gaps=gaps, when=lambda at: local(at, tz, now, lang),
                  covers=await covering.listed(), said=cover_said(request.query.get("cover")),
                  people=sorted(((p.name, pid) for pid, p in config.parties.items()
                                 if p.role != "viewer")))


async def root(request: web.Request) -> web.Response:
    raise web.HTTPSeeOther("/board/")
