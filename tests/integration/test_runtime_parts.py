"""The running concerns the composition root hands its parts to (escalator/runtime/),
each driven on its own: a keeper round on the fake clock, leading and following.

Real SQLite and the fake clock; the keeper's rounds are called directly (its loop only
sleeps a second between them), so nothing here waits on real time.
"""

from __future__ import annotations

from datetime import datetime


class Pokes:
    """Stands in for the waker: counts what the keeper asks of it."""

    running = True

    def __init__(self) -> None:
        self.count = 0

    def poke(self) -> None:
        self.count += 1

    def due_by(self, at: datetime | None) -> None:
        pass

    async def stop(self, timeout: float = 30.0) -> None:
        self.running = False


async def test_a_keeper_round_pokes_the_sqlite_leader_once_per_forward_step(make_app, clock):
    app = await make_app()
    pokes = Pokes()
    app.waker = pokes
    await app.keeper.round()
    assert pokes.count == 0  # SQLite: nobody else writes, nothing to look for
    clock.step_wall(hours=1)
    await app.keeper.round()
    assert pokes.count == 1  # what fell due in the jump is done now
    await app.keeper.round()
    assert pokes.count == 1  # once per step, not every round after it
    clock.advance(hours=1)  # time passing is no step
    await app.keeper.round()
    assert pokes.count == 1


async def test_following_gives_up_what_only_the_leader_does_and_leading_takes_it_again(
        make_app):
    app = await make_app()
    assert app.leading and app.health()["scheduler"]["role"] == "leader"
    pokes = Pokes()
    app.waker = pokes
    app.store.fresh_sink = app.dispatcher.take_fresh  # as a live leader has it
    await app.leadership.follow()
    assert not app.leading and app.waker is None and not pokes.running
    assert app.store.fresh_sink is None  # new outbox rows wait in the table
    assert app.health()["scheduler"] == {"ok": True, "role": "standby"}
    await app.leadership.lead(schedule=False)
    assert app.leading and app.health()["scheduler"]["role"] == "leader"
