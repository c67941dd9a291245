"""A roster calendar file replaced on disk (the staffing system's nightly export) counts
at once, like an edit of the config itself; a broken export keeps the last good shifts."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from support import TOKENS

from escalator.app import Escalator
from escalator.config import build_directory, load_config

HELSINKI = ZoneInfo("Europe/Helsinki")
NIGHT = datetime(2027, 3, 26, 23, 0, tzinfo=HELSINKI)

CONFIG = """\
facility: {{id: lehtioja, name: Lehtiojan palvelukeskus, timezone: Europe/Helsinki}}
storage: "sqlite:///{db}"
people:
  night-nurse: {{name: Anna Virtanen, contact: [{{email: anna.virtanen@lehtioja.example}}]}}
  substitute: {{name: Mikko Korhonen, contact: [{{sms: "040 765 4321"}}]}}
rosters:
  on-duty:
    ical: {{file: shifts.ics}}
ladders:
  l:
    steps: [{{notify: [on-duty], escalate_after: 10 min}}]
routes: [{{ladder: l}}]
"""


def calendar(who: str) -> str:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Hoivavuorot Oy//FI\r\n"
            "BEGIN:VEVENT\r\nUID:night-20270326@hoivavuorot.example\r\n"
            "DTSTAMP:20270301T080000Z\r\nSUMMARY:Yövuoro\r\n"
            "DTSTART;TZID=Europe/Helsinki:20270326T210000\r\n"
            "DTEND;TZID=Europe/Helsinki:20270327T070000\r\n"
            f"ATTENDEE;CN={who}:mailto:x@lehtioja.example\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n")


def on_duty(app) -> list[str]:
    return [r.party for r in build_directory(app.config).resolve("on-duty", NIGHT)
            if r.available]


def rewrite(path: Path, text: str, stamp: int) -> None:
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(stamp, stamp))  # a new mtime even within one clock tick


async def test_a_replaced_calendar_file_counts_and_a_broken_one_keeps_the_last(
        tmp_path, clock, recorder):
    shifts = tmp_path / "shifts.ics"
    rewrite(shifts, calendar("Anna Virtanen"), 1)
    path = tmp_path / "escalator.yaml"
    path.write_text(CONFIG.format(db=tmp_path / "w.db"), encoding="utf-8")
    cfg, _ = load_config(path, env=TOKENS)
    app = Escalator(cfg, clock=clock, env=TOKENS, notifiers={"email": recorder, "sms": recorder})
    await app.start(serve_http=False, schedule=False)
    try:
        assert on_duty(app) == ["night-nurse"]
        assert await app.config_watch.poll() is None  # nothing changed yet

        rewrite(shifts, calendar("Mikko Korhonen"), 2)  # tonight's shift given to the substitute
        assert await app.config_watch.poll() is True
        assert on_duty(app) == ["substitute"]

        rewrite(shifts, "<html>login</html>", 3)  # a broken export
        assert await app.config_watch.poll() is False
        assert on_duty(app) == ["substitute"]  # the last good shifts stay in force
        assert app.config_problems

        rewrite(shifts, calendar("Anna Virtanen"), 4)
        assert await app.config_watch.poll() is True
        assert on_duty(app) == ["night-nurse"] and not app.config_problems
    finally:
        await app.stop()
