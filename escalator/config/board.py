"""The `board:` section: who may sign in to the web board, with which role.

A password never appears in the YAML: each user names an environment
variable holding an argon2 hash of it (`escalator board hash` prints one),
so the file can be shared, reviewed and kept in version control.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from escalator.config.problem import phrase
from escalator.config.validators import (
    At,
    Problems,
    choice,
    duration,
    env_name,
    mapping,
    reference,
    sequence,
    text,
)

BOARD_KEYS = ("users", "session_ttl")
USER_KEYS = ("name", "role", "password_hash_env", "party")
REQUIRED_USER_KEYS = ("name", "role", "password_hash_env")
ROLES = ("nurse", "manager", "viewer")
MIN_SESSION = timedelta(minutes=5)
MAX_SESSION = timedelta(days=7)


@dataclass(frozen=True)
class BoardUser:
    name: str  # what they type to sign in, and the name their actions are recorded under
    role: str  # nurse | manager | viewer
    password_hash_env: str
    # the ward (a party) this person works for: their board answers are that party's
    # (credited in the register and the weekly report), and a nurse answers only the
    # alarms that party was told of; None: credited to nobody, every alarm
    party: str | None = None


@dataclass(frozen=True)
class BoardConfig:
    users: tuple[BoardUser, ...] = ()
    session_ttl: timedelta = timedelta(hours=12)  # a shift, then sign in again


def parse_board(problems: Problems, at: At | None,
                party_ids: Collection[str] = ()) -> BoardConfig | None:
    if at is None or at.value is None:
        return None
    if mapping(problems, at, BOARD_KEYS, (),
               expected=phrase("cfg.want.board")) is None:
        return None
    users: list[BoardUser] = []
    users_at = at.key("users")
    if users_at is not None and sequence(problems, users_at,
                                         phrase("cfg.want.board_users")):
        seen: set[str] = set()
        for item in users_at.items():
            user = _user(problems, item, party_ids)
            if user is None:
                continue
            if user.name.casefold() in seen:
                problems.error(item, "cfg.user_twice", name=repr(user.name))
                continue
            seen.add(user.name.casefold())
            users.append(user)
    ttl = BoardConfig().session_ttl
    ttl_at = at.key("session_ttl")
    if ttl_at is not None:
        found = duration(problems, ttl_at)
        if found is not None and not MIN_SESSION <= found <= MAX_SESSION:
            problems.bad(ttl_at, phrase("cfg.want.session_ttl"))
        elif found is not None:
            ttl = found
    return BoardConfig(tuple(users), ttl)


def _user(problems: Problems, at: At, party_ids: Collection[str]) -> BoardUser | None:
    if mapping(problems, at, USER_KEYS, REQUIRED_USER_KEYS,
               expected=phrase("cfg.want.board_user")) is None:
        return None
    before = problems.count
    name_at = at.key("name")
    name = text(problems, name_at, phrase("cfg.want.user_name")) if name_at is not None else None
    role_at = at.key("role")
    role = choice(problems, role_at, ROLES) if role_at is not None else None
    env_at = at.key("password_hash_env")
    env = env_name(problems, env_at) if env_at is not None else None
    party_at = at.key("party")
    party = reference(problems, party_at, party_ids, "party") if party_at is not None else None
    if problems.count > before or not (name and role and env):
        return None
    return BoardUser(name, role, env, party)


def board_schema(ref: Any) -> dict[str, Any]:
    """The section's JSON Schema definitions (board, board_user); `ref` builds a $ref."""
    user = {
        "type": "object", "additionalProperties": False,
        "required": list(REQUIRED_USER_KEYS),
        "properties": {
            "name": {"type": "string", "description": "Sign-in name; actions are recorded "
                                                      "under it."},
            "role": {"enum": list(ROLES), "description": "nurse: acts on alarms; manager: "
                                                         "also the safety register; viewer: "
                                                         "reads only."},
            "password_hash_env": {**ref("env"), "description": "Environment variable with the "
                                                              "argon2 hash of the password."},
            "party": {"type": "string", "description": "The ward (a party) this person "
                      "works for: their answers count as that party's, and a nurse answers "
                      "only the alarms that party was told of."},
        },
    }
    return {"board_user": user, "board": {
        "type": "object", "additionalProperties": False,
        "description": "Who may sign in to the web board.",
        "properties": {
            "users": {"type": ["array", "null"], "items": ref("board_user")},
            "session_ttl": {**ref("duration"), "default": "12h",
                            "description": "Signed-in sessions expire after this."},
        },
    }}
