"""Signing in and out of the board: the form, the demo's one-time link, sign-out.

A sign-in is counted before its password is checked (`escalator.domain.signin`:
growing waits per address and per name, never a lock-out of the name's owner),
and the argon2 check runs on its own small pool (`auth.check`), so a storm of
guesses neither gets past the count nor holds up e-mail intake's threads.
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from escalator.entrypoints.http.board import login_csrf
from escalator.entrypoints.http.board.auth import Session, check, find_user
from escalator.entrypoints.http.board.pages import (
    COOKIE,
    board_state,
    cookie_secure,
    current,
    language,
    render,
    safe_next,
    say,
    set_session_cookie,
    signed_in,
)
from escalator.entrypoints.http.board.texts import bt, tn
from escalator.entrypoints.http.keys import CONTEXT

# -- sign-in ----------------------------------------------------------------------

async def login_page(request: web.Request) -> web.Response:
    session = current(request)
    if session is not None:
        raise web.HTTPSeeOther(safe_next(request.query.get("next")))
    return _login_form(request, "", 200)


def _login_form(request: web.Request, error: str, status: int,
                headers: dict[str, str] | None = None) -> web.Response:
    config = request.app[CONTEXT].config
    no_users = not (config.board and config.board.users)
    csrf = login_csrf.token(request)
    response = render(request, "login.html", None, status, error=error,
                      next=safe_next(request.query.get("next")), no_users=no_users, csrf=csrf)
    login_csrf.remember(response, csrf, cookie_secure(request))
    response.headers.update(headers or {})
    return response


async def login(request: web.Request) -> web.Response:
    app, state = request.app[CONTEXT], board_state(request)
    lang = language(request, None)
    form = await request.post()
    if not login_csrf.valid(request, form.get("csrf")):  # before counting it as an attempt
        return _login_form(request, bt(lang, "csrf"), 403)
    name = str(form.get("name", ""))[:200]
    password = str(form.get("password", ""))[:1000]
    now = app.clock.now()
    address, account = request.remote or "-", name.strip().casefold()
    wait = state.limiter.begin(address, account, now)  # counted now, before the hash
    if wait is not None:
        minutes = max(1, int(wait.total_seconds() // 60) + 1)
        return _login_form(request, tn(lang, "login.slow", minutes, minutes=minutes), 429,
                           {"Retry-After": str(int(wait.total_seconds()) + 1)})
    users = app.config.board.users if app.config.board else ()
    user = find_user(users, name)
    stored = app.secret(user.password_hash_env) if user else None
    ok = await check(stored, password)
    if not ok or user is None:  # counted already
        return _login_form(request, bt(lang, "login.bad"), 401)
    state.limiter.succeeded(address, account)
    ttl = app.config.board.session_ttl if app.config.board else None
    assert ttl is not None
    token = state.sessions.start(user.name, user.role, now, ttl)
    response = web.HTTPSeeOther(safe_next(form.get("next")))
    set_session_cookie(response, token, int(ttl.total_seconds()), cookie_secure(request))
    raise response


async def login_once(request: web.Request) -> web.Response:
    """The demo's one-time link: signs in and forgets the token."""
    app, state = request.app[CONTEXT], board_state(request)
    now = app.clock.now()
    found = state.sessions.redeem(request.match_info["token"], now)
    if found is None:
        return say(request, None, bt(language(request, None), "login.expired"), 410)
    ttl = app.config.board.session_ttl if app.config.board else None
    ttl = ttl or timedelta(hours=12)
    token = state.sessions.start(found[0], found[1], now, ttl, from_config=False)
    response = web.HTTPSeeOther("/board/")
    set_session_cookie(response, token, int(ttl.total_seconds()), cookie_secure(request))
    raise response


@signed_in
async def logout(request: web.Request, session: Session) -> web.Response:
    board_state(request).sessions.end(request.cookies.get(COOKIE))
    response = web.HTTPSeeOther("/board/login")
    response.del_cookie(COOKIE, path="/")
    raise response
