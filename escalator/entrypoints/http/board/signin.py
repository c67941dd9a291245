"""Signing in and out of the board: the form, the demo's one-time link, sign-out.

The form is read into a sign-in command (escalator/usecases/signin.py), which counts
the attempt before its password is checked (`escalator.domain.signin`: growing waits
per address and per name, never a lock-out of the name's owner) and checks it on the
board's own small argon2 pool (`auth.check`), so a storm of guesses neither gets past
the count nor holds up e-mail intake's threads. This module sets the cookie or says
why not.
"""

from __future__ import annotations

from aiohttp import web

from escalator.domain.permits import Refusal
from escalator.entrypoints.http.board import login_csrf
from escalator.entrypoints.http.board.auth import Session
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
from escalator.entrypoints.http.keys import CONTEXT, SIGNING_IN
from escalator.usecases.signin import SignIn

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
    lang = language(request, None)
    form = await request.post()
    if not login_csrf.valid(request, form.get("csrf")):  # before counting it as an attempt
        return _login_form(request, bt(lang, "csrf"), 403)
    done = await request.app[SIGNING_IN].sign_in(SignIn(
        str(form.get("name", ""))[:200], str(form.get("password", ""))[:1000],
        request.remote or "-"))
    if done.refusal is Refusal.SLOW_DOWN and done.wait is not None:
        wait = done.wait
        minutes = max(1, int(wait.total_seconds() // 60) + 1)
        return _login_form(request, tn(lang, "login.slow", minutes, minutes=minutes), 429,
                           {"Retry-After": str(int(wait.total_seconds()) + 1)})
    if done.token is None or done.ttl is None:
        return _login_form(request, bt(lang, "login.bad"), 401)
    response = web.HTTPSeeOther(safe_next(form.get("next")))
    set_session_cookie(response, done.token, int(done.ttl.total_seconds()),
                       cookie_secure(request))
    raise response


async def login_once(request: web.Request) -> web.Response:
    """The demo's one-time link: signs in and forgets the token."""
    done = request.app[SIGNING_IN].once(request.match_info["token"])
    if done.token is None or done.ttl is None:
        return say(request, None, bt(language(request, None), "login.expired"), 410)
    response = web.HTTPSeeOther("/board/")
    set_session_cookie(response, done.token, int(done.ttl.total_seconds()),
                       cookie_secure(request))
    raise response


@signed_in
async def logout(request: web.Request, session: Session) -> web.Response:
    board_state(request).sessions.end(request.cookies.get(COOKIE))
    response = web.HTTPSeeOther("/board/login")
    response.del_cookie(COOKIE, path="/")
    raise response
