"""The audit log: every action, refusal, notice, delivery and config load is chained, and
`escalator audit verify` names the first link someone tampered with. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import io
import json

import pytest
from support import TOKENS, config_text

from escalator.__main__ import main
from escalator.app import Escalator
from escalator.config import load_config
from escalator.domain.errors import NotifyError
from escalator.domain.model import Action, AlarmEvent, Entry, Reason
from escalator.storage import audit, open_store


def alarm(clock, point="loop 2"):
    return AlarmEvent(source="terminal", code="FT", state="alarm", received_at=clock.now(),
                      point=point)


async def rows(app, incident_id=None):
    return await app.store.transaction(lambda tx: audit.rows_tx(tx, incident_id))


async def history(make_app, clock, recorder, store_url):
    """An incident that was opened, told, refused once, acknowledged and resolved."""
    app = await make_app(storage=store_url)
    res = await app.service.ingest(alarm(clock))
    recorder.failures.append(NotifyError("gateway down", recoverable=False))
    await app.tick()  # ward-a's only contact fails for good: escalates
    await app.tick()
    refused = Entry(clock.now(), Reason.REFUSED, None, "user 42 tried acknowledge in chat 7")
    await app.store.transaction(lambda tx: tx.timeline.add(res.incident_id, [refused]))
    clock.advance(minutes=1)
    await app.service.act(res.incident_id, Action.ACKNOWLEDGE, "Vendor", party="alarm-vendor")
    await app.tick()
    await app.service.act(res.incident_id, Action.RESOLVE, "Vendor", party="alarm-vendor")
    await app.tick()
    return app, res.incident_id


async def verify_cli(url: str) -> tuple[int, str]:
    """The command as an operator runs it (its own event loop, so on a thread here)."""
    out = io.StringIO()
    from escalator.commands import ops as ops_cli

    code = await asyncio.to_thread(ops_cli.run, _args("verify", url), out, out)
    return code, out.getvalue()


def _args(command: str, url: str):
    import argparse

    return argparse.Namespace(command="audit", audit_command=command, storage=url,
                              config=None, lang="en", incident=None, limit=1000)


async def test_every_kind_of_change_is_in_the_chain(make_app, clock, recorder, store_url):
    app, incident_id = await history(make_app, clock, recorder, store_url)
    kinds = [r["kind"] for r in await rows(app, incident_id)]
    for kind in ("timeline.OPENED", "notice.queued", "delivery.failed", "delivery.sent",
                 "timeline.DELIVERY_FAILED", "timeline.ESCALATED", "timeline.REFUSED",
                 "timeline.ACKED", "timeline.RESOLVED"):
        assert kind in kinds, kind
    acked = next(r for r in await rows(app, incident_id) if r["kind"] == "timeline.ACKED")
    assert acked["actor"] == "alarm-vendor" and "Vendor" in acked["payload"]["detail"]
    failed = next(r for r in await rows(app, incident_id) if r["kind"] == "delivery.failed")
    assert failed["payload"]["party"] == "ward-a" and "gateway down" in failed["payload"]["error"]
    every = await rows(app)
    assert every[0]["kind"] == "config.loaded"
    assert [r["id"] for r in every] == list(range(1, len(every) + 1))
    verdict = await audit.verify(app.store)
    assert verdict.ok and verdict.count == len(every)


async def test_a_rolled_back_change_leaves_no_audit_row(make_app, clock, store_url):
    app = await make_app(storage=store_url)
    res = await app.service.ingest(alarm(clock))
    before = len(await rows(app))

    def refuse(tx, incident):
        raise ValueError("stale page")

    with pytest.raises(ValueError):
        await app.service.act(res.incident_id, Action.ACKNOWLEDGE, "x", party="ward-a",
                              check=refuse)
    assert len(await rows(app)) == before
    assert (await audit.verify(app.store)).ok


GENESIS_SQL = ("UPDATE audit_head SET last_id = 0, last_hash = ? WHERE id = 1", ("0" * 64,))


async def tamper(app, *statements):
    def work(tx):
        for sql, params in statements:
            tx.execute(sql, params)
    await app.store.transaction(work)


@pytest.mark.parametrize("how, row, problem", [
    ("payload", 5, "hash_mismatch"),
    ("actor", 6, "hash_mismatch"),
    ("delete", 4, "missing"),
    ("swap", 3, "prev_mismatch"),
    ("cut_tail", None, "head_mismatch"),
])
async def test_verify_names_the_first_broken_link(make_app, clock, recorder, store_url,
                                                  how, row, problem):
    app, _ = await history(make_app, clock, recorder, store_url)
    total = len(await rows(app))
    assert total > 8
    code, text = await verify_cli(store_url)
    assert code == 0 and f"intact: {total} rows" in text
    if how == "payload":
        await tamper(app, ("UPDATE audit_log SET payload = ? WHERE id = ?",
                           (json.dumps({"detail": "nobody was told"}), 5)),
                     # and a later row too: verify must name the first
                     ("UPDATE audit_log SET payload = '{}' WHERE id = ?", (8,)))
    elif how == "actor":
        await tamper(app, ("UPDATE audit_log SET actor = 'ward-b' WHERE id = ?", (6,)))
    elif how == "delete":
        await tamper(app, ("DELETE FROM audit_log WHERE id = ?", (4,)))
    elif how == "swap":  # reorder: rows 3 and 4 change places
        await tamper(app, ("UPDATE audit_log SET id = -1 WHERE id = 3", ()),
                     ("UPDATE audit_log SET id = 3 WHERE id = 4", ()),
                     ("UPDATE audit_log SET id = 4 WHERE id = -1", ()))
    else:
        await tamper(app, ("DELETE FROM audit_log WHERE id = ?", (total,)))
        row = total
    verdict = await audit.verify(app.store)
    assert not verdict.ok and verdict.broken is not None
    assert (verdict.broken.id, verdict.broken.problem) == (row, problem)
    assert verdict.count == row - 1
    code, text = await verify_cli(store_url)
    assert code == 1
    assert f"BROKEN at row {row}:" in text


async def test_show_prints_one_incident_as_json_lines(make_app, clock, recorder, store_url,
                                                      capsys):
    app, incident_id = await history(make_app, clock, recorder, store_url)
    await app.service.ingest(alarm(clock, point="other"))
    out = io.StringIO()
    from escalator.commands import ops as ops_cli

    args = _args("show", store_url)
    args.incident = incident_id
    assert await asyncio.to_thread(ops_cli.run, args, out) == 0
    shown = [json.loads(line) for line in out.getvalue().splitlines()]
    assert shown and {r["incident_id"] for r in shown} == {incident_id}
    assert shown == sorted(shown, key=lambda r: r["id"])


async def test_config_reload_and_refusal_are_audited(tmp_path, clock, recorder):
    path = tmp_path / "escalator.yaml"
    good = config_text(f"sqlite:///{tmp_path}/r.db")
    path.write_text(good)
    cfg, _ = load_config(str(path), env=TOKENS, strict_secrets=True)
    app = Escalator(cfg, clock=clock, env=TOKENS,
                    notifiers={"telegram": recorder, "email": recorder, "sms": recorder})
    await app.start(serve_http=False, schedule=False)
    try:
        path.write_text(good.replace("escalate_after: 10m", "escalate_after: ten minutes"))
        assert app.reload()
        path.write_text(good.replace("name: Ward A nurse on duty", "name: Osasto A"))
        assert app.reload() == []
        await app.config_audit.drain()
        found = await rows(app)
        assert [r["kind"] for r in found] == ["config.loaded", "config.rejected",
                                              "config.reloaded"]
        assert found[1]["payload"] == {"path": str(path), "problems": 1}
        assert found[2]["payload"]["changed"] == ["parties"]
        import hashlib

        assert found[2]["payload"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    finally:
        await app.stop()


async def test_two_instances_on_postgres_never_fork_the_chain(postgres_server):
    """Two stores (two service instances) append at once; the head lock keeps one chain."""
    from pg import fresh_database

    url = fresh_database(postgres_server, "audit_two_writers")
    a, b = open_store(url), open_store(url)
    await a.open()
    await b.open()
    from datetime import UTC, datetime

    at = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)

    async def writer(store, name):
        for i in range(40):
            await store.transaction(lambda tx, i=i: (
                audit.record(tx, "test.write", at=at, actor=name, payload={"i": i}),
                audit.record(tx, "test.write", at=at, actor=name, payload={"i": i, "2": 1})))
    try:
        await asyncio.gather(writer(a, "a"), writer(b, "b"))
        verdict = await audit.verify(a)
        assert verdict.ok and verdict.count == 160
    finally:
        await a.close()
        await b.close()


def test_verify_cli_needs_a_store(capsys):
    assert main(["audit", "verify"]) == 2
    assert "--config" in capsys.readouterr().err


def test_verify_does_not_create_a_database_where_there_is_none(tmp_path, capsys):
    missing = tmp_path / "typo.db"
    assert main(["audit", "verify", "--storage", f"sqlite:///{missing}"]) == 1
    assert "no database at" in capsys.readouterr().err
    assert not missing.exists()


def test_verify_with_the_service_config_file(tmp_path, capsys):
    path = tmp_path / "escalator.yaml"
    path.write_text(config_text(f"sqlite:///{tmp_path}/c.db").replace("language: fi",
                                                                       "language: sv"))
    import sqlite3

    sqlite3.connect(tmp_path / "c.db").close()
    assert main(["audit", "verify", "--config", str(path)]) == 0
    assert "Granskningsloggen är intakt: 0 rader" in capsys.readouterr().out
