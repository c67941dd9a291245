"""What the phone says: the party's language, no links, and safe inside TwiML and JSON."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from escalator.domain.answering import CALLS
from escalator.domain.model import Escalation, Incident, State, params
from escalator.i18n import TEXTS
from escalator.notify import speech

OPENED = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # 09:00 in Helsinki


def incident(point: str = "Loop 2, wing B") -> Incident:
    return Incident(id=7, source="terminal", code="FT", point=point, text="", severity="high",
                    ladder="l", state=State.OPEN, opened_at=OPENED, last_seen_at=OPENED,
                    escalation=Escalation())


@pytest.mark.parametrize(("lang", "expected"), [
    ("fi", "Hälytyspalvelu, Lehtioja. Uusi hälytys. Palohälytyssilmukan vika, Loop 2, "
           "wing B. Voimassa kello 9.00 alkaen. Paina 1, jos otatte hälytyksen "
           "hoitaaksenne. Paina 2, jos se siirretään eteenpäin. Paina 4, jos olette matkalla ja "
               "perillä tunnin kuluessa. Paina 5, jos olette paikalla."),
    ("sv", "Larmtjänsten, Lehtioja. Nytt larm. Fel i brandlarmsslingan, Loop 2, wing B. "
           "Aktivt sedan klockan 9.00. Tryck 1 om ni tar hand om larmet. Tryck 2 om det "
           "ska skickas vidare. Tryck 4 om ni är på väg och där inom en timme. Tryck 5 om ni "
               "är på plats."),
    ("en", "Alarm service, Lehtioja. New alarm. Fire alarm loop fault, Loop 2, wing B. "
           "Active since 09:00. Press 1 to take it. Press 2 to pass it on. Press 4 if you are "
               "on your way and there within an hour. Press 5 if you are on site."),
])
def test_the_call_is_read_in_the_partys_language(lang, expected):
    assert speech.call_text(incident(), "FIRST", lang, "Lehtioja", "Europe/Helsinki",
                            OPENED) == expected


def test_an_alarm_from_another_day_says_the_date():
    text = speech.call_text(incident(), "RENOTIFY", "en", "L", "Europe/Helsinki",
                            datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    assert "Active since 24/11 09:00." in text


def test_every_voice_text_exists_in_every_language_and_differs_from_english():
    keys = [k for k in TEXTS if k.startswith("voice.")]
    assert len(keys) >= 5
    for key in keys:
        assert set(TEXTS[key]) == {"fi", "sv", "en"}, key
        assert TEXTS[key]["fi"] != TEXTS[key]["en"] != TEXTS[key]["sv"], key


def test_twiml_escapes_what_the_terminal_sent():
    text = speech.call_text(incident(point='B&C <wing> "2"'), "FIRST", "fi", "L",
                            "Europe/Helsinki", OPENED)
    doc = ET.fromstring(speech.twiml_call(text, "fi-FI", "http://h/voice/t/1/key?a=1&b=2",
                                          "Ei valintaa."))
    gather = doc.find("Gather")
    assert gather is not None and gather.attrib["action"] == "http://h/voice/t/1/key?a=1&b=2"
    says = [s.text for s in doc.iter("Say")]
    assert says == [text, text, "Ei valintaa."] and 'B&C <wing> "2"' in says[0]


@pytest.mark.parametrize(("preset", "content_type", "parse"), [
    ("46elks", "application/json", lambda b: json.loads(b)["play"]),
    ("twilio", "text/xml", lambda b: ET.fromstring(b).findtext("Say")),
    ("generic", "application/json", lambda b: json.loads(b)["say"]),
])
def test_the_reply_to_a_key_press_speaks_each_gateways_format(preset, content_type, parse):
    body, ctype = speech.reply(preset, "sv", "Tack. Ä & ö.")
    assert ctype == content_type
    assert parse(body).endswith("Tack. Ä & ö.")


@pytest.mark.parametrize("reason", sorted(CALLS))
@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_every_call_that_is_phoned_is_said_without_english(reason, lang):
    detail = params(by="Vartiointi Oy", eta="2026-11-24T08:00:00+00:00")
    english = speech.call_text(incident(), reason, "en", "L", "Europe/Helsinki", OPENED, detail)
    spoken = speech.call_text(incident(), reason, lang, "L", "Europe/Helsinki", OPENED, detail)
    headline_en = english.split(". ")[1]
    assert headline_en not in spoken and "Press" not in spoken and "http" not in spoken
    assert "{" not in spoken and "}" not in spoken
