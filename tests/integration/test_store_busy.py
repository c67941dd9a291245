"""A locked database answers 503 + Retry-After within 1 s: a sender is never held
for the length of someone else's lock (here another process holding SQLite's write
lock for 10 s), and is taken again (202) within a second of the lock going."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

from support import TOKENS

TERMINAL = {"Authorization": f"Bearer {TOKENS['ESCALATOR_TERMINAL_TOKEN']}"}

HOLD_LOCK = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")  # the write lock, held
conn.execute("INSERT INTO meta (key, value) VALUES ('someone else', 'x')")
print("locked", flush=True)
time.sleep(10)
conn.execute("ROLLBACK")
"""


async def timed_post(client, n: int) -> tuple[int, float, str | None]:
    started = time.monotonic()
    resp = await client.post("/api/v1/events", headers=TERMINAL,
                             json={"code": "FT", "point": f"loop {n}", "id": f"e{n}"})
    await resp.read()
    return resp.status, time.monotonic() - started, resp.headers.get("Retry-After")


async def test_locked_sqlite_answers_503_within_a_second(make_app, aiohttp_client, tmp_path,
                                                         clock):
    app = await make_app()
    client = await aiohttp_client(app.web_app())
    assert (await timed_post(client, 0))[0] == 202
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK,
                               app.config.storage[len("sqlite:///"):]],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert (await asyncio.to_thread(holder.stdout.readline)).strip() == "locked"
        one = await timed_post(client, 1)
        several = await asyncio.gather(*(timed_post(client, n) for n in range(2, 12)))
        print(f"503 answers while locked: max {max(t for _, t, _ in [one, *several]):.3f} s")
        for status, took, retry_after in [one, *several]:
            assert status == 503, status
            assert retry_after, "a 503 without Retry-After"
            assert took < 1.0, f"the sender was held {took:.2f} s"
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    released = clock.monotonic()  # the store's busy hold runs on the service's clock
    while (status := (await timed_post(client, 20))[0]) != 202:  # as a sender retries
        assert status == 503
        assert clock.monotonic() - released < 1.0, "still refused a second after the lock"
        clock.advance(seconds=0.05)
    stored = await app.store.transaction(lambda tx: tx.incidents.listed("open"))
    assert {i.point for i in stored} == {"loop 0", "loop 20"}  # a 503 stored nothing
