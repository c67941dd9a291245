"""`escalator safety ...` and `escalator report weekly` as a person runs them: the real
command in a subprocess, reading the store a generated week was written to."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sys

import pytest
from outside import Mailbox, smtp_server
from report_support import generate_week_48, local, weekly_yaml


async def escalator(*args: str, cwd) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "escalator", *args, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode, out.decode(), err.decode()


@pytest.fixture
def mailbox():
    return Mailbox()


async def test_register_and_weekly_from_the_command_line(make_app, clock, mailbox, tmp_path):
    async with smtp_server(mailbox, auth_require_tls=False) as port:
        text = weekly_yaml(f"sqlite:///{tmp_path}/cli.db", port)
        cfg = tmp_path / "escalator.yaml"
        cfg.write_text(text, encoding="utf-8")
        app = await make_app(text)
        clock.set(local(2026, 11, 23, 0))
        ids = await generate_week_48(app, clock)

        code, out, _ = await escalator("safety", "list", "--config", str(cfg), cwd=tmp_path)
        assert code == 0
        lines = out.splitlines()
        assert len(lines) == 2 and "Kukaan ei ottanut hälytystä hoitaakseen" in lines[0]
        code, out, _ = await escalator("safety", "export", "--config", str(cfg), "--format",
                                       "csv", "--cause", "false_alarm_not_cleared", cwd=tmp_path)
        [row] = list(csv.DictReader(io.StringIO(out)))
        assert (int(row["incident"]), row["point"]) == (ids["loop3"], "Loop 2, wing B")
        code, out, _ = await escalator("safety", "export", "--config", str(cfg), "--format",
                                       "json", cwd=tmp_path)
        records = json.loads(out)
        assert {r["cause"] for r in records} == {"false_alarm_not_cleared",
                                                 "nobody_acknowledged"}
        night = next(r for r in records if r["cause"] == "nobody_acknowledged")
        code, out, _ = await escalator("safety", "show", str(night["id"]), "--config", str(cfg),
                                       cwd=tmp_path)
        assert code == 0 and out.startswith(f"Turvallisuuspoikkeama #{night['id']}")
        assert "Missä: Basement" in out and "Yhteydenotot:" in out

        code, out, err = await escalator("report", "weekly", "--config", str(cfg), "--week",
                                         "2026-W48", "--out", str(tmp_path / "out"), "--send",
                                         cwd=tmp_path)
        assert code == 0, err
        files = sorted(p.name for p in (tmp_path / "out").iterdir())
        assert files == [f"lehtioja-2026-W48.{ext}" for ext in ("csv", "html", "pdf", "png")]
        assert (tmp_path / "out" / "lehtioja-2026-W48.pdf").read_bytes()[:5] == b"%PDF-"
        assert [m["Subject"] for m in mailbox.mails if "W48" in str(m["Subject"])] == [
            "Lehtiojan palvelukeskus: viikkoraportti 2026-W48"]

        code, _, err = await escalator("report", "weekly", "--config", str(cfg), "--week",
                                       "48", cwd=tmp_path)
        assert code == 2 and "2026-W48" in err
        code, _, err = await escalator("safety", "list", "--config", str(cfg), "--from",
                                       "yesterday", cwd=tmp_path)
        assert code == 2 and "expected a date like 2026-11-24" in err
