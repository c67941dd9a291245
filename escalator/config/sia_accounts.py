"""The `accounts` of a SIA DC-09 source: each panel account and its AES key by env name.

Apart from `sources.py` only to keep that module short; the check is unchanged.
"""

from __future__ import annotations

import re

from escalator.config.problem import phrase
from escalator.config.validators import At, Problems, boolean, env_name, mapping, sequence

ACCOUNT_KEYS = ("account", "key_env", "allow_unencrypted")
SIA_ACCOUNT = re.compile(r"^[0-9A-Fa-f]{3,16}$")


def accounts(problems: Problems, at: At) -> tuple[dict[str, str | bool | None], ...] | None:
    expected = phrase("cfg.want.sia_accounts")
    if not sequence(problems, at, expected, non_empty=True):
        return None
    accounts, seen = [], set()
    for item in at.items():
        if mapping(problems, item, ACCOUNT_KEYS, ("account",)) is None:
            continue
        acct_at = item.key("account")
        assert acct_at is not None
        value = acct_at.value
        account = str(value) if isinstance(value, int | str) and not isinstance(value, bool) \
            else None
        if account is None or not SIA_ACCOUNT.match(account):
            problems.bad(acct_at, phrase("cfg.want.sia_account"))
            continue
        if account.upper() in seen:
            problems.error(acct_at, "cfg.account_twice", account=repr(account))
            continue
        seen.add(account.upper())
        key_at = item.key("key_env")
        key_env = env_name(problems, key_at) if key_at is not None else None
        plain_at = item.key("allow_unencrypted")
        plain = boolean(problems, plain_at) if plain_at is not None else False
        if key_at is None and not plain:
            problems.warn(acct_at, "cfg.account_no_key", account=account)
        accounts.append({"account": account.upper(), "key_env": key_env,
                         "allow_unencrypted": bool(plain)})
    return tuple(accounts)
