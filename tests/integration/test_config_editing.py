"""The config editor's use case: save atomically with history and audit, refuse what does
not check or is stale, reload without losing open incidents or their timers, restore, and
a file edited on disk (good or broken) while the service runs. On SQLite and PostgreSQL."""

from __future__ import annotations

import io
import os

import pytest
from editor_support import STEP2, build_from_file, line_of

from escalator.config.cli import cmd_check
from escalator.domain.model import AlarmEvent, State
from escalator.liveconfig.editing import CONFIG_SAVED, Refused, Stale
from escalator.storage import audit


@pytest.fixture
async def edited(tmp_path, clock, recorder, store_url):
    app, path = await build_from_file(tmp_path, clock, recorder, store_url)
    yield app, path
    await app.stop()


def rows_of(app, kind):
    return app.store.transaction(
        lambda tx: [r for r in audit.rows_tx(tx) if r["kind"] == kind])


async def test_save_replaces_the_file_atomically_and_keeps_the_previous_version(edited):
    app, path = edited
    editing = app.config_editing
    os.chmod(path, 0o640)
    before_text, inode = path.read_text(), os.stat(path).st_ino
    old_contractor = app.config.parties["contractor"]
    draft = await editing.current()
    new = draft.text.replace("hours: Mon-Fri 07:00-16:00", "hours: Mon-Fri 07:00-17:00")
    assert new != draft.text
    saved = await editing.save(new, draft.version, "Maija")
    assert path.read_text() == new
    st = os.stat(path)
    assert st.st_ino != inode  # a new file renamed over the old one, not written in place
    assert st.st_mode & 0o777 == 0o640  # and it keeps its permissions
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(".")) == []
    assert app.config.parties["contractor"] != old_contractor  # reloaded: the new one runs
    history = await editing.history()
    assert [(v.actor, v.origin) for v in history] == [("Maija", "board"), ("file", "file")]
    assert history[1].body == before_text and history[0].body == new
    assert (history[0].added, history[0].removed) == (1, 1)
    assert history[0].sections == ("parties",)
    assert saved.version_id == history[0].id
    (row,) = await rows_of(app, CONFIG_SAVED)
    payload = row["payload"]
    assert row["actor"] == "Maija" and payload["version"] == saved.version_id
    assert (payload["added"], payload["removed"], payload["sections"]) == (1, 1, ["parties"])
    assert (await audit.verify(app.store)).ok


async def test_a_config_that_does_not_check_is_not_saved(edited):
    app, path = edited
    editing = app.config_editing
    draft = await editing.current()
    broken = draft.text.replace("escalate_after: 10m", "escalate_after: 10 parsecs")
    with pytest.raises(Refused) as refused:
        await editing.save(broken, draft.version, "Maija")
    line = line_of(broken, "10 parsecs")
    assert [p.line for p in refused.value.checked.problems] == [line]
    copy = path.parent / "copy" / path.name  # `config check` on the same text says the same
    copy.parent.mkdir()
    copy.write_text(broken)
    err = io.StringIO()
    assert cmd_check(str(copy), err=err, env=app.env) == 1
    # save for the contacts whose channels only this test's recording fakes carry (the
    # file sets up none): `config check` names those, the editor knows the service has them
    expected = [p.replace(str(copy), str(path)) for p in err.getvalue().splitlines()[:-1]
                if "is not set up" not in p]
    assert [p.text for p in refused.value.checked.problems] == expected
    assert path.read_text() == draft.text
    assert await editing.history() == []
    assert await rows_of(app, CONFIG_SAVED) == []


async def test_a_stale_edit_is_refused(edited):
    app, path = edited
    editing = app.config_editing
    mine = await editing.current()
    theirs = await editing.current()
    other = theirs.text.replace("name: Night nurse", "name: Night nurse Eeva")
    await editing.save(other, theirs.version, "Olli-manager")
    with pytest.raises(Stale):
        await editing.save(mine.text.replace("loops: 2", "loops: 3"), mine.version, "Maija")
    assert path.read_text() == other  # the other person's save stands
    assert app.config.parties["night-nurse"].name == "Night nurse Eeva"
    assert [v.actor for v in await editing.history()] == ["Olli-manager", "file"]


async def test_a_save_reloads_without_losing_open_incidents_or_their_timers(edited, clock,
                                                                            recorder):
    app, path = edited
    res = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now(),
                                              point="Palosilmukka 2"))
    await app.tick()
    assert recorder.reasons() == [("ward-a", "FIRST")]
    before = await app.store.transaction(lambda tx: tx.incidents.get(res.incident_id))
    due_before = await app.store.transaction(lambda tx: tx.incidents.earliest_due())
    clock.advance(minutes=3)
    draft = await app.config_editing.current()
    assert draft.text.count(STEP2) == 1
    await app.config_editing.save(draft.text.replace(STEP2, "      - notify: [manager]\n"),
                                  draft.version, "Maija")
    after = await app.store.transaction(lambda tx: tx.incidents.get(res.incident_id))
    assert after == before  # same incident, same place on the ladder
    assert await app.store.transaction(lambda tx: tx.incidents.earliest_due()) == due_before
    recorder.clear()
    clock.advance(minutes=2)  # the 5 min repeat, counted from before the save
    await app.tick()
    assert recorder.reasons() == [("ward-a", "RENOTIFY")]
    recorder.clear()
    clock.advance(minutes=5)  # 10 min after the first call: step 2, as the new config says
    await app.tick()
    assert [p for _, m in recorder.sent if not m.update for p in [m.party]] == ["manager"]
    now = await app.store.transaction(lambda tx: tx.incidents.get(res.incident_id))
    assert now.state is State.OPEN and now.escalation.step == 1


