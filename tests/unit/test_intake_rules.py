"""Rules (text -> event) and the e-mail reader, including arbitrary input."""

from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parents[1]))
from support import FakeClock  # noqa: E402

from escalator.codecs.fields import apply_rules
from escalator.config.model import SourceConfig  # noqa: E402
from escalator.entrypoints.receivers.base import IntakeContext
from escalator.entrypoints.receivers.smtp import EmailReceiver

RULES = (
    {"match": r"maavuoto (?P<where>\w+)", "in": "any", "code": "YX", "point": "{where}",
     "state": "alarm"},
    {"match": r"^kuitattu", "in": "subject", "code": "YX", "point": "{missing}",
     "state": "clear"},
)


def test_first_matching_rule_wins_and_fills_groups():
    found = apply_rules(RULES, {"subject": "x", "body": "MAAVUOTO keittiö"})
    assert found is not None
    assert (found.code, found.point, found.state) == ("YX", "keittiö", "alarm")


def test_rule_place_and_unknown_group_left_as_written():
    assert apply_rules(RULES, {"subject": "x", "body": "kuitattu"}) is None
    found = apply_rules(RULES, {"subject": "Kuitattu", "body": ""})
    assert found is not None and found.point == "{missing}" and found.state == "clear"


async def _ingest(event):
    raise AssertionError("not used")


def receiver() -> EmailReceiver:
    source = SourceConfig("mail", "email", options={
        "listen": ("127.0.0.1", 0), "code": "email_unmatched", "rules": RULES})
    return EmailReceiver(IntakeContext(source, _ingest, FakeClock(), lambda name: None))


def test_quoted_printable_latin1_mail():
    raw = (b"Subject: =?iso-8859-1?q?H=E4lytys?=\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: text/plain; charset=iso-8859-1\r\n"
           b"Content-Transfer-Encoding: quoted-printable\r\n\r\nMaavuoto k=E4yt=E4v=E4\r\n")
    event = receiver().event_for(raw)
    assert (event.code, event.point, event.text) == ("YX", "käytävä", "Hälytys")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_make_an_event(data):
    event = receiver().event_for(data)
    assert event.state in ("alarm", "clear", "heartbeat") and event.code
