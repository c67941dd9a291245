"""Named bearer tokens for the operator API: who is calling, and may they act.

Each token in `http.api_tokens` belongs to one person or system and has a
role: `operator` reads and acts, `viewer` only reads. The name recorded as
`by` for an action is the token's, so a caller cannot claim to be the
terminal or a colleague. Tokens are compared in constant time, every one of
them on every request, so timing does not tell which names exist.
"""

from __future__ import annotations

import hmac

from aiohttp import web

from escalator.config.model import ApiToken
from escalator.entrypoints.http.keys import CONTEXT
from escalator.entrypoints.http.views import BEARER_CHALLENGE, ApiError

OPERATOR, VIEWER = "operator", "viewer"


def caller(request: web.Request) -> ApiToken | None:
    """The token this request carries, if it is one of the configured ones."""
    context = request.app[CONTEXT]
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    given = given.strip()
    if scheme.lower() != "bearer" or not given:
        return None
    found = None
    for token in context.config.http.tokens():
        expected = context.secret(token.token_env)
        if expected and hmac.compare_digest(given.encode(), expected.encode()):
            found = found or token
    return found


def require(request: web.Request, role: str = VIEWER) -> ApiToken:
    """The caller's token; 401 without a valid one, 403 when a viewer tries to act."""
    token = caller(request)
    if token is None:
        raise ApiError(401, "missing or wrong operator token", headers=BEARER_CHALLENGE)
    if role == OPERATOR and token.role != OPERATOR:
        raise may_not_act(token)
    return token


def may_not_act(token: ApiToken) -> ApiError:
    """403 for a token whose role a command refused (`domain/permits.py`)."""
    return ApiError(403, f"the token {token.name!r} is a viewer token: it may read, "
                         "not act; ask for an operator token", role=token.role)
