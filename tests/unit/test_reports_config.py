"""`reports.weekly` and `role: viewer`: what they build, and each mistake at its line."""

from __future__ import annotations

from datetime import time

import pytest
from test_config_schema import MINIMAL, schema_errors

from escalator.config import ConfigError, load_config_text

REPORTS = """\
reports:
  weekly:
    to: [tilaaja@kunta.example, a]
    day: ti
    at: "07:30"
    language: sv
    false_alarm_threshold: 3
"""


def test_weekly_report_is_built_with_its_defaults_and_values():
    cfg, _ = load_config_text(MINIMAL + REPORTS, env={})
    w = cfg.reports.weekly
    assert (w.to, w.day, w.at, w.language, w.false_alarm_threshold) == (
        ("tilaaja@kunta.example", "a"), 1, time(7, 30), "sv", 3)
    cfg, _ = load_config_text(MINIMAL + "reports: {weekly: {to: a}}\n", env={})
    w = cfg.reports.weekly
    assert (w.day, w.at, w.language, w.false_alarm_threshold) == (0, time(8, 0), None, 2)
    assert schema_errors(MINIMAL + REPORTS) == []


BAD = {
    "unknown key": ("    day: ti\n", "    dya: ti\n", 15,
                    "unknown key 'dya' (did you mean 'day'?)"),
    "bad day": ("day: ti", "day: someday", 15, "expected a day of the week"),
    "bad time": ('at: "07:30"', 'at: "7.75"', 16, 'a time of day like "08:00"'),
    "not an address": ("tilaaja@kunta.example", "tilaaja", 14,
                       "an e-mail address or the id of a party with an e-mail contact"),
    "bad language": ("language: sv", "language: de", 17, "expected 'fi', 'sv' or 'en'"),
    "threshold": ("false_alarm_threshold: 3", "false_alarm_threshold: -1", 18, "from 0"),
}


@pytest.mark.parametrize("old,new,line,text", BAD.values(), ids=BAD.keys())
def test_each_mistake_is_reported_at_its_line(old, new, line, text):
    source = (MINIMAL + REPORTS).replace(old, new)
    assert source != MINIMAL + REPORTS
    with pytest.raises(ConfigError) as info:
        load_config_text(source, filename="house.yaml", env={})
    [problem] = info.value.problems
    assert problem.startswith(f"house.yaml:{line}: reports.weekly") and text in problem, problem
    assert schema_errors(source) != [] or old.startswith("tilaaja")  # addresses: loader only


def test_a_party_without_email_cannot_receive_the_summary():
    source = MINIMAL.replace("[{email: a@b.example}]", "[{sms: '+358401234567'}]") + \
        "reports: {weekly: {to: [a]}}\n"
    with pytest.raises(ConfigError) as info:
        load_config_text(source, filename="h.yaml", env={})
    assert "party 'a' has no e-mail contact" in str(info.value)


def test_role_viewer_and_a_wrong_role():
    cfg, _ = load_config_text(MINIMAL.replace("    name: A\n", "    name: A\n    role: viewer\n"),
                              env={})
    assert cfg.parties["a"].role == "viewer"
    cfg, _ = load_config_text(MINIMAL, env={})
    assert cfg.parties["a"].role == "staff"
    bad = MINIMAL.replace("    name: A\n", "    name: A\n    role: boss\n")
    with pytest.raises(ConfigError) as info:
        load_config_text(bad, filename="h.yaml", env={})
    assert """h.yaml:5: people.a.role: found "boss", expected 'staff' or 'viewer'""" in \
        str(info.value)
    assert schema_errors(bad) != []


def test_a_viewer_cannot_act_from_its_telegram_chat():
    from escalator.entrypoints.telegram.auth import authorise

    party = "    name: A\n    telegram_user: [111]\n    contact: [{telegram: -100123}]\n"
    text = MINIMAL.replace("    name: A\n    contact: [{email: a@b.example}]\n", party)
    cfg, _ = load_config_text(text, env={})
    assert authorise(cfg, -100123, None, 111, "Anna").party == "a"
    viewer, _ = load_config_text(text.replace("    name: A\n", "    name: A\n    role: viewer\n"),
                                 env={})
    assert authorise(viewer, -100123, None, 111, "Anna") is None
