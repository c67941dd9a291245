"""The care home's installation work, end to end over HTTP.

The facility manager sets a window for B-wing through the operator API; a
too-long one is refused. The terminal's FT alarm arrives through the webhook
intake during the work: stored, answered 202, nobody told. When the window
ends with the alarm still on, step 1 (the ward's nurse) gets it, in Finnish,
with reason MAINTENANCE_ENDED.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from support import TOKENS, config_text

pytestmark = pytest.mark.e2e

OPERATOR = {"Authorization": f"Bearer {TOKENS['ESCALATOR_API_TOKEN']}"}
TERMINAL = {"Authorization": f"Bearer {TOKENS['ESCALATOR_TERMINAL_TOKEN']}"}
MONDAY_8 = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # Mon 08:00 in Helsinki


async def test_installation_work_holds_the_alarm_until_the_window_ends(
        make_app, clock, recorder, aiohttp_client, tmp_path):
    clock.set(MONDAY_8)
    storage = f"sqlite:///{tmp_path}/care.db"
    app = await make_app(config_text(storage).replace("    heartbeat_timeout: 15m\n", ""),
                         storage=storage)
    client = await aiohttp_client(app.web_app())

    window = {"match": {"source": ["terminal"], "code": ["FT"], "point": "B-wing*"},
              "from": "2026-11-30 08:00", "reason": "installation work"}
    refused = await client.post("/api/v1/maintenance", headers=OPERATOR,
                                json={**window, "until": "2026-12-14 16:00"})
    assert refused.status == 400
    assert "longer than maintenance_max (7d)" in (await refused.json())["error"]
    made = await client.post("/api/v1/maintenance", headers=OPERATOR,
                             json={**window, "until": "2026-12-04 16:00"})
    assert made.status == 201

    clock.advance(hours=2)
    sent = await client.post("/api/v1/events", headers=TERMINAL, json={
        "code": "FT", "point": "B-wing 2nd floor", "text": "Silmukka 4 vika", "id": "evt-42"})
    assert sent.status == 202
    incident_id = (await sent.json())["incident"]
    due = await app.tick()
    assert recorder.sent == []
    assert due == datetime(2026, 12, 4, 14, 0, tzinfo=UTC)  # Fri 16:00 in Helsinki

    clock.set(due - timedelta(minutes=1))
    await app.tick()
    assert recorder.sent == []
    clock.set(due)
    await app.tick()
    assert recorder.reasons() == [("ward-a", "MAINTENANCE_ENDED")]
    text = recorder.to("ward-a")[0].text
    assert text.startswith("Huoltotyön aika päättyi (installation work), mutta hälytys on yhä")
    assert "B-wing 2nd floor" in text

    detail = await client.get(f"/api/v1/incidents/{incident_id}", headers=OPERATOR)
    timeline = [(e["reason"], e["party"]) for e in (await detail.json())["timeline"]]
    assert timeline == [("OPENED", None), ("MAINTENANCE_HELD", None),
                        ("MAINTENANCE_ENDED", "ward-a")]
