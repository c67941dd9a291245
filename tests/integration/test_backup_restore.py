"""Backups taken while the service writes restore to a working service: every incident,
its timeline, and an intact audit chain. SQLite via the online backup API; PostgreSQL via
the documented pg_dump / pg_restore commands, really run."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap

import pytest
from pg import _bin, fresh_database
from support import config_text

from escalator.__main__ import main
from escalator.domain.errors import StorageError
from escalator.domain.model import Action, AlarmEvent
from escalator.storage import audit, backup


def alarm(clock, n):
    return AlarmEvent(source="terminal", code="FT", state="alarm", received_at=clock.now(),
                      point=f"loop {n}", event_id=f"e-{n}")


async def incidents_and_timelines(app):
    def read(tx):
        found = tx.incidents.listed(limit=10_000)
        return {i.id: [e["reason"] for e in tx.timeline.of_incident(i.id)] for i in found}
    return await app.store.transaction(read)


async def test_backup_while_writing_then_restore_gives_a_whole_database(
        make_app, clock, recorder, tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/live.db"
    app = await make_app(storage=url)
    for n in range(5):
        await app.service.ingest(alarm(clock, n))
    stop = asyncio.Event()

    async def keep_writing():
        n = 100
        while not stop.is_set():
            res = await app.service.ingest(alarm(clock, n))
            await app.service.act(res.incident_id, Action.ACKNOWLEDGE, "Nurse", party="ward-a")
            await app.tick()
            n += 1

    writer = asyncio.create_task(keep_writing())
    out = tmp_path / "backups" / "b1.db"
    out.parent.mkdir()
    try:
        await asyncio.sleep(0.05)  # let the writer get going
        code = await asyncio.to_thread(main, ["backup", "--storage", url, str(out)])
    finally:
        stop.set()
        await writer
    assert code == 0, capsys.readouterr()
    printed = capsys.readouterr().out
    assert "Backup" in printed and "intact" in printed
    live = await incidents_and_timelines(app)
    checked = backup.check(str(out))
    assert 5 < checked.incidents < len(live)  # taken in the middle of the writes
    assert checked.audit.ok

    target = tmp_path / "restored" / "escalator.db"
    restored_url = f"sqlite:///{target}"
    assert await asyncio.to_thread(main, ["restore", "--storage", restored_url, str(out)]) == 0
    restored = await make_app(config_text(restored_url))
    got = await incidents_and_timelines(restored)
    assert len(got) == checked.incidents
    for incident_id, reasons in got.items():  # a consistent snapshot: no half-written change
        assert reasons == live[incident_id][:len(reasons)]
        assert reasons[0] == "OPENED" and (reasons.count("ACKED") <= 1)
    assert (await audit.verify(restored.store)).ok
    res = await restored.service.ingest(alarm(clock, 9999))  # and it works on
    assert res.new_incident and (await audit.verify(restored.store)).ok


HOLDER = textwrap.dedent("""
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1])
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("SELECT COUNT(*) FROM incidents").fetchall()
    print("open", flush=True)
    sys.stdin.read()
""")


async def test_restore_refuses_a_database_in_use_and_keeps_the_old_one(
        make_app, clock, tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/live.db"
    app = await make_app(storage=url)
    await app.service.ingest(alarm(clock, 1))
    saved = tmp_path / "b.db"
    backup.backup(url, str(saved))
    with pytest.raises(StorageError, match="exists already"):
        backup.backup(url, str(saved))
    await app.service.ingest(alarm(clock, 2))
    await app.stop()

    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path / "live.db")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        assert backup.in_use(str(tmp_path / "live.db"))
        assert main(["restore", "--storage", url, str(saved)]) == 1
        assert "in use; stop the service first" in capsys.readouterr().err
    finally:
        holder.communicate("", timeout=10)
    assert not backup.in_use(str(tmp_path / "live.db"))
    checked, moved = backup.restore(str(saved), url, clock.now())
    assert checked.incidents == 1 and moved is not None
    assert backup.check(moved).incidents == 2  # the replaced database is kept, whole


async def test_restore_refuses_a_backup_whose_audit_chain_is_broken(make_app, clock, tmp_path):
    url = f"sqlite:///{tmp_path}/live.db"
    app = await make_app(storage=url)
    await app.service.ingest(alarm(clock, 1))
    saved = tmp_path / "b.db"
    backup.backup(url, str(saved))
    import sqlite3

    with sqlite3.connect(saved) as conn:
        conn.execute("UPDATE audit_log SET actor = 'someone else' WHERE id = 2")
    with pytest.raises(StorageError, match="audit chain broken at row 2"):
        backup.restore(str(saved), f"sqlite:///{tmp_path}/new.db", clock.now())
    assert not (tmp_path / "new.db").exists()


def test_backup_of_postgres_points_to_pg_dump(capsys):
    assert main(["backup", "--storage", "postgresql://x@127.0.0.1/x", "out.dump"]) == 2
    assert "pg_dump --format=custom" in capsys.readouterr().err


async def test_pg_dump_and_pg_restore_round_trip(make_app, clock, recorder, postgres_server,
                                                 tmp_path):
    """The README's PostgreSQL commands, run for real against a live service's database."""
    pg_dump, pg_restore = _bin("pg_dump"), _bin("pg_restore")
    if not pg_dump or not pg_restore:
        pytest.skip("pg_dump/pg_restore not installed")
    source = fresh_database(postgres_server, "backup_source")
    app = await make_app(storage=source)
    for n in range(12):
        res = await app.service.ingest(alarm(clock, n))
        if n % 2:
            await app.service.act(res.incident_id, Action.ACKNOWLEDGE, "Nurse", party="ward-a")
        await app.tick()
    live = await incidents_and_timelines(app)
    dump = tmp_path / "escalator.dump"
    subprocess.run([pg_dump, "--format=custom", f"--file={dump}", source],
                   check=True, capture_output=True, timeout=120)
    await app.service.ingest(alarm(clock, 99))  # after the dump: not in the restore

    target = fresh_database(postgres_server, "backup_target")
    subprocess.run([pg_restore, "--no-owner", "--exit-on-error", f"--dbname={target}",
                    str(dump)], check=True, capture_output=True, timeout=120)
    restored = await make_app(config_text(target))
    assert await incidents_and_timelines(restored) == live
    verdict = await audit.verify(restored.store)
    assert verdict.ok and verdict.count > 12
    res = await restored.service.ingest(alarm(clock, 100))  # sequences came along too
    assert res.incident_id == max(live) + 1
    assert (await audit.verify(restored.store)).ok
