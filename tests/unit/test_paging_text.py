"""What a ward handset is sent: priority from severity, text within the system's limit
in ISO-8859-1, and the ESPA 4.4.4 call block with a correct BCC."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from escalator.codecs.espa444 import parse_block
from escalator.domain.model import Escalation, Incident, State
from escalator.notify.base import Message
from escalator.notify.paging import call_block, fit, latin1, page_text, priority

NOW = datetime(2026, 12, 7, 2, 14, tzinfo=UTC)


def message(code: str = "FA", point: str = "F-siipi h. 12", severity: str = "",
            lang: str = "fi", reason: str = "FIRST") -> Message:
    inc = Incident(id=7, source="panel", code=code, point=point, text="", severity=severity,
                   ladder="fire", state=State.OPEN, opened_at=NOW, last_seen_at=NOW,
                   escalation=Escalation())
    return Message(1, inc, "ward-a", "Ward A", reason, 0, "", False, lang, "s", "t",
                   "http://x/ack/t", tz="Europe/Helsinki")


@pytest.mark.parametrize(("severity", "code", "want"), [
    ("", "FA", "3"),           # a fire: the code says critical -> emergency
    ("", "MA", "3"),           # a medical alarm
    ("", "FT", "2"),           # a fire-loop fault: high
    ("", "YT", "1"),           # a weak battery: medium -> normal
    ("critical", "YT", "3"),   # the event's own word wins over the code's
    ("low", "FA", "1"),
    ("HIGH ", "ZZ", "2"),
    ("", "ZZ", "1"),           # unknown: normal, never dropped
])
def test_priority_follows_severity(severity, code, want):
    assert priority(severity, code) == want


@pytest.mark.parametrize(("urgency", "code", "want"), [
    ("high", "FA", "3"), ("high", "FT", "2"),
    ("low", "FA", "1"), ("low", "FT", "1"),  # a low-urgency route pages at normal only
])
def test_priority_follows_the_routes_urgency(urgency, code, want):
    assert priority("", code, urgency) == want


def test_text_says_what_where_why_in_the_readers_language():
    assert page_text(message(), 80) == "Palohälytys, F-siipi h. 12. Uusi hälytys."
    assert page_text(message(lang="sv", reason="ESCALATED"), 80) == \
        "Brandlarm, F-siipi h. 12. Larmet har eskalerats till er."


@pytest.mark.parametrize("limit", [16, 24, 32, 40])
def test_text_fits_the_handset_and_cuts_at_a_word(limit):
    text = page_text(message(code="FT", point="Silmukka 6, F-siipi, potilashuone 12"), limit)
    assert len(text) <= limit
    assert text.startswith("Palohälytys"[:limit])
    assert not text.endswith((" ", ","))


def test_latin1_keeps_nordic_letters_and_makes_the_rest_plain():
    assert latin1("Hälytys – Åbo “A” č\u200b\tœ") == "Hälytys - Åbo \"A\" c ?"
    assert latin1("a\x00b\x1fc\x7f") == "a b c"
    latin1("ŋ😀").encode("iso-8859-1")  # never raises


def test_fit_hard_cuts_a_text_without_spaces():
    assert fit("x" * 50, 20) == "x" * 20


def test_call_block_is_a_valid_espa_call_with_bcc():
    raw = call_block("4711", "Palohälytys, F-siipi", "3")
    assert raw[0] == 0x01 and raw[-2] == 0x03
    block = parse_block(raw)  # checks the BCC
    assert block.header == "1"
    assert block.records == {1: "4711", 2: "Palohälytys, F-siipi", 6: "3"}
    assert "ä".encode("iso-8859-1") in raw


def test_the_register_names_the_kind_and_never_the_call_address():
    from escalator.domain.minimise import channel_kind, failure_reason
    from escalator.reports.safety_text import channel_words

    error = "dect 4711: paging: the call block was refused (NAKed 3 times)"
    assert failure_reason(error) == "paging: the call block was refused (NAKed 3 times)"
    assert channel_kind(None, error) == "dect"
    assert channel_words("dect", "fi") == "DECT-puhelimen kutsu"
    assert channel_words("pager", "en") == "pager call"
