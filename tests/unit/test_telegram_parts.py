"""The Telegram channel's pure parts: callback data, budget, layout limits, texts, errors."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from escalator.domain.model import Action, Incident, Reason, State
from escalator.i18n.codes import CodeInfo
from escalator.notify import buttons as callback
from escalator.notify import guidance
from escalator.notify.telegram.budget import ChatBudget
from escalator.notify.telegram.failures import message_gone, not_modified, to_notify_error
from escalator.notify.telegram.layout import (
    TELEGRAM_LIMIT,
    CardFacts,
    card_text,
    digest_parts,
    keyboard,
    shorten,
    tg_len,
)
from escalator.usecases.chat_records import Queued

NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


def incident(**changes) -> Incident:
    base = dict(id=17, source="terminal", code="FT", point="Loop 2, wing B", text="",
                severity="", ladder="technical-fault", state=State.OPEN, opened_at=NOW,
                last_seen_at=NOW)
    return Incident(**{**base, **changes})


# -- callback data ---------------------------------------------------------------
@pytest.mark.parametrize("data, press", [
    ("acknowledge:17", callback.Press(Action.ACKNOWLEDGE, 17)),
    ("false_alarm:17", callback.Press(Action.FALSE_ALARM, 17)),
    ("resolve:17", callback.Press(Action.RESOLVE, 17)),
    ("escalate:17", callback.Press(Action.ESCALATE, 17)),
    ("snooze15:17", callback.Press(Action.SNOOZE, 17, 15)),
    ("snooze60:123456789012", callback.Press(Action.SNOOZE, 123456789012, 60)),
    ("note:17", None),  # notes need text: not a button
    ("acknowledge:", None),
    ("acknowledge:17:x", None),
    ("snooze0:17", None),
    ("snooze99999:17", None),
    ("", None),
    (None, None),
])
def test_callback_parse(data, press):
    assert callback.parse(data) == press


@pytest.mark.parametrize("action, minutes", [(a, None) for a in callback.BUTTON_ACTIONS]
                         + [(Action.SNOOZE, m) for m in callback.SNOOZE_CHOICES])
def test_callback_round_trip_fits_64_bytes(action, minutes):
    data = callback.encode(action, 999_999_999_999, minutes)
    assert len(data.encode()) <= 64
    parsed = callback.parse(data)
    assert parsed is not None and parsed.action is action and parsed.incident_id == 999_999_999_999


# -- budget ---------------------------------------------------------------------
def test_budget_is_a_sliding_minute_on_the_given_clock():
    budget = ChatBudget(per_minute=20)
    assert budget.direct_limit == 10
    for i in range(10):
        assert budget.admit("-1", NOW + timedelta(seconds=i), 1, budget.direct_limit)
    assert not budget.admit("-1", NOW + timedelta(seconds=10), 1, budget.direct_limit)
    assert budget.room("-1", NOW + timedelta(seconds=10)) == 10  # the rest is for digests
    assert budget.room("-2", NOW) == 20  # per chat
    assert budget.free_at("-1", NOW + timedelta(seconds=10), 1, 10) == NOW + timedelta(minutes=1)
    assert budget.room("-1", NOW + timedelta(seconds=60)) == 11


# -- 4096 characters ---------------------------------------------------------------
def facts(inc: Incident, lang: str = "fi") -> CardFacts:
    return CardFacts(incident=inc, lang=lang, tz="Europe/Helsinki", now=NOW, facility="Talo",
                     serious="s", todo="t", contacting_now="", upcoming=None,
                     contacted=[("Ward A", NOW)] * 300)


def test_shorten_counts_utf16_and_never_splits_a_character():
    text = "🔥" * 3000  # each counts 2 in Telegram
    short = shorten(text, TELEGRAM_LIMIT)
    assert tg_len(short) <= TELEGRAM_LIMIT and short.endswith("…")
    assert set(short[:-1]) == {"🔥"}
    assert shorten("short", 10) == "short"


@pytest.mark.parametrize("filler", ["x", "ä", "🚒"])
def test_huge_alarm_texts_are_shortened_and_keep_the_essentials(filler):
    inc = incident(text=filler * 20_000, point=filler * 5000)
    text = card_text(facts(inc))
    assert tg_len(text) <= TELEGRAM_LIMIT
    assert "Palohälytyssilmukan vika · #17" in text and "…" in text
    assert text.endswith("— Talo")  # the end of the card survives: text is cut, not the card
    assert keyboard(inc, "fi")  # the buttons are separate and always there


def test_digest_splits_at_4096_and_carries_every_notice_once():
    incidents = {i: incident(id=i, point=f"Zone {i} " + "x" * 80) for i in range(1, 501)}
    items = [Queued(i, "-1", i, i, Reason.FIRST.value, "", NOW) for i in incidents]
    parts = digest_parts(items, incidents, "en")
    assert len(parts) > 1
    assert all(tg_len(p.text) <= TELEGRAM_LIMIT for p in parts)
    carried = [i for p in parts for i in p.item_ids]
    assert sorted(carried) == sorted(incidents) and len(carried) == len(set(carried))
    for part in parts:
        for item_id in part.item_ids:
            assert f"#{item_id} Zone {item_id} " in part.text
    assert parts[0].text.startswith("⚠️ Alarm storm: 500 notices")


# -- languages ------------------------------------------------------------------
# Every text's fi/sv/en completeness and placeholders: tests/unit/test_catalogs.py.


@pytest.mark.parametrize("lang, head, button", [
    ("fi", "🔴 Hälytys – kukaan ei ole vielä ottanut sitä hoitaakseen", "Otan hoitaakseni"),
    ("sv", "🔴 Larm – ingen har tagit hand om det ännu", "Jag tar det"),
    ("en", "🔴 Alarm – nobody has taken it yet", "I'll take it"),
])
def test_card_in_each_language(lang, head, button):
    inc = incident()
    assert card_text(facts(inc, lang)).startswith(head)
    assert keyboard(inc, lang)[0][0] == (button, "acknowledge:17")


def test_buttons_follow_the_state():
    def data(state):
        return [d for row in keyboard(incident(state=state), "en") for _, d in row]

    assert data(State.OPEN) == ["acknowledge:17", "en_route60:17", "en_route120:17",
                                "on_site:17", "false_alarm:17", "resolve:17",
                                "snooze15:17", "snooze60:17", "escalate:17"]
    assert data(State.ACKNOWLEDGED) == ["on_site:17", "en_route60:17", "en_route120:17",
                                        "resolve:17", "false_alarm:17", "escalate:17"]
    on_site = replace(incident(state=State.ACKNOWLEDGED), promise="on_site")
    assert [d for row in keyboard(on_site, "en") for _, d in row] == [
        "on_site:17", "resolve:17", "false_alarm:17", "escalate:17"]
    assert data(State.FALSE_ALARM) == ["resolve:17", "escalate:17"]
    assert data(State.RESOLVED) == []


# -- errors -------------------------------------------------------------------------
@pytest.mark.parametrize("make, recoverable, retry_after", [
    (lambda: RetryAfter(30), True, 30.0),
    (TimedOut, True, None),
    (lambda: NetworkError("Service Unavailable"), True, None),
    (lambda: Forbidden("Forbidden: bot was kicked from the group chat"), False, None),
    (lambda: BadRequest("Bad Request: chat not found"), False, None),
    (lambda: ChatMigrated(-100999), False, None),
])
def test_telegram_errors_map_to_recoverable_or_not(make, recoverable, retry_after, monkeypatch):
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # as the channel runs PTB (connection.py)
    error = to_notify_error(make(), "-1")
    assert (error.recoverable, error.retry_after) == (recoverable, retry_after)


def test_edit_answers_that_are_not_failures():
    assert not_modified(BadRequest("Bad Request: message is not modified: same content"))
    assert message_gone(BadRequest("Bad Request: message to edit not found"))
    assert not message_gone(BadRequest("Bad Request: chat not found"))


# -- how serious / what to do -------------------------------------------------------
@pytest.mark.parametrize("code, lang, serious_start, todo_start", [
    ("FT", "en", "A technical fault, not a fire.", "No need to evacuate. Nobody needs to call"),
    ("YX", "sv", "Ett tekniskt fel, ingen brand.", "Ingen evakuering behövs."),
    ("source_silent", "fi", "Hälytysjärjestelmä ei ole raportoinut", "Ei tarvetta evakuoida."),
    ("FA", "en", "Fire alarm: treat it as real", "Check the location now. If there is fire: call"),
    ("BA", "fi", "Vakava.", "Älä mene yksin."),  # the code catalogue's line
    ("ZZ9", "en", "Not known – treat it as important", "Check the situation"),
])
def test_guidance_by_kind_of_alarm(code, lang, serious_start, todo_start):
    inc = incident(code=code)
    assert guidance.serious(inc, lang).startswith(serious_start)
    assert guidance.todo(inc, lang).startswith(todo_start)


def test_facility_override_and_handled_alarms():
    own = CodeInfo({"fi": "Oma"}, "high", {"fi": "Soita talonmiehelle 040 123 4567."})
    assert guidance.todo(incident(), "fi", {"ft": own}) == "Soita talonmiehelle 040 123 4567."
    assert guidance.todo(incident(state=State.ACKNOWLEDGED), "fi") == "Ei toimenpiteitä."


def test_a_migrated_group_names_its_new_id():
    error = to_notify_error(ChatMigrated(-100999), "-1")
    assert "-100999" in str(error) and "config" in str(error)


def test_oncall_names_who_is_on_shift_and_each_step():
    from support import TOKENS, FakeClock, config_text

    from escalator.config import build_directory, load_config_text
    from escalator.entrypoints.telegram.commands import oncall_text

    config, _ = load_config_text(config_text(), env=TOKENS)
    clock = FakeClock(datetime(2026, 11, 24, 21, 0, tzinfo=UTC))  # 23:00 in Helsinki
    text = oncall_text(config, build_directory(config), clock, "en")
    assert text.startswith("On duty now:\n• nurse-on-duty: Night nurse\n")
    assert ("technical-fault: 1. Night nurse → 2. Security company fault hotline → "
            "3. Local electrical contractor (not reachable now) → 4. Property maintenance "
            "(not reachable now)") in text


# -- answers as people give them: buttons and the card's first line -----------------
@pytest.mark.parametrize("data, press", [
    ("en_route60:17", callback.Press(Action.EN_ROUTE, 17, 60)),
    ("en_route240:17", callback.Press(Action.EN_ROUTE, 17, 240)),
    ("on_site:17", callback.Press(Action.ON_SITE, 17)),
    ("en_route45:17", None),  # not a time that may be promised
    ("en_route:17", None),
])
def test_promise_buttons_carry_only_the_offered_times(data, press):
    assert callback.parse(data) == press


@pytest.mark.parametrize("lang, way, there", [
    ("fi", "Matkalla, perillä 1 t kuluessa",
     "🟢 Paikalla: Huolto Oy klo 9.00 alkaen – valmista arviolta klo 11.00"),
    ("sv", "På väg, där inom 1 tim",
     "🟢 På plats: Huolto Oy sedan kl. 9.00 – klart uppskattningsvis kl. 11.00"),
    ("en", "On my way, there within 1 h",
     "🟢 On site: Huolto Oy since 09:00 – expected fixed by 11:00"),
])
def test_the_card_says_on_the_way_and_on_site_in_each_language(lang, way, there):
    labels = {data: label for row in keyboard(incident(), lang) for label, data in row}
    assert labels["en_route60:17"] == way
    inc = incident(state=State.ACKNOWLEDGED, acked_by="Huolto Oy", acked_at=NOW,
                   promise="on_site", promised_at=NOW, fix_by=NOW + timedelta(hours=2),
                   ack_deadline=NOW + timedelta(hours=2))
    assert card_text(facts(inc, lang)).splitlines()[0] == there
