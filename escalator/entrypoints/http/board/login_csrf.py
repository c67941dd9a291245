"""CSRF for the sign-in form, which has no session yet to carry a token.

Double-submit: the sign-in page sets a random value in a cookie (HttpOnly,
SameSite=Strict) and the same value in the form; a sign-in POST is accepted
only when the two match. Another site can make a browser post the form, but
can neither read nor set our cookie, so it cannot send a matching pair (and
cannot sign a nurse's browser in to an account of its choosing).
"""

from __future__ import annotations

import re
import secrets

from aiohttp import web

from escalator.entrypoints.http.board.auth import same

COOKIE = "escalator_login_csrf"
_SHAPE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
MAX_AGE_S = 12 * 3600


def token(request: web.Request) -> str:
    """The value already in the reader's cookie (several tabs keep working), or a new one."""
    found = request.cookies.get(COOKIE, "")
    return found if _SHAPE.match(found) else secrets.token_urlsafe(32)


def remember(response: web.StreamResponse, value: str, secure: bool) -> None:
    response.set_cookie(COOKIE, value, max_age=MAX_AGE_S, httponly=True, samesite="Strict",
                        path="/board/login", secure=secure)


def valid(request: web.Request, sent: object) -> bool:
    found = request.cookies.get(COOKIE, "")
    return isinstance(sent, str) and bool(_SHAPE.match(found)) and same(sent, found)
