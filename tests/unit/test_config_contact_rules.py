"""`rules:` per party and `urgency:` per route in the config: what they build, and
what `config check` says at the line, with "did you mean"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_config_loader import edit, load, problems_of

from escalator.domain.contact_rules import ContactRules, Group

VENDOR = "      - webhook: https://vendor.example/hook\n        secret_env: VENDOR_SECRET\n"
WARD = '      - sms: "+358 40 123 4567"\n'


def with_rules(rules: str) -> str:
    """The vendor with a phone and an SMS number too, and `rules` under it."""
    return edit((VENDOR, VENDOR + '      - voice: "+358 20 123 4567"\n'
                                  '      - sms: "+358 40 765 4321"\n' + rules))


def test_rules_per_urgency_build_groups_of_contact_indexes():
    cfg, warnings = load(with_rules(
        "    rules:\n"
        "      high:\n"
        "        - at_once: [voice, sms]\n"
        "        - then_after: 2 min\n"
        "          at_once: [email]\n"
        "      low:\n"
        "        - at_once: email\n"))
    assert warnings == []
    # vendor's contacts: 0 email, 1 webhook, 2 voice, 3 sms
    assert cfg.parties["vendor"].rules == ContactRules((
        ("high", (Group((2, 3)), Group((0,), timedelta(minutes=2)))),
        ("low", (Group((0,)),)),
    ))


def test_a_plain_list_is_the_rules_for_every_urgency():
    cfg, _ = load(with_rules("    rules:\n      - at_once: [sms, voice]\n"))
    rules = cfg.parties["vendor"].rules
    assert rules is not None
    assert rules.groups("high") == rules.groups("low") == (Group((3, 2)),)


def test_without_rules_the_flat_contact_list_means_what_it_meant():
    cfg, _ = load(with_rules(""))
    assert cfg.parties["vendor"].rules is None
    assert [c.channel for c in cfg.parties["vendor"].contacts] == [
        "email", "webhook", "voice", "sms"]


def test_the_route_urgency_is_read_and_defaults_to_high():
    cfg, _ = load(edit(("    clears: [vendor]\n", "    clears: [vendor]\n    urgency: low\n")))
    assert [r.urgency for r in cfg.routes] == ["low", "high"]


@pytest.mark.parametrize(("rules", "expected"), [
    ("    rules:\n      - at_once: [voice, smss]\n",
     "cfg.yaml:43: people.vendor.rules[0].at_once[1]: found \"smss\", expected 'email', "
     "'webhook', 'voice' or 'sms' (did you mean 'sms'?)"),
    ("    rules:\n      hihg:\n        - at_once: [voice]\n",
     "cfg.yaml:43: people.vendor.rules: unknown key 'hihg' (did you mean 'high'?)"),
    ("    rules:\n      - at_onse: [voice]\n",
     "cfg.yaml:43: people.vendor.rules[0]: unknown key 'at_onse' (did you mean 'at_once'?)"),
    ("    rules:\n      - at_once: [voice]\n      - at_once: [email]\n        then_afer: 2m\n",
     "cfg.yaml:45: people.vendor.rules[1]: unknown key 'then_afer' "
     "(did you mean 'then_after'?)"),
    ("    rules:\n      - at_once: [voice]\n      - at_once: [email]\n",
     "cfg.yaml:44: people.vendor.rules[1]: missing required key 'then_after'"),
    ("    rules:\n      - at_once: [voice]\n        then_after: 2m\n",
     "cfg.yaml:44: people.vendor.rules[0].then_after: the first group is tried at once: "
     "'then_after' belongs to the groups after it"),
    ("    rules:\n      - at_once: [voice]\n      - then_after: soon\n"
     "        at_once: [email]\n",
     "cfg.yaml:44: people.vendor.rules[1].then_after: found \"soon\", expected a duration"),
    ("    rules: voice\n",
     "cfg.yaml:42: people.vendor.rules: found \"voice\", expected a list of contact groups"),
])
def test_config_check_explains_a_wrong_rule_at_its_line(rules, expected):
    problems = problems_of(with_rules(rules))
    assert len(problems) == 1 and problems[0].startswith(expected), problems


def test_config_check_explains_a_wrong_urgency_at_its_line():
    problems = problems_of(edit(("    clears: [vendor]\n",
                                 "    clears: [vendor]\n    urgency: hihg\n")))
    assert problems == ["cfg.yaml:66: routes[0].urgency: found \"hihg\", expected 'high' or "
                        "'low' (did you mean 'high'?)"], problems


def test_a_rule_naming_a_channel_the_party_has_not_is_refused():
    problems = problems_of(edit((WARD, WARD + "    rules:\n      - at_once: [voice]\n")))
    assert problems == ["cfg.yaml:31: people.ward.rules[0].at_once[0]: found \"voice\", "
                        "expected 'telegram' or 'sms'"], problems


def test_the_json_schema_takes_rules_and_urgency_and_refuses_a_misspelt_key():
    from test_config_schema import schema_errors

    good = with_rules("    rules:\n      high:\n        - at_once: [voice, sms]\n"
                      "        - then_after: 2 min\n          at_once: email\n").replace(
        "    clears: [vendor]\n", "    clears: [vendor]\n    urgency: low\n", 1)
    assert schema_errors(good) == []
    assert schema_errors(good.replace("then_after", "then_afer")) != []
    assert schema_errors(good.replace("urgency: low", "urgency: hihg")) != []
