"""Reading an SMS reply, the typed snooze rule, and Twilio's signature, as tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from escalator.domain.guards import Actor, Ask, Door, Facts, Why, judge, snooze_ok, version
from escalator.domain.model import Action, Incident, State
from escalator.domain.sms_reply import Reply, read, short_code
from escalator.entrypoints.http.sms_inbound import twilio_signature

T, P, S = Action.ACKNOWLEDGE, Action.ESCALATE, Action.SNOOZE


@pytest.mark.parametrize(("text", "found"), [
    ("1", Reply(T)), ("2", Reply(P)), ("3", Reply(S)), ("3 30", Reply(S, 30)),
    (" 1 ", Reply(T)), ("1.", Reply(T)), ("3  30\n", Reply(S, 30)),
    ("1 K7", Reply(T, None, 7)), ("1 k7", Reply(T, None, 7)), ("1 #K7", Reply(T, None, 7)),
    ("1K7", Reply(T, None, 7)), ("3 30 K12", Reply(S, 30, 12)), ("2 # k7.", Reply(P, None, 7)),
    # not answers: say how to answer, change nothing
    ("", None), ("ok", None), ("4", None), ("0", None), ("12", None), ("1 30", None),
    ("2 15", None), ("3 30 minutes", None), ("1 X7", None), ("1 K", None), ("K7", None),
    ("3 12345", None), ("1 K1234567890", None), ("١", None), ("３ 30", None),
    ("1\x00", None), ("1 " + "K7 " * 60, None), ("yes 1", None),
])
def test_reading_a_reply(text, found):
    assert read(text) == found


def test_the_short_code_reads_back():
    assert short_code(7) == "K7" and read(f"1 #{short_code(1234)}") == Reply(T, None, 1234)


@pytest.mark.parametrize(("minutes", "typed", "ok"), [
    (30, True, True), (240, True, True), (241, True, False), (0, True, False),
    (30, False, False), (15, False, True), (None, True, True), (None, False, True)])
def test_a_typed_snooze_is_any_length_within_max_snooze(minutes, typed, ok):
    assert snooze_ok(minutes, timedelta(hours=4), typed=typed) is ok


NOW = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
OPEN = Incident(7, "terminal", "FT", "Loop 2", "", "", "technical-fault", State.OPEN, NOW, NOW,
                notified=("ward-a",))


@pytest.mark.parametrize(("door", "minutes", "why"), [
    (Door.SMS, 30, Why.OK), (Door.SMS, 45, Why.OK), (Door.SMS, 300, Why.SNOOZE_TOO_LONG),
    (Door.ACK_PAGE, 30, Why.SNOOZE_TOO_LONG), (Door.TELEGRAM, 30, Why.SNOOZE_TOO_LONG)])
def test_only_the_sms_door_takes_a_typed_snooze_length(door, minutes, why):
    actor = Actor(door, "Ward A", "ward-a", scope="ward-a")
    facts = Facts(OPEN, ("ward-a",), (), version(OPEN))
    assert judge(actor, Ask(Action.SNOOZE, minutes), facts, NOW).why is why


def test_twilio_signature_matches_twilios_own_example():
    # the vector of Twilio's request-validator tests (token 12345)
    form = {"CallSid": "CA1234567890ABCDE", "Caller": "+14158675309", "Digits": "1234",
            "From": "+14158675309", "To": "+18005551212"}
    assert twilio_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", form) \
        == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def _checked(block: str):
    from outside import SECRETS, outside_config
    from support import TOKENS

    from escalator.config.checking import check_text

    text = outside_config("sqlite:///:memory:", smtp_port=2525, sms_url="https://sms.example/a1",
                          sms_block=block)
    return check_text(text, "escalator.yaml", env={**TOKENS, **SECRETS}, ready=None)


SMS_BLOCK = """  sms:
    preset: 46elks
    url: "{sms_url}"
    from: Lehtioja
    auth_header_env: SMS_AUTH
"""


@pytest.mark.parametrize(("extra", "problem"), [
    ("    inbound: 46elks\n    inbound_user_env: ELKS_IN_USER\n"
     "    inbound_password_env: ELKS_IN_PASSWORD\n", None),
    ("    inbound: twilio\n    inbound_token_env: TWILIO_TOKEN\n", None),
    ("    inbound: twilio\n", "channels.sms.inbound: replies through twilio are refused without "
                             "inbound_token_env"),
    ("    inbound: 46elks\n    inbound_user_env: ELKS_IN_USER\n",
     "channels.sms.inbound: replies through 46elks are refused without inbound_password_env"),
    ("    inbound: 46elk\n", "escalator.yaml:79: channels.sms.inbound: found \"46elk\""),
    ("    inbond: 46elks\n", "unknown key 'inbond' (did you mean 'inbound'?)"),
])
def test_config_check_explains_the_inbound_keys_at_their_line(extra, problem):
    checked = _checked(SMS_BLOCK + extra)
    texts = [p.text for p in checked.problems]
    if problem is None:
        assert checked.ok, texts
    else:
        assert any(problem in text for text in texts), texts
