"""The live stream's parts: which incidents changed since a version, where a row goes,
and work shared by every stream."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from escalator.domain.model import Incident, State
from escalator.entrypoints.http.board import rows
from escalator.entrypoints.http.board.live import Placed
from escalator.entrypoints.http.board.state import Changes, Shared

T0 = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


def test_changes_name_the_incidents_since_a_version():
    changes = Changes()
    changes.notify({1})
    seen = changes.version
    changes.notify({2, 3})
    changes.notify(())  # a wake-up naming nothing
    changes.notify({3})
    assert changes.since(seen) == {2, 3}
    assert changes.since(changes.version) == frozenset()
    changes.notify()  # anything may have changed
    assert changes.since(seen) is None


def test_a_reader_too_far_behind_reads_everything():
    changes = Changes()
    for n in range(Changes.KEEP + 5):
        changes.notify({n})
    assert changes.since(0) is None
    assert changes.since(changes.version - 2) == {Changes.KEEP + 3, Changes.KEEP + 4}


def incident(n: int, severity: str = "medium", minutes: int = 0) -> Incident:
    return Incident(id=n, source="t", code="FT", point=f"p{n}", text="", severity=severity,
                    ladder="l", state=State.OPEN, opened_at=T0 + timedelta(minutes=minutes),
                    last_seen_at=T0)


def test_a_row_goes_before_the_one_after_it_in_the_boards_order():
    found = [incident(1, minutes=1), incident(2, minutes=2), incident(3, "critical")]
    placed = Placed(found)
    ordered = [i.id for i in rows.order(found)]
    assert ordered == [3, 2, 1]
    assert [placed.after(i) for i in ordered] == [2, 1, None]
    placed.put(incident(4, "critical", minutes=5))  # newest critical: first
    assert placed.after(4) == 3
    placed.put(replace(incident(1, minutes=1), severity="critical"))  # moved up: 4, 1, 3, 2
    assert (placed.after(4), placed.after(1), placed.after(3)) == (1, 3, 2)
    placed.drop(2)
    assert 2 not in placed and placed.after(3) is None and len(placed) == 3


async def test_shared_work_is_done_once_and_a_failure_is_not_kept():
    shared = Shared(keep=8)
    calls = 0

    async def read() -> str:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0)
        return "rows"

    assert await asyncio.gather(*(shared.get("k", read) for _ in range(50))) == ["rows"] * 50
    assert calls == 1

    async def broken() -> str:
        raise OSError("store down")

    with pytest.raises(OSError):
        await shared.get("bad", broken)
    assert await shared.get("bad", read) == "rows"  # asked again, made again


async def test_a_change_wakes_the_streams_in_turn_not_all_in_one_turn_of_the_loop(
        monkeypatch):
    """Fifty boards share the intake's event loop. Woken in one turn of the loop, their
    rounds run back to back before the loop looks at its sockets again, and an alarm
    posted meanwhile waits for all fifty. So: the lead first (it reads and renders the
    change for all), and once it is back waiting, one stream per turn of the loop."""
    monkeypatch.setattr(Changes, "GATHER_S", 0.0)
    changes, loop = Changes(), asyncio.get_running_loop()
    turn = [0]

    def tick() -> None:  # counts the turns of the loop: runs once in each
        turn[0] += 1
        loop.call_soon(tick)

    woke: list[tuple[int, int]] = []  # (stream, the loop's turn it resumed in)

    async def stream(n: int) -> None:
        seen = changes.version
        while True:
            seen = await changes.wait(seen, 60)
            woke.append((n, turn[0]))

    streams = [asyncio.create_task(stream(n)) for n in range(50)]
    for _ in range(5):
        await asyncio.sleep(0)  # every stream waits
    loop.call_soon(tick)
    changes.notify({1})
    for _ in range(1000):
        if len(woke) >= 50:
            break
        await asyncio.sleep(0)
    for task in streams:
        task.cancel()
    await asyncio.gather(*streams, return_exceptions=True)
    assert sorted(n for n, _ in woke) == list(range(50))  # each woken once for the change
    turns = [t for _, t in woke]
    assert len(set(turns)) == 50  # no two in the same turn of the loop
    assert turns == sorted(turns)


def test_the_oldest_row_shown_is_found_without_walking_the_list():
    """Past the list's limit every new alarm drops the oldest row on every open board:
    the lowest id still shown, kept in a heap (ids dropped meanwhile skipped)."""
    placed = Placed([incident(n, minutes=n) for n in (5, 3, 4, 8)])
    assert placed.oldest() == 3
    placed.drop(3)
    placed.put(incident(9, minutes=9))
    assert placed.oldest() == 4
    placed.put(replace(incident(4, minutes=4), severity="critical"))  # moved, still shown
    assert placed.oldest() == 4
    placed.drop(4)
    placed.drop(5)
    assert placed.oldest() == 8
    placed.put(incident(3, minutes=3))  # back again
    assert placed.oldest() == 3 and len(placed) == 3
