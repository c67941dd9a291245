"""The summary a purchaser reads: a first page of key figures, numbered pages, alarms
held by maintenance with their work and window, safety records in plain words."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from report_support import alarm, generate_week_48, local, report_yaml

from escalator.domain.model import Incident, State
from escalator.domain.register import Attention, ContactLine, SafetyRow, SafetyView
from escalator.reports.produce import produce
from escalator.reports.safety_text import as_record, channel_words
from escalator.reports.weekly import week

WINDOW = """
maintenance:
  - match: {point: "Sprinkler*"}
    from: "2026-11-23 08:00"
    until: "2026-11-23 12:00"
    reason: sprinkler service
"""


def page(pdf, n: int) -> str:
    return subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
                          capture_output=True, text=True, check=True, timeout=60).stdout


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs pdftotext (poppler-utils)")
async def test_first_page_key_figures_page_numbers_and_held_alarms(make_app, clock, tmp_path):
    app = await make_app(report_yaml(f"sqlite:///{tmp_path}/p.db", WINDOW))
    clock.set(local(2026, 11, 16, 0))  # watching since the week before
    await alarm(app, clock, local(2026, 11, 18, 10), point="Kitchen")  # W47: one alarm
    await alarm(app, clock, local(2026, 11, 18, 10, 5), point="Kitchen", state="clear")
    await alarm(app, clock, local(2026, 11, 23, 9), point="Sprinkler room")  # held
    await alarm(app, clock, local(2026, 11, 23, 9, 20), point="Sprinkler room", state="clear")
    await generate_week_48(app, clock)
    produced = await produce(app.store, app.config, week("2026-W48", "Europe/Helsinki"),
                             local(2026, 11, 30, 8))
    pdf = tmp_path / "w.pdf"
    pdf.write_bytes(produced.pdf)
    pages = int(subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                               check=True).stdout.split("Pages:")[1].split()[0])
    assert pages >= 3
    first = page(pdf, 1).replace("\u00a0", " ")
    # how the week went, against last week and the 12 weeks; the details come later
    assert "Viikko lyhyesti" in first and "Edellinen" in first and "keskiarvo" in first
    assert "Hälytykset tyypeittäin" not in first
    rows: dict[str, list[str]] = {}
    for line in first.splitlines():
        if line.strip():
            rows.setdefault(line.split()[0], line.split()[1:])
    assert rows["Hälytykset"] == ["7", "1", "4,0"]  # this week, last week, average of 2
    assert "Vastattu 15 min kuluessa" in first and "4/6 (67 %)" in first
    assert rows["Turvallisuuspoikkeamat"] == ["2", "0", "1,0"]
    assert "Toistuvat viat" in first  # wing B's loop: three times this week
    for n in range(1, pages + 1):
        assert f"Sivu {n}/{pages}" in page(pdf, n)
    text = "\n".join(page(pdf, n) for n in range(2, pages + 1))
    assert "Huoltotyö" in text and "sprinkler service" in text
    assert "23.11.2026 8.00 – 23.11.2026 12.00" in text  # the window
    assert "log:" not in text and "(sähköposti)" in text  # channels in words
    assert "Toistuvat viat (sama vika samassa paikassa vähintään 3 kertaa 4" in text
    assert "24.11. 9.00, 24.11. 15.00, 25.11. 10.00" in text  # its history


def test_a_safety_record_reads_in_plain_words_without_channel_jargon():
    at = datetime(2026, 11, 24, 10, tzinfo=UTC)
    inc = Incident(id=7, source="terminal", code="FT", point="Loop 2", text="", severity="",
                   ladder="", state=State.OPEN, opened_at=at, last_seen_at=at)
    contacts = (ContactLine(at, "ward-a", "called", "FIRST", "log:telegram", "sent"),
                ContactLine(at + timedelta(minutes=5), "vendor", "called", "ESCALATED",
                            "email", "failed", "550 no such user"))
    view = SafetyView(SafetyRow(3, 7, "nobody_acknowledged", at + timedelta(hours=1), "{}"),
                      inc, at, None, timedelta(hours=2), contacts, (), Attention(0, 1), (),
                      None)
    names = {"ward-a": "Osasto A", "vendor": "Vartiointiliike"}
    fi = as_record(view, "fi", "Europe/Helsinki", names)
    words = " ".join((fi.heading, *fi.lines, *fi.steps))
    assert "log:" not in words and "telegram" not in words.replace("Telegram-viesti", "")
    assert fi.steps[0] == ("24.11.2026 12.00 Osasto A sai ilmoituksen (Telegram-viesti jäi"
                           " lähettämättä: tätä lähetystapaa ei ole otettu käyttöön, joten"
                           " viesti vain kirjattiin lokiin): meni perille")
    assert fi.steps[1].endswith("Vartiointiliike sai ilmoituksen (sähköposti): EI mennyt perille")
    assert "yhä auki" in fi.lines[1] and "Loop 2" in fi.lines[0]
    sv = as_record(view, "sv", "Europe/Helsinki", names)
    assert "larmades (e-post): kom INTE fram" in sv.steps[1]
    assert channel_words("voice", "en") == "phone call" and channel_words("x9", "en") == "x9"
