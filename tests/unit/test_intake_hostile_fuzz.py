"""Arbitrary and hostile input to every intake parser (issue 11): clean fields, no crash, no stall.

The properties: whatever bytes or JSON arrive, a parser either refuses with its
own error or makes an event whose fields every channel and store accept (no
control characters, valid UTF-8); user rules run in linear time and agree
with Python's `re` on the syntax both accept.
"""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parents[1]))
from support import FakeClock  # noqa: E402

from escalator.codecs.clean import event_id, multi_line, one_line
from escalator.codecs.fields import apply_rules
from escalator.config.model import SourceConfig  # noqa: E402
from escalator.domain.errors import IntakeError
from escalator.entrypoints.http.intake import parse_batch, parse_event  # noqa: E402
from escalator.entrypoints.receivers.base import IntakeContext
from escalator.entrypoints.receivers.smtp import EmailReceiver
from escalator.parsing import patterns

CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
README_RULE = {"match": "Maavuoto (?P<where>.+) alkoi", "in": "any", "code": "YX",
               "point": "{where}", "state": "alarm"}
BOUND = timedelta(seconds=2)  # per example: a stall, not a figure


def assert_clean(event) -> None:
    for name in ("code", "point", "severity", "source"):
        value = getattr(event, name)
        assert not CONTROL.search(value) and "\n" not in value, (name, value)
        value.encode("utf-8")
    assert not CONTROL.search(event.text), event.text
    event.text.encode("utf-8")
    if event.event_id is not None:
        assert not CONTROL.search(event.event_id)
        event.event_id.encode("utf-8")


# -- the shared cleaning ----------------------------------------------------------------

@given(st.text())
def test_one_line_leaves_no_control_character_and_is_stable(value):
    cleaned = one_line(value)
    assert not CONTROL.search(cleaned) and "\n" not in cleaned
    cleaned.encode("utf-8")
    assert one_line(cleaned) == cleaned


@given(st.text())
def test_multi_line_keeps_only_line_feeds_and_is_stable(value):
    cleaned = multi_line(value)
    assert not CONTROL.search(cleaned) and "\r" not in cleaned
    cleaned.encode("utf-8")
    assert multi_line(cleaned) == cleaned


@given(st.text(min_size=1), st.text(min_size=1))
def test_two_different_ids_stay_different(a, b):
    if a != b:
        assert event_id(a) != event_id(b)
    assert not CONTROL.search(event_id(a))


# -- e-mail ------------------------------------------------------------------------------

async def _ingest(event):
    raise AssertionError("not used")


def receiver(rules=(README_RULE,)) -> EmailReceiver:
    source = SourceConfig("mail", "email", options={
        "listen": ("127.0.0.1", 0), "code": "email_unmatched", "rules": rules})
    return EmailReceiver(IntakeContext(source, _ingest, FakeClock(), lambda name: None))


header_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=300)
charsets = st.sampled_from(["utf-8", "iso-8859-1", "x-bogus", "", "utf-7", "\xff", "ascii"])
encodings = st.sampled_from(["7bit", "8bit", "quoted-printable", "base64", "x-none", ""])


@st.composite
def hostile_mails(draw) -> bytes:
    subject = draw(header_text).encode("utf-8", "surrogateescape")
    charset = draw(charsets).encode("latin-1")
    if draw(st.booleans()):  # an encoded word, possibly with a charset nobody knows
        subject = b"=?" + charset + b"?q?" + subject.replace(b" ", b"_") + b"?="
    body = draw(st.binary(max_size=2000))
    kind = draw(st.sampled_from([b"text/plain", b"text/html", b"multipart/mixed", b"x/y"]))
    return (b"Subject: " + subject + b"\r\nMessage-ID: <" + draw(st.binary(max_size=40))
            + b">\r\nContent-Type: " + kind + b"; charset=" + charset + b"\r\n"
            + b"Content-Transfer-Encoding: " + draw(encodings).encode() + b"\r\n\r\n" + body)


@settings(max_examples=300, deadline=BOUND)
@given(hostile_mails())
def test_any_mail_makes_a_clean_event(raw):
    assert_clean(receiver().event_for(raw))


@settings(max_examples=20, deadline=BOUND)
@given(st.integers(10_000, 200_000), st.sampled_from(["Maavuoto ", "Maavuoto x\r\n ", "<"]))
def test_a_huge_hostile_subject_or_body_is_read_in_bounded_time(repeat, word):
    text = (word * (repeat // len(word))).encode()
    raw = b"Subject: " + text + b"\r\nContent-Type: text/html\r\n\r\n" + text
    event = receiver().event_for(raw)
    assert_clean(event)
    assert len(event.text) <= 2000


# -- rules ---------------------------------------------------------------------------------

TOKENS = ["a", "b", "ä", "Ä", "x", ".", r"\w", r"\W", r"\d", r"\s", " ", "+", "*", "?",
          "(?P<g>a|b)", "[\\w ]", "[^a]", "^", "$", "(x|ä)", "1"]


@st.composite
def simple_patterns(draw) -> str:
    tokens = draw(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=6))
    pattern = ""
    for token in tokens:  # no quantifier on nothing or on a quantifier
        if token in "+*?" and (not pattern or pattern[-1] in "+*?^$"):
            continue
        pattern += token
    return pattern or "a"


@settings(max_examples=400, deadline=BOUND)
@given(simple_patterns(), st.text(alphabet="abäÄx1 _\n.", max_size=30))
def test_rules_match_as_python_re_would(pattern, text):
    try:
        expected = re.search(pattern, text, re.IGNORECASE | re.MULTILINE)
    except re.error:
        return
    found = patterns.search(pattern, text)
    assert (found is None) == (expected is None), (pattern, text)
    if expected is not None and found is not None and "g" in expected.groupdict():
        assert found["g"] == (expected.group("g") or "")


@settings(max_examples=100, deadline=BOUND)
@given(st.text(max_size=5000))
def test_rules_on_any_text_never_raise(text):
    apply_rules((README_RULE,), {"subject": text, "body": text})


# -- the webhook body ----------------------------------------------------------------------

# any code point, surrogates and controls included: JSON can carry "\ud800" and "\u0000"
chars = st.characters(exclude_categories=()) | st.sampled_from("\x00\r\n\x1b\x85\u2028\ud800")
texts = st.text(chars)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=20)
event_objects = st.fixed_dictionaries({}, optional={
    "code": st.text(chars, max_size=70) | json_values, "state": st.sampled_from(
        ["alarm", "clear", "heartbeat", "", "x"]) | json_values,
    "point": st.text(chars, max_size=300), "text": st.text(chars, max_size=2100),
    "severity": st.text(chars, max_size=40), "time": st.text(max_size=40) | json_values,
    "id": st.text(chars, max_size=130) | st.integers() | json_values,
})


@settings(max_examples=500, deadline=BOUND)
@given(json_values | event_objects | st.lists(event_objects, max_size=5))
def test_any_json_is_an_event_with_clean_fields_or_a_named_refusal(body):
    try:
        parsed = parse_batch(body, "terminal", NOW) if isinstance(body, list) \
            else [parse_event(body, "terminal", NOW)]
    except IntakeError as exc:
        assert str(exc)  # says which field and why
        return
    for event, _ in parsed:
        assert_clean(event)
