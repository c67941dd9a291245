"""The weekly summary's PDF pages as PNG, for docs/screenshots (run by hand).

    .venv/bin/python tests/report_screenshots.py docs/screenshots

Lives through the test week 2026-W48 (report_support.generate_week_48, after two
alarms held by a sprinkler service window on Monday morning) on the real service under a fake clock,
then writes the summary in Finnish and Swedish and turns every PDF page into
`report-<lang>-<page>.png` with pdftoppm (poppler-utils), and shows the e-mail's
HTML in Finnish and English in headless Chromium (`weekly-html-<lang>.png`).
"""

from __future__ import annotations

import asyncio
import base64
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from report_support import alarm, generate_week_48, local, report_yaml  # noqa: E402
from support import TOKENS, FakeClock, RecordingNotifier  # noqa: E402

from escalator.app import Escalator  # noqa: E402
from escalator.config import load_config_text  # noqa: E402
from escalator.reports import data, render  # noqa: E402
from escalator.reports.pdf import pdf_bytes  # noqa: E402
from escalator.reports.produce import contracts, names  # noqa: E402
from escalator.reports.weekly import summarize, week  # noqa: E402

WINDOW = """
maintenance:
  - match: {point: "Sprinkler*"}
    from: "2026-11-23 08:00"
    until: "2026-11-23 12:00"
    reason: sprinkler service
"""
PROMISES = {
    "    name: Security company fault hotline\n":
        "{answer_within: 15 min, on_site_within: 4 h, cleared_within: 24 h}",
    "    name: Local electrical contractor\n": "{answer_within: 1 h, on_site_within: 4 h}",
}


async def make(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        text = report_yaml(f"sqlite:///{tmp}/s.db", WINDOW)
        for anchor, promise in PROMISES.items():  # what the contracts promise
            text = text.replace(anchor, anchor + f"    promise: {promise}\n", 1)
        cfg, _ = load_config_text(text, env=TOKENS)
        clock = FakeClock(local(2026, 11, 23, 0))
        rec = RecordingNotifier()
        app = Escalator(cfg, clock=clock, env=TOKENS,
                        notifiers={"telegram": rec, "email": rec, "sms": rec})
        await app.start(serve_http=False, schedule=False)
        await generate_week_48_with_holds(app, clock)
        w = week("2026-W48", cfg.facility.timezone)
        staff = data.care_staff(cfg)
        now = local(2026, 11, 30, 8)
        history = await app.store.transaction(lambda tx: data.history(
            tx, w, cfg.facility.timezone, staff, now, cfg.maintenance, sorted(contracts(cfg))))
        await app.stop()
    s = summarize(w, history, staff, 2, contracts(cfg))
    for lang in ("fi", "en"):  # the e-mail as a phone-width browser shows it
        m = render.model(s, lang, cfg.facility.timezone, names(cfg), cfg.facility.name)
        chart = base64.b64encode(render.chart_png(m)).decode()
        page = out / f"weekly-html-{lang}.html"
        page.write_text(render.html(m, f"data:image/png;base64,{chart}"), encoding="utf-8")
        if shutil.which("chromium"):
            subprocess.run(["chromium", "--headless", "--no-sandbox", "--hide-scrollbars",
                            "--window-size=760,2600", f"--screenshot={out}/weekly-html-{lang}.png",
                            page.resolve().as_uri()], check=True, capture_output=True, timeout=120)
        page.unlink()
    for lang in ("fi", "sv"):
        m = render.model(s, lang, cfg.facility.timezone, names(cfg), cfg.facility.name)
        pdf = out / f"report-{lang}.pdf"
        pdf.write_bytes(pdf_bytes(m, render.chart_png(m)))
        subprocess.run(["pdftoppm", "-png", "-r", "80", str(pdf), str(out / f"report-{lang}")],
                       check=True)
        pdf.unlink()


async def generate_week_48_with_holds(app, clock) -> None:
    """Monday morning's sprinkler service holds two alarms; then the test week."""
    await alarm(app, clock, local(2026, 11, 23, 9), point="Sprinkler room")
    await alarm(app, clock, local(2026, 11, 23, 9, 20), point="Sprinkler room", state="clear")
    await alarm(app, clock, local(2026, 11, 23, 10), point="Sprinkler pump")
    await alarm(app, clock, local(2026, 11, 23, 11, 30), point="Sprinkler pump", state="clear")
    await generate_week_48(app, clock)


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    target.mkdir(parents=True, exist_ok=True)
    asyncio.run(make(target))
