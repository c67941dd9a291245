"""`http` keys about who may act: named API tokens, the snooze limit, key rotation.

    http:
      max_snooze: 4h                  # the longest snooze any entry point accepts
      previous_secret_env: OLD_KEY    # after a rotation: links signed with it still work
      api_tokens:
        - {name: "Nurse Anna", token_env: ANNA_TOKEN, role: operator}
        - {name: Board, token_env: BOARD_TOKEN, role: viewer}

A token's `name` is what the timeline records as `by` for every action taken
with it; the request body cannot claim another name. Without `api_tokens`,
the older `api_token_env` is one operator token named "operator"; with them,
it still is when the file writes it out (`HttpConfig.tokens`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from escalator.config.model import API_ROLES, ApiToken
from escalator.config.problem import phrase
from escalator.config.validators import At, Problems, choice, duration, env_name, mapping, text

TOKEN_KEYS = ("name", "token_env", "role")
MIN_SNOOZE = timedelta(minutes=15)  # the shortest snooze offered anywhere


def parse_access(problems: Problems, at: At) -> dict[str, Any]:
    """The access keys of `http`, as HttpConfig fields (absent keys keep the defaults)."""
    found: dict[str, Any] = {}
    snooze_at = at.key("max_snooze")
    if snooze_at is not None:
        limit = duration(problems, snooze_at)
        if limit is not None and limit < MIN_SNOOZE:
            problems.bad(snooze_at, phrase("cfg.want.snooze_limit"))
        elif limit is not None:
            found["max_snooze"] = limit
    previous_at = at.key("previous_secret_env")
    if previous_at is not None and previous_at.value is not None:
        found["previous_secret_env"] = env_name(problems, previous_at)
    tokens_at = at.key("api_tokens")
    if tokens_at is not None and tokens_at.value is not None:
        found["api_tokens"] = _tokens(problems, tokens_at)
    return found


def _tokens(problems: Problems, at: At) -> tuple[ApiToken, ...]:
    if not isinstance(at.value, list):
        problems.bad(at, phrase("cfg.want.api_tokens"))
        return ()
    tokens, names = [], set()
    for item in at.items():
        if mapping(problems, item, TOKEN_KEYS, ("name", "token_env")) is None:
            continue
        name = _get(problems, item, "name", text)
        env = _get(problems, item, "token_env", env_name)
        role = _get(problems, item, "role", lambda p, a: choice(p, a, API_ROLES)) or "operator"
        if name in names:
            problems.error(item, "cfg.token_name_twice", name=repr(name))
        if name and env:
            names.add(name)
            tokens.append(ApiToken(name.strip(), env, role))
    return tuple(tokens)


def _get(problems: Problems, at: At, key: str, check: Callable[[Problems, At], Any]) -> Any:
    sub = at.key(key)
    return None if sub is None else check(problems, sub)


def access_schema(ref: Callable[[str], dict[str, str]]) -> dict[str, Any]:
    """The JSON Schema of these keys, for editors."""
    return {
        "max_snooze": {**ref("duration"), "default": "4h",
                       "description": "The longest snooze any link, button or API call "
                                      "accepts (choices above it are not offered)."},
        "previous_secret_env": {**ref("env"),
                                "description": "After rotating secret_env: the old key's "
                                               "variable; links it signed keep working "
                                               "until they expire."},
        "api_tokens": {
            "type": "array",
            "description": "Named operator-API tokens; `by` is taken from the token's name.",
            "items": {"type": "object", "additionalProperties": False,
                      "required": ["name", "token_env"],
                      "properties": {
                          "name": {"type": "string", "minLength": 1},
                          "token_env": ref("env"),
                          "role": {"enum": list(API_ROLES), "default": "operator"}}}},
    }
