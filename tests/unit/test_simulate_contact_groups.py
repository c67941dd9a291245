"""`escalator simulate` shows how a call reaches a party with contact rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from test_config_contact_rules import with_rules
from test_config_loader import load

from escalator.commands.simulate import timeline

RULES = ("    rules:\n"
         "      high:\n"
         "        - at_once: [voice, sms]\n"
         "        - then_after: 2 min\n"
         "          at_once: [email]\n"
         "      low:\n"
         "        - at_once: email\n")
MONDAY_NOON = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 12:00 in Helsinki: vendor open


def vendor_lines(text: str, code: str) -> list[str]:
    cfg, _ = load(text)
    lines = timeline(cfg, code, MONDAY_NOON, horizon=timedelta(minutes=30))
    return [line for line in lines if line.rstrip().endswith("]") or "Vendor" in line]


def test_a_call_to_a_party_with_rules_shows_its_groups_by_the_routes_urgency():
    text = with_rules(RULES).replace("    clears: [vendor]\n",
                                     "    clears: [vendor]\n    urgency: high\n", 1)
    lines = vendor_lines(text, "FT")
    assert lines and all(line.endswith("Vendor [voice+sms, then email +2m]")
                         for line in lines), lines
    low = vendor_lines(text.replace("    urgency: high\n", "    urgency: low\n", 1), "FT")
    assert low and all(line.endswith("Vendor [email]") for line in low), low


def test_a_party_without_rules_is_shown_as_before():
    lines = vendor_lines(with_rules(""), "FT")
    assert lines and not any("[" in line for line in lines), lines
