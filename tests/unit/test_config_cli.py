"""`escalator config check`: a summary and warnings on success, problems and 1 on failure."""

from __future__ import annotations

import io
from pathlib import Path

from support import EXAMPLE_CHANNEL_SECRETS, EXAMPLE_CHANNELS, example_set_up

from escalator.config.cli import cmd_check

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "example.yaml"
SECRETS = {"ESCALATOR_API_TOKEN": "a", "ESCALATOR_SECRET_KEY": "b", **EXAMPLE_CHANNEL_SECRETS}


def set_up(tmp_path: Path, text: str | None = None, channels: str = EXAMPLE_CHANNELS) -> Path:
    """The example with the channels its contacts use set up."""
    path = tmp_path / "example.yaml"
    path.write_text(example_set_up(text or EXAMPLE.read_text(encoding="utf-8"), channels),
                    encoding="utf-8")
    return path


def run(path: str, env: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cmd_check(path, out=out, err=err, env=env)
    return code, out.getvalue(), err.getvalue()


def test_check_ok_prints_summary_and_warnings(tmp_path):
    path = set_up(tmp_path)
    code, out, err = run(str(path), SECRETS)
    assert code == 0
    assert err == ""
    assert out.splitlines()[:2] == [
        f"{path}: OK — 1 source, 6 parties, 1 roster, 1 ladder, 2 routes",
        f"warning: {path}:25: sources.terminal.token_env: "
        "environment variable ESCALATOR_TERMINAL_TOKEN is not set",
    ]


def test_the_example_names_each_contact_whose_channel_is_not_set_up():
    """As shipped, the example's channels are comments: outside a demo nobody would get
    those messages, so check says so at each contact's line (`run` refuses to start)."""
    code, out, err = run(str(EXAMPLE), SECRETS)
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert lines[0] == (
        f"{EXAMPLE}:32: people.ward-a.contact[0].telegram: 'ward-a' is reached by telegram, "
        "but channels.telegram is not set up: nobody would get those messages. Set up "
        "channels.telegram or remove this contact (only a demo sends such messages to the log)")
    assert [line.split(": ")[1] for line in lines[:7]] == [
        "people.ward-a.contact[0].telegram", "people.alarm-vendor.contact[0].voice",
        "people.alarm-vendor.contact[1].email", "people.alarm-vendor.contact[2].sms",
        "people.contractor.contact[0].email", "people.night-nurse.contact[0].telegram",
        "people.manager.contact[0].email"]
    assert lines[-1] == f"{EXAMPLE}: 7 problems"  # the webhook contact needs no channel


def test_each_channel_a_contact_uses_must_be_set_up(tmp_path):
    path = set_up(tmp_path, channels=EXAMPLE_CHANNELS.replace(
        "  telegram: {token_env: TELEGRAM_BOT_TOKEN}\n", ""))
    code, _, err = run(str(path), SECRETS)
    assert code == 1
    assert [line.split(": ")[1] for line in err.splitlines()[:-2]] == [
        "people.ward-a.contact[0].telegram", "people.night-nurse.contact[0].telegram"]


def test_check_counts_in_singular(tmp_path):
    path = tmp_path / "one.yaml"
    path.write_text("facility: {id: x, name: X}\n"
                    "people: {a: {name: A, contact: [{webhook: 'https://a.example/'}]}}\n"
                    "ladders: {l: {steps: [{notify: a, escalate_after: 1m}]}}\n"
                    "routes: [{ladder: l}]\n", encoding="utf-8")
    code, out, _ = run(str(path), SECRETS)
    assert code == 0
    assert out == f"{path}: OK — 0 sources, 1 party, 0 rosters, 1 ladder, 1 route\n"


def test_check_failure_prints_problems_to_err(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace("escalate_after: 30m", "escalate_after: 10x")
    text = text.replace("notify: [nurse-on-duty]", "notify: [nurse-on-dutty]")
    path = set_up(tmp_path, text)
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
    path = set_up(tmp_path, channels=EXAMPLE_CHANNELS.replace(
        "sms: {preset: 46elks, from: Lehtioja, auth_header_env: SMS_AUTH}",
        "sms: {preset: twilio, from: '+358401234567'}"))
    code, out, err = run(str(path), SECRETS)
    assert code == 1 and out == ""
    assert f"{path}: channels.sms.url: the twilio preset needs url" in err
    assert err.splitlines()[-1] == f"{path}: 1 problem"


def test_run_refuses_a_contact_whose_channel_is_not_set_up(tmp_path, monkeypatch, capsys):
    """`escalator run` (not a demo) stops before it starts: the nurse's Telegram contact
    would otherwise be "sent" to a log nobody reads, and her SMS never tried."""
    import logging

    from escalator.__main__ import main

    monkeypatch.setattr(logging, "basicConfig", lambda **_: None)  # the tests' logging stays
    for name, value in {**SECRETS, "ESCALATOR_TERMINAL_TOKEN": "t"}.items():
        monkeypatch.setenv(name, value)
    path = set_up(tmp_path, channels=EXAMPLE_CHANNELS.replace(
        "  telegram: {token_env: TELEGRAM_BOT_TOKEN}\n", ""))
    assert main(["run", "--config", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:32: people.ward-a.contact[0].telegram: 'ward-a' is reached by telegram" \
        in err


def test_the_manager_reads_it_in_finnish_and_swedish():
    from escalator.config.checking import check_file
    from escalator.config.problem import render

    first = check_file(str(EXAMPLE), env=SECRETS).problems[0]
    assert first.code == "cfg.contact_not_set_up" and first.line == 32
    assert render(first, "fi").endswith(
        "'ward-a' tavoitetaan kanavalla telegram, mutta channels.telegram ei ole käytössä: "
        "viestit eivät menisi kenellekään. Ota channels.telegram käyttöön tai poista tämä "
        "yhteystapa (vain esittely kirjoittaa tällaiset viestit lokiin)")
    assert "'ward-a' nås via telegram, men channels.telegram är inte inställd" \
        in render(first, "sv")
