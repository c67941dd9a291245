"""MQTT payload -> event: fields, topic levels, state words, and arbitrary payloads."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parents[1]))
from support import FakeClock  # noqa: E402

from escalator.config.model import SourceConfig  # noqa: E402
from escalator.entrypoints.receivers.base import IntakeContext

mqtt = pytest.importorskip("escalator.entrypoints.receivers.mqtt")


async def _ingest(event):
    raise AssertionError("not used")


def source(**fields: str) -> object:
    options = {"broker": ("127.0.0.1", 1883), "topic": "#", "fields": fields, "code": "MA"}
    return mqtt.MqttSource(IntakeContext(SourceConfig("s", "mqtt", options=options), _ingest,
                                         FakeClock(), lambda name: None))


@pytest.mark.parametrize("word,state", [
    ("alarm", "alarm"), ("ON", "alarm"), ("", "alarm"), ("weird", "alarm"), ("ok", "clear"),
    ("Normal", "clear"), ("false", "clear"), ("0", "clear"), ("alive", "heartbeat"),
])
def test_state_words(word, state):
    event = source(state="s").event_for("a/b", json.dumps({"s": word}).encode())
    assert event.state == state


def test_fields_topic_levels_and_default_code():
    event = source(point="$topic[1]", text="d.msg").event_for(
        "care/room-7/button", b'{"d": {"msg": "Apua"}}')
    assert (event.code, event.point, event.text) == ("MA", "room-7", "Apua")
    assert source(point="$topic[9]").event_for("a", b"{}").point == ""


@settings(deadline=None)
@given(st.binary(max_size=500), st.text(max_size=40))
def test_any_payload_makes_an_event(payload, topic):
    event = source(code="c", point="p", state="s").event_for(topic, payload)
    assert event.state in ("alarm", "clear", "heartbeat") and event.code
