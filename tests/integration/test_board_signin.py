"""Sign-in under a storm of guesses: counted before the hash, hashed on its own threads."""

from __future__ import annotations

import asyncio
import threading

from board_support import (
    board_client,  # noqa: F401 - fixture
    login_token,
)

from escalator.entrypoints.http.board import auth


class Hasher:
    """Stands in for the argon2 hasher the board checks passwords with."""

    def __init__(self, verify) -> None:
        self.verify = verify


async def guess(client, csrf: str, name: str = "Maija") -> int:
    resp = await client.post("/board/login", data={
        "name": name, "password": "guess", "next": "/board/", "csrf": csrf},
        allow_redirects=False)
    return resp.status


async def test_sixty_guesses_at_once_from_one_address_check_at_most_five(client,
                                                                         monkeypatch):
    checked = 0
    real = auth._HASHER.verify

    def counted(stored, password):
        nonlocal checked
        checked += 1
        return real(stored, password)

    monkeypatch.setattr(auth, "_HASHER", Hasher(counted))  # each argon2 check
    csrf = await login_token(client)
    answers = await asyncio.gather(*(guess(client, csrf) for _ in range(60)))
    assert checked <= 5
    assert answers.count(401) == checked and answers.count(429) == 60 - checked


async def test_sign_ins_do_not_hold_the_threads_email_intake_reads_on(client, monkeypatch):
    """E-mail intake parses each message with asyncio.to_thread (the loop's default
    pool). Sign-ins whose hashing never ends must leave that pool free."""
    release = threading.Event()
    threads: set[str] = set()

    def stuck(stored, password):
        threads.add(threading.current_thread().name)
        release.wait(10)
        return False

    monkeypatch.setattr(auth, "_HASHER", Hasher(stuck))  # a check that takes for ever
    csrf = await login_token(client)
    names = [f"user{n}" for n in range(40)]
    guesses = [asyncio.create_task(guess(client, csrf, name)) for name in names]
    try:
        for _ in range(500):  # until the sign-ins are hashing (bounded)
            if threads:
                break
            await asyncio.sleep(0.01)
        mail = await asyncio.wait_for(asyncio.to_thread(lambda: "parsed"), 5)
        assert mail == "parsed"
        assert all(name.startswith("argon2") for name in threads), threads
    finally:
        release.set()
        await asyncio.gather(*guesses)
