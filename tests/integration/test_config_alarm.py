"""A config file on disk that does not load is an alarm that walks a ladder, and is
cleared when a good file loads (or at the next start, which only a good file allows)."""

from __future__ import annotations

import os

from editor_support import build_from_file

from escalator.domain.model import State


async def config_incidents(app):
    found = await app.store.transaction(lambda tx: tx.incidents.listed(None))
    return [i for i in found if (i.source, i.code) == ("escalator", "config_invalid")]


def rewrite(path, text: str, stamp: int) -> None:
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(stamp, stamp))


async def test_a_broken_file_is_an_alarm_until_a_good_one_loads(tmp_path, clock, recorder):
    app, path = await build_from_file(tmp_path, clock, recorder)
    try:
        good = path.read_text()
        rewrite(path, good.replace("loops: 2", "loops: lots"), 1)
        assert await app.config_watch.poll() is False
        [inc] = await config_incidents(app)
        assert inc.state is State.OPEN and inc.point == "escalator.yaml"
        await app.tick()
        told = [m for _, m in recorder.sent if m.incident.id == inc.id]
        assert told and told[0].reason == "FIRST"  # someone is told, on the route's ladder

        rewrite(path, good.replace("loops: 2", "loops: lots") + "\n", 2)  # touched, still bad
        assert await app.config_watch.poll() is False
        assert len(await config_incidents(app)) == 1  # the same alarm, not a second one

        rewrite(path, good, 3)
        assert await app.config_watch.poll() is True
        [inc] = await config_incidents(app)
        assert inc.state is not State.OPEN  # the clear closed it
    finally:
        await app.stop()


async def test_an_alarm_left_open_by_an_earlier_run_is_cleared_at_start(tmp_path, clock,
                                                                      recorder):
    app, path = await build_from_file(tmp_path, clock, recorder)
    good = path.read_text()
    rewrite(path, good.replace("loops: 2", "loops: lots"), 1)
    assert await app.config_watch.poll() is False
    await app.stop()  # stopped while the file is broken; someone fixes it meanwhile
    rewrite(path, good, 2)
    again, _ = await build_from_file(tmp_path, clock, recorder, keep=True)
    try:
        [inc] = await config_incidents(again)
        assert inc.state is not State.OPEN
    finally:
        await again.stop()