async def test_restore_saves_an_old_version_with_the_same_checks(edited):
    app, path = edited
    editing = app.config_editing
    original = await editing.current()
    await editing.save(original.text.replace("loops: 2", "loops: 3"), original.version, "Maija")
    history = await editing.history()
    oldest = history[-1]
    assert oldest.body == original.text
    current = await editing.current()
    with pytest.raises(Stale):
        await editing.restore(oldest.id, original.version, "Maija")
    saved = await editing.restore(oldest.id, current.version, "Maija")
    assert path.read_text() == original.text
    assert app.config.ladders["technical-fault"].loops == 2
    found = await editing.version(saved.version_id)
    assert found is not None
    version, change = found
    assert version.origin == "restore" and version.actor == "Maija"
    assert "-    loops: 3" in change.diff and "+    loops: 2" in change.diff


async def test_a_broken_file_on_disk_is_refused_and_the_fix_clears_it(edited, clock):
    app, path = edited
    editing, watch = app.config_editing, app.config_watch
    assert await watch.poll() is None  # nothing changed since the start
    good = path.read_text()
    loaded_at = app.config_since
    clock.advance(minutes=30)
    broken = good.replace("loops: 2", "loops: lots")
    path.write_text(broken)
    os.utime(path, ns=(1, 1))  # a different stamp even on a coarse file system
    assert await watch.poll() is False
    assert app.config.ladders["technical-fault"].loops == 2  # still the last good one
    problem = editing.disk_problem()
    assert problem is not None and problem.line == line_of(broken, "loops: lots")
    assert problem.since == loaded_at
    health = app.health()["config"]
    assert health["ok"] is False and f":{problem.line}:" in health["error"]
    assert health["since"] == loaded_at.isoformat()  # the last good one, in force since
    assert await watch.poll() is None  # not reloaded again until it changes
    path.write_text(good.replace("loops: 2", "loops: 3"))
    os.utime(path, ns=(2, 2))
    assert await watch.poll() is True
    assert editing.disk_problem() is None and app.health()["config"]["ok"] is True
    assert app.config.ladders["technical-fault"].loops == 3
    assert app.config_since == clock.now()
    assert [(v.actor, v.origin) for v in await editing.history()] == [("file", "file")]


async def test_the_editors_own_save_is_not_reloaded_again_by_the_watch(edited):
    app, path = edited
    editing = app.config_editing
    draft = await editing.current()
    await editing.save(draft.text.replace("loops: 2", "loops: 3"), draft.version, "Maija")
    reloads = len(await rows_of(app, audit.CONFIG_RELOADED))
    assert await app.config_watch.poll() is True  # seen, but known: no second reload
    await app.config_audit.drain()
    assert len(await rows_of(app, audit.CONFIG_RELOADED)) == reloads
    assert len(await editing.history()) == 2


async def test_the_demo_edits_a_copy_of_its_config_and_keeps_its_port(tmp_path, clock):
    from importlib import resources

    from escalator.app import Escalator
    from escalator.commands.demo import demo_config, demo_env

    bundled = resources.files("escalator").joinpath("examples/demo.yaml").read_text("utf-8")
    env = demo_env({})
    config = demo_config(tmp_path, "127.0.0.1", 8123, env)
    assert config.path == str(tmp_path / "escalator.yaml")
    app = Escalator(config, clock=clock, env=env, demo=True)  # as `escalator demo` makes it
    await app.start(serve_http=False, schedule=False)
    try:
        draft = await app.config_editing.current()
        assert draft.text == bundled
        assert draft.text.count("    loops: 1\n") == 1
        edited = draft.text.replace("    loops: 1\n", "    loops: 2\n")
        saved = await app.config_editing.save(edited, draft.version, "Demo")
        assert (tmp_path / "escalator.yaml").read_text() == edited
        assert app.config.http.port == 8123
        assert [ladder.loops for ladder in app.config.ladders.values()] == [2]
        assert any("restart" in w for w in saved.warnings)  # http is the demo's, kept
        assert resources.files("escalator").joinpath("examples/demo.yaml").read_text(
            "utf-8") == bundled  # the installed file is never written
    finally:
        await app.stop()


async def test_a_deleted_file_is_written_again_by_restoring_a_version(edited):
    app, path = edited
    editing = app.config_editing
    draft = await editing.current()
    saved = await editing.save(draft.text.replace("loops: 2", "loops: 3"), draft.version, "Maija")
    path.unlink()
    assert await app.config_watch.poll() is None  # nothing to read: nothing reloaded
    assert app.config.ladders["technical-fault"].loops == 3
    empty = await editing.current()
    assert empty.text == ""
    await editing.restore(saved.version_id, empty.version, "Maija")
    assert "loops: 3" in path.read_text()
    assert [v.origin for v in await editing.history()] == ["restore", "board", "file"]


async def test_a_contact_through_a_channel_the_service_lacks_is_not_saved(edited):
    """Issue 19, point 10: the editor refuses it at its line, as `config check` does; the
    running service would have had to log it as "sent" or fail it at three at night."""
    app, path = edited
    editing = app.config_editing
    draft = await editing.current()
    added = draft.text.replace("      - email: manager@lehtioja.example",
                               "      - voice: \"+358401112223\"")
    with pytest.raises(Refused) as refused:
        await editing.save(added, draft.version, "Maija")
    [problem] = refused.value.checked.problems
    assert (problem.code, problem.line) == ("cfg.contact_not_set_up",
                                            line_of(added, "- voice: "))
    assert problem.path == "people.manager.contact[0].voice"
    assert path.read_text() == draft.text
