"""Arbitrary JSON to POST /api/v1/events over real HTTP: never a 5xx, never a stall.

Refusals are 4xx with a reason; what is accepted is stored with clean fields
(on SQLite here; the PostgreSQL side is pinned in intake/test_hostile_text.py).
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import TOKENS

TERMINAL = {"Authorization": f"Bearer {TOKENS['ESCALATOR_TERMINAL_TOKEN']}"}

# any code point, surrogates and controls included: JSON can carry "\ud800" and "\u0000"
chars = st.characters(exclude_categories=()) | st.sampled_from("\x00\r\n\x1b\x85\u2028\ud800")
texts = st.text(chars)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=20)
events = st.fixed_dictionaries({}, optional={
    "code": st.text(chars, max_size=70), "state": st.sampled_from(["alarm", "clear", "heartbeat"]),
    "point": st.text(chars, max_size=300), "text": st.text(chars, max_size=2100),
    "severity": st.text(chars, max_size=40), "id": st.text(chars, max_size=130) | st.integers(),
    "time": st.sampled_from(["2026-11-24T09:00:00+02:00", "9999-12-31T23:59:59+14:00",
                             "0001-01-01T00:00:00-12:00", "2026-11-24T09:00:00", "x"]),
})
bodies = json_values | events | st.lists(events, max_size=4)


@pytest.fixture
async def terminal(make_app, aiohttp_client):
    """One app for all examples (function-scoped fixtures are made once per test)."""
    return await aiohttp_client((await make_app()).web_app())


@settings(max_examples=400, deadline=timedelta(seconds=5),
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies)
async def test_any_json_body_gets_a_2xx_or_a_4xx_with_a_reason(terminal, body):
    resp = await terminal.post("/api/v1/events", data=json.dumps(body).encode(), headers=TERMINAL)
    answer = await resp.json()
    assert resp.status < 500, (resp.status, answer)
    if resp.status >= 400:
        assert answer["error"]
