"""The board's pure parts: order and words of the list, on-duty gaps, the ladder picture,
the outbox's renderings, and its texts in three languages."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from support import TOKENS, config_text

from escalator.config import build_directory, load_config_text
from escalator.domain.availability import Contact
from escalator.domain.model import Incident, State
from escalator.entrypoints.http.board import duty, rows
from escalator.entrypoints.http.board.picture import Call, Mark, picture
from escalator.entrypoints.http.board.texts import bt
from escalator.notify.base import Message
from escalator.notify.gsm import measure
from escalator.notify.outbox import render

NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # Tuesday 09:00 in Helsinki


def incident(id: int, code: str = "FT", severity: str = "", minutes_ago: int = 0,
             state: State = State.OPEN) -> Incident:
    at = NOW - timedelta(minutes=minutes_ago)
    return Incident(id=id, source="terminal", code=code, point="B", text="", severity=severity,
                    ladder="technical-fault", state=state, opened_at=at, last_seen_at=at)


def config():
    cfg, _ = load_config_text(config_text(), env=TOKENS)
    return cfg


def test_most_severe_first_then_newest():
    found = rows.order([incident(1, "YT", minutes_ago=1),  # low battery: medium
                        incident(2, "FT", minutes_ago=5),  # high
                        incident(3, "FT", minutes_ago=2),  # high, newer
                        incident(4, "XX", severity="critical", minutes_ago=9)])
    assert [i.id for i in found] == [4, 3, 2, 1]


def test_an_unknown_code_without_severity_reads_high():
    assert rows.severity_of(incident(1, "ZZ")) == "high"
    assert rows.severity_of(incident(1, "RP")) == "info"


def test_a_row_says_where_on_the_ladder_in_words():
    cfg = config()
    inc = incident(7)
    inc = replace(inc, escalation=replace(inc.escalation, step=1, loop=1,
                                          step_started_at=NOW))
    row = rows.row(inc, cfg, build_directory(cfg), "en", NOW)
    assert row.place == "Step 2 of 4, round 2"
    assert row.now == "Now: Security company fault hotline"
    assert row.next.startswith("Next: ") and "Local electrical contractor" in row.next
    assert row.severity == "high" and row.severity_words == "High"
    assert rows.row(inc, cfg, build_directory(cfg), "sv", NOW).place == "Steg 2/4, varv 2"


def test_a_row_says_who_is_on_the_way_or_on_site_and_what_missing_it_means():
    cfg = config()
    inc = replace(incident(8, state=State.ACKNOWLEDGED), acked_by="Huolto Oy",
                  acked_party="alarm-vendor", promise="en_route", promised_at=NOW,
                  eta=NOW + timedelta(minutes=15), ack_deadline=NOW + timedelta(minutes=45))
    inc = replace(inc, escalation=replace(inc.escalation, step=1, step_started_at=NOW))
    way = rows.row(inc, cfg, build_directory(cfg), "fi", NOW)
    assert (way.state_words, way.taken_by) == ("Matkalla", "Huolto Oy")
    assert way.next == ("Seuraavaksi: ellei Huolto Oy ole ilmoittanut olevansa paikalla klo "
                        "9.45 mennessä, kirjataan myöhästyminen ja hälyttäminen jatkuu")
    there = rows.row(replace(inc, promise="on_site"), cfg, build_directory(cfg), "sv", NOW)
    assert there.state_words == "På plats, vi åtgärdar"


def test_actions_follow_the_state():
    assert "acknowledge" in rows.actions(incident(1))
    taken = rows.actions(incident(1, state=State.ACKNOWLEDGED))
    assert "acknowledge" not in taken and "resolve" in taken
    assert rows.actions(incident(1, state=State.RESOLVED)) == ()


def test_on_duty_now_next_and_gaps():
    cfg = config()
    directory = build_directory(cfg)
    roster = duty.rosters(cfg, directory, NOW)[0]
    assert roster.now == ("Ward A nurse on duty",) and not roster.gap
    assert roster.next_names == ("Night nurse",)
    assert roster.next_at == datetime(2026, 11, 24, 19, 0, tzinfo=UTC)  # 21:00 local
    odd = duty.rosters(cfg, directory, NOW + timedelta(minutes=7))[0]
    assert odd.next_at == datetime(2026, 11, 24, 19, 0, tzinfo=UTC)  # on the hour, not 19:07
    saturday_night = datetime(2026, 11, 28, 22, 0, tzinfo=UTC)
    steps = duty.ladders(cfg, directory, saturday_night)[0].steps
    assert steps[2].gap and steps[2].closed == ("Local electrical contractor",)
    assert not steps[0].gap and not steps[1].gap
    assert steps[2].next_at == datetime(2026, 11, 30, 5, 0, tzinfo=UTC)  # Monday 07:00


def test_the_ladder_picture_has_every_step_call_and_mark():
    svg = picture(["1. Nurse", "2. Vendor", "Nobody took it"],
                  [Call(NOW, 0, "Nurse", False), Call(NOW + timedelta(minutes=10), 1,
                                                      "Vendor <x>", False)],
                  [Mark(NOW + timedelta(minutes=12), "Taken")], NOW,
                  NOW + timedelta(minutes=20), "Europe/Helsinki", "Ladder", "desc", "now")
    assert svg.startswith("<svg") and svg.count("<circle") == 2
    assert "Vendor &lt;x&gt;" in svg and "Taken" in svg and "09:20" in svg
    assert "1. Nurse" in svg and "<title id=\"lp-title\">Ladder</title>" in svg


def message(reason: str = "FIRST") -> Message:
    inc = incident(3, "FT")
    return Message(delivery_id=1, incident=replace(inc, point="Palosilmukka 2, B-siipi"),
                   party="alarm-vendor", party_name="Vendor", reason=reason, step=1,
                   detail="", update=False, language="fi", subject="[X] #3 Vika",
                   text="Body text", ack_url="http://127.0.0.1:8080/ack/abc",
                   tz="Europe/Helsinki")


def test_the_outbox_renders_like_each_channel():
    title, text = render("sms", message(), "Lehtioja", NOW)
    assert text.startswith("[Lehtioja] Uusi hälytys. Ottakaa hoitoon tai siirtäkää eteenpäin. "
                           "Palohälytyssilmukan vika, Palosilmukka 2, B-siipi.")  # issue 21
    assert text.endswith("http://127.0.0.1:8080/ack/abc") and measure(text).segments <= 3
    assert render("email", message(), "L", NOW) == ("[X] #3 Vika", "Body text")
    assert '"incident": 3' in render("webhook", message(), "L", NOW)[1]
    _, words = render("voice", message(), "Lehtioja", NOW)
    assert "Palohälytyssilmukan vika, Palosilmukka 2, B-siipi" in words and "1" in words
    ping, _ = render("telegram", message(), "L", NOW)
    assert render("telegram", replace(message("ACKED"), update=True), "L", NOW) == ("", "")
    assert "#3" in ping and "Palohälytyssilmukan vika" in ping


async def test_the_outbox_keeps_messages_newest_first():
    from escalator.notify.outbox import Outbox

    told = []
    box = Outbox(lambda: NOW, lambda: "L", on_new=lambda: told.append(1))
    await box.send(Contact("email", "a@b.example"), message())
    await box.send(Contact("sms", "+358401"), message("RENOTIFY"))
    assert [k.channel for k in box.messages()] == ["sms", "email"] and len(told) == 2
    assert box.get(1) is not None and box.get(1).address == "a@b.example"


def test_board_texts_and_the_shared_ones_come_from_one_catalogue():
    assert bt("sv", "nav.oncall") == "I tjänst"
    assert bt("sv", "state.open") == "öppen"  # falls back to the shared catalogue
