"""Alarms a maintenance window holds show on the board as held, not as ordinary open ones.

Issue 20: held alarms looked like any open alarm ("avoin", no ladder). The board's
list, its live rows and the alarm's page say "held: planned maintenance", the work,
the window (from, until) and when the ladder starts, in the reader's language.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from aiohttp.test_utils import TestClient, TestServer
from board_support import ENV, board_config, sign_in

from escalator.config import load_config_text
from escalator.domain.model import AlarmEvent
from escalator.entrypoints.http.board import listing
from escalator.entrypoints.http.keys import QUERIES
from escalator.i18n import t

WINDOW = """
maintenance:
  - match: {source: [terminal], code: [FT], point: "B-wing*"}
    from: "2026-11-24 08:00"
    until: "2026-11-24 12:00"
    reason: Palohälytinhuolto, Kone Oy
"""


async def make(tmp_path, clock, recorder):
    from escalator.app import Escalator

    cfg, _ = load_config_text(board_config(f"sqlite:///{tmp_path}/held.db") + WINDOW, env=ENV)
    app = Escalator(cfg, clock=clock, env=ENV,
                    notifiers={"telegram": recorder, "email": recorder, "sms": recorder})
    await app.start(serve_http=False, schedule=False)
    return app


def row_of(page: str, incident_id: int) -> str:
    found = re.search(rf'<li class="([^"]*)" data-incident="{incident_id}">(.*?)</li>', page,
                      re.S)
    assert found, page
    return found.group(1) + " " + found.group(2)


async def test_a_held_alarm_says_held_with_its_work_and_window(tmp_path, clock, recorder):
    app = await make(tmp_path, clock, recorder)  # 09:00 in Helsinki: inside the window
    try:
        held = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now(),
                                                   point="B-wing 12"))
        plain = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now(),
                                                    point="A-wing 3"))
        await app.tick()
        async with TestClient(TestServer(app.web_app())) as client:
            assert await sign_in(client, "Anna") == 303
            page = await (await client.get("/board/")).text()
            row = row_of(page, held.incident_id)
            assert "held" in row.split()[0:3]
            assert t("fi", "held.state") in row  # "Pidossa: huoltotyö"
            assert "Työ: Palohälytinhuolto, Kone Oy" in row
            assert "Huoltoikkuna 8.00 – 12.00" in row  # the window, in the facility's time
            assert "huoltoikkuna päättyy (12.00)" in row
            assert t("fi", "state.open") not in row  # not an ordinary open alarm
            other = row_of(page, plain.incident_id)
            assert t("fi", "state.open") in other and t("fi", "held.state") not in other

            await client.get("/board/language/sv?next=/board/")
            one = await (await client.get(f"/board/incidents/{held.incident_id}")).text()
            assert "Vilande: planerat underhåll" in one
            assert "Underhållsfönster 8.00 – 12.00" in one
            assert "Arbete: Palohälytinhuolto, Kone Oy" in one

        # the live stream renders one row the same way as the page
        queries = app.web_app()[QUERIES]
        found, holds = await listing.these(queries, [held.incident_id, plain.incident_id])
        now = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
        live = listing.row_html(found[held.incident_id], queries, "en", now,
                                holds.get(held.incident_id))
        assert "Held: planned maintenance" in live and "Work: Palohälytinhuolto" in live
        assert plain.incident_id not in holds

        clock.advance(hours=3, minutes=1)  # the window is over: the ladder starts
        await app.tick()
        async with TestClient(TestServer(app.web_app())) as client:
            assert await sign_in(client, "Anna") == 303
            page = await (await client.get("/board/")).text()
            assert t("fi", "held.state") not in row_of(page, held.incident_id)
    finally:
        await app.stop()
