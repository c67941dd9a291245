"""Every SMS says what to do: why and the request first, then what and where, then the link.

Issue 21, point 6: a contractor's SMS read "[Koivulan hoivakoti] Palohälytyssilmukan
vika, Silmukka 6, F-siipi. <link>": nothing said why it came or what to do. Each
reason, in fi, sv and en, as a call, as news and to a viewer, is rendered here and
checked for its request (from a table kept here, not from the code under test), its
order and the length rule: one GSM-7 segment where the whole text fits one, never
more parts than the whole text needs, the link whole at the end.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from escalator.domain.answering import CALLS
from escalator.domain.model import Incident, Reason, State, params
from escalator.i18n import code_label, t
from escalator.notify import gsm
from escalator.notify.base import Message
from escalator.notify.render import headline_for
from escalator.notify.sms import build_request, sms_text

AT = datetime(2026, 12, 7, 6, 32, tzinfo=UTC)  # 8.32 in Helsinki
LINK = "https://halytykset.koivula.fi/ack/AQAAAAxrDVquYWxhcm0tdmVuZG9y.LBIeEGg8mRlZN_of"
DETAIL = params(by="Anna Virtanen", to="Kiinteistöhuolto Oy", deadline=AT, until=AT,
                arrive_by=AT, eta=AT, note="Varaosa tilattu", times=2, count=3,
                cause="exhausted", work="huolto")
# What each reason asks for, as a reader would expect it (the code's own table is not used).
ASKS = {Reason.EXHAUSTED: "sms.ask.safety", Reason.SAFETY_INCIDENT: "sms.ask.safety",
        Reason.PROMISE_DUE: "sms.ask.promise"}
# A request to clear the terminal says its request in the reason itself.
CLEAR_VERB = {"fi": "kuitatkaa hälytys päätteellä", "sv": "återställ larmet i terminalen",
              "en": "clear this alarm at the terminal"}


def incident(point: str = "Silmukka 6, F-siipi", id_: int = 7) -> Incident:
    return Incident(id_, "terminal", "FT", point, "", "", "technical-fault", State.OPEN, AT, AT,
                    notified=("vendor",))


def message(reason: str, lang: str, *, update: bool = False, read_only: bool = False,
            inc: Incident | None = None, link: str = LINK, detail: str = DETAIL) -> Message:
    return Message(1, inc or incident(), "vendor", "Vendor", reason, 1, detail, update, lang,
                   "", "", link, "Europe/Helsinki", read_only=read_only)


def expected_request(reason: Reason, lang: str, update: bool, read_only: bool,
                     replies: bool) -> str:
    if update or read_only:
        return t(lang, "sms.ask.none")
    if reason.value in CALLS:
        return t(lang, "sms.ask.reply" if replies else "sms.ask.take")
    if reason is Reason.CLEAR_REQUESTED:
        return CLEAR_VERB[lang]
    return t(lang, ASKS.get(reason, "sms.ask.none"))


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
@pytest.mark.parametrize("reason", list(Reason))
@pytest.mark.parametrize(("update", "read_only", "replies"), [
    (False, False, False), (False, False, True), (True, False, False), (False, True, True)])
def test_every_reason_leads_with_why_and_the_request_and_keeps_the_length_rule(
        reason, lang, update, read_only, replies):
    msg = message(reason.value, lang, update=update, read_only=read_only)
    text = sms_text(msg, "Koivula", replies=replies)
    head = gsm.plain(headline_for(reason.value, DETAIL, update, lang, "Europe/Helsinki"))
    tag = "[Koivula #K7]" if replies and not read_only else "[Koivula]"
    request = gsm.plain(expected_request(reason, lang, update, read_only, replies))
    what = f"{code_label(lang, 'FT')}, Silmukka 6, F-siipi."
    whole = f"{tag} {head}." + ("" if reason is Reason.CLEAR_REQUESTED and not (
        update or read_only) else f" {request}.") + f" {what} {LINK}"
    size, needed = gsm.measure(text), gsm.measure(whole)
    # the order: why, the request, what and where, the link; nothing cut when it fits 3
    assert text.startswith(f"{tag} {head}"), text
    assert request.lower() in text.lower()
    assert text.endswith(LINK)
    if needed.segments <= 3:
        assert text == whole
    # the length rule: one segment where it fits; never more parts than the text needs
    assert size.encoding == "GSM-7"
    assert size.segments == min(needed.segments, 3)
    assert (size.segments == 1) == (needed.units <= gsm.GSM7_SINGLE)


def test_the_issue_s_contractor_sms_now_says_why_and_what_to_do():
    # before: "[Koivulan hoivakoti] Palohälytyssilmukan vika, Silmukka 6, F-siipi. <link>"
    msg = message(Reason.ESCALATED.value, "fi", detail=params())
    text = sms_text(msg, "Koivulan hoivakoti")
    assert text == ("[Koivulan hoivakoti] Hälytys siirretty teille. Ottakaa hoitoon tai "
                    f"siirtäkää eteenpäin. {code_label('fi', 'FT')}, Silmukka 6, F-siipi. "
                    f"{LINK}")


def test_a_request_to_clear_the_terminal_leads_with_the_request_and_its_time():
    msg = message(Reason.CLEAR_REQUESTED.value, "fi", detail=params(deadline=AT))
    text = sms_text(msg, "Koivulan hoivakoti")
    assert text == ("[Koivulan hoivakoti] Pyyntö teille: kuitatkaa hälytys päätteellä "
                    f"viimeistään klo 7.12. 8.32. {code_label('fi', 'FT')}, Silmukka 6, "
                    f"F-siipi. {LINK}")


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_a_first_call_with_a_short_link_fits_one_sms_with_everything(lang):
    text = sms_text(message(Reason.FIRST.value, lang, link="https://h.koivula.fi/a/Kx7",
                            detail=params()), "Koivula", replies=True)
    size = gsm.measure(text)
    assert (size.encoding, size.segments) == ("GSM-7", 1)
    assert t(lang, "sms.ask.reply") in text and "#K7" in text and "Silmukka 6" in text


def test_a_text_that_keeps_ucs2_is_flagged_for_gatewayapi():
    msg = message(Reason.FIRST.value, "en", inc=incident(point="Б"), link="https://h.fi/a/1")
    text = sms_text(msg, "Koivula")
    assert gsm.measure(text).encoding == "UCS-2" and "Б" in text
    req = build_request({"preset": "gatewayapi", "from": "Koivula"}, "+358401234567", text, msg)
    assert req.fields["encoding"] == "UCS2"
