"""SMS length: GSM-7 septets and UCS-2 units, segments, and fitting a text before its link."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalator.config.settings import CHANNEL_CHOICES
from escalator.notify import gsm
from escalator.notify.sms import PRESETS, problems

LINK = "https://halytykset.lehtioja.fi/ack/AQAAAAxrDVquYWxhcm0tdmVuZG9y.LBIeEGg8mRlZN_of"


@pytest.mark.parametrize(("text", "encoding", "units", "segments"), [
    ("", "GSM-7", 0, 0),
    ("a" * 160, "GSM-7", 160, 1),
    ("a" * 161, "GSM-7", 161, 2),
    ("a" * 306, "GSM-7", 306, 2),
    ("a" * 307, "GSM-7", 307, 3),
    ("Hälytys: äöåÄÖÅ é ü ñ ß Ø", "GSM-7", 25, 1),  # Nordic letters are GSM-7
    ("€" * 80, "GSM-7", 160, 1),  # extension table: two septets each
    ("€" * 81, "GSM-7", 162, 2),
    ("a" * 152 + "€" + "a" * 10, "GSM-7", 164, 2),  # escape pair moves whole to segment 2
    ("a" * 152 + "€" + "a" * 152, "GSM-7", 306, 3),  # ... which makes a third necessary
    ("{[]}", "GSM-7", 8, 1),
    ("Käytävä č", "UCS-2", 9, 1),  # one non-GSM letter makes the whole text UCS-2
    ("č" * 70, "UCS-2", 70, 1),
    ("č" * 71, "UCS-2", 71, 2),
    ("č" * 134, "UCS-2", 134, 2),
    ("č" * 135, "UCS-2", 135, 3),
    ("😀" * 35, "UCS-2", 70, 1),  # outside the BMP: two UTF-16 units each
    ("😀" * 36, "UCS-2", 72, 2),
    ("a" * 66 + "😀" + "a", "UCS-2", 69, 1),
    ("a" * 66 + "😀" + "a" * 3, "UCS-2", 71, 2),
    ("c" * 66 + "😀" + "c" * 67, "UCS-2", 135, 3),  # the pair is not split at unit 67
    ("ç", "UCS-2", 1, 1),  # only capital Ç is in the GSM-7 table
])
def test_measure(text, encoding, units, segments):
    assert gsm.measure(text) == gsm.SmsSize(encoding, units, segments)


def test_typography_is_made_plain_so_it_stays_gsm7():
    text = gsm.plain("Kuittautunut päätteellä – tilanne “normaali”…\u00a0ok")
    assert text == 'Kuittautunut päätteellä - tilanne "normaali"... ok'
    assert gsm.is_gsm7(text)


def test_a_short_text_is_kept_whole_with_its_link():
    text = gsm.fit("[Lehtiojan palvelukeskus] Maavuoto.", "Uusi hälytys.", LINK)
    assert text == f"[Lehtiojan palvelukeskus] Maavuoto. Uusi hälytys. {LINK}"
    assert gsm.measure(text).segments == 1


def test_the_extra_part_is_shortened_first_at_a_word_into_one_sms():
    essential = "[Lehtioja] Palohälytyssilmukan vika, Loop 2."
    extra = "Muistutus: hälytystä ei ole vielä kuitattu lainkaan."
    text = gsm.fit(essential, extra, LINK)
    size = gsm.measure(text)
    assert size.encoding == "GSM-7" and size.units <= 160 and size.segments == 1
    assert text == f"{essential} Muistutus: hälytystä ei ole.. {LINK}"  # whole words


def test_a_stub_of_the_extra_part_is_dropped_rather_than_sent():
    essential = "[Lehtiojan palvelukeskus] Palohälytyssilmukan vika, Loop 2 / B-wing."
    text = gsm.fit(essential, "Muistutus: hälytystä ei ole vielä kuitattu.", LINK)
    assert text == f"{essential} {LINK}"


def test_the_essential_part_is_cut_only_when_nothing_else_is_left():
    essential = "[Lehtiojan palvelukeskus] " + "Palohälytyssilmukan vika " * 4
    text = gsm.fit(essential, "Uusi hälytys.", LINK, max_segments=1)
    assert gsm.measure(text).segments == 1 and text.endswith(LINK)
    assert text.startswith("[Lehtiojan palvelukeskus] Palohälytyssilmukan vika")
    assert "Uusi" not in text


def test_unicode_essentials_are_kept_and_their_ucs2_segments_counted():
    essential = "[Lehtiojan palvelukeskus] Palohälytyssilmukan vika, Корпус Б, щит 2."
    text = gsm.fit(essential, "Hälytys siirretty teille.", LINK)
    size = gsm.measure(text)
    assert size.encoding == "UCS-2" and text.startswith(essential) and text.endswith(LINK)
    # 68 + 1 + 81 units do not fit two UCS-2 parts (2 x 67): three, and the extra fits too
    assert size.segments == 3 and "Hälytys siirretty teille." in text


def test_a_non_gsm_letter_in_the_extra_part_is_cut_rather_than_doubling_the_cost():
    text = gsm.fit("[Lehtiojan palvelukeskus] Palohälytyssilmukan vika.",
                   "Huomautus: Käytävä Č on suljettu, kulku pohjoisportaiden kautta.", LINK)
    size = gsm.measure(text)
    assert size.encoding == "GSM-7" and size.segments == 1


@given(st.text(max_size=200), st.text(max_size=200))
def test_fit_always_ends_with_the_whole_link_within_three_segments(essential, extra):
    text = gsm.fit(essential, extra, LINK)
    assert text.endswith(LINK)
    assert gsm.measure(text).segments <= 3


def test_the_config_knows_every_preset():
    assert set(CHANNEL_CHOICES["preset"]) == set(PRESETS)


@pytest.mark.parametrize(("settings", "found"), [
    ({"preset": "46elks", "from": "Lehtioja"}, []),
    ({"preset": "46elks"}, ["channels.sms.from: the 46elks preset needs a sender"]),
    ({"preset": "twilio", "from": "+358401234567"},
     ["channels.sms.url: the twilio preset needs url (https://api.twilio.com/2010-04-01/"
      "Accounts/<AccountSid>/Messages.json)"]),
    ({"preset": "gatewayapi"}, []),
    ({}, ["channels.sms.url: the generic preset needs url"]),
])
def test_sms_settings_problems(settings, found):
    got = problems(settings)
    assert len(got) == len(found)
    for g, f in zip(got, found, strict=True):
        assert g.startswith(f)
