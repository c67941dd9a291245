"""Every timeline entry and notice reads as one language: no English in Finnish or Swedish.

The policy stores a reason and its parameters; `explain` renders them for each
reader. This renders every reason with every kind of parameter in fi and sv and
fails on any phrase of the English catalogue (the old bug: "Hälytys siirretty
eteenpäin: escalated to Kiinteistöhuolto Oy").
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from escalator.domain.errors import FAILURES
from escalator.domain.model import Reason, SafetyCause, params
from escalator.i18n import TEXTS
from escalator.i18n.explain import explain

AT = datetime(2026, 12, 24, 12, 30, tzinfo=UTC)
WHYS = ("closed", "absent", "holiday", "no_shift", "snooze_ended", "step_unavailable")
SAIDS = ("on_way", "not_ours")


def samples() -> list[str]:
    base = dict(by="Anna Virtanen", to="Kiinteistöhuolto Oy", eta=AT, until=AT, deadline=AT,
                promised=AT, at=AT, since=AT, resolved_at=AT, note="Varaosa tilattu",
                times=2, count=3, code="FT", source="terminal", walks=3, rewalk=60, every=60,
                hours="ma-pe 07:00-16:00", period="2026-12-24..2026-12-26",
                holiday="Joulupäivä", notice="FIRST")
    found = [params(), params(**base)]
    found += [params(**base, cause=c.value) for c in SafetyCause]
    found += [params(**base, why=w) for w in WHYS]
    found += [params(**base, said=s) for s in SAIDS]
    found += [params(**base, promise=p, arrive_by=AT, fix_by=AT) for p in ("en_route", "on_site")]
    found += [params(**base, failure=f, channel=c, next="email", error="HTTP 500 from peer")
              for f in sorted(FAILURES) for c in ("webhook", "sms", "voice", "telegram")]
    return found


def english_phrases() -> set[str]:
    """Stretches of English catalogue text (between placeholders) of two words or more."""
    phrases = set()
    for table in TEXTS.values():
        en, fi = table.get("en", ""), table.get("fi", "")
        if not en or en == fi:
            continue
        for piece in re.split(r"\{[^}]*\}", en):
            piece = piece.strip(" :;,.()–-")
            if len(piece.split()) >= 2:
                phrases.add(piece)
    return phrases


ENGLISH = english_phrases()


@pytest.mark.parametrize("reason", list(Reason))
def test_every_reason_has_a_sentence_in_each_language(reason):
    table = TEXTS.get(f"reason.{reason.value}")
    assert table is not None, f"no text for {reason.value}"
    assert set(table) >= {"fi", "sv", "en"}


@pytest.mark.parametrize("lang", ["fi", "sv"])
@pytest.mark.parametrize("reason", list(Reason))
def test_no_english_fragment_in_a_finnish_or_swedish_text(lang, reason):
    for detail in samples():
        for update in (False, True):
            text = explain(lang, reason.value, detail, update=update, tz="Europe/Helsinki")
            leaked = [p for p in ENGLISH if p in text]
            assert not leaked, f"{lang} {reason.value}: {text!r} has English {leaked}"
            assert "{" not in text and "}" not in text, text


def test_the_old_mixed_sentence_is_gone():
    detail = params(to="Kiinteistöhuolto Oy")
    assert explain("fi", "ESCALATED", detail, update=True) == \
        "Hälytys siirretty eteenpäin: Kiinteistöhuolto Oy"
    assert explain("sv", "ESCALATED", detail, update=True) == \
        "Larmet har skickats vidare till Kiinteistöhuolto Oy"


def test_times_are_shown_in_the_facilitys_zone():
    detail = params(by="Vendor", eta=AT)
    text = explain("fi", "ACKED", detail, tz="Europe/Helsinki", now=AT)
    assert text == "Hoidossa: Vendor, perillä viimeistään klo 14.30"  # Finnish: 14.30


def test_the_english_check_would_catch_a_leak():
    """The guard itself: an English phrase in a Finnish text is found."""
    leaked = "Hälytys siirretty eteenpäin: Passed on to Kiinteistöhuolto Oy"
    assert any(p in leaked for p in ENGLISH)


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
@pytest.mark.parametrize("kind", sorted(FAILURES))
def test_a_failed_send_is_told_in_words_without_the_technical_error(lang, kind):
    detail = params(notice="FIRST", channel="telegram", failure=kind, next="sms",
                    error="telegram error: Internal Server Error")
    text = explain(lang, "CHANNEL_FAILED", detail)
    assert "Internal Server Error" not in text and "telegram error" not in text
    assert TEXTS[f"failure.{kind}"][lang] in text
    assert TEXTS["channel.sms"][lang] in text  # what happens next


def test_a_failed_send_reads_as_one_finnish_sentence():
    detail = params(notice="FIRST", channel="webhook", failure="timeout", next="email",
                    error="no answer within 10 s")
    assert explain("fi", "CHANNEL_FAILED", detail) == (
        "Yhteystapa ei toiminut: ei vastannut ajoissa (webhook-kutsu); seuraavaksi sähköposti")


@pytest.mark.parametrize("lang, en_route, on_site, late", [
    ("fi", "Matkalla: Huolto Oy, perillä klo 9.15",
     "Paikalla: Huolto Oy, korjataan, valmista arviolta klo 11.00",
     "Huolto Oy lupasi olla perillä klo 9.15, mutta ei ole ilmoittanut olevansa paikalla"),
    ("sv", "På väg: Huolto Oy, på plats kl. 9.15",
     "På plats: Huolto Oy, åtgärdas, klart uppskattningsvis kl. 11.00",
     "Huolto Oy skulle vara på plats kl. 9.15 men har inte meddelat att de är där"),
    ("en", "On the way: Huolto Oy, there by 09:15",
     "On site: Huolto Oy, working on it, expected fixed by 11:00",
     "Huolto Oy said they would be there by 09:15 but has not reported on site"),
])
def test_answers_as_people_give_them_read_in_each_language(lang, en_route, on_site, late):
    from escalator.i18n import t

    nine, eleven = datetime(2026, 12, 7, 7, 15, tzinfo=UTC), datetime(2026, 12, 7, 9, 0,
                                                                       tzinfo=UTC)
    tz = "Europe/Helsinki"
    way = params(by="Huolto Oy", arrive_by=nine, until=nine)
    assert explain(lang, "EN_ROUTE", way, tz=tz, now=nine) == en_route
    there = params(by="Huolto Oy", fix_by=eleven, until=eleven)
    assert explain(lang, "ON_SITE", there, tz=tz, now=nine) == on_site
    assert explain(lang, "ARRIVAL_LATE", way, tz=tz, now=nine).startswith(late)
    due = params(by="Huolto Oy", promise="en_route", arrive_by=nine, until=nine)
    assert explain(lang, "PROMISE_DUE", due, tz=tz, now=nine) != \
        explain(lang, "PROMISE_DUE", params(promise="on_site", until=nine), tz=tz, now=nine)
    fixed = {"fi": "Korjattu, tarkistakaa pääte", "sv": "Åtgärdat, kontrollera terminalen",
             "en": "Fixed – please check the terminal"}[lang]
    assert t(lang, "action.resolve") == fixed
