"""`escalator config check`: a summary and warnings on success, problems and 1 on failure."""

from __future__ import annotations

import io
from pathlib import Path

from escalator.config.cli import cmd_check

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "example.yaml"
SECRETS = {"ESCALATOR_API_TOKEN": "a", "ESCALATOR_SECRET_KEY": "b"}


def run(path: str, env: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cmd_check(path, out=out, err=err, env=env)
    return code, out.getvalue(), err.getvalue()


def test_check_ok_prints_summary_and_warnings():
    code, out, err = run(str(EXAMPLE), SECRETS)
    assert code == 0
    assert err == ""
    assert out.splitlines() == [
        f"{EXAMPLE}: OK — 1 source, 6 parties, 1 roster, 1 ladder, 2 routes",
        f"warning: {EXAMPLE}:25: sources.terminal.token_env: "
        "environment variable ESCALATOR_TERMINAL_TOKEN is not set",
    ]


def test_check_counts_in_singular(tmp_path):
    path = tmp_path / "one.yaml"
    path.write_text("facility: {id: x, name: X}\npeople: {a: {name: A, contact: [{email: a@b}]}}\n"
                    "ladders: {l: {steps: [{notify: a, escalate_after: 1m}]}}\n"
                    "routes: [{ladder: l}]\n", encoding="utf-8")
    code, out, _ = run(str(path), SECRETS)
    assert code == 0
    assert out == f"{path}: OK — 0 sources, 1 party, 0 rosters, 1 ladder, 1 route\n"


def test_check_failure_prints_problems_to_err(tmp_path):
    path = tmp_path / "broken.yaml"
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace("escalate_after: 30m", "escalate_after: 10x")
    text = text.replace("notify: [nurse-on-duty]", "notify: [nurse-on-dutty]")
    path.write_text(text, encoding="utf-8")
    code, out, err = run(str(path), SECRETS)
    assert code == 1
    assert out == ""
    assert err.splitlines() == [
        f"{path}:68: ladders.technical-fault.steps[0].notify[0]: unknown party or roster "
        "'nurse-on-dutty' (did you mean 'nurse-on-duty'?)",
        f'{path}:73: ladders.technical-fault.steps[1].escalate_after: found "10x" '
        "(unknown unit 'x': use s, min, h or d), "
        "expected a duration like 30s, 5m, 5 min, 1 h 30 min, 2 t or 1d",
        f"warning: {path}:25: sources.terminal.token_env: "
        "environment variable ESCALATOR_TERMINAL_TOKEN is not set",
        f"{path}: 2 problems",
    ]


def test_check_missing_file(tmp_path):
    code, _, err = run(str(tmp_path / "nope.yaml"), SECRETS)
    assert code == 1
    assert err.splitlines()[0] == f"{tmp_path / 'nope.yaml'}: cannot read the file: " \
                                  "No such file or directory"


def test_check_refuses_a_channel_that_could_not_send(tmp_path):
    """Well-formed but unusable (a Twilio preset without its account URL): `run` would stop."""
    path = tmp_path / "sms.yaml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8")
                    + "\nchannels:\n  sms: {preset: twilio, from: '+358401234567'}\n",
                    encoding="utf-8")
    code, out, err = run(str(path), SECRETS)
    assert code == 1 and out == ""
    assert f"{path}: channels.sms.url: the twilio preset needs url" in err
    assert err.splitlines()[-1] == f"{path}: 1 problem"
