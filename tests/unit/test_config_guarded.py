"""Issue 19, points 1, 3 and 11 at the config's level: which variables a config may name
(declared by the deployment, never the platform's, never the link key), a YAML alias
chain refused at its line before it costs anything, and named API tokens beside
`api_token_env`."""

from __future__ import annotations

import time

import pytest
from support import TOKENS, config_text

from escalator.config import load_config_text
from escalator.config.problem import render
from escalator.domain.errors import ConfigError


def problems_of(text: str, env: dict[str, str]) -> list:
    with pytest.raises(ConfigError) as caught:
        load_config_text(text, filename="e.yaml", env=env)
    return caught.value.problems


def line_of(text: str, needle: str) -> int:
    return next(n for n, row in enumerate(text.splitlines(), 1) if needle in row)


SMS = """channels:
  sms:
    url: https://attacker.example/sms
    auth_header_env: {name}
"""


def test_no_key_may_name_the_link_signing_key():
    text = config_text() + SMS.format(name="ESCALATOR_SECRET_KEY")
    (found,) = problems_of(text, TOKENS)
    assert found.code == "cfg.env_is_link_key" and found.path == "channels.sms.auth_header_env"
    assert found.line == line_of(text, "auth_header_env")
    assert "link-signing key" in found and "link-secret" not in found  # never the value
    assert "linkkien allekirjoitusavain" in render(found, "fi")
    assert "signerar länkar" in render(found, "sv")


def test_the_platforms_variables_are_never_secrets_of_the_config():
    text = config_text().replace(
        "http:\n", "http:\n  api_tokens:\n    - {name: Lobby display 2, token_env: PATH, "
                   "role: operator}\n", 1)
    env = {**TOKENS, "PATH": "/usr/bin:/bin"}
    (found,) = problems_of(text, env)
    assert found.code == "cfg.env_platform" and found.line == line_of(text, "token_env: PATH")
    assert found.path == "http.api_tokens[0].token_env"
    for name in ("PGPASSWORD", "HOME", "LD_PRELOAD", "ESCALATOR_ALLOWED_SECRETS"):
        env = {**TOKENS, name: "MAINT_HOOK_SECRET"}  # set, and (the last) declaring
        (found,) = problems_of(config_text() + SMS.format(name=name), env)
        assert found.code == "cfg.env_platform", name


def test_a_deployment_that_declares_its_secrets_allows_only_those():
    declared = {**TOKENS, "ESCALATOR_ALLOWED_SECRETS": "SMS_AUTH, MAINT_HOOK_SECRET",
                "SMS_AUTH": "Basic abc", "OTHER": "x"}
    load_config_text(config_text() + SMS.format(name="SMS_AUTH"), env=declared)
    load_config_text(config_text() + SMS.format(name="ESCALATOR_SMS"),
                     env={**declared, "ESCALATOR_SMS": "y"})
    text = config_text() + SMS.format(name="OTHER")
    (found,) = problems_of(text, declared)
    assert found.code == "cfg.env_not_declared" and found.line == line_of(text, "OTHER")
    assert "ESCALATOR_ALLOWED_SECRETS" in found and "ilmoitettu" in render(found, "fi")


def alias_chain(levels: int = 9) -> str:
    """A billion laughs: each level is ten aliases of the one before (~3.8 KB)."""
    rows = ["  l0: &l0 [" + ", ".join(['"' + "lol" * 40 + '"'] * 10) + "]"]
    rows += [f"  l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, levels)]
    return config_text().replace("routes:\n", "x-laughs:\n" + "\n".join(rows) + "\nroutes:\n")


def test_a_yaml_alias_chain_is_refused_at_its_line_at_once():
    text = alias_chain()
    assert 3500 < len(text.encode()) < 5000
    started = time.perf_counter()
    found = problems_of(text, TOKENS)
    took = time.perf_counter() - started
    assert [p.code for p in found] == ["cfg.yaml_aliases_too_many"]
    assert found[0].line == line_of(text, "l4: &l4")  # where the total passes the cap
    assert took < 1.0, took
    assert "viittaukset" in render(found[0], "fi")


def test_a_few_shared_entries_are_fine():
    text = config_text().replace("      - telegram: -1001234567890\n",
                                 "      - &ward telegram: -1001234567890\n", 1)
    load_config_text(text, env=TOKENS)


TOKENS_YAML = "  api_tokens:\n    - {name: Lobby board, token_env: BOARD_TOKEN, role: viewer}\n"


def test_named_tokens_and_api_token_env_work_together_when_both_are_written():
    env = {**TOKENS, "BOARD_TOKEN": "board-token-0123456789"}
    both = config_text().replace("http:\n", "http:\n  api_token_env: ESCALATOR_API_TOKEN\n"
                                 + TOKENS_YAML, 1)
    cfg, _ = load_config_text(both, env=env)
    assert [(t.name, t.token_env, t.role) for t in cfg.http.tokens()] == [
        ("Lobby board", "BOARD_TOKEN", "viewer"),
        ("operator", "ESCALATOR_API_TOKEN", "operator")]
    only = config_text().replace("http:\n", "http:\n" + TOKENS_YAML, 1)
    cfg, _ = load_config_text(only, env=env)
    assert [t.name for t in cfg.http.tokens()] == ["Lobby board"]  # as written
