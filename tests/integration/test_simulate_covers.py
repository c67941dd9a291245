"""`escalator simulate --covers` and the dry run's `covers`: a cover kept in the database
changes who the simulated ladder reaches, as it changes the running service's."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from support import TOKENS, config_text

from escalator.__main__ import main
from escalator.commands.simulate import run
from escalator.config import load_config_text
from escalator.domain.covers import Cover
from escalator.storage import open_store
from escalator.storage.sql import Tx

NIGHT = Cover("night-nurse", "ward-a", datetime(2026, 11, 24, 16, 0, tzinfo=UTC),
              datetime(2026, 11, 25, 6, 0, tzinfo=UTC))
AT = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)  # 22:00 in Helsinki


def first_told(covers: tuple[Cover, ...]) -> str | None:
    config, _ = load_config_text(config_text(), env=TOKENS)
    dry = run(config, "FT", AT, covers=covers)
    return next(e.party for e in dry.entries() if e.party)


def test_the_dry_run_reaches_the_cover_during_the_period():
    assert first_told(()) == "night-nurse"
    assert first_told((NIGHT,)) == "ward-a"
    later = Cover(NIGHT.covered, NIGHT.cover, AT.replace(day=26), AT.replace(day=27))
    assert first_told((later,)) == "night-nurse"  # not yet in force at 22:00 tonight


def test_simulate_reads_the_covers_kept_in_the_database(tmp_path, capsys, monkeypatch):
    url = f"sqlite:///{tmp_path}/esc.db"
    for name, value in TOKENS.items():
        monkeypatch.setenv(name, value)

    async def keep() -> None:
        store = open_store(url)
        await store.open()
        try:
            def add(tx: Tx) -> None:
                tx.covers.add(NIGHT, "Facility manager", AT.replace(hour=7))
            await store.transaction(add)
        finally:
            await store.close()
    asyncio.run(keep())
    config = tmp_path / "esc.yaml"
    config.write_text(config_text(url), encoding="utf-8")
    args = ["simulate", "--config", str(config), "--code", "FT", "--at", "2026-11-24 22:00",
            "--hours", "0.1"]
    assert main(args) == 0
    without = [line for line in capsys.readouterr().out.splitlines() if "step 1" in line]
    assert without[0].endswith("Night nurse")
    assert main([*args, "--covers"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "Cover: Ward A nurse on duty for Night nurse, Tue 18:00 - Wed 08:00" in lines
    assert [line for line in lines if "step 1" in line][0].endswith("Ward A nurse on duty")
