"""Hostile input, in figures; run by hand, never as timed assertions in CI.

    .venv/bin/python tests/perf/bench_hostile_input.py

1. Rules: the README's `Maavuoto (?P<where>.+) alkoi` on a Subject of n
   repeated "Maavuoto x" words, with Python's `re` (backtracking) and with
   the RE2 engine the rules now run on.
2. Reading a mail whose folded Subject is n bytes: the whole `event_for`
   (headers capped, rules on RE2) as the SMTP receiver runs it.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

from support import FakeClock  # noqa: E402

from escalator.config.model import SourceConfig  # noqa: E402
from escalator.entrypoints.receivers.base import IntakeContext
from escalator.entrypoints.receivers.smtp import EmailReceiver
from escalator.parsing import patterns

RULE = "Maavuoto (?P<where>.+) alkoi"


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def bench_rules() -> None:
    print("| Subject | Python re | RE2 |")
    print("| ---: | ---: | ---: |")
    for words in (500, 2_000, 6_000):
        text = " ".join(["Maavuoto x"] * words)
        slow = timed(lambda: re.search(RULE, text, re.I | re.M))  # noqa: B023
        fast = timed(lambda: patterns.search(RULE, text))  # noqa: B023
        print(f"| {len(text):,} chars | {slow * 1000:,.1f} ms | {fast * 1000:,.2f} ms |")


async def _unused(event):  # type: ignore[no-untyped-def]
    raise AssertionError


def bench_mail() -> None:
    source = SourceConfig("mail", "email", options={
        "listen": ("127.0.0.1", 0), "code": "email_unmatched",
        "rules": ({"match": RULE, "in": "any", "code": "YX", "point": "{where}",
                   "state": "alarm"},)})
    receiver = EmailReceiver(IntakeContext(source, _unused, FakeClock(), lambda name: None))
    print("\n| mail | event_for |")
    print("| ---: | ---: |")
    for size in (10_000, 100_000, 1_000_000):
        words = " ".join(["Maavuoto x"] * (size // 11))
        folded = "\r\n ".join(words[i:i + 70] for i in range(0, len(words), 70))
        raw = f"Subject: {folded}\r\n\r\n{words}\r\n".encode()
        took = timed(lambda: receiver.event_for(raw))  # noqa: B023
        print(f"| {len(raw):,} bytes | {took * 1000:,.1f} ms |")


if __name__ == "__main__":
    bench_rules()
    bench_mail()
