"""/metrics: histograms of event to first notice, send time and answer time, by door."""

from __future__ import annotations

from board_support import (
    CSRF,
    board_client,  # noqa: F401 - fixture
    sign_in,
)
from support import TOKENS
from tg_support import fake_tg, tg_app  # noqa: F401 - fixtures

from escalator.domain.model import AlarmEvent

TERMINAL = {"Authorization": f"Bearer {TOKENS['ESCALATOR_TERMINAL_TOKEN']}"}
OPERATOR = {"Authorization": f"Bearer {TOKENS['ESCALATOR_API_TOKEN']}"}


def sample(text: str, series: str) -> float:
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{series} not exposed")


async def test_event_to_first_notice_and_send_time(client, clock):
    app = client.escalator
    resp = await client.post("/api/v1/events", json={"code": "FT", "point": "1"},
                             headers=TERMINAL)
    assert resp.status == 202
    clock.advance(seconds=3)
    await app.tick()  # the first notices go out, 3 s after the event
    text = await (await client.get("/metrics")).text()
    assert "# TYPE escalator_first_notice_seconds histogram" in text
    assert sample(text, 'escalator_first_notice_seconds_count{source_kind="webhook"}') == 1
    assert sample(text, 'escalator_first_notice_seconds_sum{source_kind="webhook"}') == 3
    assert sample(text, 'escalator_first_notice_seconds_bucket{le="5.0",source_kind="webhook"}'
                  ) == 1
    assert sample(text, 'escalator_first_notice_seconds_bucket{le="2.5",source_kind="webhook"}'
                  ) == 0
    sent = sample(text, 'escalator_send_seconds_count{channel="telegram",outcome="sent"}')
    assert sent >= 1  # every step-1 notice, once; the first notice counted once only
    assert "# TYPE escalator_send_seconds histogram" in text


async def test_answer_time_by_door(client, clock):
    app = client.escalator
    board_alarm = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now(),
                                                      point="A"))
    api_alarm = await app.service.ingest(AlarmEvent("terminal", "YX", "alarm", clock.now(),
                                                    point="B"))
    clock.advance(minutes=2)
    assert await sign_in(client, "Anna") == 303
    page = await (await client.get(f"/board/incidents/{board_alarm.incident_id}")).text()
    resp = await client.post(f"/board/incidents/{board_alarm.incident_id}/act", data={
        "action": "acknowledge", "csrf": CSRF.search(page).group(1)}, allow_redirects=False)
    assert resp.status == 303
    clock.advance(minutes=8)
    resp = await client.post(f"/api/v1/incidents/{api_alarm.incident_id}/actions",
                             json={"action": "false_alarm"}, headers=OPERATOR)
    assert resp.status == 200, await resp.text()
    text = await (await client.get("/metrics")).text()
    assert "# TYPE escalator_answer_seconds histogram" in text
    assert sample(text, 'escalator_answer_seconds_sum{door="board",state="acknowledged"}'
                  ) == 120
    assert sample(text, 'escalator_answer_seconds_sum{door="api",state="false_alarm"}') == 600


async def test_a_telegram_press_is_an_answer_through_telegrams_door(tg_app, fake_tg):  # noqa: F811
    from tg_support import CHAT_A, NURSE_A, alarm

    app = await tg_app()
    iid = await alarm(app)
    await app.tick()
    app.clock.advance(minutes=1)
    mid = fake_tg.chat_messages(CHAT_A)[0].message_id
    query = fake_tg.press(CHAT_A, mid, NURSE_A, f"acknowledge:{iid}")
    await fake_tg.wait_for(lambda: any(a["callback_query_id"] == query
                                       for a in fake_tg.answers()))
    assert app.metrics.value("escalator_answer_seconds_sum", door="telegram",
                             state="acknowledged") == 60
    # (this config declares no sources: an event from an undeclared one reads "internal")
    assert app.metrics.value("escalator_first_notice_seconds_count",
                             source_kind="internal") == 1
