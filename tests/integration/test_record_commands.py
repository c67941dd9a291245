"""Maintenance windows, register notes and closings, and sign-in as use-case commands.

Each command asks the permit table (domain/permits.py) before it touches the store,
so a refused one leaves nothing behind and wakes nobody; the HTTP doors only read
their request into the command. The board's manager may keep the register through
the same command the operator API uses (real SQLite, the real use cases).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from board_support import PASSWORDS, build

from escalator.domain.maintenance import MaintenanceWindow, WindowProblem
from escalator.domain.model import AlarmEvent, SafetyCause, SafetyRecord
from escalator.domain.permits import Refusal
from escalator.domain.signin import CLEAN_CAP, FREE
from escalator.usecases.maintenance import By
from escalator.usecases.register import Close, Note
from escalator.usecases.signin import SignIn


async def a_record(app, clock) -> int:
    res = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now(),
                                              point="Loop 2"))
    rec = SafetyRecord(SafetyCause.NOBODY_ACKNOWLEDGED, clock.now())
    await app.store.transaction(lambda tx: tx.safety.add(res.incident_id, [rec]))
    found = await app.use_cases().register.of_incident(res.incident_id)
    return found[0][0].safety.id


def poked(app) -> list[int]:
    count = [0]
    real = app.poke

    def poke() -> None:
        count[0] += 1
        real()
    app.poke = poke
    return count


async def test_the_boards_manager_keeps_the_register_a_nurse_and_a_viewer_may_not(app, clock):
    register = app.use_cases().register
    safety_id = await a_record(app, clock)
    for role in ("nurse", "viewer"):
        refused = await register.note(Note("Anna", role, safety_id, "seen"))
        assert refused.refusal is Refusal.ROLE and refused.record is None
        shut = await register.close(Close("Anna", role, safety_id, "training"))
        assert shut.refusal is Refusal.ROLE
    assert (await register.record(safety_id)).review is None  # nothing was written
    noted = await register.note(Note("Maija", "manager", safety_id, "the vendor was told"))
    assert noted.refusal is None and [n.note for n in noted.record.notes] == [
        "the vendor was told"]
    closed = await register.close(Close("Maija", "manager", safety_id, "vendor late", "call"))
    assert closed.record.review.closed_by == "Maija"
    again = await register.close(Close("operator", "operator", safety_id, "other"))
    assert again.refusal is Refusal.CLOSED  # the first closing stands
    assert (await register.note(Note("Maija", "manager", 10**9, "x"))).refusal \
        is Refusal.MISSING


async def test_a_refused_window_command_keeps_nothing_and_wakes_nobody(app, clock):
    maintenance = app.use_cases().maintenance
    count = poked(app)
    maintenance = type(maintenance)(maintenance.context, maintenance.store, app.poke)
    draft = MaintenanceWindow("", clock.now(), clock.now() + timedelta(hours=2), "work")
    assert (await maintenance.set(By("reader", "viewer"), draft)).refusal is Refusal.ROLE
    too_long = MaintenanceWindow("", clock.now(), clock.now() + timedelta(days=30), "work")
    bad = await maintenance.set(By("operator", "operator"), too_long)
    assert (bad.refusal, bad.problem) == (Refusal.INVALID, WindowProblem.TOO_LONG)
    assert await maintenance.windows(clock.now()) == [] and count == [0]
    made = await maintenance.set(By("operator", "operator"), draft)
    assert made.window is not None and count == [1]
    window_id = int(made.window.id)
    assert (await maintenance.end(By("reader", "viewer"), window_id)).refusal is Refusal.ROLE
    assert (await maintenance.end(By("operator", "operator"), window_id)).window.ends \
        == clock.now()
    assert (await maintenance.renew(By("operator", "operator"), window_id,
                                    clock.now() + timedelta(hours=1))).refusal is Refusal.ENDED


async def test_sign_in_counts_before_the_hash_and_checks_only_the_free_ones(
        tmp_path, clock, recorder):
    app = await build(tmp_path, clock, recorder)
    try:
        await _guesses_then_the_owner(app)
    finally:
        await app.stop()


async def _guesses_then_the_owner(app) -> None:
    signing_in = app.use_cases().signing_in
    checked = []

    async def verify(stored: str | None, password: str) -> bool:
        checked.append(password)
        await asyncio.sleep(0)  # the real check runs on a thread: others arrive meanwhile
        return False
    guessing = type(signing_in)(signing_in.context, signing_in.throttle, signing_in.sessions,
                                verify)
    done = await asyncio.gather(*(guessing.sign_in(SignIn("Anna", f"guess {n}", "10.0.0.9"))
                                  for n in range(60)))
    assert len(checked) == FREE
    assert sum(d.refusal is Refusal.SLOW_DOWN for d in done) == 60 - FREE
    assert all(d.token is None for d in done)
    owner = SignIn("anna", PASSWORDS["Anna"], "10.0.0.8")  # from her own, clean address
    slowed = await signing_in.sign_in(owner)  # the guesses slowed her name: a short wait,
    assert slowed.refusal is Refusal.SLOW_DOWN and slowed.wait <= CLEAN_CAP  # no lock-out
    app.clock.advance(seconds=slowed.wait.total_seconds())
    right = await signing_in.sign_in(owner)
    assert right.refusal is None and right.token and right.ttl == timedelta(hours=1)
    assert (await signing_in.sign_in(SignIn("Nobody", "x", "10.0.0.7"))).refusal \
        is Refusal.WRONG
